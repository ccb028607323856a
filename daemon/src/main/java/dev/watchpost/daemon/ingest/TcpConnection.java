package dev.watchpost.daemon.ingest;

import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import dev.watchpost.daemon.NettyBytes;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.Origin;
import dev.watchpost.ringbuffer.WallClock;
import dev.watchpost.ringbuffer.codec.ControlFrames;
import dev.watchpost.ringbuffer.codec.FrameHeader;
import dev.watchpost.ringbuffer.codec.HelloFrame;
import dev.watchpost.ringbuffer.codec.NackCode;
import dev.watchpost.ringbuffer.codec.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One detector's TCP connection: frames in, ACK/NACK out (protocol v1).
 *
 * <p>The I/O side (Netty's event loop) cuts the byte stream into frames, checks each header, the
 * HELLO and the per-connection seq, and copies each EVENT's bytes into a ring slot. It never decodes
 * an event: the pipeline does. When the ring is full it stops reading the socket and tries again
 * shortly (TCP backpressure); what it has read it keeps. A header error, a seq gap, a bad HELLO or a
 * failed authentication does not close the socket at once: a close request goes through the ring
 * behind every frame already read, so the ACK for all of them goes out first, then the NACK.
 *
 * <p>The answer side ({@link Origin}) runs on the pipeline's ack thread: it collects NACKs and the
 * highest handled seq during a batch and writes them at the batch's end. On the native transport it
 * writes them to the socket itself while the I/O thread waits for input ({@link DirectSocket}: then no
 * channel of that thread is being written or closed), instead of handing them over, which would wake
 * that thread to send them: on a busy 2-core box the wait for it to get a core was a large part of an
 * ACK's time. The answers go the I/O thread's way when it is busy (it is awake then; the hand-over
 * costs no wake-up), when the socket has no room for all of them, for the last ones before a close,
 * and while anything handed over before is still unwritten ({@link #queuedWrites}), so that the bytes
 * leave in the order they were made.
 *
 * <pre>
 *   stream:  [hdr|EVENT seq 1][hdr|EVENT seq 2][hdr|HEARTBEAT][hdr|EVENT seq 3]...
 *   answers: [NACK seq 2 code 12][ACK 3]          (one write per ring batch)
 * </pre>
 */
final class TcpConnection extends ChannelInboundHandlerAdapter implements Origin {
    /** How long to wait before trying a full ring again. */
    private static final long RETRY_MICROS = 200;

    private final RingBuffer<EventSlot> ring;
    private final Counters counters;
    private final IngestSettings settings;
    private final HelloFrame hello = new HelloFrame();
    private final ByteBuffer helloScratch = ByteBuffer.allocate(Protocol.HEADER_LENGTH + 4 + Protocol.HELLO_MAX_TOKEN + Protocol.HELLO_MAX_NAME)
            .order(ByteOrder.LITTLE_ENDIAN);

    // I/O thread state
    private ChannelHandlerContext ctx;
    private ByteBuf cumulation;
    private long framesSeen;
    private long lastSeq;
    private boolean authenticated;
    private boolean paused;
    private boolean closing;
    private NackCode pendingCloseNack;
    private long pendingCloseSeq;
    private byte[] description = "tcp".getBytes(StandardCharsets.US_ASCII);

    /** This connection's socket, when the ack thread may write to it; set before the first frame is read. */
    private DirectSocket socket;
    /** Writes handed to Netty and not yet written, where the ack thread writes too: while any is, it does not. */
    private final AtomicInteger queuedWrites = new AtomicInteger();
    private final ChannelFutureListener writtenListener = future -> queuedWrites.decrementAndGet();

    // ack thread state
    /** The batch's answers (NACKs, then the ACK) until its end: bytes 0 .. position. */
    private ByteBuffer answers = ByteBuffer.allocateDirect(256).order(ByteOrder.LITTLE_ENDIAN);
    private long handledSeq;
    private long ackedSeq;
    private boolean closeAfterFlush;
    private NackCode closeNack;
    private long closeNackSeq;
    private int nacksPending;

    TcpConnection(RingBuffer<EventSlot> ring, Counters counters, IngestSettings settings) {
        this.ring = ring;
        this.counters = counters;
        this.settings = settings;
        this.authenticated = !settings.authenticationRequired();
    }

    // ------------------------------------------------------------------ I/O thread

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        socket = DirectSocket.of(ctx.channel());
        if (ctx.channel().remoteAddress() instanceof InetSocketAddress remote) {
            description = ("tcp " + remote.getAddress().getHostAddress() + ":" + remote.getPort()).getBytes(StandardCharsets.UTF_8);
        }
        counters.increment(Counter.TCP_CONNECTIONS_OPENED);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        counters.increment(Counter.TCP_CONNECTIONS_CLOSED);
        releaseCumulation();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        assert socket == null || socket.isLockHeldByCurrentThread() : "the I/O thread reads without its loop lock";
        ByteBuf in = (ByteBuf) msg;
        if (closing) {
            in.release();
            return;
        }
        if (cumulation == null) {
            cumulation = in;
        } else {
            if (cumulation.writableBytes() < in.readableBytes()) {
                ByteBuf merged = ctx.alloc().buffer(Math.max(cumulation.readableBytes() + in.readableBytes(), 2 * cumulation.capacity()));
                NettyBytes.append(cumulation, merged);
                cumulation.release();
                cumulation = merged;
            }
            NettyBytes.append(in, cumulation);
            in.release();
        }
        if (!paused) {
            process();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            counters.increment(Counter.TCP_IDLE_TIMEOUTS);
            requestClose(null, 0);
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset by the peer or similar: nothing to answer; the socket is gone.
        ctx.close();
    }

    /** Cuts and handles every whole frame in the cumulation, until the ring is full or the connection closes. */
    private void process() {
        ByteBuf buf = cumulation;
        while (!closing && buf != null && buf.readableBytes() >= Protocol.HEADER_CHECK_BYTES) {
            int at = buf.readerIndex();
            NackCode headerError = FrameHeader.checkHeader(buf.getUnsignedIntLE(at + Protocol.LENGTH_OFFSET),
                    buf.getUnsignedShortLE(at + Protocol.MAGIC_OFFSET), buf.getUnsignedByte(at + Protocol.VERSION_OFFSET),
                    buf.getUnsignedByte(at + Protocol.TYPE_OFFSET));
            if (headerError != null) {
                counters.increment(Counter.TCP_PROTOCOL_ERRORS);
                requestClose(headerError, 0);
                break;
            }
            int length = (int) buf.getUnsignedIntLE(at + Protocol.LENGTH_OFFSET);
            if (buf.readableBytes() < length) {
                break;
            }
            byte type = buf.getByte(at + Protocol.TYPE_OFFSET);
            boolean first = framesSeen == 0;
            if (type == Protocol.TYPE_HELLO) {
                if (!hello(buf, at, length, first)) {
                    break;
                }
            } else if (!authenticated) {
                counters.increment(Counter.TCP_PROTOCOL_ERRORS);
                requestClose(NackCode.UNAUTHENTICATED, type == Protocol.TYPE_EVENT ? buf.getLongLE(at + Protocol.SEQ_OFFSET) : 0);
                break;
            } else if (type == Protocol.TYPE_EVENT) {
                long seq = buf.getLongLE(at + Protocol.SEQ_OFFSET);
                if (seq != lastSeq + 1) {
                    counters.increment(Counter.TCP_PROTOCOL_ERRORS);
                    requestClose(NackCode.SEQ_OUT_OF_ORDER, seq);
                    break;
                }
                if (!publishEvent(buf, at, length, seq)) {
                    pause();
                    break;
                }
                lastSeq = seq;
            }
            // HEARTBEAT: nothing to do but having been read, which keeps the idle timer away.
            framesSeen++;
            counters.increment(Counter.TCP_FRAMES_RECEIVED);
            buf.skipBytes(length);
        }
        if (buf != null && !buf.isReadable()) {
            releaseCumulation();
        } else if (buf != null && buf.readerIndex() > buf.capacity() / 2) {
            buf.discardReadBytes();
        }
    }

    /** Handles a HELLO; false when the connection is being closed. */
    private boolean hello(ByteBuf buf, int at, int length, boolean first) {
        boolean wellFormed = length <= helloScratch.capacity();
        if (wellFormed) {
            buf.getBytes(at, helloScratch.array(), 0, length);
            wellFormed = hello.wrap(helloScratch, 0, length).isValid();
        }
        if (!first || !wellFormed) {
            counters.increment(Counter.TCP_PROTOCOL_ERRORS);
            requestClose(NackCode.BAD_HELLO, 0);
            return false;
        }
        if (settings.authenticationRequired()) {
            boolean match = false;
            for (byte[] token : settings.tokens()) {
                match |= hello.tokenEquals(token);
            }
            if (!match) {
                counters.increment(Counter.TCP_PROTOCOL_ERRORS);
                requestClose(NackCode.UNAUTHENTICATED, 0);
                return false;
            }
        }
        authenticated = true;
        // The HELLO has been read; its scratch buffer now carries the WELCOME.
        int n = ControlFrames.writeWelcome(helloScratch, 0, Protocol.MAX_FRAME_LENGTH, settings.ackIntervalUs());
        // Counted before any event of this connection is published: the ack thread sees it queued.
        queue(ctx.alloc().buffer(n).writeBytes(helloScratch.array(), 0, n), false);
        return true;
    }

    private boolean publishEvent(ByteBuf buf, int at, int length, long seq) {
        long sequence;
        try {
            sequence = ring.tryNext();
        } catch (InsufficientCapacityException e) {
            return false;
        }
        try {
            EventSlot slot = ring.get(sequence);
            ByteBuffer target = slot.claimEvent(length, this, seq, WallClock.nowMicros());
            buf.getBytes(at, target.array(), target.arrayOffset(), length);
        } finally {
            ring.publish(sequence);
        }
        return true;
    }

    /**
     * Stops reading and sends a close request through the ring: the ack thread answers every frame
     * already read, then sends {@code nack} (if any) and closes.
     */
    private void requestClose(NackCode nack, long nackSeq) {
        if (closing) {
            return;
        }
        closing = true;
        ctx.channel().config().setAutoRead(false);
        releaseCumulation();
        pendingCloseNack = nack;
        pendingCloseSeq = nackSeq;
        publishClose();
    }

    private void publishClose() {
        long sequence;
        try {
            sequence = ring.tryNext();
        } catch (InsufficientCapacityException e) {
            ctx.executor().schedule(this::publishClose, RETRY_MICROS, TimeUnit.MICROSECONDS);
            return;
        }
        try {
            ring.get(sequence).claimClose(this, pendingCloseNack, pendingCloseSeq, WallClock.nowMicros());
        } finally {
            ring.publish(sequence);
        }
    }

    private void pause() {
        if (!paused) {
            paused = true;
            counters.increment(Counter.TCP_BACKPRESSURE_PAUSES);
            ctx.channel().config().setAutoRead(false);
        }
        ctx.executor().schedule(resumeTask, RETRY_MICROS, TimeUnit.MICROSECONDS);
    }

    /** One task for every retry: a method reference made per pause allocates each time the ring is full. */
    private final Runnable resumeTask = this::resume;

    private void resume() {
        if (!ctx.channel().isActive() || closing) {
            return;
        }
        paused = false;
        process();
        if (!paused && !closing) {
            ctx.channel().config().setAutoRead(true);
        }
    }


    private void releaseCumulation() {
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
    }


    // ------------------------------------------------------------------ ack thread (Origin)

    @Override
    public boolean onHandled(EventSlot slot) {
        boolean first = answers.position() == 0 && !closeAfterFlush && handledSeq == ackedSeq;
        if (slot.kind() == EventSlot.KIND_CLOSE) {
            closeAfterFlush = true;
            if (slot.nack() != null) {
                // Written after the final ACK, at flush.
                closeNack = slot.nack();
                closeNackSeq = slot.nackSeq();
            }
            return first;
        }
        if (slot.nack() != null) {
            roomFor(nackLength(slot.nack()));
            answers.position(answers.position() + ControlFrames.writeNack(answers, answers.position(), slot.originSeq(), slot.nack()));
            nacksPending++;
        }
        handledSeq = slot.originSeq();
        return first;
    }

    private static int nackLength(NackCode code) {
        return ControlFrames.NACK_MESSAGE_OFFSET + code.reasonUtf8().length;
    }

    /** Makes room in {@link #answers} for {@code bytes} more. */
    private void roomFor(int bytes) {
        if (answers.remaining() < bytes) {
            ByteBuffer grown = ByteBuffer.allocateDirect(Math.max(answers.capacity() * 2, answers.position() + bytes)).order(ByteOrder.LITTLE_ENDIAN);
            answers.flip();
            answers = grown.put(answers);
        }
    }

    @Override
    public void flush() {
        int acks = 0;
        if (handledSeq > ackedSeq) {
            roomFor(ControlFrames.ACK_LENGTH);
            answers.position(answers.position() + ControlFrames.writeAck(answers, answers.position(), handledSeq));
            ackedSeq = handledSeq;
            acks = 1;
        }
        int nacks = nacksPending;
        if (closeAfterFlush && closeNack != null) {
            roomFor(nackLength(closeNack));
            answers.position(answers.position() + ControlFrames.writeNack(answers, answers.position(), closeNackSeq, closeNack));
            nacks++;
        }
        counters.add(Counter.ACKS_SENT, acks);
        counters.add(Counter.NACKS_SENT, nacks);
        nacksPending = 0;
        answers.flip();
        if (answers.hasRemaining() && !closeAfterFlush) {
            writeDirect();
        }
        if (answers.hasRemaining()) {
            counters.increment(Counter.TCP_ANSWERS_QUEUED);
            queue(ctx.alloc().buffer(answers.remaining()).writeBytes(answers), closeAfterFlush);
        } else if (closeAfterFlush) {
            ctx.channel().close();
        }
        answers.clear();
        if (closeAfterFlush) {
            closeNack = null;
        }
    }

    /**
     * Writes what the socket takes of the answers, if the I/O thread is waiting for input and nothing
     * handed to it is unwritten; the rest stays in {@link #answers} for it. A connection found closed
     * or broken takes them all: they cannot reach the detector, which sends again what was not
     * acknowledged.
     */
    private void writeDirect() {
        if (socket == null || queuedWrites.get() != 0 || !socket.tryLock()) {
            return;
        }
        try {
            if (!ctx.channel().isOpen()) {
                answers.position(answers.limit());
                return;
            }
            answers.position(answers.position() + socket.write(answers, answers.position(), answers.limit()));
            if (!answers.hasRemaining()) {
                counters.increment(Counter.TCP_ANSWERS_DIRECT);
            }
        } catch (IOException e) {
            answers.position(answers.limit());
            ctx.channel().close();
        } finally {
            socket.unlock();
        }
    }

    /**
     * Hands {@code out} to Netty, which writes it on the I/O thread; then closes the connection if
     * {@code close}. Where the ack thread writes too, it is counted in {@link #queuedWrites} until written.
     */
    private void queue(ByteBuf out, boolean close) {
        Channel channel = ctx.channel();
        if (socket == null && !close) {
            channel.writeAndFlush(out, channel.voidPromise());
            return;
        }
        ChannelFuture written;
        if (socket != null) {
            queuedWrites.incrementAndGet();
            written = channel.writeAndFlush(out).addListener(writtenListener);
        } else {
            written = channel.writeAndFlush(out);
        }
        if (close) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public byte[] describeUtf8() {
        return description;
    }

}
