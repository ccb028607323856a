package dev.watchpost.handlers;

import com.lmax.disruptor.EventHandler;
import dev.watchpost.handlers.rules.AlertRules;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.handlers.rules.Site;
import dev.watchpost.handlers.rules.TagTable;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.JournalFormat;
import dev.watchpost.persistence.journal.JournalReader;
import dev.watchpost.persistence.journal.JournalRecord;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.DerivedEvent;
import dev.watchpost.ringbuffer.DerivedPool;
import dev.watchpost.ringbuffer.Enrichment;
import dev.watchpost.ringbuffer.EventExtras;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventFrameEncoder;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The alert stage: evaluates the alert rules on every event a slot will store (its own event, and the
 * derived events the stages before it attached) and derives one {@code alert.raised} per match that
 * its rule's throttle lets through.
 *
 * <pre>
 *  slot's own event (stored; a window repeat only for include_repeats rules) ─┐
 *  derived events attached by fuse, correlate, ... (never alert.raised) ──────┴─► each rule: every matcher holds?
 *        no ─► nothing      yes ─► throttle key has fewer than max alerts within per of event time?
 *                                      no ─► suppressed (counted; the key's next alert says how many)
 *                                      yes ─► alert.raised into the slot's derived area
 * </pre>
 *
 * <p><b>Flow</b> as in {@link TrackFusionHandler}: an alert is encoded into an event of this stage's
 * {@link DerivedPool}, queued, and attached to the current slot with the next seqs, after what the
 * earlier stages attached; the journal stores it after its trigger.
 *
 * <p><b>Identity.</b> receipt_id is hashed from (rule name, trigger seq), so a rebuild makes the same
 * id and a restart recognises what it already raised; the correlation id is the trigger's own when it
 * is a derived event, else hashed from the trigger's seq; parents = [trigger seq].
 *
 * <p><b>Throttle</b>: a sliding window of event time. Each key keeps the event times of its last
 * {@code max} alerts; a match is let through when fewer than {@code max} of them lie within
 * {@code per} before it. Keys live in a bounded {@link WindowTable} per rule, ordered by when their
 * last alert leaves the window; when full, the key that left first is forgotten. A sliding window is
 * rebuilt exactly from the alerts stored within one period, which is what a restart reads.
 *
 * <p><b>Hours</b> are minutes of the day in the site's zone: the zone's UTC offset is cached with the
 * span of event time it holds for (between two transitions), and looked up again only when an event
 * falls outside it. Nothing here allocates per event.
 */
public final class AlertHandler implements EventHandler<EventSlot> {
    static final int PENDING_CAPACITY = 256;
    private static final int PAYLOAD_MAX = 4096;
    private static final int CAMERA_NAME_MAX = 128;

    private static final int PART_LITERAL = 0;
    private static final int PART_LABEL = 1;
    private static final int PART_CAMERA = 2;
    private static final int PART_TYPE = 3;
    private static final int PART_SUBJECT = 4;

    /** Fixed keys: ids must come out the same in every process. */
    private static final long ID_KEY_0 = 0x616c_6572_745f_6964L;
    private static final long ID_KEY_1 = 0x7761_7463_6870_6f73L;

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] UNKNOWN = ascii("unknown");
    private static final byte[] BACKSLASH = ascii("\\");

    private final AlertRules alertRules;
    private final CompiledRule[] rules;
    private final SeqAllocator seqs;
    private final Counters counters;
    private final ErrorLog errors;
    private final byte[][] typeNames = new byte[EventTypeRegistry.MAX_CODE + 1][];
    private final long[] cameraMsb;
    private final long[] cameraLsb;
    private final byte[][] cameraNames;
    private final ZoneRules zone;

    private final SipHash128 digest = new SipHash128(ID_KEY_0, ID_KEY_1);
    private final SipHash128 keyDigest = new SipHash128(ID_KEY_0 ^ 1, ID_KEY_1 ^ 1);
    private final ByteBuffer scratch = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
    private final byte[] uuidText = new byte[36];
    private final byte[] label = new byte[EventFrame.MAX_LABEL_LENGTH];
    private final long[] parents = new long[1];
    private final DerivedPool pool = new DerivedPool(1024, EventExtras.META_OFFSET + EventExtras.derivedSectionLength(1), PENDING_CAPACITY);
    private final DerivedQueue queue = new DerivedQueue(PENDING_CAPACITY, pool);
    private final EventFrameEncoder encoder = new EventFrameEncoder();
    private final PayloadWriter out = new PayloadWriter(PAYLOAD_MAX);
    private final Enrichment nothingKnown = new Enrichment();
    /** The site's tag numbering, for reading stored watch lists back into tag bits at a restart. */
    private final TagTable tagTable;

    // the zone's offset, valid for event times within [offsetFromUs, offsetToUs)
    private long offsetFromUs = Long.MAX_VALUE;
    private long offsetToUs = Long.MIN_VALUE;
    private long offsetUs;

    private long raised;
    private long throttled;
    private long overflow;
    private volatile int publishedPending;

    /**
     * @param tags the site's tag table, shared with the enrich stage: the rules' tags are numbered here
     * @throws IllegalArgumentException when the rules name more tags than the table can number
     */
    public AlertHandler(Rules rules, TagTable tags, EventTypeRegistry registry, SeqAllocator seqs, Counters counters, ErrorLog errors) {
        this.tagTable = tags;
        this.alertRules = rules.alerts();
        this.seqs = seqs;
        this.counters = counters;
        this.errors = errors;
        this.zone = alertRules.timezone().getRules();
        registry.all().forEach((code, name) -> typeNames[code] = jsonText(name));
        List<Site.Camera> cameras = rules.site().cameras();
        cameraMsb = new long[cameras.size()];
        cameraLsb = new long[cameras.size()];
        cameraNames = new byte[cameras.size()][];
        for (int i = 0; i < cameras.size(); i++) {
            Site.Camera c = cameras.get(i);
            cameraMsb[i] = c.id().getMostSignificantBits();
            cameraLsb[i] = c.id().getLeastSignificantBits();
            String name = c.name() == null ? c.key() : c.name();
            byte[] text = jsonText(name);
            cameraNames[i] = text.length > CAMERA_NAME_MAX ? jsonText(c.key()) : text;
        }
        List<AlertRules.Rule> list = alertRules.rules();
        this.rules = new CompiledRule[list.size()];
        for (int i = 0; i < list.size(); i++) {
            this.rules[i] = new CompiledRule(list.get(i), alertRules.enabledChannels(list.get(i).channels()), tags);
        }
    }

    @Override
    public void onEvent(EventSlot slot, long sequence, boolean endOfBatch) {
        try {
            slot.releaseDerived(sequence);
            if (rules.length > 0) {
                int attached = slot.derivedCount();
                if (slot.isToStore()) {
                    boolean repeat = slot.repeatOf() != EventSlot.NO_SEQ;
                    evaluate(slot.frame(), slot.journalSeq(), slot.enrichment(), slot.extra(), slot.extraLength(), repeat);
                }
                for (int i = 0; i < attached; i++) {
                    DerivedEvent event = slot.derived(i);
                    evaluate(event.frame(), event.seq(), event.enrichment(), event.extra(), event.extraLength(), false);
                }
            }
            queue.drainInto(slot, seqs);
        } catch (RuntimeException e) {
            errors.record("alert", e);
        }
        if (endOfBatch) {
            counters.add(Counter.ALERTS_RAISED, raised);
            counters.add(Counter.ALERTS_THROTTLED, throttled);
            counters.add(Counter.ALERTS_OVERFLOW, overflow);
            raised = throttled = overflow = 0;
            publishedPending = queue.size();
        }
    }

    // ---- matching

    private void evaluate(EventFrame frame, long seq, Enrichment enrichment, ByteBuffer extra, int extraLength, boolean repeat) {
        int type = frame.eventType();
        if (type == EventTypeRegistry.ALERT_RAISED) {
            return;
        }
        for (CompiledRule rule : rules) {
            if (matches(rule, frame, type, enrichment, repeat)) {
                onMatch(rule, frame, seq, enrichment, extra, extraLength);
            }
        }
    }

    private boolean matches(CompiledRule r, EventFrame frame, int type, Enrichment enrichment, boolean repeat) {
        if (!r.active || (repeat && !r.includeRepeats)) {
            return false;
        }
        if (r.types != null && !r.types[type]) {
            return false;
        }
        if (r.minConfidence >= 0 && !(frame.confidence() >= r.minConfidence)) {
            return false;
        }
        if (r.minSeverity >= 0 && enrichment.severity() < r.minSeverity) {
            return false;
        }
        if (r.tagMask != 0 && (enrichment.tags() & r.tagMask) == 0) {
            return false;
        }
        if (r.cameras != null && !anyUuid(r.cameras, frame, EventFrame.CAMERA_ID_OFFSET)) {
            return false;
        }
        if (r.zones != null && !anyUuid(r.zones, frame, EventFrame.ZONE_ID_OFFSET)) {
            return false;
        }
        if (r.labels != null && !anyLabel(r.labels, frame)) {
            return false;
        }
        return r.hoursFrom < 0 || inHours(r, frame.tsUs());
    }

    private static boolean anyUuid(long[] ids, EventFrame frame, int field) {
        long msb = frame.uuidMsb(field);
        long lsb = frame.uuidLsb(field);
        for (int i = 0; i < ids.length; i += 2) {
            if (ids[i] == msb && ids[i + 1] == lsb) {
                return true;
            }
        }
        return false;
    }

    private static boolean anyLabel(byte[][] labels, EventFrame frame) {
        int length = frame.labelLength();
        ByteBuffer b = frame.buffer();
        int from = frame.labelIndex();
        outer:
        for (byte[] label : labels) {
            if (label.length != length) {
                continue;
            }
            for (int i = 0; i < length; i++) {
                if (label[i] != b.get(from + i)) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private boolean inHours(CompiledRule r, long tsUs) {
        if (tsUs < offsetFromUs || tsUs >= offsetToUs) {
            refreshOffset(tsUs);
        }
        long minute = Math.floorMod(Math.floorDiv(tsUs + offsetUs, 60_000_000L), 24 * 60);
        return r.hoursFrom < r.hoursTo ? minute >= r.hoursFrom && minute < r.hoursTo
                : minute >= r.hoursFrom || minute < r.hoursTo;
    }

    /** Looks the zone's offset up for {@code tsUs} and the span it holds for; seldom: at the zone's transitions. */
    private void refreshOffset(long tsUs) {
        Instant at = Instant.ofEpochSecond(Math.floorDiv(tsUs, 1_000_000L));
        offsetUs = zone.getOffset(at).getTotalSeconds() * 1_000_000L;
        if (zone.isFixedOffset()) {
            offsetFromUs = Long.MIN_VALUE;
            offsetToUs = Long.MAX_VALUE;
            return;
        }
        ZoneOffsetTransition previous = zone.previousTransition(at.plusSeconds(1));
        ZoneOffsetTransition next = zone.nextTransition(at);
        offsetFromUs = previous == null ? Long.MIN_VALUE : previous.getInstant().getEpochSecond() * 1_000_000L;
        offsetToUs = next == null ? Long.MAX_VALUE : next.getInstant().getEpochSecond() * 1_000_000L;
    }

    // ---- throttle

    /** The throttle key's digest for this trigger, into keyDigest. */
    private void digestKey(CompiledRule r, EventFrame frame) {
        scratch.putInt(0, r.throttleKey.ordinal());
        switch (r.throttleKey) {
            case RULE -> scratch.putLong(4, 0).putLong(12, 0).putLong(20, 0).putLong(28, 0).putLong(36, 0);
            case CAMERA -> scratch.putLong(4, frame.uuidMsb(EventFrame.CAMERA_ID_OFFSET)).putLong(12, frame.uuidLsb(EventFrame.CAMERA_ID_OFFSET))
                    .putLong(20, 0).putLong(28, 0).putLong(36, 0);
            case SUBJECT -> scratch.putLong(4, frame.uuidMsb(EventFrame.SUBJECT_ID_OFFSET)).putLong(12, frame.uuidLsb(EventFrame.SUBJECT_ID_OFFSET))
                    .putLong(20, 0).putLong(28, 0).putLong(36, 0);
            case TRACK -> scratch.putLong(4, frame.uuidMsb(EventFrame.CAMERA_ID_OFFSET)).putLong(12, frame.uuidLsb(EventFrame.CAMERA_ID_OFFSET))
                    .putLong(20, frame.trackId()).putLong(28, 0).putLong(36, 0);
        }
        keyDigest.hash(scratch, 44);
    }

    /** True when the key (found at {@code entry}, or not) may raise one more alert at {@code tsUs}. */
    private static boolean allowed(CompiledRule r, int entry, long tsUs) {
        if (entry == WindowTable.NOT_FOUND || r.timeCount[entry] < r.throttleMax) {
            return true;
        }
        long oldest = r.times[entry * r.throttleMax + r.timeHead[entry]];
        return tsUs - oldest >= r.throttlePerUs;
    }

    /** Records an alert of the key at {@code tsUs}; returns the matches suppressed since its last alert. */
    private static long recordAlert(CompiledRule r, int entry, long tsUs, long hi, long lo) {
        if (entry == WindowTable.NOT_FOUND) {
            if (r.table.isFull()) {
                r.table.remove(r.table.earliestEnding());
            }
            entry = r.table.insert(hi, lo, 0, tsUs, tsUs + r.throttlePerUs);
            r.timeCount[entry] = 0;
            r.timeHead[entry] = 0;
            r.suppressed[entry] = 0;
        }
        int max = r.throttleMax;
        int base = entry * max;
        if (r.timeCount[entry] < max) {
            r.times[base + (r.timeHead[entry] + r.timeCount[entry]) % max] = tsUs;
            r.timeCount[entry]++;
        } else {
            r.times[base + r.timeHead[entry]] = tsUs;
            r.timeHead[entry] = (r.timeHead[entry] + 1) % max;
        }
        r.table.setEnd(entry, tsUs + r.throttlePerUs);
        long n = r.suppressed[entry];
        r.suppressed[entry] = 0;
        return n;
    }

    private void onMatch(CompiledRule r, EventFrame frame, long seq, Enrichment enrichment, ByteBuffer extra, int extraLength) {
        digestKey(r, frame);
        long hi = keyDigest.hi;
        long lo = keyDigest.lo;
        int entry = r.table.find(hi, lo);
        long ts = frame.tsUs();
        if (!allowed(r, entry, ts)) {
            r.suppressed[entry]++;
            throttled++;
            return;
        }
        long suppressed = recordAlert(r, entry, ts, hi, lo);
        DerivedEvent event = queue.add();
        if (event == null) {
            overflow++;
            return;
        }
        encode(event, r, frame, seq, enrichment, extra, extraLength, suppressed);
        raised++;
    }

    // ---- the alert

    private void encode(DerivedEvent event, CompiledRule r, EventFrame frame, long seq, Enrichment enrichment, ByteBuffer extra,
                        int extraLength, long suppressed) {
        digestReceipt(r, seq);
        long receiptMsb = PayloadWriter.uuidMsb(digest.hi);
        long receiptLsb = PayloadWriter.uuidLsb(digest.lo);
        long correlationMsb;
        long correlationLsb;
        if (EventExtras.hasDerivedSection(extra, 0, extraLength)) {
            int at = EventExtras.correlationIndex(extra, 0, extraLength);
            correlationMsb = Long.reverseBytes(extra.getLong(at));
            correlationLsb = Long.reverseBytes(extra.getLong(at + 8));
        } else {
            scratch.putLong(0, 0x636f_7272_656c_6174L).putLong(8, seq);
            digest.hash(scratch, 16);
            correlationMsb = PayloadWriter.uuidMsb(digest.hi);
            correlationLsb = PayloadWriter.uuidLsb(digest.lo);
        }
        int type = frame.eventType();

        out.reset();
        out.put("{\"rule\":").put(r.nameJson);
        out.put(",\"channels\":").put(r.channelsJson);
        out.put(",\"severity\":");
        if (enrichment.severity() == Enrichment.NO_SEVERITY) {
            out.put("null");
        } else {
            out.putLong(enrichment.severity());
        }
        out.put(",\"message\":\"");
        putMessage(r, frame, type);
        out.put("\",\"trigger\":{\"type\":\"");
        putTypeName(type);
        out.put("\",\"seq\":").putLong(seq);
        out.put(",\"ts_us\":").putLong(frame.tsUs());
        out.put("},\"suppressed\":").putLong(suppressed);
        out.put("}");

        int labelLength = Math.min(frame.labelLength(), EventFrame.MAX_LABEL_LENGTH);
        frame.buffer().get(frame.labelIndex(), label, 0, labelLength);
        ByteBuffer buffer = event.frameBuffer(EventFrameEncoder.frameLength(labelLength, out.length()));
        encoder.wrap(buffer, 0)
                .receiptId(receiptMsb, receiptLsb)
                .tsUs(frame.tsUs())
                .eventType(EventTypeRegistry.ALERT_RAISED)
                .source(EventFrame.SOURCE_SYSTEM)
                .flags(frame.flags() & EventFrame.FLAGS_KNOWN)
                .confidence(frame.confidence());
        // The trigger's fixed fields (store, org, camera, zone, track_id, bbox, subject) come over as they are.
        buffer.put(EventFrame.STORE_ID_OFFSET, frame.buffer(), frame.offset() + EventFrame.STORE_ID_OFFSET,
                EventFrame.LABEL_LEN_OFFSET - EventFrame.STORE_ID_OFFSET);
        encoder.label(label, 0, labelLength).payload(out.array(), 0, out.length());
        int length = encoder.finish();

        parents[0] = seq;
        ByteBuffer x = event.extraBuffer(EventExtras.META_OFFSET + EventExtras.derivedSectionLength(1));
        int extraLen = EventExtras.putDerivedOnly(x, 0, parents, 1, correlationMsb, correlationLsb, 1);
        event.lengths(length, extraLen);
        event.enrichment().severity(enrichment.severity());
        event.enrichment().tags(enrichment.tags());
    }

    private void putMessage(CompiledRule r, EventFrame frame, int type) {
        for (int i = 0; i < r.parts.length; i++) {
            switch (r.parts[i]) {
                case PART_LITERAL -> out.put(r.literals[i]);
                case PART_LABEL -> putEscaped(frame.buffer(), frame.labelIndex(), Math.min(frame.labelLength(), EventFrame.MAX_LABEL_LENGTH));
                case PART_CAMERA -> putCameraName(frame);
                case PART_TYPE -> putTypeName(type);
                case PART_SUBJECT -> {
                    if (frame.hasSubject() && !frame.isZero16(EventFrame.SUBJECT_ID_OFFSET)) {
                        putUuidText(frame.uuidMsb(EventFrame.SUBJECT_ID_OFFSET), frame.uuidLsb(EventFrame.SUBJECT_ID_OFFSET));
                    } else {
                        out.put(UNKNOWN);
                    }
                }
                default -> throw new IllegalStateException("message part " + r.parts[i]);
            }
        }
    }

    private void putTypeName(int type) {
        byte[] name = typeNames[type];
        if (name != null) {
            out.put(name);
        } else {
            out.putLong(type);
        }
    }

    private void putCameraName(EventFrame frame) {
        long msb = frame.uuidMsb(EventFrame.CAMERA_ID_OFFSET);
        long lsb = frame.uuidLsb(EventFrame.CAMERA_ID_OFFSET);
        for (int i = 0; i < cameraMsb.length; i++) {
            if (cameraMsb[i] == msb && cameraLsb[i] == lsb) {
                out.put(cameraNames[i]);
                return;
            }
        }
        if (msb == 0 && lsb == 0) {
            out.put(UNKNOWN);
        } else {
            putUuidText(msb, lsb);
        }
    }

    /** Text of a label inside a JSON string: quote and backslash escaped (protocol v1 has no control characters). */
    private void putEscaped(ByteBuffer b, int from, int length) {
        for (int i = 0; i < length; i++) {
            byte c = b.get(from + i);
            if (c == '"' || c == '\\') {
                out.put(BACKSLASH, 0, 1);
            }
            uuidText[0] = c;
            out.put(uuidText, 0, 1);
        }
    }

    private void putUuidText(long msb, long lsb) {
        int p = 0;
        p = hex(msb >>> 32, 8, p);
        uuidText[p++] = '-';
        p = hex(msb >>> 16, 4, p);
        uuidText[p++] = '-';
        p = hex(msb, 4, p);
        uuidText[p++] = '-';
        p = hex(lsb >>> 48, 4, p);
        uuidText[p++] = '-';
        hex(lsb, 12, p);
        out.put(uuidText, 0, 36);
    }

    private int hex(long value, int digits, int p) {
        for (int i = digits - 1; i >= 0; i--) {
            uuidText[p++] = HEX[(int) (value >>> (4 * i)) & 0xF];
        }
        return p;
    }

    private void digestReceipt(CompiledRule r, long seq) {
        scratch.put(0, r.nameBytes);
        scratch.putLong(r.nameBytes.length, seq);
        digest.hash(scratch, r.nameBytes.length + 8);
    }

    // ---- restart

    /**
     * Rebuilds the throttles from the journal's tail (the longest throttle period, and at least a
     * minute, of event time before the last record) and raises what a crash lost: stored alert.raised
     * events set their keys' windows, as they did live; a stored event that a rule matches, whose alert
     * (found by its receipt id) is not stored, counts as suppressed when an alert stored after it shows
     * the stage had passed it, and is raised now, on the first slots, when it comes after the last stored
     * alert and its throttle lets it through. Rules on tags and severity are judged on what the enrich
     * stage stored with the event ({@code "severity"}, the subject's {@code "watchlist"}), as they were
     * live. Call before the pipeline starts.
     *
     * @return the records read
     */
    public long restore(Journal journal) throws IOException {
        if (rules.length == 0) {
            return 0;
        }
        long lastRecordTs = journal.lastRecordTsUs();
        if (lastRecordTs == Long.MIN_VALUE) {
            return 0;
        }
        long horizonUs = Math.max(alertRules.longestThrottle().toNanos() / 1000, 60_000_000L);
        long from = journal.seqForTime(lastRecordTs - horizonUs);
        long last = journal.flushedSeq();
        JournalRecord record = new JournalRecord();
        EventFrame frame = new EventFrame();
        // pass 1: the alerts stored, and the last of them
        Set<UUID> storedAlerts = new HashSet<>();
        long lastAlertSeq = 0;
        long read = 0;
        try (JournalReader reader = journal.reader(from, last)) {
            while (reader.next(record)) {
                if (record.type() != JournalFormat.TYPE_EVENT) {
                    continue;
                }
                read++;
                frame.wrap(record.buffer(), record.frameOffset());
                if (frame.eventType() == EventTypeRegistry.ALERT_RAISED) {
                    storedAlerts.add(new UUID(frame.receiptIdMsb(), frame.receiptIdLsb()));
                    lastAlertSeq = record.seq();
                }
            }
        }
        // pass 2: in seq order, the throttles as they were and what is missing
        try (JournalReader reader = journal.reader(from, last)) {
            while (reader.next(record)) {
                if (record.type() != JournalFormat.TYPE_EVENT) {
                    continue;
                }
                frame.wrap(record.buffer(), record.frameOffset());
                int type = frame.eventType();
                if (type == EventTypeRegistry.ALERT_RAISED) {
                    restoreAlert(frame);
                    continue;
                }
                boolean repeat = EventExtras.hasWindowSection(record.buffer(), record.extraOffset(), record.extraLength());
                Enrichment known = storedFacts(record);
                for (CompiledRule r : rules) {
                    if (!matches(r, frame, type, known, repeat)) {
                        continue;
                    }
                    digestReceipt(r, record.seq());
                    if (storedAlerts.contains(new UUID(PayloadWriter.uuidMsb(digest.hi), PayloadWriter.uuidLsb(digest.lo)))) {
                        continue; // its stored alert sets the throttle, further on
                    }
                    digestKey(r, frame);
                    int entry = r.table.find(keyDigest.hi, keyDigest.lo);
                    if (record.seq() < lastAlertSeq) {
                        if (!allowed(r, entry, frame.tsUs())) {
                            r.suppressed[entry]++;
                        }
                        continue;
                    }
                    ByteBuffer extra = record.extraLength() == 0 ? scratch : record.buffer().duplicate().order(ByteOrder.LITTLE_ENDIAN)
                            .position(record.extraOffset()).slice().order(ByteOrder.LITTLE_ENDIAN);
                    onMatch(r, frame, record.seq(), known, extra, record.extraLength());
                }
            }
        } finally {
            throttled = 0;
        }
        publishedPending = queue.size();
        return read;
    }

    private final Enrichment restoredFacts = new Enrichment();
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /**
     * The facts the enrich stage had set on a stored event, read back from the enrichment object it
     * stored with it: {@code "severity"} and the subject's {@code "watchlist"} (numbered in the site's
     * tag table). Nothing known when the event has none. Restart only: it parses JSON.
     */
    private Enrichment storedFacts(JournalRecord record) {
        ByteBuffer b = record.buffer();
        int at = record.extraOffset();
        int length = record.extraLength();
        if (length == 0 || !EventExtras.hasEnrichmentSection(b, at, length)) {
            return nothingKnown;
        }
        byte[] object = new byte[EventExtras.enrichmentLength(b, at, length)];
        b.get(EventExtras.enrichmentIndex(b, at, length), object);
        restoredFacts.reset();
        try {
            com.fasterxml.jackson.databind.JsonNode node = JSON.readTree(object);
            if (node.path("severity").isInt()) {
                restoredFacts.severity(node.path("severity").intValue());
            }
            long bits = 0;
            for (com.fasterxml.jackson.databind.JsonNode tag : node.path("subject").path("watchlist")) {
                int bit = tagTable.bit(tag.asText());
                if (bit >= 0) {
                    bits |= 1L << bit;
                }
            }
            restoredFacts.tags(bits);
        } catch (IOException e) {
            return nothingKnown; // not JSON: the live stage would not have stored it
        }
        return restoredFacts;
    }

    /** A stored alert: its key's window takes it, as it did live. */
    private void restoreAlert(EventFrame frame) {
        int payload = frame.payloadIndex();
        int payloadLength = (int) frame.payloadLength();
        ByteBuffer b = frame.buffer();
        for (CompiledRule r : rules) {
            byte[] prefix = r.payloadPrefix;
            if (payloadLength < prefix.length) {
                continue;
            }
            boolean same = true;
            for (int i = 0; i < prefix.length && same; i++) {
                same = b.get(payload + i) == prefix[i];
            }
            if (same) {
                digestKey(r, frame);
                int entry = r.table.find(keyDigest.hi, keyDigest.lo);
                recordAlert(r, entry, frame.tsUs(), keyDigest.hi, keyDigest.lo);
                return;
            }
        }
    }

    /** Alerts waiting for a slot at the end of the last batch. Any thread. */
    public int pendingDerived() {
        return publishedPending;
    }

    // ---- compiled rules

    /** One rule in the form the hot path reads. */
    private static final class CompiledRule {
        final byte[] nameBytes;
        final byte[] nameJson;
        final byte[] payloadPrefix;
        final byte[] channelsJson;
        final boolean active;
        final boolean[] types;
        final byte[][] labels;
        final long[] cameras;
        final long[] zones;
        final long tagMask;
        final int minSeverity;
        final int hoursFrom;
        final int hoursTo;
        final float minConfidence;
        final boolean includeRepeats;
        final int[] parts;
        final byte[][] literals;
        final AlertRules.ThrottleKey throttleKey;
        final int throttleMax;
        final long throttlePerUs;
        final WindowTable table;
        final long[] times;
        final int[] timeCount;
        final int[] timeHead;
        final long[] suppressed;

        CompiledRule(AlertRules.Rule rule, List<String> channels, TagTable tagTable) {
            nameBytes = rule.name().getBytes(StandardCharsets.UTF_8);
            if (nameBytes.length > 64) {
                throw new IllegalArgumentException("rule name '" + rule.name() + "' is longer than 64 bytes");
            }
            nameJson = quoted(rule.name());
            payloadPrefix = concat(ascii("{\"rule\":"), nameJson, ascii(","));
            StringBuilder list = new StringBuilder("[");
            for (int i = 0; i < channels.size(); i++) {
                list.append(i == 0 ? "" : ",").append(new String(quoted(channels.get(i)), StandardCharsets.UTF_8));
            }
            channelsJson = list.append(']').toString().getBytes(StandardCharsets.UTF_8);
            active = !channels.isEmpty();
            if (rule.types() == null) {
                types = null;
            } else {
                types = new boolean[EventTypeRegistry.MAX_CODE + 1];
                rule.types().forEach(code -> types[code] = true);
            }
            labels = rule.labels() == null ? null : rule.labels().stream().map(l -> l.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
            cameras = rule.cameras() == null ? null : pairs(rule.cameras());
            zones = rule.zones() == null ? null : pairs(rule.zones());
            long mask = 0;
            for (String tag : rule.tags()) {
                int bit = tagTable.bit(tag);
                if (bit < 0) {
                    throw new IllegalArgumentException("rule '" + rule.name() + "': tag '" + tag + "' is beyond the "
                            + TagTable.MAX_TAGS + " tags the site can number");
                }
                mask |= 1L << bit;
            }
            tagMask = mask;
            minSeverity = rule.minSeverity();
            hoursFrom = rule.hoursFrom();
            hoursTo = rule.hoursTo();
            minConfidence = rule.minConfidence();
            includeRepeats = rule.includeRepeats();
            Template template = Template.parse(rule.message());
            parts = template.parts;
            literals = template.literals;
            throttleKey = rule.throttleKey();
            throttleMax = rule.throttleMax();
            throttlePerUs = rule.throttlePer().toNanos() / 1000;
            int keys = Math.max(rule.throttleMaxKeys(), 1);
            table = new WindowTable(keys);
            times = new long[keys * throttleMax];
            timeCount = new int[keys];
            timeHead = new int[keys];
            suppressed = new long[keys];
        }

        private static long[] pairs(Set<UUID> ids) {
            long[] out = new long[2 * ids.size()];
            int i = 0;
            for (UUID id : ids) {
                out[i++] = id.getMostSignificantBits();
                out[i++] = id.getLeastSignificantBits();
            }
            return out;
        }
    }

    /** A message template, split at its placeholders; literal parts already escaped for a JSON string. */
    static final class Template {
        final int[] parts;
        final byte[][] literals;

        private Template(int[] parts, byte[][] literals) {
            this.parts = parts;
            this.literals = literals;
        }

        /** The placeholders a template may use. */
        static final List<String> PLACEHOLDERS = List.of("{label}", "{camera}", "{type}", "{subject}");

        static Template parse(String text) {
            java.util.List<Integer> parts = new java.util.ArrayList<>();
            java.util.List<byte[]> literals = new java.util.ArrayList<>();
            StringBuilder literal = new StringBuilder();
            int i = 0;
            while (i < text.length()) {
                int kind = -1;
                String found = null;
                for (int k = 0; k < PLACEHOLDERS.size(); k++) {
                    if (text.startsWith(PLACEHOLDERS.get(k), i)) {
                        kind = k + 1;
                        found = PLACEHOLDERS.get(k);
                    }
                }
                if (kind < 0) {
                    literal.append(text.charAt(i++));
                    continue;
                }
                if (literal.length() > 0) {
                    parts.add(PART_LITERAL);
                    literals.add(jsonText(literal.toString()));
                    literal.setLength(0);
                }
                parts.add(kind);
                literals.add(null);
                i += found.length();
            }
            if (literal.length() > 0) {
                parts.add(PART_LITERAL);
                literals.add(jsonText(literal.toString()));
            }
            return new Template(parts.stream().mapToInt(Integer::intValue).toArray(), literals.toArray(new byte[0][]));
        }
    }

    // ---- helpers (configuration time)

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** Text as it goes inside a JSON string, UTF-8. */
    static byte[] jsonText(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] quoted(String s) {
        return concat(ascii("\""), jsonText(s), ascii("\""));
    }
}
