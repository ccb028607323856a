package dev.watchpost.daemon.http;

import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;

import java.util.concurrent.TimeUnit;

/**
 * Netty's aggregator with answers a client can read: a body over {@code max_body} gets {@code 413}
 * with a JSON reason (Netty's own has no body), counted as a bad request.
 *
 * <p>When the connection must close because the client is already sending the body, it closes the
 * way a client can still read the answer: the answer is written, the output side shut, and what the
 * client still sends is read and dropped until it stops or {@link #LINGER_MILLIS} pass. Closing at
 * once would leave unread bytes in the socket, and the kernel would answer them with a reset that
 * may destroy the 413 before the client reads it.
 */
final class BodyLimitAggregator extends HttpObjectAggregator {
    /** How long a connection closing after a 413 keeps reading and dropping the rest of the body. */
    static final long LINGER_MILLIS = 2000;

    private final Counters counters;

    BodyLimitAggregator(int maxBodyBytes, Counters counters) {
        super(maxBodyBytes);
        this.counters = counters;
    }

    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        Object response = super.newContinueResponse(start, maxContentLength, pipeline);
        if (response instanceof HttpResponse && ((HttpResponse) response).status().code() >= 400) {
            HttpResponseStatus status = ((HttpResponse) response).status();
            ReferenceCountUtil.release(response);
            counters.increment(Counter.HTTP_REQUESTS);
            counters.increment(Counter.HTTP_BAD_REQUESTS);
            String reason = status.code() == HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE.code()
                    ? tooLarge(maxContentLength) : "unsupported Expect header";
            return Responses.error(pipeline.channel().alloc(), status, reason, true);
        }
        return response;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) throws Exception {
        if (!(oversized instanceof HttpRequest)) {
            super.handleOversizedMessage(ctx, oversized);
            return;
        }
        counters.increment(Counter.HTTP_REQUESTS);
        counters.increment(Counter.HTTP_BAD_REQUESTS);
        // Netty's rule: close unless the client has not started the body and will keep the connection.
        boolean close = oversized instanceof FullHttpMessage || !ctx.channel().config().isAutoRead()
                || !HttpUtil.is100ContinueExpected(oversized) && !HttpUtil.isKeepAlive(oversized);
        FullHttpResponse response = Responses.error(ctx.alloc(), HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                tooLarge(maxContentLength()), !close);
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(f -> lingerThenClose(ctx.channel(), f.isSuccess()));
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        }
    }

    private static String tooLarge(int max) {
        return "body larger than " + max + " bytes (http.max_body)";
    }

    private static void lingerThenClose(Channel channel, boolean written) {
        if (!written || !(channel instanceof DuplexChannel) || !channel.isActive()) {
            channel.close();
            return;
        }
        channel.pipeline().addFirst("discard", new DiscardInbound());
        ((DuplexChannel) channel).shutdownOutput();
        channel.eventLoop().schedule(() -> {
            channel.close();
        }, LINGER_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Drops everything read; the connection is closing. */
    private static final class DiscardInbound extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }
}
