package dev.watchpost.daemon.http;

import dev.watchpost.ringbuffer.Counter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * A Server-Sent Events stream connection once its response headers are on their way: ignores
 * anything more the client sends, and tells its {@link StreamSubscriber} when the channel's
 * writability changes and when the connection is gone. Event loop only.
 */
final class SseChannelHandler extends ChannelInboundHandlerAdapter {
    private final HttpServer server;
    private final StreamSubscriber subscriber;
    private boolean opened;

    SseChannelHandler(HttpServer server, StreamSubscriber subscriber) {
        this.server = server;
        this.subscriber = subscriber;
    }

    /** The response headers are written: the stream may start. */
    void opened() {
        opened = true;
        server.counters().increment(Counter.STREAM_CLIENTS_OPENED);
        subscriber.onHandshakeComplete();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
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
