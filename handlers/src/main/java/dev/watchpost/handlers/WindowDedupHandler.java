package dev.watchpost.handlers;

import com.lmax.disruptor.EventHandler;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.handlers.rules.WindowDedupRule;
import dev.watchpost.handlers.rules.WindowDedupRules;
import dev.watchpost.handlers.time.Watermark;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.JournalFormat;
import dev.watchpost.persistence.journal.JournalReader;
import dev.watchpost.persistence.journal.JournalRecord;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventExtras;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.SecureRandom;

/**
 * The window stage: keeps the event-time {@link Watermark} and deduplicates events by content.
 *
 * <p><b>Watermark.</b> Every new event (valid, not a retried receipt_id) moves it by its event time
 * and is counted late when its time is below it; the wall clock's ticks move it while the input is
 * quiet. Each slot leaves this stage stamped with the watermark ({@link EventSlot#stampWatermark}).
 *
 * <p><b>Content window.</b> For an event whose type has window dedup on, a key is made of the rule's
 * fields; when a burst with that key is open and the event's time falls within its window, the
 * event is marked the burst's next repeat ({@link EventSlot#markRepeat}: the original's seq and the
 * ordinal) and is still stored, under its own seq. Otherwise it starts a burst. A fixed window spans
 * {@code window} either side of the original's time; a sliding one either side of every event of
 * the burst, so each repeat extends it. A burst closes when the watermark passes its window's end.
 *
 * <p><b>Keys.</b> The table keeps a 128-bit keyed digest (SipHash-2-4) of each key's bytes, not the
 * bytes: a fixed 16 bytes whatever the label's length, and two distinct keys are taken for one with
 * probability 2^-128 per pair, far below the machine's own error rate; a 64-bit hash would suppress
 * a distinct event from the live stream once in a few billion pairs, and an unkeyed hash could be
 * made to collide on purpose by whoever chooses labels. The key's random seed is new at each start;
 * the table is rebuilt from the journal ({@link #restore}) anyway.
 *
 * <p><b>Bounds.</b> At most {@code max_open_keys} bursts are open; when the table is full the one
 * whose window ends first is evicted and counted. Nothing here allocates per event.
 *
 * <p>A late event is judged only against bursts still open; it starts a burst only when its window
 * would end after the watermark. When an event matches no open burst and an open burst with its key
 * ends later than its own window would, that burst is kept (the event is stored unmarked).
 */
public final class WindowDedupHandler implements EventHandler<EventSlot> {
    /** Largest key: type, four UUID fields, track with its flag, subject flag, the longest label twice. */
    private static final int KEY_BYTES = 256;

