package dev.watchpost.daemon.http;

import dev.watchpost.daemon.Log;
import dev.watchpost.daemon.json.EventJsonWriter;
import dev.watchpost.handlers.EventSink;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.JournalFormat;
import dev.watchpost.persistence.journal.JournalReader;
import dev.watchpost.persistence.journal.JournalRecord;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.DerivedEvent;
import dev.watchpost.ringbuffer.EventExtras;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The live side of {@code GET /v1/stream}: the publish stage hands it every newly stored event, and it
 * fans each one out to the stream clients whose filter takes it, and starts each client's replay
 * from the journal when it asked for {@code from_seq}.
 *
 * <pre>
 *  publish thread ── JSON once ── wire bytes once ──► page ──► record per client ──► outbox (SPSC, bounded)
 *                    (scratch)    (WebSocket frame,    (64 KiB,   (seq, page,           │ full: cut off, never wait
 *                                  SSE chunk)          shared)    offset, length)       ▼
 *                                                                 event loop: drain ── copy into the client's
 *                                                                 write buffer ── one write, one flush per drain
 *  replay thread ── journal from_seq..P ── JSON and wire bytes per event ─────────────────► channel
 * </pre>
 *
 * <p>Each event is encoded once, whatever the number of clients: its JSON into a scratch buffer, then
 * the bytes a WebSocket client receives (a text frame) and those a Server-Sent Events client receives
 * (a chunk), each only when a client of that kind takes the event, into the current <em>page</em>, a
 * direct buffer the hub keeps. Every client that takes the event gets a record in its outbox pointing
 * at those bytes, and the page one reference per record; the client's event loop copies the bytes into
 * its write buffer and gives the reference back. A page whose references are all back is filled again,
 * so the live path allocates nothing once the hub has as many pages as its clients hold at once. The
 * references are taken ahead for the current page, 1,024 at a time, and given back a run of records at
 * a time: the count sits between two cores, and an atomic per event on it was 4–6 % of each side's time
 * at 100,000 events/s.
 *
 * <p>Single writer: only the publish thread touches the list of subscribers and the pages. The I/O
 * threads ask for changes through a queue that the publish thread applies at the end of each batch,
 * so a subscriber joins between two events: with P the last seq published then, its replay covers
 * {@code from_seq..P} (everything up to P is in the journal, since publishing runs after the journal
 * stage) and its live part starts at P + 1, queued in its outbox but not written until the replay is.
 * That is how a stream has no gap and no duplicate. Changes are applied before the next event is
 * published and at the end of each batch; an idle pipeline must be nudged to apply them (see
 * {@code HttpServer}).
 *
 * <p>Construct it after the journal is open and before the pipeline starts: it takes the journal's
 * last seq as the last published one.
 */
public final class StreamHub implements EventSink, AutoCloseable {
    /** Threads that write replays; a replay mostly waits for its client. */
    static final int REPLAY_THREADS = 2;
    /** Replays waiting for a thread; a client beyond it is told to try again. */
    static final int REPLAY_QUEUE = 256;
    /** Replay writes between flushes. */
    static final int REPLAY_FLUSH_EVERY = 64;
    /** Bytes of a page of encoded events: about a hundred typical events. An event larger than that gets a page of its size. */
    static final int PAGE_BYTES = 64 * 1024;
    /** First capacity of the JSON scratch buffer; it grows to the largest event's JSON. */
    private static final int JSON_INITIAL_BYTES = 4096;

    private static final int HUB_NEW = 0;
    private static final int HUB_ATTACHED = 1;
    private static final int HUB_DETACHED = 2;

    private final EventJsonWriter writer;
    private final Journal journal;
    private final Counters counters;
    private final int outboxCapacity;
    private final ConcurrentLinkedQueue<StreamSubscriber> changes = new ConcurrentLinkedQueue<>();
    private final ThreadPoolExecutor replays;
    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
    private volatile boolean closed;

