package dev.watchpost.daemon.http;

import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import org.jctools.queues.SpscArrayQueue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * One stream client: its filter, its bounded outbox of encoded events, and the drain that moves the
 * outbox onto the channel on its event loop — as WebSocket text frames, or, for a Server-Sent Events
 * client, as {@code id:}/{@code data:} messages of a chunked HTTP response.
 *
 * <p>Threads, and what each may touch:
 * <ul>
 *   <li>the publish thread ({@link StreamHub}) is the outbox's only producer, and the only user of the
 *       fields marked "publish thread";</li>
 *   <li>the channel's event loop is the outbox's only consumer: {@link #drain}, the start, the close
 *       and the release of what is left all run there;</li>
 *   <li>a replay thread writes the journal part of a {@code from_seq} stream before the subscriber
 *       goes live, waiting for the channel's writability between writes.</li>
 * </ul>
 *
 * <p>Outbox entries are shared, reference-counted buffers: an 8-byte seq, then the event's JSON.
 * Each entry in an outbox holds one reference, which the text frame written from it (a slice past
 * the seq) takes over, or {@link #releaseOutbox} gives back.
 *
 * <p>Drain hand-off: {@code drainScheduled} is true while a drain is queued or running (or held,
 * before the subscriber is live). The producer offers during a batch and at the batch's end schedules
 * a drain only when it flips the flag from false; the drain clears the flag once the outbox is empty
 * and checks the outbox again, so no entry is left without a drain to take it.
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

    final Channel channel;
    final StreamFilter filter;
    /** The requested first seq, or {@link #LIVE_ONLY}. */
    final long fromSeq;
    final SpscArrayQueue<ByteBuf> outbox;
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

    // any thread
    private volatile boolean closed;
    private volatile Thread replayThread;

    StreamSubscriber(StreamHub hub, Channel channel, StreamFilter filter, long fromSeq, int outboxCapacity, Counters counters,
                     boolean sse) {
        this.sse = sse;
        this.hub = hub;
        this.channel = channel;
        this.filter = filter;
        this.fromSeq = fromSeq;
        this.outbox = new SpscArrayQueue<>(outboxCapacity);
        this.counters = counters;
    }

    boolean isClosed() {
        return closed;
    }

    // ---- publish thread

    /** Schedules a drain on the event loop unless one is queued, running or held. Publish thread. */
    void scheduleDrain() {
        // getAndSet is a full fence: the offers before it are visible to a drain that sees the flag cleared.
        if (!drainScheduled.getAndSet(true)) {
            execute(drainTask);
        }
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
    }

    private void drainOutbox() {
        int sent = 0;
        for (;;) {
            ByteBuf entry;
            while (!closed && (entry = outbox.poll()) != null) {
                // Noted before the write: anything written later (a close frame) goes out after it.
                lastSent = entry.getLong(0);
                channel.write(message(lastSent, entry.slice(Long.BYTES, entry.writerIndex() - Long.BYTES)), channel.voidPromise());
                sent++;
                if (!channel.isWritable()) {
                    channel.flush();
                    if (!channel.isWritable()) {
                        counters.add(Counter.STREAM_MESSAGES_SENT, sent);
                        return; // still scheduled: channelWritabilityChanged drains on
                    }
                }
            }
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
        if (sse) {
            // An event the client's EventSource reports by name, then the end of the response.
            String quoted = new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(text));
            channel.write(new DefaultHttpContent(Unpooled.copiedBuffer("event: close\ndata: {\"code\":" + status
                    + ",\"reason\":\"" + quoted + "\"}\n\n", StandardCharsets.UTF_8)));
        }
        channel.writeAndFlush(sse ? LastHttpContent.EMPTY_LAST_CONTENT : new CloseWebSocketFrame(status, text))
                .addListener(ChannelFutureListener.CLOSE);
        channel.eventLoop().schedule(() -> {
            channel.close();
        }, CLOSE_GRACE_SECONDS, TimeUnit.SECONDS);
    }

    /** Gives back every entry left in the outbox. Event loop (or any thread once the event loop is gone). */
    void releaseOutbox() {
        ByteBuf entry;
        while ((entry = outbox.poll()) != null) {
            entry.release();
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

    private static final byte[] ID = "id: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "\ndata: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);

    /**
     * What goes on the wire for one event (the message takes {@code json}'s reference): a WebSocket
     * text frame of its JSON, or an SSE message {@code id: <seq>}, {@code data: <json>} — the JSON is
     * one line, and the id is what an EventSource sends back as Last-Event-ID to resume.
     */
    private Object message(long seq, ByteBuf json) {
        if (!sse) {
            return new TextWebSocketFrame(json);
        }
        ByteBuf head = channel.alloc().buffer(32);
        head.writeBytes(ID);
        head.writeCharSequence(Long.toString(seq), StandardCharsets.US_ASCII);
        head.writeBytes(DATA);
        return new DefaultHttpContent(channel.alloc().compositeBuffer(3).addComponents(true, head, json, Unpooled.wrappedBuffer(END)));
    }

    // ---- replay thread

    /** Marks the calling thread as this subscriber's replay thread. */
    void replayStarting() {
        replayThread = Thread.currentThread();
    }

    /**
     * Writes one replayed event (its JSON, no seq prefix; the frame takes the reference), flushing
     * when asked or when the channel stops taking writes, and then waits until it takes them again.
     *
     * @return {@link #REPLAY_COMPLETE} to go on, or why the replay must stop
     */
    int writeReplayed(long seq, ByteBuf json, boolean flush) {
        if (closed) {
            json.release();
            return REPLAY_DROPPED;
        }
        channel.write(message(seq, json), channel.voidPromise());
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
