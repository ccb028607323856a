package dev.watchpost.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One WebSocket subscriber of the daemon's {@code GET /v1/stream}, live only and unfiltered (with
 * {@code include=duplicates}: content-window repeats are stored events too), as a dashboard would
 * hold it, that times every event of this run from its send to its arrival here:
 * end-to-end latency through ingest, validation, dedup, journal, publish and the WebSocket.
 *
 * <pre>
 *   connection c ── EVENT seq s, receipt_id (run, c, s) ──► watchpostd ── text frame ──► StreamReceiver
 *        ▲                                                                                   │ receipt_id → c, s
 *        └────────────────────── c.sendTimeOf(s) ◄───────────────────────────────────────────┘
 *                                                 record (arrival − send time) if sent in the measured period
 * </pre>
 *
 * <p>Each text frame is read only as far as its {@code seq} and {@code receipt_id}
 * ({@link StreamEventText}); the receipt_id names the connection and seq that sent it
 * ({@link ReceiptIds}), so no map from id to event is kept. The arrival time is read once per socket
 * read. Send times: see {@link DetectorConnection#sendTimeOf}.
 *
 * <p>Checks: the journal seqs must follow one another (a live stream has no gap), and each
 * connection's events must arrive in the order it sent them, each once.
 *
 * <p>Threads: one Netty event loop reads the socket and is the only writer of every field below it
 * marks so; the main thread reads the volatile counts while running and the rest after {@link #close}.
 */
final class StreamReceiver {
    private static final long CONNECT_TIMEOUT_MILLIS = 5_000;
    private static final int MAX_HANDSHAKE_RESPONSE = 64 * 1024;
    /** Larger than any event's JSON (a frame is at most 64 KiB, its JSON within a few times that). */
    private static final int MAX_FRAME_PAYLOAD = 1 << 20;

    private final URI uri;
    private final long runMsb;
    private final DetectorConnection[] connections;
    private final EventLoopGroup group;
    private final CompletableFuture<Void> handshake = new CompletableFuture<>();
    private final SingleWriterRecorder latency =
        new SingleWriterRecorder(DetectorConnection.HIGHEST_TRACKABLE_NANOS, DetectorConnection.SIGNIFICANT_DIGITS);
    private Channel channel;
    private long openedNanos;
    private long closedNanos;
    private long cpuNanos = -1;

    private volatile Timeline timeline;
    private volatile boolean closing;
    private volatile String error;
    /** {@link #received}, published once per socket read. */
    private volatile long receivedSoFar;

    // event loop
    private final StreamEventText text = new StreamEventText();
    private final long[] lastSeqOf;
    private long readNanos;
    private long lastJournalSeq;
    private long received;
    private long withoutSendTime;
    private long outOfOrder;
    private long seqBreaks;
    private long foreign;

    private StreamReceiver(URI uri, long runMsb, List<DetectorConnection> connections) {
        this.uri = uri;
        this.runMsb = ReceiptIds.msb(runMsb);
        this.connections = connections.toArray(new DetectorConnection[0]);
        this.lastSeqOf = new long[connections.size()];
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("load-stream", true),
            Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    /**
     * Opens the stream and waits for the WebSocket handshake: from then on the daemon sends this
     * subscriber every event it stores.
     *
     * @param uri {@code ws://host:port/v1/stream}; without a query, {@code include=duplicates} is added
     * @param runMsb the run's receipt_id msb, as given to the connections
     * @param connections the run's connections, by index
     * @throws IOException when the stream cannot be opened within {@link #CONNECT_TIMEOUT_MILLIS}
     */
    static StreamReceiver open(URI uri, long runMsb, List<DetectorConnection> connections) throws IOException, InterruptedException {
        if (uri.getQuery() == null) {
            uri = URI.create(uri + "?include=duplicates");
        }
        StreamReceiver receiver = new StreamReceiver(uri, runMsb, connections);
        try {
            receiver.connect();
            return receiver;
        } catch (IOException | InterruptedException | RuntimeException e) {
            receiver.close();
            throw e;
        }
    }

    private void connect() throws IOException, InterruptedException {
        int port = uri.getPort() > 0 ? uri.getPort() : 80;
        WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
            .webSocketUri(uri)
            .version(WebSocketVersion.V13)
            .maxFramePayloadLength(MAX_FRAME_PAYLOAD)
            .handleCloseFrames(false) // to report the daemon's reason, e.g. "too slow"
            .withUTF8Validator(false) // only two ASCII fields are read
            .handshakeTimeoutMillis(CONNECT_TIMEOUT_MILLIS)
            .build();
        Bootstrap bootstrap = new Bootstrap()
            .group(group)
            .channel(Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CONNECT_TIMEOUT_MILLIS)
            .handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(MAX_HANDSHAKE_RESPONSE),
                        new WebSocketClientProtocolHandler(config), new Handler());
                }
            });
        ChannelFuture connected = bootstrap.connect(uri.getHost(), port).await();
        if (!connected.isSuccess()) {
            throw new IOException("cannot connect to " + uri + ": " + connected.cause().getMessage());
        }
        channel = connected.channel();
        openedNanos = System.nanoTime();
        try {
            handshake.get(CONNECT_TIMEOUT_MILLIS * 2, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException("WebSocket handshake with " + uri + " failed: " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new IOException("no WebSocket handshake answer from " + uri);
        }
    }

    /** Gives the run's timeline; call before any connection sends. */
    void start(Timeline timeline) {
        this.timeline = timeline;
    }

    /** True when every event counted in {@code expected} has arrived, or the stream failed. */
    boolean complete(long expected) {
        return receivedSoFar >= expected || error != null;
    }

    /** Closes the stream and stops its thread. */
    void close() throws InterruptedException {
        closing = true;
        if (channel != null) {
            channel.close().await();
            closedNanos = System.nanoTime();
            Future<Long> cpu = group.next().submit(
                () -> ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime());
            if (cpu.await(1, TimeUnit.SECONDS) && cpu.isSuccess()) {
                cpuNanos = cpu.getNow();
            }
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await();
    }

    // ------------------------------------------------------------------ event loop

    private final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                handshake.complete(null);
            } else if (event == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                handshake.completeExceptionally(new IOException("handshake timed out"));
            }
            super.userEventTriggered(ctx, event);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof TextWebSocketFrame) {
                    onText(((TextWebSocketFrame) msg).content());
                } else if (msg instanceof CloseWebSocketFrame) {
                    CloseWebSocketFrame close = (CloseWebSocketFrame) msg;
                    fail("the daemon closed the stream: " + close.statusCode() + " " + close.reasonText());
                    ctx.close();
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            readNanos = 0;
            receivedSoFar = received;
            ctx.fireChannelReadComplete();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            receivedSoFar = received;
            if (!closing) {
                fail("the daemon closed the stream's connection");
            }
            handshake.completeExceptionally(new IOException("connection closed"));
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!closing) {
                fail(cause.toString());
            }
            handshake.completeExceptionally(cause);
            ctx.close();
        }
    }

    private void onText(ByteBuf content) {
        long now = readNanos;
        if (now == 0) {
            now = System.nanoTime();
            readNanos = now;
        }
        if (!text.parse(content)) {
            foreign++;
            return;
        }
        long journalSeq = text.seq();
        if (lastJournalSeq != 0 && journalSeq != lastJournalSeq + 1) {
            seqBreaks++;
        }
        lastJournalSeq = journalSeq;
        long lsb = text.receiptLsb();
        Timeline t = timeline;
        int c = ReceiptIds.connection(lsb);
        if (text.receiptMsb() != runMsb || !ReceiptIds.isOurs(lsb) || c >= connections.length || t == null) {
            foreign++;
            return;
        }
        long seq = ReceiptIds.seq(lsb);
        if (seq <= lastSeqOf[c]) {
            outOfOrder++;
            return;
        }
        lastSeqOf[c] = seq;
        received++;
        long sent = connections[c].sendTimeOf(seq);
        if (sent == DetectorConnection.NO_SEND_TIME) {
            withoutSendTime++;
        } else if (t.measured(sent)) {
            latency.recordValue(DetectorConnection.clamp(now - sent));
        }
    }

    private void fail(String message) {
        synchronized (this) {
            if (error == null) {
                error = "stream " + uri + ": " + message;
            }
        }
    }

    // ------------------------------------------------------------------ results

    /** Latency since the last call (ns, from the send time of events sent in the measured period). */
    Histogram intervalLatency(Histogram recycle) {
        return latency.getIntervalHistogram(recycle);
    }

    URI uri() {
        return uri;
    }

    /** CPU time of the receiving thread from open to close, s; -1 when the JVM cannot say. */
    double cpuSeconds() {
        return cpuNanos < 0 ? -1 : cpuNanos / 1e9;
    }

    /** Time from open to close, s. */
    double openSeconds() {
        return (closedNanos - openedNanos) / 1e9;
    }

    String error() {
        return error;
    }

    // Read these only after close().

    /** Events of this run received, each once and in its connection's order. */
    long received() {
        return received;
    }

    /** Of {@link #received}: closed loop only, send time no longer in the ring when the event arrived. */
    long withoutSendTime() {
        return withoutSendTime;
    }

    /** Events of this run that arrived again, or before an event their connection sent earlier. */
    long outOfOrder() {
        return outOfOrder;
    }

    /** Events whose journal seq was not the previous event's + 1. */
    long seqBreaks() {
        return seqBreaks;
    }

    /** Events not sent by this run (other producers), or text that is not an event. */
    long foreign() {
        return foreign;
    }
}