    // publish thread
    private StreamSubscriber[] subscribers = new StreamSubscriber[8];
    private StreamSubscriber[] matched = new StreamSubscriber[8];
    private int count;
    private long lastPublishedSeq;
    private final ByteBuf json = Unpooled.buffer(JSON_INITIAL_BYTES);
    /**
     * Every page made; each holds one reference of the hub's, so a page with a count of 1 is free
     * (the current page also holds {@link #referencesAhead}).
     */
    private ByteBuf[] pages = new ByteBuf[4];
    private int pageCount;
    /** The page being filled, or null. */
    private ByteBuf currentPage;
    /**
     * References to {@link #currentPage} taken ahead and not yet handed to a record: one atomic
     * increment per {@link #REFERENCES_AHEAD} records instead of one per event, on a count the
     * clients' event loops decrement from the other core. Given back when the page stops being current.
     */
    private int referencesAhead;
    private static final int REFERENCES_AHEAD = 1024;

    /**
     * @param outboxCapacity events queued for one client before it is cut off (rounded up to a power of two)
     */
    public StreamHub(EventTypeRegistry registry, Journal journal, Counters counters, int outboxCapacity) {
        if (outboxCapacity < 1) {
            throw new IllegalArgumentException("stream outbox capacity must be at least 1, was " + outboxCapacity);
        }
        this.writer = new EventJsonWriter(registry);
        this.journal = Objects.requireNonNull(journal, "journal");
        this.counters = counters;
        this.outboxCapacity = outboxCapacity;
        this.lastPublishedSeq = journal.lastSeq();
        this.replays = new ThreadPoolExecutor(REPLAY_THREADS, REPLAY_THREADS, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(REPLAY_QUEUE), new DefaultThreadFactory("watchpost-replay", true));
    }

    // ---- I/O threads

    /**
     * Registers a client on {@code channel}; it starts once the hub has applied the change and
     * {@link StreamSubscriber#onHandshakeComplete} has been called. Any thread.
     *
     * @param fromSeq the first seq to send, or {@link StreamSubscriber#LIVE_ONLY}
     */
    StreamSubscriber subscribe(Channel channel, StreamFilter filter, long fromSeq, boolean sse) {
        StreamSubscriber subscriber = new StreamSubscriber(this, channel, filter, fromSeq, outboxCapacity, counters, sse);
        changes.add(subscriber);
        return subscriber;
    }

    /** Asks the hub to let go of a subscriber whose connection has closed (apply with a nudge). Any thread. */
    void unsubscribe(StreamSubscriber subscriber) {
        changes.add(subscriber);
    }

    boolean isClosed() {
        return closed;
    }

    // ---- publish thread

    @Override
    public void publish(EventSlot slot) {
        publish(slot.journalSeq(), slot.receivedAtUs(), slot.frame(), slot.extra(), slot.extraLength(),
                slot.repeatOf() != EventSlot.NO_SEQ);
    }

    @Override
    public void publishDerived(DerivedEvent event, long receivedAtUs) {
        publish(event.seq(), receivedAtUs, event.frame(), event.extra(), event.extraLength(), false);
    }

    private void publish(long seq, long receivedAtUs, EventFrame frame, ByteBuffer extra, int extraLength, boolean repeat) {
        if (!changes.isEmpty()) {
            applyChanges(); // before this event: a client that joined before it was stored gets it
        }
        lastPublishedSeq = seq;
        if (count == 0) {
            return;
        }
        int type = frame.eventType();
        long cameraMsb = frame.uuidMsb(EventFrame.CAMERA_ID_OFFSET);
        long cameraLsb = frame.uuidLsb(EventFrame.CAMERA_ID_OFFSET);
        int matches = 0;
        int sseMatches = 0;
        for (int i = 0; i < count; i++) {
            StreamSubscriber s = subscribers[i];
            if (seq >= s.liveFrom && !s.isClosed() && s.filter.matches(type, cameraMsb, cameraLsb, repeat)) {
                matched[matches++] = s;
                if (s.sse) {
                    sseMatches++;
                }
            }
        }
        if (matches == 0) {
            return;
        }
        json.clear();
        try {
            writer.write(seq, receivedAtUs, frame, extra, 0, extraLength, json);
        } catch (RuntimeException e) {
            Arrays.fill(matched, 0, matches, null);
            throw e;
        }
        int jsonLength = json.readableBytes();
        int textLength = matches > sseMatches ? StreamWire.textFrameLength(jsonLength) : 0;
        int chunkLength = sseMatches > 0 ? StreamWire.sseEventLength(seq, jsonLength) : 0;
        ByteBuf page = pageWithRoom(textLength + chunkLength);
        int textOffset = page.writerIndex();
        if (textLength > 0) {
            StreamWire.writeTextFrame(json, 0, jsonLength, page);
        }
        int chunkOffset = page.writerIndex();
        if (chunkLength > 0) {
            StreamWire.writeSseEvent(seq, json, 0, jsonLength, page);
        }
        if (referencesAhead < matches) {
            int take = Math.max(REFERENCES_AHEAD, matches);
            page.retain(take);
            referencesAhead += take;
        }
        referencesAhead -= matches;
        for (int i = 0; i < matches; i++) {
            StreamSubscriber s = matched[i];
            matched[i] = null;
            boolean queued = s.sse
                    ? s.outbox.offer(seq, page, chunkOffset, chunkLength)
                    : s.outbox.offer(seq, page, textOffset, textLength);
            if (queued) {
                s.offered = true;
            } else {
                referencesAhead++; // the record's reference, not handed over
                detach(s);
                counters.increment(Counter.STREAM_CLIENTS_CUT_OFF);
                s.cutOff();
            }
        }
    }

