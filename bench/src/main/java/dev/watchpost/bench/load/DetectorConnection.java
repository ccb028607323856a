package dev.watchpost.bench.load;

import dev.watchpost.ringbuffer.codec.ControlFrames;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.NackCode;
import dev.watchpost.ringbuffer.codec.Protocol;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One simulated detector: a TCP connection speaking protocol v1, with a sender thread and a reader
 * thread.
 *
 * <pre>
 *   sender:  build frames into a 64 KiB direct buffer ─► stamp send times by seq ─► one write()
 *                         ▲ waits while seq - acked ≥ window                          │
 *                         │                                                          ▼ daemon
 *   reader:  one read() of up to 64 KiB ─► ACK(n): record latency of seqs acked+1 … n, acked = n
 *                                          NACK(seq, code): count by code, check against expectation
 * </pre>
 *
 * <p>Send times live in ring arrays indexed by {@code seq & mask}, the ring at least as large as
 * the window, so a slot is rewritten only after its seq has been acknowledged. The sender fills the
 * slots of a batch, then publishes the batch's last seq in the volatile {@code sentSeq} before
 * writing it; the reader reads {@code sentSeq} before it reads a slot, which orders the two.
 * Latency is recorded in nanoseconds: from the intended send time (open loop: the
 * {@link RateSchedule}; closed loop: the actual send time) to the arrival of the covering ACK.
 *
 * <p>A {@link StreamReceiver} asks for the send time of the events it receives from any seq it sees
 * ({@link #sendTimeOf}): in open loop the schedule answers; in closed loop the ring does, as long as
 * the slot has not been rewritten since, which is why the ring is larger when a stream is received.
 */
final class DetectorConnection {
    /** NACK counters have a slot per code below this; code 0 (never sent) collects the rest. */
    static final int CODE_SLOTS = 64;
    static final int BUFFER_BYTES = 64 * 1024;
    /** Longest latency a histogram tracks; longer ones are recorded as this. */
    static final long HIGHEST_TRACKABLE_NANOS = TimeUnit.HOURS.toNanos(1);
    static final int SIGNIFICANT_DIGITS = 3;
    /** Most unacknowledged events per connection the settings may ask for. */
    static final int MAX_WINDOW = 1 << 22;
    private static final long HANDSHAKE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long WINDOW_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long JOIN_MILLIS = 5_000;
    /** Smallest ring in closed loop with a stream: the stream may lag the ACKs by a client's outbox and more. */
    private static final int STREAM_MIN_RING = 1 << 16;
    /** Most events one write carries: the sender fills up to this many slots beyond {@code sentSeq}. */
    private static final int MAX_BATCH_EVENTS = BUFFER_BYTES / EventFrame.MIN_LENGTH + 1;
    /** From {@link #sendTimeOf}: the send time is not known (any more). */
    static final long NO_SEND_TIME = Long.MIN_VALUE;

    private final int index;
    private final LoadSettings settings;
    private final SocketChannel channel;
    private final EventStream stream;
    private final int maxFrameLength;
    private final ByteBuffer sendBuffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);

    // Rings indexed by seq & mask: written by the sender before sentSeq is published, read by the reader.
    private final int mask;
    private final long[] intendedNanos;
    private final long[] sentNanos;
    private final byte[] expectedNack;
    /** The event at this slot is valid and has a receipt_id not sent before (sender only). */
    private final boolean[] newEvent;
    /** Reader only: a NACK arrived for this seq. */
    private final byte[] nackSeen;

    private final SingleWriterRecorder ackLatency = newRecorder();
    private final SingleWriterRecorder ackLatencyFromSend = newRecorder();
    private final SingleWriterRecorder sendLag = newRecorder();

    private Timeline timeline;
    private RateSchedule schedule;
    private Thread sender;
    private Thread reader;

    private volatile long sentSeq;
    private volatile long ackedSeq;
    private volatile long nacks;
    /** Events sent that the daemon stores and streams: valid, receipt_id not sent before. */
    private volatile long newSent;
    private volatile boolean senderWaiting;
    private volatile boolean senderDone;
    private volatile boolean closing;
    private volatile boolean failed;
    private volatile String error;

    // sender thread
    private long measuredSent;
    private long measuredNewSent;
    private long windowStalls;
    private long writes;

    // reader thread
    private long lastAck;
    private long measuredAcked;
    private final long[] nacksByCode = new long[CODE_SLOTS];
    private long unexpectedNacks;
    private long missingNacks;

    // handshake
    private long welcomeMaxFrame = -1;
    private long welcomeAckIntervalUs = -1;

    private DetectorConnection(int index, LoadSettings settings, SocketChannel channel, EventStream stream) {
        this.index = index;
        this.settings = settings;
        this.channel = channel;
        this.stream = stream;
        this.maxFrameLength = stream.maxFrameLength();
        int ring = ringSize(settings);
        this.mask = ring - 1;
        this.intendedNanos = new long[ring];
        this.sentNanos = new long[ring];
        this.expectedNack = new byte[ring];
        this.newEvent = new boolean[ring];
        this.nackSeen = new byte[ring];
    }

    /** Slots of the send-time rings: the window rounded up to a power of two, more in closed loop with a stream. */
    static int ringSize(LoadSettings settings) {
        int ring = Integer.highestOneBit(Math.max(settings.window(), 1) * 2 - 1);
        if (settings.stream() != null && !settings.openLoop()) {
            ring = Math.max(ring << 2, STREAM_MIN_RING);
        }
        return ring;
    }

    /**
     * Connects and, when the settings carry a token, sends HELLO and waits for WELCOME.
     *
     * @param receiptMsb most significant half of the run's receipt ids, random per run
     * @throws IOException when the daemon cannot be reached or refuses the HELLO
     */
    static DetectorConnection open(int index, LoadSettings settings, long receiptMsb) throws IOException {
        EventStream stream = EventStream.forDetector(index, settings.seed(), settings.motionShare(),
            settings.labelBytes(), settings.payloadBytes(), receiptMsb, settings.duplicates(), settings.invalid());
        SocketChannel channel = SocketChannel.open();
        try {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.connect(new InetSocketAddress(settings.host(), settings.port()));
            DetectorConnection connection = new DetectorConnection(index, settings, channel, stream);
            if (settings.token() != null) {
                connection.handshake(settings.token().getBytes(StandardCharsets.UTF_8));
            }
            return connection;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** HELLO, then WELCOME within {@link #HANDSHAKE_TIMEOUT_NANOS}; a NACK or a close is an error. */
    private void handshake(byte[] token) throws IOException {
        byte[] name = ("watchpost-load-" + index).getBytes(StandardCharsets.UTF_8);
        sendBuffer.clear();
        sendBuffer.limit(ControlFrames.writeHello(sendBuffer, 0, token, name));
        while (sendBuffer.hasRemaining()) {
            channel.write(sendBuffer);
        }
        readBuffer.clear();
        channel.configureBlocking(false);
        try (Selector selector = Selector.open()) {
            channel.register(selector, SelectionKey.OP_READ);
            long deadline = System.nanoTime() + HANDSHAKE_TIMEOUT_NANOS;
            while (true) {
                if (readBuffer.position() >= Protocol.HEADER_LENGTH) {
                    int length = readBuffer.getInt(Protocol.LENGTH_OFFSET);
                    if (length < Protocol.HEADER_LENGTH || length > Protocol.MAX_FRAME_LENGTH
                        || readBuffer.getShort(Protocol.MAGIC_OFFSET) != Protocol.MAGIC) {
                        throw new IOException("answer to HELLO is not a protocol v1 frame");
                    }
                    if (readBuffer.position() >= length) {
                        onHandshakeAnswer(length);
                        return;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IOException("no WELCOME within " + TimeUnit.NANOSECONDS.toSeconds(HANDSHAKE_TIMEOUT_NANOS) + " s of HELLO");
                }
                selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                selector.selectedKeys().clear();
                if (channel.read(readBuffer) < 0) {
                    throw new IOException("daemon closed the connection after HELLO");
                }
            }
        } finally {
            // Closing the selector has deregistered the channel.
            channel.configureBlocking(true);
        }
    }

    private void onHandshakeAnswer(int length) throws IOException {
        int type = ControlFrames.frameType(readBuffer, 0);
        if (type == (Protocol.TYPE_NACK & 0xFF) && length >= ControlFrames.NACK_MESSAGE_OFFSET) {
            int code = ControlFrames.nackCode(readBuffer, 0);
            throw new IOException("HELLO refused: NACK " + describeCode(code));
        }
        if (type != (Protocol.TYPE_WELCOME & 0xFF) || length < ControlFrames.WELCOME_LENGTH) {
            throw new IOException("expected WELCOME after HELLO, got frame type 0x" + Integer.toHexString(type));
        }
        welcomeMaxFrame = ControlFrames.welcomeMaxFrame(readBuffer, 0);
        welcomeAckIntervalUs = ControlFrames.welcomeAckIntervalUs(readBuffer, 0);
        if (welcomeMaxFrame < maxFrameLength) {
            throw new IOException("daemon accepts frames of at most " + welcomeMaxFrame + " bytes, events here take up to " + maxFrameLength);
        }
        // Keep whatever followed the WELCOME for the reader.
        readBuffer.flip();
        readBuffer.position(length);
        readBuffer.compact();
    }

    /** Starts sending and reading; events are sent on the {@code timeline}'s schedule. */
    void start(Timeline timeline) {
        this.timeline = timeline;
        this.schedule = settings.openLoop()
            ? new RateSchedule(timeline.runStartNanos(), settings.rate(), settings.connections(), index,
                (long) (settings.rampSeconds() * 1e9))
            : null;
        reader = new Thread(this::runReader, "load-read-" + index);
        sender = new Thread(this::runSender, "load-send-" + index);
        reader.setDaemon(true);
        sender.setDaemon(true);
        reader.start();
        sender.start();
    }

    // ------------------------------------------------------------------ sender thread

    private void runSender() {
        try {
            if (schedule != null) {
                sendOpenLoop();
            } else {
                sendClosedLoop();
            }
        } catch (IOException e) {
            if (!closing && !failed) {
                fail("write failed after " + sentSeq + " events: " + e.getMessage());
            }
        } catch (RuntimeException e) {
            fail("sender stopped: " + e);
        } finally {
            senderDone = true;
        }
    }

    /** As fast as the window allows, until the measurement ends. */
    private void sendClosedLoop() throws IOException {
        long seq = 0;
        while (!stopped()) {
            long now = System.nanoTime();
            if (now - timeline.measureEndNanos() >= 0) {
                return;
            }
            long acked = ackedSeq;
            if (seq - acked >= settings.window()) {
                awaitWindow(seq);
                continue;
            }
            long first = seq + 1;
            long tsUs = timeline.epochMicros(now);
            sendBuffer.clear();
            while (sendBuffer.remaining() >= maxFrameLength && seq - acked < settings.window()) {
                seq++;
                appendEvent(seq, tsUs);
            }
            long stamp = System.nanoTime();
            boolean measured = timeline.measured(stamp);
            long fresh = 0;
            for (long s = first; s <= seq; s++) {
                int slot = (int) s & mask;
                intendedNanos[slot] = stamp;
                sentNanos[slot] = stamp;
                if (newEvent[slot]) {
                    fresh++;
                }
            }
            if (measured) {
                measuredSent += seq - first + 1;
                measuredNewSent += fresh;
            }
            newSent += fresh;
            flush(seq);
        }
    }

    /**
     * On the schedule: every event whose intended time has come, in as few writes as the buffer allows;
     * with a write interval, no sooner than that after the last write.
     */
    private void sendOpenLoop() throws IOException {
        long limit = schedule.eventsBefore(timeline.measureEndNanos());
        long interval = TimeUnit.MICROSECONDS.toNanos(settings.writeIntervalMicros());
        long lastWrite = System.nanoTime() - interval;
        long seq = 0; // also the 0-based index of the next event
        while (!stopped() && seq < limit) {
            long now = System.nanoTime();
            long next = Math.max(schedule.intendedNanos(seq), lastWrite + interval);
            if (next - now > 0) {
                LockSupport.parkNanos(this, next - now);
                continue;
            }
            long acked = ackedSeq;
            if (seq - acked >= settings.window()) {
                awaitWindow(seq);
                continue;
            }
            long first = seq + 1;
            long tsUs = timeline.epochMicros(now);
            sendBuffer.clear();
            while (seq < limit && sendBuffer.remaining() >= maxFrameLength && seq - acked < settings.window()
                && schedule.intendedNanos(seq) - now <= 0) {
                seq++;
                appendEvent(seq, tsUs);
            }
            long stamp = System.nanoTime();
            long fresh = 0;
            for (long s = first; s <= seq; s++) {
                int slot = (int) s & mask;
                long intended = schedule.intendedNanos(s - 1);
                intendedNanos[slot] = intended;
                sentNanos[slot] = stamp;
                if (newEvent[slot]) {
                    fresh++;
                }
                if (timeline.measured(intended)) {
                    measuredSent++;
                    sendLag.recordValue(clamp(stamp - intended));
                    if (newEvent[slot]) {
                        measuredNewSent++;
                    }
                }
            }
            newSent += fresh;
            flush(seq);
            lastWrite = now;
        }
    }

    private void appendEvent(long seq, long tsUs) {
        int at = sendBuffer.position();
        int slot = (int) seq & mask;
        expectedNack[slot] = (byte) stream.write(sendBuffer, at, seq, tsUs);
        newEvent[slot] = stream.lastWasNew();
        sendBuffer.position(at + stream.lastFrameLength());
    }

    /** Publishes the batch up to {@code seq}, then writes it: one system call unless the socket is full. */
    private void flush(long seq) throws IOException {
        writes++;
        sentSeq = seq;
        sendBuffer.flip();
        while (sendBuffer.hasRemaining()) {
            channel.write(sendBuffer);
        }
    }

    /** Parks until the reader has acknowledged enough to send {@code seq + 1}; the reader unparks it. */
    private void awaitWindow(long seq) {
        windowStalls++;
        senderWaiting = true;
        while (seq - ackedSeq >= settings.window() && !stopped()) {
            LockSupport.parkNanos(this, WINDOW_PARK_NANOS);
        }
        senderWaiting = false;
    }

    private boolean stopped() {
        return closing || failed;
    }

    // ------------------------------------------------------------------ reader thread

    private void runReader() {
        ByteBuffer buffer = readBuffer;
        try {
            while (true) {
                if (channel.read(buffer) < 0) {
                    if (!closing) {
                        fail("daemon closed the connection after ACK " + lastAck + " with " + sentSeq + " events sent");
                    }
                    return;
                }
                long now = System.nanoTime();
                buffer.flip();
                if (!onFrames(buffer, now)) {
                    return;
                }
                buffer.compact();
            }
        } catch (IOException e) {
            if (!closing && !failed) {
                fail("read failed after ACK " + lastAck + ": " + e.getMessage());
            }
        } catch (RuntimeException e) {
            fail("reader stopped: " + e);
        }
    }

    /** Handles every whole frame in {@code buffer}; false after a protocol error. */
    private boolean onFrames(ByteBuffer buffer, long now) {
        while (buffer.remaining() >= Protocol.HEADER_LENGTH) {
            int at = buffer.position();
            long length = buffer.getInt(at + Protocol.LENGTH_OFFSET) & 0xFFFF_FFFFL;
            if (buffer.getShort(at + Protocol.MAGIC_OFFSET) != Protocol.MAGIC
                || buffer.get(at + Protocol.VERSION_OFFSET) != Protocol.VERSION
                || length < Protocol.HEADER_LENGTH || length > Protocol.MAX_FRAME_LENGTH) {
                fail("daemon sent a frame with a bad header after ACK " + lastAck);
                return false;
            }
            if (buffer.remaining() < length) {
                return true;
            }
            int type = ControlFrames.frameType(buffer, at);
            long seq = ControlFrames.seq(buffer, at);
            if (type == (Protocol.TYPE_ACK & 0xFF)) {
                if (!onAck(seq, now)) {
                    return false;
                }
            } else if (type == (Protocol.TYPE_NACK & 0xFF)) {
                if (length < ControlFrames.NACK_MESSAGE_OFFSET) {
                    fail("daemon sent a NACK of " + length + " bytes");
                    return false;
                }
                onNack(seq, ControlFrames.nackCode(buffer, at));
            } else if (type != (Protocol.TYPE_HEARTBEAT & 0xFF) && type != (Protocol.TYPE_WELCOME & 0xFF)) {
                fail("daemon sent unknown frame type 0x" + Integer.toHexString(type));
                return false;
            }
            buffer.position(at + (int) length);
        }
        return true;
    }

    /** ACK(n): every seq up to n is handled; records their latency. False on a protocol violation. */
    private boolean onAck(long n, long now) {
        if (n <= lastAck) {
            if (n < lastAck) {
                fail("ACK went back from " + lastAck + " to " + n);
                return false;
            }
            return true;
        }
        long sent = sentSeq;
        if (n > sent) {
            fail("ACK " + n + " for a seq not sent yet (last sent " + sent + ")");
            return false;
        }
        for (long s = lastAck + 1; s <= n; s++) {
            int slot = (int) s & mask;
            long intended = intendedNanos[slot];
            if (timeline.measured(intended)) {
                ackLatency.recordValue(clamp(now - intended));
                ackLatencyFromSend.recordValue(clamp(now - sentNanos[slot]));
            }
            if (expectedNack[slot] != 0 && nackSeen[slot] == 0) {
                missingNacks++;
            }
            nackSeen[slot] = 0;
        }
        if (now - timeline.measureStartNanos() >= 0 && now - timeline.measureEndNanos() < 0) {
            measuredAcked += n - lastAck;
        }
        lastAck = n;
        ackedSeq = n;
        if (senderWaiting) {
            LockSupport.unpark(sender);
        }
        return true;
    }

    private void onNack(long seq, int code) {
        nacksByCode[code < CODE_SLOTS ? code : 0]++;
        nacks = nacks + 1;
        if (seq == 0 || closesConnection(code)) {
            // The daemon closes the connection after this NACK; the close itself is reported by the read loop.
            fail("daemon sent NACK " + describeCode(code) + " for seq " + seq + " and closes the connection");
            return;
        }
        if (seq > lastAck && seq <= sentSeq) {
            int slot = (int) seq & mask;
            nackSeen[slot] = 1;
            if (expectedNack[slot] != code) {
                unexpectedNacks++;
            }
        } else {
            // A NACK must come before the ACK that covers its seq, and only for a seq that was sent.
            unexpectedNacks++;
        }
    }

    private static boolean closesConnection(int code) {
        return code == NackCode.BAD_MAGIC.code() || code == NackCode.UNSUPPORTED_VERSION.code()
            || code == NackCode.BAD_LENGTH.code() || code == NackCode.UNKNOWN_FRAME_TYPE.code()
            || code == NackCode.BAD_HELLO.code() || code == NackCode.SEQ_OUT_OF_ORDER.code()
            || code == NackCode.UNAUTHENTICATED.code();
    }

    // ------------------------------------------------------------------ stream receiver thread

    /**
     * When the event with {@code seq} was sent, for latency measured from the send: the intended
     * time in open loop, the actual one in closed loop. Safe from any thread.
     *
     * @return a {@link System#nanoTime()} value, or {@link #NO_SEND_TIME} for a seq not sent yet, or
     *         (closed loop) one whose ring slot may have been rewritten since
     */
    long sendTimeOf(long seq) {
        long sent = sentSeq; // every slot up to it is written, and the timeline and schedule are visible
        if (seq < 1 || seq > sent) {
            return NO_SEND_TIME;
        }
        if (schedule != null) {
            return schedule.intendedNanos(seq - 1);
        }
        long stamp = sentNanos[(int) seq & mask];
        // Read the slot before sentSeq again: if the sender had not published seq + ring minus a batch
        // by then, it had not started rewriting this slot when it was read.
        VarHandle.loadLoadFence();
        if (sentSeq + MAX_BATCH_EVENTS - seq >= mask + 1) {
            return NO_SEND_TIME;
        }
        return stamp;
    }

    // ------------------------------------------------------------------ control, from the main thread

    /** The first error wins; the connection stops sending and its socket is closed. */
    private void fail(String message) {
        synchronized (this) {
            if (error == null) {
                error = "connection " + index + ": " + message;
            }
        }
        failed = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closing is all that is left to do.
        }
        Thread s = sender;
        if (s != null) {
            LockSupport.unpark(s);
        }
    }

    /** True once nothing more will happen: the sender is done and everything sent is acknowledged, or it failed. */
    boolean finished() {
        return senderDone && (failed || ackedSeq >= sentSeq);
    }

    /** Stops both threads and closes the socket; waits for the threads to end. */
    void close() throws InterruptedException {
        closing = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // The socket is gone either way.
        }
        if (sender != null) {
            LockSupport.unpark(sender);
            sender.join(JOIN_MILLIS);
        }
        if (reader != null) {
            reader.join(JOIN_MILLIS);
        }
    }

    // ------------------------------------------------------------------ results

    Histogram intervalAckLatency(Histogram recycle) {
        return ackLatency.getIntervalHistogram(recycle);
    }

    Histogram intervalAckLatencyFromSend(Histogram recycle) {
        return ackLatencyFromSend.getIntervalHistogram(recycle);
    }

    Histogram intervalSendLag(Histogram recycle) {
        return sendLag.getIntervalHistogram(recycle);
    }

    int index() {
        return index;
    }

    long sent() {
        return sentSeq;
    }

    long acked() {
        return ackedSeq;
    }

    long nacks() {
        return nacks;
    }

    /** Events sent so far that the daemon stores and streams (valid, receipt_id not sent before). */
    long newSent() {
        return newSent;
    }

    String error() {
        return error;
    }

    long welcomeMaxFrame() {
        return welcomeMaxFrame;
    }

    long welcomeAckIntervalUs() {
        return welcomeAckIntervalUs;
    }

    // Read these only after close(): they belong to the sender and reader threads.

    long measuredSent() {
        return measuredSent;
    }

    long measuredAcked() {
        return measuredAcked;
    }

    /** Events intended (closed loop: sent) in the measured period that the daemon stores and streams. */
    long measuredNewSent() {
        return measuredNewSent;
    }

    long windowStalls() {
        return windowStalls;
    }

    /** Batches of events handed to the socket, each in one write unless the socket was full. */
    long writes() {
        return writes;
    }

    long[] nacksByCode() {
        return nacksByCode;
    }

    long unexpectedNacks() {
        return unexpectedNacks;
    }

    long missingNacks() {
        return missingNacks;
    }

    long duplicatesSent() {
        return stream.duplicatesWritten();
    }

    long invalidSent() {
        return stream.invalidWritten();
    }

    long[] invalidSentByCode() {
        return stream.invalidWrittenByCode();
    }

    static String describeCode(int code) {
        NackCode known = NackCode.of(code);
        return code + (known != null ? " (" + known.reason() + ")" : "");
    }

    static long clamp(long nanos) {
        return Math.min(Math.max(nanos, 0), HIGHEST_TRACKABLE_NANOS);
    }

    private static SingleWriterRecorder newRecorder() {
        return new SingleWriterRecorder(HIGHEST_TRACKABLE_NANOS, SIGNIFICANT_DIGITS);
    }
}