    private final Watermark watermark;
    private final WindowTable table;
    private final Rule[] rules = new Rule[1 << 16];
    private final long longestWindowUs;
    private final SipHash128 digest;
    private final ByteBuffer key = ByteBuffer.allocate(KEY_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private final Counters counters;
    private final ErrorLog errors;

    private long repeats;
    private long late;
    private long evicted;
    private volatile long publishedWatermarkUs = Watermark.NONE;
    private volatile int publishedOpenKeys;

    /** One rule, compiled for the hot path. */
    private static final class Rule {
        final long windowUs;
        final boolean sliding;
        final WindowDedupRule.KeyField[] fields;

        Rule(WindowDedupRule rule) {
            this.windowUs = rule.window().toNanos() / 1000;
            this.sliding = rule.mode() == WindowDedupRule.Mode.SLIDING;
            this.fields = rule.key().toArray(new WindowDedupRule.KeyField[0]);
        }
    }

    public WindowDedupHandler(Rules rules, Counters counters, ErrorLog errors) {
        this(rules, newSeed(), counters, errors);
    }

    WindowDedupHandler(Rules rules, long[] seed, Counters counters, ErrorLog errors) {
        this.watermark = new Watermark(rules.allowedLateness(), rules.clockSkew());
        WindowDedupRules windowRules = rules.windowDedup();
        this.table = new WindowTable(windowRules.maxOpenKeys());
        Rule fallback = windowRules.defaultRule().enabled() ? new Rule(windowRules.defaultRule()) : null;
        java.util.Arrays.fill(this.rules, fallback);
        windowRules.byType().forEach((type, rule) -> this.rules[type] = rule.enabled() ? new Rule(rule) : null);
        this.longestWindowUs = windowRules.longestWindow().toNanos() / 1000;
        this.digest = new SipHash128(seed[0], seed[1]);
        this.counters = counters;
        this.errors = errors;
    }

    private static long[] newSeed() {
        SecureRandom random = new SecureRandom();
        return new long[] {random.nextLong(), random.nextLong()};
    }

    @Override
    public void onEvent(EventSlot slot, long sequence, boolean endOfBatch) {
        try {
            if (slot.isToStore()) {
                onNewEvent(slot);
            } else if (slot.isTick()) {
                if (watermark.onWallClock(slot.receivedAtUs())) {
                    expire();
                }
            }
            slot.stampWatermark(watermark.valueUs());
        } catch (RuntimeException e) {
            // A bug here must not stop the ring: the event is stored unmarked.
            errors.record("window", e);
        }
        if (endOfBatch) {
            counters.add(Counter.EVENTS_WINDOW_REPEATS, repeats);
            counters.add(Counter.EVENTS_LATE, late);
            counters.add(Counter.WINDOW_KEYS_EVICTED, evicted);
            repeats = late = evicted = 0;
            publishedWatermarkUs = watermark.valueUs();
            publishedOpenKeys = table.size();
        }
    }

    private void onNewEvent(EventSlot slot) {
        EventFrame frame = slot.frame();
        long tsUs = frame.tsUs();
        if (watermark.onEvent(tsUs, slot.receivedAtUs())) {
            late++;
        }
        expire();
        Rule rule = rules[frame.eventType()];
        if (rule == null) {
            return;
        }
        digest(frame, rule);
        int entry = table.find(digest.hi, digest.lo);
        if (entry != WindowTable.NOT_FOUND && within(entry, tsUs, rule)) {
            int ordinal = table.addRepeat(entry);
            slot.markRepeat(table.originalSeq(entry), ordinal);
            repeats++;
            if (rule.sliding) {
                table.include(entry, tsUs);
                table.setEnd(entry, table.maxTs(entry) + rule.windowUs);
            }
            return;
        }
        startBurst(entry, slot.journalSeq(), tsUs, rule);
    }

    private boolean within(int entry, long tsUs, Rule rule) {
        return tsUs > table.minTs(entry) - rule.windowUs && tsUs < table.maxTs(entry) + rule.windowUs;
    }

    /** Opens a burst with this event as its original, under {@code entry} when its key has one. */
    private void startBurst(int entry, long seq, long tsUs, Rule rule) {
        long endUs = tsUs + rule.windowUs;
        if (endUs <= watermark.valueUs()) {
            return; // late, and its window is already closed
        }
        if (entry != WindowTable.NOT_FOUND) {
            if (table.end(entry) > endUs) {
                return; // out of order by more than a window: keep the burst that stays open longer
            }
            table.restart(entry, seq, tsUs, endUs);
            return;
        }
        if (table.isFull()) {
            table.remove(table.earliestEnding());
            evicted++;
        }
        table.insert(digest.hi, digest.lo, seq, tsUs, endUs);
    }

    /** Closes every burst whose window ends at or before the watermark. */
    private void expire() {
        long wm = watermark.valueUs();
        while (table.size() > 0 && table.end(table.earliestEnding()) <= wm) {
            table.remove(table.earliestEnding());
        }
    }

    /** Puts the key's bytes into {@link #key} and digests them into {@link #digest}. */
    private void digest(EventFrame frame, Rule rule) {
        ByteBuffer k = key;
        ByteBuffer b = frame.buffer();
        int base = frame.offset();
        k.putShort(0, (short) frame.eventType());
        int n = 2;
        for (WindowDedupRule.KeyField field : rule.fields) {
            switch (field) {
                case CAMERA:
                    n = put16(k, n, b, base + EventFrame.CAMERA_ID_OFFSET);
                    break;
                case ZONE:
                    n = put16(k, n, b, base + EventFrame.ZONE_ID_OFFSET);
                    break;
                case STORE_ID:
                    n = put16(k, n, b, base + EventFrame.STORE_ID_OFFSET);
                    break;
                case TYPE:
                    break; // always first
                case TRACK_ID:
                    k.put(n++, (byte) (frame.hasTrack() ? 1 : 0));
                    k.putLong(n, frame.hasTrack() ? frame.trackId() : 0);
                    n += 8;
                    break;
                case SUBJECT_ID:
                    k.put(n++, (byte) (frame.hasSubject() ? 1 : 0));
                    if (frame.hasSubject()) {
                        n = put16(k, n, b, base + EventFrame.SUBJECT_ID_OFFSET);
                    } else {
                        k.putLong(n, 0).putLong(n + 8, 0);
                        n += 16;
                    }
                    break;
                case LABEL:
                    n = putLabel(k, n, frame);
                    break;
                case IDENTITY:
                    if (frame.hasTrack()) {
                        k.put(n++, (byte) 1);
                        k.putLong(n, frame.trackId());
                        n += 8;
                    } else if (frame.hasSubject()) {
                        k.put(n++, (byte) 2);
                        n = put16(k, n, b, base + EventFrame.SUBJECT_ID_OFFSET);
                    } else {
                        k.put(n++, (byte) 3);
                        n = putLabel(k, n, frame);
                    }
                    break;
                default:
                    throw new IllegalStateException(field.name());
            }
        }
        digest.hash(k, n);
    }

    private static int put16(ByteBuffer k, int n, ByteBuffer b, int index) {
        k.putLong(n, b.getLong(index));
        k.putLong(n + 8, b.getLong(index + 8));
        return n + 16;
    }

    private static int putLabel(ByteBuffer k, int n, EventFrame frame) {
        int length = Math.min(frame.labelLength(), EventFrame.MAX_LABEL_LENGTH);
        k.put(n, (byte) length);
        k.put(n + 1, frame.buffer(), frame.labelIndex(), length);
        return n + 1 + length;
    }

    // ---- restart

    /**
     * Rebuilds the watermark and the open bursts from the journal's tail: every record whose event
     * time is within the longest window plus the allowed lateness of the last record's. A record
     * marked as a repeat sets its burst's repeat count; any other starts a burst, as it did when it
     * was stored. Nothing is marked or counted. Call before the pipeline starts.
     *
     * @return the records read
     */
    public long restore(Journal journal) throws IOException {
        long lastTsUs = journal.lastRecordTsUs();
        if (lastTsUs == Long.MIN_VALUE) {
            return 0;
        }
        long last = journal.lastSeq();
        JournalRecord record = new JournalRecord();
        long fromTsUs = lastTsUs - longestWindowUs - watermark.allowedLatenessUs();
        long from = journal.seqForTime(fromTsUs);
        EventFrame frame = new EventFrame();
        long read = 0;
        try (JournalReader reader = journal.reader(from, last)) {
            while (reader.next(record)) {
                if (record.type() != JournalFormat.TYPE_EVENT) {
                    continue;
                }
                read++;
                frame.wrap(record.buffer(), record.frameOffset());
                if (frame.eventType() >= EventTypeRegistry.DERIVED_MIN) {
                    continue; // derived events ride beside their slot's event; the live path never sees them here
                }
                restoreOne(frame, record.seq(), record.receivedAtUs(),
                        EventExtras.duplicateOf(record.buffer(), record.extraOffset(), record.extraLength()),
                        EventExtras.repeat(record.buffer(), record.extraOffset(), record.extraLength()));
            }
        }
        publishedWatermarkUs = watermark.valueUs();
        publishedOpenKeys = table.size();
        return read;
    }

    /** Replays one stored event into the state, as the live path left it. */
    void restoreOne(EventFrame frame, long seq, long receivedAtUs, long duplicateOf, int repeat) {
        long tsUs = frame.tsUs();
        watermark.onEvent(tsUs, receivedAtUs);
        expire();
        Rule rule = rules[frame.eventType()];
        if (rule == null) {
            return;
        }
        digest(frame, rule);
        int entry = table.find(digest.hi, digest.lo);
        if (duplicateOf == 0) {
            startBurst(entry, seq, tsUs, rule);
            return;
        }
        if (entry == WindowTable.NOT_FOUND || table.originalSeq(entry) != duplicateOf) {
            // Its original is older than the tail read (a sliding burst), or was replaced: reopen the burst.
            long endUs = tsUs + rule.windowUs;
            if (endUs <= watermark.valueUs() || (entry != WindowTable.NOT_FOUND && table.end(entry) > endUs)) {
                return;
            }
            if (entry == WindowTable.NOT_FOUND) {
                if (table.isFull()) {
                    table.remove(table.earliestEnding());
                }
                entry = table.insert(digest.hi, digest.lo, duplicateOf, tsUs, endUs);
            } else {
                table.restart(entry, duplicateOf, tsUs, endUs);
            }
        }
        table.setRepeats(entry, Math.max(table.repeats(entry), repeat));
        if (rule.sliding) {
            table.include(entry, tsUs);
            table.setEnd(entry, table.maxTs(entry) + rule.windowUs);
        }
    }

    // ---- for status and tests (any thread)

    /** The watermark at the end of the last batch, microseconds since the epoch; {@link Watermark#NONE} before any. */
    public long watermarkUs() {
        return publishedWatermarkUs;
    }

    /** Bursts open at the end of the last batch. */
    public int openKeys() {
        return publishedOpenKeys;
    }
}
