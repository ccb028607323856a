package dev.watchpost.daemon.http;

import dev.watchpost.daemon.NettyBytes;
import dev.watchpost.daemon.ingest.DirectSocket;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.util.concurrent.SingleThreadEventExecutor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * One stream client: its filter, its bounded outbox of encoded events, and the drain that moves the
 * outbox onto the channel on its event loop — WebSocket text frames, or, for a Server-Sent Events
 * client, the chunks of a chunked HTTP response. Either way the bytes are built by the hub
 * ({@link StreamWire}) and written as they are: no frame or HTTP object passes through the pipeline
 * per event.
 *
 * <p>Threads, and what each may touch:
 * <ul>
 *   <li>the publish thread ({@link StreamHub}) is the outbox's only producer, and the only user of the
 *       fields marked "publish thread";</li>
 *   <li>the channel's event loop is the outbox's consumer: {@link #drain}, the start, the close and
 *       the release of what is left all run there, and it alone touches the write buffer — but for
 *       the publish thread's direct drains (below), made holding the loop's lock;</li>
 *   <li>a replay thread writes the journal part of a {@code from_seq} stream before the subscriber
 *       goes live, waiting for the channel's writability between writes.</li>
 * </ul>
 *
 * <p>A drain copies each record's bytes out of the hub's page into the client's write buffer, gives
 * the page reference back at once, and writes the buffer to the channel when it is full and at the
 * end, with one flush. The write buffer is kept: the channel takes a reference of it per write and
 * gives it back once the bytes are on the socket, so the next drain fills it again, and only a drain
 * that finds it still queued (a client slower than its socket) takes another from the pool.
 *
 * <p>Drain hand-off: {@code drainScheduled} is true while a drain is queued or running (or held,
 * before the subscriber is live). The producer offers during a batch and at the batch's end schedules
 * a drain only when it flips the flag from false; the drain clears the flag once the outbox is empty
 * and checks the outbox again, so no record is left without a drain to take it.
 *
 * <p>Direct drains: where the event loop is locked ({@link DirectSocket}, the native transport), the
 * publish thread, instead of scheduling a drain, makes it itself while the loop waits for I/O and
 * nothing written before is still queued in the channel — waking the loop to do it would make the
 * event wait for that thread to get a core. Holding the loop's lock it may touch the loop's fields
 * (the loop touches them only while it holds the lock); it writes the socket itself, and whatever the
 * socket does not take, and every record it does not, goes to the loop the usual way, in order.
 */
final class StreamSubscriber {
    /** {@link #fromSeq} of a live-only subscriber. */
    static final long LIVE_ONLY = -1;
    /** How long a replay waits for an unwritable channel before cutting the client off. */
    static final long REPLAY_STALL_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** Longest single park of a replay waiting for writability; it is woken sooner when writable. */
    private static final long REPLAY_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** Replay outcomes. */
    static final int REPLAY_COMPLETE = 0;
    static final int REPLAY_CLOSED = 1;
    static final int REPLAY_STALLED = 2;
    static final int REPLAY_FAILED = 3;
    static final int REPLAY_BUSY = 4;
    /** From {@link #writeReplayed}: closed before the write, the event was not sent. */
    static final int REPLAY_DROPPED = 5;
    /** How long a closing client gets to take the close frame before the connection is dropped. */
    private static final long CLOSE_GRACE_SECONDS = 5;
    /** Bytes of a client's write buffer: a drain writes the channel once per this many. */
    static final int WRITE_BUFFER_BYTES = 16 * 1024;

    final Channel channel;
    final StreamFilter filter;
    /** The requested first seq, or {@link #LIVE_ONLY}. */
    final long fromSeq;
    final StreamOutbox outbox;
    /** Server-Sent Events rather than WebSocket. */
    final boolean sse;

    private final StreamHub hub;
    private final Counters counters;
    private final AtomicBoolean drainScheduled = new AtomicBoolean(true);
    private final Runnable drainTask = this::drain;

    // publish thread
    /** Place in the hub's array, or -1 while not attached. */
    int hubIndex = -1;
    /** Lifecycle as the hub sees it: new, attached, detached. */
    int hubState;
    /** First seq this subscriber takes from the live path. */
    long liveFrom;
    /** Something was offered since the last end of batch. */
    boolean offered;

    // event loop
    private boolean handshakeDone;
    private boolean attached;
    private boolean started;
    private boolean live;
    private boolean draining;
    private long replayFrom;
    private long replayTo;
    private long liveStart;
    private boolean replaying;
    private int pendingCloseStatus;
    private String pendingCloseReason;
    private boolean pendingCloseHint;
    /** Last seq the client has been sent (or that it need not be sent: filtered out). */
    private long lastSent;
    /** The kept write buffer, or null; the channel holds a second reference while it has it queued. */
    private ByteBuf writeBuffer;
    /** The buffer a drain is filling (the write buffer, or one made for an event larger than it), or null. */
    private ByteBuf filling;

    // any thread
    /** The socket the publish thread may drain to itself while the loop waits; set when live (event loop). */
    private volatile DirectSocket directSocket;
    private volatile boolean closed;
    private volatile Thread replayThread;

    StreamSubscriber(StreamHub hub, Channel channel, StreamFilter filter, long fromSeq, int outboxCapacity, Counters counters,
                     boolean sse) {
        this.sse = sse;
        this.hub = hub;
        this.channel = channel;
        this.filter = filter;
        this.fromSeq = fromSeq;
        this.outbox = new StreamOutbox(outboxCapacity);
        this.counters = counters;
    }

    boolean isClosed() {
        return closed;
    }

    // ---- publish thread

    /**
     * Drains the outbox, unless a drain is queued, running or held: itself when the event loop waits
     * for I/O, else on the event loop. Publish thread.
     */
    void scheduleDrain() {
        // getAndSet is a full fence: the offers before it are visible to a drain that sees the flag cleared.
        if (!drainScheduled.getAndSet(true)) {
            if (drainDirect()) {
                counters.increment(Counter.STREAM_DRAINS_DIRECT);
            } else {
                counters.increment(Counter.STREAM_DRAINS_QUEUED);
                execute(drainTask);
            }
        }
    }

    /**
     * Writes the outbox to the socket if the event loop waits for I/O and nothing written before is
     * queued in the channel; true when it wrote all of it (the flag cleared), false when the event loop
     * must drain: it could not, or the socket took only part (the rest of that write is handed over
     * first), or a record is larger than the write buffer. Publish thread.
     */
    private boolean drainDirect() {
        DirectSocket socket = directSocket;
        if (socket == null || !socket.tryLock()) {
            return false;
        }
        int sent = 0;
        try {
            if (closed || !live || draining || filling != null || !channel.isOpen() || !nothingQueued()) {
                return false;
            }
            StreamRecord next;
            while ((next = outbox.peek()) != null && next.length <= WRITE_BUFFER_BYTES) {
                if (writeBuffer == null) {
                    writeBuffer = channel.alloc().directBuffer(WRITE_BUFFER_BYTES, WRITE_BUFFER_BYTES);
                }
                ByteBuf out = writeBuffer.clear();
                sent += fill(out);
                ByteBuffer bytes = out.internalNioBuffer(out.readerIndex(), out.readableBytes());
                int written = socket.write(bytes, bytes.position(), bytes.limit());
                if (written < out.readableBytes()) {
                    out.skipBytes(written);
                    channel.writeAndFlush(out.retain(), channel.voidPromise());
                    return false;
                }
            }
            if (next != null) {
                return false;
            }
            drainScheduled.set(false);
            return true;
        } catch (IOException e) {
            channel.close(); // reset by the client, say: the event loop's drain gives the rest back
            return false;
        } finally {
            counters.add(Counter.STREAM_MESSAGES_SENT, sent);
            socket.unlock();
        }
    }

    /** Nothing written to the channel is waiting to be written, nor any task for its loop. Under the loop's lock. */
    private boolean nothingQueued() {
        if (writeBuffer != null && writeBuffer.refCnt() > 1) {
            return false; // still the channel's
        }
        ChannelOutboundBuffer queued = channel.unsafe().outboundBuffer();
        // A write handed to the loop from another thread counts in the pending bytes from its submission.
        return queued != null && queued.isEmpty() && queued.totalPendingWriteBytes() == 0
                && channel.eventLoop() instanceof SingleThreadEventExecutor loop && loop.pendingTasks() == 0;
    }

    /**
     * The hub has taken this subscriber in: it replays {@code replayFrom..replayTo} (none when from is
     * greater) and takes live events from {@code liveFrom}. Publish thread.
     */
    void attached(long replayFrom, long replayTo, long liveFrom) {
        execute(() -> onAttached(replayFrom, replayTo, liveFrom));
    }

    /** The outbox overflowed: the hub has let go of this subscriber. Publish thread. */
    void cutOff() {
        if (!execute(() -> closeTooSlow("outbox full"))) {
            releaseOutbox(); // the event loop is gone, so nothing else consumes the outbox
        }
    }

    /** The hub has let go of a closed subscriber: give back what was offered after the close. Publish thread. */
    void released() {
        if (!execute(this::releaseOutbox)) {
            releaseOutbox();
        }
    }

    private boolean execute(Runnable task) {
        try {
            channel.eventLoop().execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    // ---- event loop

    /** The WebSocket handshake's answer is on the wire; frames may follow. Event loop. */
    void onHandshakeComplete() {
        handshakeDone = true;
        maybeStart();
    }

    private void onAttached(long replayFrom, long replayTo, long liveFrom) {
        this.attached = true;
        this.replayFrom = replayFrom;
        this.replayTo = replayTo;
        this.liveStart = liveFrom;
        maybeStart();
    }

    private void maybeStart() {
        if (started || closed || !attached || !handshakeDone) {
            return;
        }
        started = true;
        if (replayFrom <= replayTo) {
            lastSent = replayFrom - 1;
            replaying = true;
            hub.startReplay(this, replayFrom, replayTo);
        } else {
            lastSent = liveStart - 1;
            goLive();
        }
    }

    /** The replay is written: live events follow. Event loop. */
    void goLive() {
        if (closed) {
            releaseOutbox();
            return;
        }
        live = true;
        lastSent = Math.max(lastSent, liveStart - 1);
        directSocket = DirectSocket.of(channel);
        drain();
    }

    /** Writes what the outbox holds while the channel takes it, then flushes once. Event loop. */
    void drain() {
        if (closed) {
            releaseOutbox();
            return;
        }
        if (!live || draining) {
            return; // held (goLive drains), or called back from inside a drain's write or flush
        }
        draining = true;
        try {
            drainOutbox();
        } finally {
            draining = false;
        }
        if (closed) {
            releaseOutbox(); // closed from inside one of the drain's writes
        }
    }

    private static void release(ByteBuf page, int references) {
        if (references > 0) {
            page.release(references);
        }
    }

    private void drainOutbox() {
        int sent = 0;
        for (;;) {
            StreamRecord record;
            while (!closed && (record = outbox.peek()) != null) {
                ByteBuf out = bufferWithRoom(record.length);
                if (out == null) {
                    counters.add(Counter.STREAM_MESSAGES_SENT, sent);
                    return; // still scheduled: channelWritabilityChanged drains on
                }
                sent += fill(out);
            }
            writeFilled();
            if (sent > 0) {
                channel.flush();
                counters.add(Counter.STREAM_MESSAGES_SENT, sent);
                sent = 0;
            }
            if (closed) {
                releaseOutbox();
                return;
            }
            drainScheduled.set(false);
            if (outbox.isEmpty() || !drainScheduled.compareAndSet(false, true)) {
                return;
            }
        }
    }

    /**
     * Copies records from the outbox into {@code out} while the next one fits (the first must: the
     * caller made room for it); the number copied. Event loop, or the publish thread holding the loop's lock.
     */
    private int fill(ByteBuf out) {
        int copied = 0;
        // Consecutive records of one page give their references back in one release: one atomic
        // decrement per run on a count the publish thread increments from the other core.
        ByteBuf page = null;
        int references = 0;
        StreamRecord record;
        while ((record = outbox.peek()) != null && record.length <= out.writableBytes()) {
            // Noted before the write: anything written later (a close frame) goes out after it.
            lastSent = record.seq;
            NettyBytes.append(record.page, record.offset, record.length, out);
            if (record.page != page) {
                release(page, references);
                page = record.page;
                references = 0;
            }
            references++;
            outbox.remove();
            copied++;
        }
        release(page, references);
        return copied;
    }

    /**
     * The buffer being filled when it has {@code bytes} left; else writes it to the channel and starts
     * another, or returns null when the channel takes no more writes even after a flush.
     */
    private ByteBuf bufferWithRoom(int bytes) {
        if (filling != null) {
            if (filling.writableBytes() >= bytes) {
                return filling;
            }
            writeFilled();
            if (!channel.isWritable()) {
                channel.flush();
                if (!channel.isWritable()) {
                    return null;
                }
            }
        }
        if (bytes > WRITE_BUFFER_BYTES) {
            filling = channel.alloc().directBuffer(bytes, bytes); // a large event: a buffer of its own
            return filling;
        }
        if (writeBuffer != null && writeBuffer.refCnt() > 1) {
            writeBuffer.release(); // still queued in the channel, which frees it once written
            writeBuffer = null;
        }
        if (writeBuffer == null) {
            writeBuffer = channel.alloc().directBuffer(WRITE_BUFFER_BYTES, WRITE_BUFFER_BYTES);
        }
        filling = writeBuffer.clear();
        return filling;
    }

    /** Writes (without flushing) what the buffer being filled holds. */
    private void writeFilled() {
        ByteBuf out = filling;
        if (out == null) {
            return;
        }
        filling = null;
        if (out == writeBuffer) {
            if (out.isReadable()) {
                channel.write(out.retain(), channel.voidPromise());
            }
        } else {
            channel.write(out, channel.voidPromise());
        }
    }

    /** The channel's writability changed. Event loop. */
    void onWritabilityChanged() {
        if (!channel.isWritable()) {
            return;
        }
        wakeReplay();
        if (live) {
            drain();
        }
    }

    /** The connection is gone. Event loop. */
    void onClosed() {
        closed = true;
        wakeReplay();
        releaseOutbox();
    }

    /** Closes with 1008 and the seq to reconnect from. Event loop. */
    void closeTooSlow(String why) {
        close(WebSocketCloseStatus.POLICY_VIOLATION.code(), "too slow (" + why + ")", true);
    }

    /**
     * Sends a close frame with this status and reason (plus, with {@code resumeHint}, the seq to
     * reconnect from), then drops the connection. While a replay is writing, the frame is sent when
     * it has stopped, so that it follows every event the replay wrote. Event loop.
     */
    void close(int status, String reason, boolean resumeHint) {
        if (closed) {
            releaseOutbox();
            return;
        }
        closed = true;
        wakeReplay();
        releaseOutbox();
        if (replaying) {
            pendingCloseStatus = status;
            pendingCloseReason = reason;
            pendingCloseHint = resumeHint;
            return;
        }
        sendClose(status, reason, resumeHint);
    }

    private void sendClose(int status, String reason, boolean resumeHint) {
        if (!handshakeDone) {
            channel.close(); // no WebSocket yet to send a close frame on
            return;
        }
        String text = resumeHint ? reason + "; reconnect with from_seq=" + (lastSent + 1) : reason;
        Object last;
        if (sse) {
            // An event the client's EventSource reports by name, then the end of the response.
            ByteBuf bytes = channel.alloc().buffer(64 + 2 * text.length());
            StreamWire.writeSseClose(status, text, bytes);
            last = bytes;
        } else {
            last = new CloseWebSocketFrame(status, text);
        }
        channel.writeAndFlush(last).addListener(ChannelFutureListener.CLOSE);
        channel.eventLoop().schedule(() -> {
            channel.close();
        }, CLOSE_GRACE_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * Gives back every record left in the outbox, and the write buffer. Event loop (or any thread once
     * the event loop is gone).
     */
    void releaseOutbox() {
        if (draining) {
            return; // the drain under way holds a record; it gives everything back when it ends
        }
        outbox.releaseAll();
        if (filling != null && filling != writeBuffer) {
            filling.release();
        }
        filling = null;
        if (writeBuffer != null) {
            writeBuffer.release();
            writeBuffer = null;
        }
    }

    /** The replay thread has stopped; every write it made is queued before this task. Event loop. */
    private void afterReplay(long lastReplayed, int outcome) {
        replaying = false;
        lastSent = Math.max(lastSent, lastReplayed);
        channel.flush();
        if (closed) {
            releaseOutbox();
            if (pendingCloseReason != null) {
                sendClose(pendingCloseStatus, pendingCloseReason, pendingCloseHint);
                pendingCloseReason = null;
            }
            return;
        }
        switch (outcome) {
            case REPLAY_COMPLETE:
                goLive();
                break;
            case REPLAY_CLOSED:
                break; // the connection or the hub is going away; its own close follows
            case REPLAY_STALLED:
                counters.increment(Counter.STREAM_CLIENTS_CUT_OFF);
                closeTooSlow("replay stalled");
                break;
            case REPLAY_BUSY:
                close(WebSocketCloseStatus.TRY_AGAIN_LATER.code(), "too many replays at once; try again", true);
                break;
            default:
                close(WebSocketCloseStatus.INTERNAL_SERVER_ERROR.code(), "replay failed", true);
        }
    }

    // ---- replay thread

    /** Marks the calling thread as this subscriber's replay thread. */
    void replayStarting() {
        replayThread = Thread.currentThread();
    }

    /**
     * Writes one replayed event (its bytes as the client receives them, {@link StreamWire}; the channel
     * takes the reference), flushing when asked or when the channel stops taking writes, and then waits
     * until it takes them again.
     *
     * @return {@link #REPLAY_COMPLETE} to go on, or why the replay must stop
     */
    int writeReplayed(ByteBuf wire, boolean flush) {
        if (closed) {
            wire.release();
            return REPLAY_DROPPED;
        }
        channel.write(wire, channel.voidPromise());
        if (flush || !channel.isWritable()) {
            channel.flush();
        }
        return awaitWritable();
    }

    /**
     * The replay has stopped with this outcome, {@code lastReplayed} being the last seq it wrote or
     * passed over; the event loop goes live or sends the close.
     */
    void replayFinished(long lastReplayed, int sent, int outcome) {
        replayThread = null;
        counters.add(Counter.STREAM_MESSAGES_SENT, sent);
        if (!execute(() -> afterReplay(lastReplayed, outcome))) {
            releaseOutbox();
        }
    }

    private int awaitWritable() {
        long stalledSince = 0;
        while (!channel.isWritable()) {
            if (closed || !channel.isActive() || hub.isClosed()) {
                return REPLAY_CLOSED;
            }
            long now = System.nanoTime();
            if (stalledSince == 0) {
                stalledSince = now;
            } else if (now - stalledSince > REPLAY_STALL_NANOS) {
                return REPLAY_STALLED;
            }
            LockSupport.parkNanos(this, REPLAY_PARK_NANOS);
        }
        return closed ? REPLAY_CLOSED : REPLAY_COMPLETE;
    }

    private void wakeReplay() {
        Thread replaying = replayThread;
        if (replaying != null) {
            LockSupport.unpark(replaying);
        }
    }
}
