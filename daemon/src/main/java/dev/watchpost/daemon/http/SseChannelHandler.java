package dev.watchpost.daemon.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;

/**
 * A Server-Sent Events stream connection once its response headers are on their way: the client
 * has nothing more to say, so anything it sends is dropped. Event loop only.
 */
final class SseChannelHandler extends StreamChannelHandler {
    SseChannelHandler(HttpServer server, StreamSubscriber subscriber) {
        super(server, null, subscriber);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }
}