    /**
     * The current page if it has {@code bytes} left, else a free page with room for them (one no
     * client holds a reference to any more), else a new one. Publish thread.
     */
    private ByteBuf pageWithRoom(int bytes) {
        if (currentPage != null && currentPage.writableBytes() >= bytes) {
            return currentPage;
        }
        releaseCurrentPage();
        for (int i = 0; i < pageCount; i++) {
            ByteBuf free = pages[i];
            if (free.refCnt() == 1 && free.capacity() >= bytes) {
                currentPage = free.clear();
                return currentPage;
            }
        }
        if (pageCount == pages.length) {
            pages = Arrays.copyOf(pages, pageCount * 2);
        }
        int capacity = Math.max(PAGE_BYTES, bytes);
        currentPage = alloc.directBuffer(capacity, capacity);
        pages[pageCount++] = currentPage;
        return currentPage;
    }

    /** No page is current any more: gives back the references taken ahead for it. Publish thread. */
    private void releaseCurrentPage() {
        if (currentPage != null && referencesAhead > 0) {
            currentPage.release(referencesAhead);
        }
        referencesAhead = 0;
        currentPage = null;
    }

    /** The pages made so far, for tests: after {@link #close} none may keep a reference. Publish thread. */
    List<ByteBuf> pagesMade() {
        return List.of(Arrays.copyOf(pages, pageCount));
    }

    /** Pages made so far. Publish thread. */
    int pageCount() {
        return pageCount;
    }

    /** Pages some client still holds a reference to. Publish thread. */
    int pagesHeld() {
        int held = 0;
        for (int i = 0; i < pageCount; i++) {
            int ahead = pages[i] == currentPage ? referencesAhead : 0;
            if (pages[i].refCnt() - ahead > 1) {
                held++;
            }
        }
        return held;
    }

    @Override
    public void endOfBatch() {
        applyChanges();
        for (int i = 0; i < count; i++) {
            StreamSubscriber s = subscribers[i];
            if (s.offered) {
                s.offered = false;
                s.scheduleDrain();
            }
        }
    }

    /** Seq of the last event published (or the journal's last at start). Publish thread. */
    long lastPublishedSeq() {
        return lastPublishedSeq;
    }

    /** Subscribers attached. Publish thread. */
    int subscriberCount() {
        return count;
    }

    private void applyChanges() {
        StreamSubscriber s;
        while ((s = changes.poll()) != null) {
            if (s.hubState == HUB_NEW && !s.isClosed()) {
                attach(s);
            } else if (s.isClosed()) {
                if (s.hubState == HUB_ATTACHED) {
                    detach(s);
                }
                s.hubState = HUB_DETACHED;
                s.released();
            }
        }
    }

    private void attach(StreamSubscriber s) {
        long last = lastPublishedSeq;
        long from = s.fromSeq == 0 ? 1 : s.fromSeq;
        long replayFrom = 1;
        long replayTo = 0;
        long liveFrom;
        if (from == StreamSubscriber.LIVE_ONLY) {
            liveFrom = last + 1;
        } else if (from > last) {
            liveFrom = from;
        } else {
            replayFrom = from;
            replayTo = last;
            liveFrom = last + 1;
        }
        if (count == subscribers.length) {
            subscribers = Arrays.copyOf(subscribers, count * 2);
            matched = new StreamSubscriber[subscribers.length];
        }
        s.liveFrom = liveFrom;
        s.hubIndex = count;
        s.hubState = HUB_ATTACHED;
        subscribers[count++] = s;
        s.attached(replayFrom, replayTo, liveFrom);
    }

