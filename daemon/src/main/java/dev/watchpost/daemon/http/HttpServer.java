package dev.watchpost.daemon.http;

import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import dev.watchpost.daemon.Log;
import dev.watchpost.daemon.config.WatchpostConfig;
import dev.watchpost.daemon.ingest.Transports;
import dev.watchpost.daemon.json.JsonEventReader;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.WallClock;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The HTTP listener: {@code GET /v1/health}, {@code GET /v1/status}, {@code POST /v1/events} (JSON
 * ingest into the ring) and {@code GET /v1/stream} (WebSocket, fed by the {@link StreamHub}). One
 * acceptor thread and one I/O thread: on a 2-core box the other core belongs to the pipeline.
 *
 * <pre>
 *  socket ─► HttpServerCodec ─► BodyLimitAggregator (413 over max_body) ─► HttpRequestHandler
 *                                       after a WebSocket upgrade:  ─► StreamChannelHandler
 * </pre>
 *
 * <p>Lifecycle: {@link #start}, then at shutdown {@link #stopIngest} before the pipeline drains (no
 * new events go into the ring; requests still being published are dropped unanswered, to be retried
 * by their clients), then {@link #close} after it has drained, so the answers of what was published
 * are written before the connections close.
 */
public final class HttpServer implements AutoCloseable {
    /** Largest WebSocket frame a stream client may send us; they send only pings and closes. */
    static final int MAX_CLIENT_FRAME = 64 * 1024;
    private static final int CLOSE_TIMEOUT_SECONDS = 5;

    private final WatchpostConfig.Http config;
    private final EventTypeRegistry registry;
    private final RingBuffer<EventSlot> ring;
    private final StreamHub hub;
    private final Counters counters;
    private final BooleanSupplier ready;
    private final Supplier<Map<String, Object>> status;
    private final JsonEventReader reader;
    private final WebSocketServerHandshakerFactory handshakers;
    private final ChannelGroup channels = new DefaultChannelGroup("watchpost-http", GlobalEventExecutor.INSTANCE);
    private volatile Consumer<String> errorLog = Log::error;
    private volatile Consumer<String> warningLog = Log::warn;
    private volatile Supplier<java.util.concurrent.CompletableFuture<java.util.List<String>>> reload =
            () -> java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("this server cannot reload rules"));
    private volatile Duration reloadTimeout = Duration.ofSeconds(50);
    private volatile boolean ingestStopped;
    private volatile boolean stopping;
    private EventLoopGroup boss;
    private EventLoopGroup worker;
    private Channel serverChannel;

    /**
     * @param journal reserved for the REST event queries; stream replays read it through {@code hub}
     * @param ready   whether {@code /v1/health} says ok
     * @param status  the daemon's own {@code /v1/status} fields; the counters are added here
     */
    public HttpServer(WatchpostConfig.Http config, EventTypeRegistry registry, RingBuffer<EventSlot> ring, Journal journal,
                      StreamHub hub, Counters counters, BooleanSupplier ready, Supplier<Map<String, Object>> status) {
        this.config = Objects.requireNonNull(config, "config");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.ring = Objects.requireNonNull(ring, "ring");
        Objects.requireNonNull(journal, "journal");
        this.hub = Objects.requireNonNull(hub, "hub");
        this.counters = Objects.requireNonNull(counters, "counters");
        this.ready = Objects.requireNonNull(ready, "ready");
        this.status = Objects.requireNonNull(status, "status");
        this.reader = new JsonEventReader(registry);
        this.handshakers = new WebSocketServerHandshakerFactory("ws://localhost/v1/stream", null,
                WebSocketDecoderConfig.newBuilder().maxFramePayloadLength(MAX_CLIENT_FRAME).allowExtensions(false).build());
    }

    /**
     * What {@code POST /v1/reload} runs: the daemon's rules reload, completing with the lines to
     * answer, or failing with a {@link dev.watchpost.daemon.config.ConfigException} (answered 400
     * with every problem) or anything else (500). Before {@link #start}.
     */
    public HttpServer reloadWith(Supplier<java.util.concurrent.CompletableFuture<java.util.List<String>>> reload) {
        this.reload = Objects.requireNonNull(reload, "reload");
        return this;
    }

    /**
     * The reload, answered within {@link #reloadTimeout}: a pipeline that has stopped never reaches
     * the reload slot, and the answer then says so rather than never coming.
     */
    java.util.concurrent.CompletableFuture<java.util.List<String>> reload() {
        return reload.get().orTimeout(reloadTimeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** How long {@code POST /v1/reload} waits for the new rule stages (50 s: the CLI waits 60). */
    Duration reloadTimeout() {
        return reloadTimeout;
    }

    /** For tests. */
    HttpServer reloadTimeout(Duration timeout) {
        this.reloadTimeout = timeout;
        return this;
    }

    /** Binds {@code bind:port} (port 0: an ephemeral one, see {@link #port}). */
    public HttpServer start() throws InterruptedException {
        boss = Transports.newGroup(1, "watchpost-http-accept");
        worker = Transports.newLockedGroup(1, "watchpost-http");
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, worker)
                .channel(Transports.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 256)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        channels.add(ch);
                        ch.pipeline()
                                .addLast("codec", new HttpServerCodec())
                                .addLast("aggregator", new BodyLimitAggregator(config.maxBodyBytes(), counters))
                                .addLast("requests", new HttpRequestHandler(HttpServer.this));
                    }
                });
        serverChannel = bootstrap.bind(new InetSocketAddress(config.bind(), config.port())).sync().channel();
        return this;
    }

    /** The bound port (the configured one, or the ephemeral one chosen for port 0). */
    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /**
     * Stops putting events into the ring: new {@code POST /v1/events} get 503, bodies still being
     * published are dropped with their connection. Health says "stopping". Any thread.
     */
    public void stopIngest() {
        stopping = true;
        ingestStopped = true;
    }

    /** Stops accepting, closes every connection (after what is queued on it is written), stops the threads. */
    @Override
    public void close() {
        stopIngest();
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        channels.close().awaitUninterruptibly(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (worker != null) {
            worker.shutdownGracefully(0, CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS).awaitUninterruptibly();
        }
        if (boss != null) {
            boss.shutdownGracefully(0, CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }

    /**
     * Makes the publish thread end a batch soon, so that the hub applies a subscribe or unsubscribe
     * even while no events flow: publishes a close request for no origin, which every stage passes
     * by. When the ring is full there is no need: a batch is about to end anyway.
     */
    void nudgePipeline() {
        long sequence;
        try {
            sequence = ring.tryNext();
        } catch (InsufficientCapacityException e) {
            return;
        }
        try {
            ring.get(sequence).claimClose(null, null, 0, WallClock.nowMicros());
        } finally {
            ring.publish(sequence);
        }
    }

    /** Sends this server's error and warning lines to {@code sink} instead of the daemon's log; for tests. */
    void logTo(Consumer<String> sink) {
        errorLog = Objects.requireNonNull(sink, "sink");
        warningLog = sink;
    }

    // ---- for the handlers

    void logError(String line) {
        errorLog.accept(line);
    }

    void logWarning(String line) {
        warningLog.accept(line);
    }

    WatchpostConfig.Http config() {
        return config;
    }

    EventTypeRegistry registry() {
        return registry;
    }

    RingBuffer<EventSlot> ring() {
        return ring;
    }

    StreamHub hub() {
        return hub;
    }

    Counters counters() {
        return counters;
    }

    JsonEventReader reader() {
        return reader;
    }

    WebSocketServerHandshakerFactory handshakers() {
        return handshakers;
    }

    boolean isReady() {
        return ready.getAsBoolean();
    }

    boolean isStopping() {
        return stopping;
    }

    boolean isIngestStopped() {
        return ingestStopped;
    }

    Map<String, Object> statusFields() {
        return status.get();
    }
}
