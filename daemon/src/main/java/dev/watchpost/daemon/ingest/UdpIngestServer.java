package dev.watchpost.daemon.ingest;

import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import dev.watchpost.daemon.config.WatchpostConfig;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.Origin;
import dev.watchpost.ringbuffer.WallClock;
import dev.watchpost.ringbuffer.codec.FrameHeader;
import dev.watchpost.ringbuffer.codec.NackCode;
import dev.watchpost.ringbuffer.codec.Protocol;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The detector UDP listener (protocol v1): exactly one EVENT or HEARTBEAT frame per datagram, never a
 * reply. A datagram with a bad header, of another type, whose length field is not its size, or that
 * finds the ring full is dropped and counted; an EVENT goes through the pipeline like any other and
 * is validated, deduplicated, stored or dead-lettered. The frame's seq is ignored.
 */
public final class UdpIngestServer implements AutoCloseable {
    private final WatchpostConfig.Ingest config;
    private final RingBuffer<EventSlot> ring;
    private final Counters counters;
    private EventLoopGroup group;
    private Channel channel;

    public UdpIngestServer(WatchpostConfig.Ingest config, RingBuffer<EventSlot> ring, Counters counters) {
        this.config = config;
        this.ring = ring;
        this.counters = counters;
    }

    public UdpIngestServer start() throws InterruptedException {
        group = Transports.newGroup(1, "watchpost-udp");
        channel = new Bootstrap()
                .group(group)
                .channel(Transports.datagramChannel())
                .option(ChannelOption.SO_RCVBUF, 4 * 1024 * 1024)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(Protocol.MAX_FRAME_LENGTH + 1))
                .handler(new Datagrams())
                .bind(new InetSocketAddress(config.bind(), config.udpPort())).sync().channel();
        return this;
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** Stops receiving; datagrams already in the ring are still handled. */
    public void stopReading() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
    }

    @Override
    public void close() {
        stopReading();
        if (group != null) {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private final class Datagrams extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            counters.increment(Counter.UDP_FRAMES_RECEIVED);
            ByteBuf content = packet.content();
            int size = content.readableBytes();
            if (size < Protocol.HEADER_LENGTH) {
                counters.increment(Counter.UDP_FRAMES_DROPPED);
                return;
            }
            int at = content.readerIndex();
            NackCode error = FrameHeader.checkHeader(content.getUnsignedIntLE(at + Protocol.LENGTH_OFFSET),
                    content.getUnsignedShortLE(at + Protocol.MAGIC_OFFSET), content.getUnsignedByte(at + Protocol.VERSION_OFFSET),
                    content.getUnsignedByte(at + Protocol.TYPE_OFFSET));
            byte type = content.getByte(at + Protocol.TYPE_OFFSET);
            if (error != null || content.getUnsignedIntLE(at) != size
                    || (type != Protocol.TYPE_EVENT && type != Protocol.TYPE_HEARTBEAT)) {
                counters.increment(Counter.UDP_FRAMES_DROPPED);
                return;
            }
            if (type == Protocol.TYPE_HEARTBEAT) {
                return;
            }
            long sequence;
            try {
                sequence = ring.tryNext();
            } catch (InsufficientCapacityException e) {
                counters.increment(Counter.UDP_FRAMES_DROPPED);
                return;
            }
            try {
                ByteBuffer target = ring.get(sequence).claimEvent(size, UdpOrigin.INSTANCE, 0, WallClock.nowMicros());
                content.getBytes(at, target.array(), target.arrayOffset(), size);
            } finally {
                ring.publish(sequence);
            }
        }
    }

    /** UDP answers nobody; its slots only need a name for the dead-letter store. */
    private enum UdpOrigin implements Origin {
        INSTANCE;

        private static final byte[] DESCRIPTION = "udp".getBytes(StandardCharsets.US_ASCII);

        @Override
        public boolean onHandled(EventSlot slot) {
            return false;
        }

        @Override
        public void flush() {
        }

        @Override
        public byte[] describeUtf8() {
            return DESCRIPTION;
        }
    }
}