    private void detach(StreamSubscriber s) {
        int i = s.hubIndex;
        if (i < 0) {
            return;
        }
        StreamSubscriber last = subscribers[--count];
        subscribers[i] = last;
        last.hubIndex = i;
        subscribers[count] = null;
        s.hubIndex = -1;
        s.hubState = HUB_DETACHED;
    }

    // ---- replay

    /** Queues the replay of {@code from..to} for a subscriber. Event loop. */
    void startReplay(StreamSubscriber s, long from, long to) {
        try {
            replays.execute(() -> replay(s, from, to));
        } catch (RejectedExecutionException e) {
            s.replayFinished(from - 1, 0, closed ? StreamSubscriber.REPLAY_CLOSED : StreamSubscriber.REPLAY_BUSY);
        }
    }

    /**
     * Writes the stored events {@code from..to} that pass the filter, in seq order. Replay thread; it
     * allocates the bytes of each event it writes (only the live path is free of allocation).
     */
    private void replay(StreamSubscriber s, long from, long to) {
        s.replayStarting();
        EventFrame frame = new EventFrame();
        JournalRecord record = new JournalRecord();
        ByteBuf json = Unpooled.buffer(JSON_INITIAL_BYTES);
        long last = from - 1;
        int sent = 0;
        int outcome = StreamSubscriber.REPLAY_COMPLETE;
        try (JournalReader reader = journal.reader(from, to)) {
            while (last < to) {
                if (s.isClosed() || closed) {
                    outcome = StreamSubscriber.REPLAY_CLOSED;
                    break;
                }
                if (!reader.next(record)) {
                    break;
                }
                long seq = record.seq();
                if (record.type() != JournalFormat.TYPE_EVENT) {
                    last = seq;
                    continue;
                }
                frame.wrap(record.buffer(), record.frameOffset());
                boolean repeat = EventExtras.hasWindowSection(record.buffer(), record.extraOffset(), record.extraLength());
                if (!s.filter.matches(frame, repeat)) {
                    last = seq;
                    continue;
                }
                json.clear();
                writer.write(seq, record.receivedAtUs(), frame, record.buffer(), record.extraOffset(),
                        record.extraLength(), json);
                int jsonLength = json.readableBytes();
                ByteBuf wire = s.channel.alloc().directBuffer(s.sse
                        ? StreamWire.sseEventLength(seq, jsonLength) : StreamWire.textFrameLength(jsonLength));
                if (s.sse) {
                    StreamWire.writeSseEvent(seq, json, 0, jsonLength, wire);
                } else {
                    StreamWire.writeTextFrame(json, 0, jsonLength, wire);
                }
                outcome = s.writeReplayed(wire, (sent + 1) % REPLAY_FLUSH_EVERY == 0);
                if (outcome == StreamSubscriber.REPLAY_DROPPED) {
                    outcome = StreamSubscriber.REPLAY_CLOSED; // closed before the write: seq was not sent
                    break;
                }
                sent++;
                last = seq;
                if (outcome != StreamSubscriber.REPLAY_COMPLETE) {
                    break;
                }
            }
            if (outcome == StreamSubscriber.REPLAY_COMPLETE && last < to) {
                Log.warn("stream replay " + from + ".." + to + " found the journal ending at seq " + last);
                outcome = StreamSubscriber.REPLAY_FAILED;
            }
        } catch (Exception e) {
            Log.warn("stream replay " + from + ".." + to + " failed at seq " + (last + 1) + ": " + e);
            outcome = StreamSubscriber.REPLAY_FAILED;
        } finally {
            json.release();
        }
        s.replayFinished(last, sent, outcome);
    }

    /**
     * Stops the replays, gives back what the outboxes still hold and lets go of the pages (a page a
     * record still holds is freed with the record's reference). Call after the pipeline has stopped
     * and the HTTP server is closed.
     */
    @Override
    public void close() {
        closed = true;
        replays.shutdownNow();
        try {
            replays.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        applyChanges();
        for (int i = 0; i < count; i++) {
            subscribers[i].released();
            subscribers[i] = null;
        }
        count = 0;
        releaseCurrentPage();
        for (int i = 0; i < pageCount; i++) {
            pages[i].release();
            pages[i] = null;
        }
        pageCount = 0;
        if (json.refCnt() > 0) {
            json.release();
        }
    }
}
