package dev.watchpost.daemon.http;

import dev.watchpost.ringbuffer.Counter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.util.ReferenceCountUtil;

/**
 * A WebSocket stream connection after the upgrade: answers pings and the closing handshake, ignores
 * anything else the client sends, and tells its {@link StreamSubscriber} when the channel's
 * writability changes and when the connection is gone ({@link SseChannelHandler} does the same for a
 * Server-Sent Events connection, which has no frames to answer). Event loop only.
 */
class StreamChannelHandler extends ChannelInboundHandlerAdapter {
    private final HttpServer server;
    private final WebSocketServerHandshaker handshaker;
    private final StreamSubscriber subscriber;
    private boolean opened;

    StreamChannelHandler(HttpServer server, WebSocketServerHandshaker handshaker, StreamSubscriber subscriber) {
        this.server = server;
        this.handshaker = handshaker;
        this.subscriber = subscriber;
    }

    /** The handshake answer (or the SSE response's headers) is written: the stream may start. */
    void opened() {
        opened = true;
        server.counters().increment(Counter.STREAM_CLIENTS_OPENED);
        subscriber.onHandshakeComplete();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof CloseWebSocketFrame) {
            handshaker.close(ctx.channel(), (CloseWebSocketFrame) msg); // echoes the close, then closes
        } else if (msg instanceof PingWebSocketFrame) {
            ctx.writeAndFlush(new PongWebSocketFrame(((PingWebSocketFrame) msg).content()));
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        subscriber.onWritabilityChanged();
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        subscriber.onClosed();
        server.hub().unsubscribe(subscriber);
        server.nudgePipeline();
        if (opened) {
            server.counters().increment(Counter.STREAM_CLIENTS_CLOSED);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
