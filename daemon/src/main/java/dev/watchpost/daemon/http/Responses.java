package dev.watchpost.daemon.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/** JSON answers: every body the HTTP server sends is JSON, errors as {@code {"error": "<reason>"}}. */
final class Responses {
    private Responses() {
    }

    /** A response carrying {@code body} (taken over) as {@code application/json}. */
    static FullHttpResponse json(HttpResponseStatus status, ByteBuf body, boolean keepAlive) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }

    /** {@code {"error": "<reason>"}} with this status. */
    static FullHttpResponse error(ByteBufAllocator alloc, HttpResponseStatus status, String reason, boolean keepAlive) {
        ByteBuf body = alloc.buffer(reason.length() + 16);
        JsonText.writeError(reason, body);
        return json(status, body, keepAlive);
    }
}
