package dev.watchpost.daemon.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The bytes Netty's own encoders put on the wire for a stream message, which is what the stream
 * wrote before it built its frames and chunks itself ({@link StreamWire}): the reference the tests
 * hold those to.
 */
final class EncodedByNetty {
    private EncodedByNetty() {
    }

    /** A server's WebSocket text frame of {@code text}, as {@link WebSocket13FrameEncoder} writes it. */
    static byte[] textFrame(byte[] text) {
        EmbeddedChannel channel = new EmbeddedChannel(new WebSocket13FrameEncoder(false));
        channel.writeOutbound(new TextWebSocketFrame(Unpooled.wrappedBuffer(text)));
        return drain(channel);
    }

    /** {@code content} as one chunk of a chunked response, as Netty's HTTP encoder writes it. */
    static byte[] chunk(String content) {
        EmbeddedChannel channel = chunkedResponse();
        channel.writeOutbound(new DefaultHttpContent(Unpooled.copiedBuffer(content, StandardCharsets.UTF_8)));
        return drain(channel);
    }

    /** The last chunk of a chunked response, as Netty's HTTP encoder writes it. */
    static byte[] lastChunk() {
        EmbeddedChannel channel = chunkedResponse();
        channel.writeOutbound(LastHttpContent.EMPTY_LAST_CONTENT);
        return drain(channel);
    }

    /** One event's Server-Sent Events message as the chunk the stream wrote through Netty's HTTP encoder. */
    static byte[] sseEvent(long seq, String json) {
        return chunk("id: " + seq + "\ndata: " + json + "\n\n");
    }

    /** An encoder that has written the head of a chunked 200, whose bytes are dropped. */
    private static EmbeddedChannel chunkedResponse() {
        EmbeddedChannel channel = new EmbeddedChannel(new HttpResponseEncoder());
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        HttpUtil.setTransferEncodingChunked(head, true);
        channel.writeOutbound(head);
        read(channel);
        return channel;
    }

    private static byte[] drain(EmbeddedChannel channel) {
        byte[] bytes = read(channel);
        channel.finishAndReleaseAll();
        return bytes;
    }

    /** Every byte written to {@code channel} so far; the buffers go back. */
    static byte[] read(EmbeddedChannel channel) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ByteBuf out;
        while ((out = channel.readOutbound()) != null) {
            byte[] part = new byte[out.readableBytes()];
            out.readBytes(part);
            bytes.writeBytes(part);
            out.release();
        }
        return bytes.toByteArray();
    }
}
