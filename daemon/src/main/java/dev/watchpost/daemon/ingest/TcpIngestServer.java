package dev.watchpost.daemon.ingest;

import com.lmax.disruptor.RingBuffer;
import dev.watchpost.daemon.config.WatchpostConfig;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventSlot;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The detector TCP listener (protocol v1). One I/O thread serves every connection: on a 2-core box
 * the second core belongs to the pipeline. Connections over the limit are closed on accept.
 */
public final class TcpIngestServer implements AutoCloseable {
    private final WatchpostConfig.Ingest config;
    private final RingBuffer<EventSlot> ring;
    private final Counters counters;
    private final IngestSettings settings;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final AtomicInteger open = new AtomicInteger();
    private EventLoopGroup group;
    private Channel serverChannel;

    public TcpIngestServer(WatchpostConfig.Ingest config, RingBuffer<EventSlot> ring, Counters counters) {
        this.config = config;
        this.ring = ring;
        this.counters = counters;
        this.settings = IngestSettings.of(config.tokens(), config.ackInterval().toNanos() / 1000);
    }

    public TcpIngestServer start() throws InterruptedException {
        group = Transports.newLockedGroup(1, "watchpost-tcp");
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(Transports.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 256)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.AUTO_READ, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (open.incrementAndGet() > config.maxConnections()) {
                            open.decrementAndGet();
                            counters.increment(Counter.TCP_CONNECTIONS_REFUSED);
                            ch.close();
                            return;
                        }
                        ch.closeFuture().addListener(f -> open.decrementAndGet());
                        connections.add(ch);
                        ch.pipeline()
                                .addLast("idle", new IdleStateHandler(config.idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS))
                                .addLast("frames", new TcpConnection(ring, counters, settings));
                    }
                });
        serverChannel = bootstrap.bind(new InetSocketAddress(config.bind(), config.tcpPort())).sync().channel();
        return this;
    }

    /** The bound port (the configured one, or the ephemeral one chosen for port 0). */
    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /** Stops accepting and stops reading every connection; what was read is still answered. */
    public void stopReading() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        for (Channel channel : connections) {
            channel.eventLoop().execute(() -> channel.config().setAutoRead(false));
        }
    }

    /** Closes every connection, after what is queued for it has been written. */
    @Override
    public void close() {
        stopReading();
        connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        if (group != null) {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** For tests: how many connections are open. */
    public int openConnections() {
        return open.get();
    }

}
