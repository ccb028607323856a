package dev.watchpost.handlers;

import com.lmax.disruptor.EventHandler;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.handlers.rules.TrackRules;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.JournalFormat;
import dev.watchpost.persistence.journal.JournalReader;
import dev.watchpost.persistence.journal.JournalRecord;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.DerivedEvent;
import dev.watchpost.ringbuffer.DerivedPool;
import dev.watchpost.ringbuffer.EventExtras;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventFrameEncoder;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The fuse stage: turns the detections of each (camera, track_id) into one track with a lifecycle,
 * as derived events stored, streamed and replayed like any other.
 *
 * <pre>
 *  detection (new, valid, track_id set) ─► open track?  no ─► track.started (revision 1)
 *                                                       yes ─► best confidence / label / zone / subject
 *                                                              changed, and update_interval passed since
 *                                                              the last message ─► track.updated
 *  watermark passes last seen + idle_timeout ─────────────────► track.ended (idle)
 *  table full, a new track ───────────────────────────────────► least recently seen: track.ended (evicted)
 *  shutdown slot ─────────────────────────────────────────────► every open track: track.ended (shutdown)
 * </pre>
 *
 * <p><b>Flow.</b> A derived event is encoded into a {@link DerivedEvent} from this stage's
 * {@link DerivedPool} and queued ({@link DerivedQueue}); the queue's head is attached to the current
 * slot with the next seqs of the shared {@link SeqAllocator}, and the journal stage stores it after
 * the slot's own event. Once every stage has passed the slot, it goes back to the pool.
 * What does not fit waits for the next slots (ticks keep coming on a quiet site); idle endings are
 * only taken while the queue has room, so they wait in the table instead; only a start, update or eviction
 * that finds the queue full is dropped, and counted ({@code derived_overflow}).
 *
 * <p><b>Identity.</b> Every message of a track carries the track's correlation id, a UUID hashed
 * from (camera, track_id, seq of its first detection), and parents: that first detection's seq and
 * the detection that caused it (for track.ended: the last). Its receipt_id is hashed from the type,
 * the correlation and the revision, so a rebuild regenerates the same ids.
 *
 * <p><b>Choices.</b> Window repeats are detections of their track (they are stored raw detections);
 * receipt duplicates and rejected events are not seen. A detection whose own idle time is already
 * below the watermark opens no track (it is late and its track would be over). Severity starts at
 * the label's (rules) and only rises. Nothing here allocates per event: state lives in primitive
 * arrays, keys in a {@link WindowTable} keyed by a 128-bit digest of (camera, track_id), with its
 * heap ordered by last seen + idle_timeout.
 */
public final class TrackFusionHandler implements EventHandler<EventSlot> {
    static final int MAX_ZONES = 8;
    static final int LABEL_BYTES = EventFrame.MAX_LABEL_LENGTH;
    /** Derived events waiting for a slot. */
    static final int PENDING_CAPACITY = 256;
    /** Room idle endings leave in the pending queue for starts and updates. */
    private static final int PENDING_HEADROOM = 2 * EventSlot.MAX_DERIVED;
    private static final int PAYLOAD_MAX = 4096;

    static final int CHANGED_CONFIDENCE = 1;
    static final int CHANGED_LABEL = 2;
    static final int CHANGED_ZONE = 4;
    static final int CHANGED_SUBJECT = 8;

    static final int REASON_STARTED = 0;
    static final int REASON_CHANGED = 1;
    static final int REASON_IDLE = 2;
    static final int REASON_EVICTED = 3;
    static final int REASON_SHUTDOWN = 4;
    static final int REASON_RESTART = 5;

    private static final byte ANNOUNCE_NONE = 0;
    /** A track.updated of reason restart: its last stored message stands. */
    private static final byte ANNOUNCE_RESTART = 1;
    /** A track.started: the journal has its first detection but not the message (a crash came between). */
    private static final byte ANNOUNCE_START = 2;
    private static final byte[][] REASONS = {ascii("started"), ascii("changed"), ascii("idle"), ascii("evicted"),
        ascii("shutdown"), ascii("restart")};
    private static final byte[][] CHANGE_NAMES = {ascii("confidence"), ascii("label"), ascii("zone"), ascii("subject")};

    /** Fixed key: ids must come out the same in every process. */
    private static final long ID_KEY_0 = 0x7761_7463_6870_6f73L;
    private static final long ID_KEY_1 = 0x7472_6163_6b5f_6964L;

    private final TrackRules rules;
    private final boolean[] tracked = new boolean[1 << 16];
    private final long idleUs;
    private final long intervalUs;
    private final long latenessUs;
    private final SeqAllocator seqs;
    private final Counters counters;
    private final ErrorLog errors;
    private final WindowTable table;
    private final int capacity;
    private final SipHash128 keyDigest = new SipHash128(ID_KEY_0 ^ 1, ID_KEY_1 ^ 1);
    private final SipHash128 idDigest = new SipHash128(ID_KEY_0, ID_KEY_1);
    private final ByteBuffer scratch = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    private final byte[][] severityLabels;
    private final int[] severityValues;

    // per track, by table entry
    private final long[] cameraMsb;
    private final long[] cameraLsb;
    private final long[] trackId;
    private final long[] storeMsb;
    private final long[] storeLsb;
    private final long[] orgMsb;
    private final long[] orgLsb;
    private final long[] startSeq;
    private final long[] lastSeq;
    private final int[] revision;
    private final long[] lastAnnounceUs;
    private final int[] dirty;
    /** What the first slots after a start announce for the track: {@link #ANNOUNCE_NONE}, … */
    private final byte[] announce;
    /** Rebuilding: a stored message of the track's current incarnation has been read. */
    private final boolean[] confirmed;

    // per state row: 2 x entry is the track now, 2 x entry + 1 the track as last announced
    private final byte[] label;
    private final int[] labelLength;
    private final float[] best;
    private final long[] bestTs;
    private final float[] bbox;
    private final boolean[] hasBbox;
    private final long[] zoneMsb;
    private final long[] zoneLsb;
    private final long[] zones;
    private final int[] zoneCount;
    private final boolean[] hasSubject;
    private final long[] subjectMsb;
    private final long[] subjectLsb;
    private final long[] detections;
    private final long[] firstTs;
    private final long[] lastTs;
    private final int[] severity;

    // derived events waiting for a slot, and the pool they come from
    private final long[] parents = new long[2];
    // A track message is about 1-1.5 KiB; a longer one grows its buffer once.
    private final DerivedPool pool = new DerivedPool(2048, EventExtras.META_OFFSET + EventExtras.derivedSectionLength(parents.length),
            PENDING_CAPACITY);
    private final DerivedQueue queue = new DerivedQueue(PENDING_CAPACITY, pool);
    private final EventFrameEncoder encoder = new EventFrameEncoder();
    private final PayloadWriter out = new PayloadWriter(PAYLOAD_MAX);

    // restart announcements still to make
    private int[] restartQueue = new int[0];
    private int restartNext;

    private boolean silent;
    private long started;
    private long ended;
    private long evicted;
    private long overflow;
    private volatile int publishedOpenTracks;
    private volatile int publishedPending;

    public TrackFusionHandler(Rules rules, SeqAllocator seqs, Counters counters, ErrorLog errors) {
        this.rules = rules.tracks();
        for (int code = 0; code < tracked.length; code++) {
            tracked[code] = this.rules.tracks(code);
        }
        this.idleUs = this.rules.idleTimeout().toNanos() / 1000;
        this.intervalUs = this.rules.updateInterval().toNanos() / 1000;
        this.latenessUs = rules.allowedLateness().toNanos() / 1000;
        this.seqs = seqs;
        this.counters = counters;
        this.errors = errors;
        this.capacity = this.rules.maxOpenTracks();
        this.table = new WindowTable(capacity);
        int n = capacity;
        cameraMsb = new long[n];
        cameraLsb = new long[n];
        trackId = new long[n];
        storeMsb = new long[n];
        storeLsb = new long[n];
        orgMsb = new long[n];
        orgLsb = new long[n];
        startSeq = new long[n];
        lastSeq = new long[n];
        revision = new int[n];
        lastAnnounceUs = new long[n];
        dirty = new int[n];
        announce = new byte[n];
        confirmed = new boolean[n];
        int rows = 2 * n;
        label = new byte[rows * LABEL_BYTES];
        labelLength = new int[rows];
        best = new float[rows];
        bestTs = new long[rows];
        bbox = new float[rows * 4];
        hasBbox = new boolean[rows];
        zoneMsb = new long[rows];
        zoneLsb = new long[rows];
        zones = new long[rows * MAX_ZONES * 2];
        zoneCount = new int[rows];
        hasSubject = new boolean[rows];
        subjectMsb = new long[rows];
        subjectLsb = new long[rows];
        detections = new long[rows];
        firstTs = new long[rows];
        lastTs = new long[rows];
        severity = new int[rows];
        Map<String, Integer> bySeverity = this.rules.severity();
        severityLabels = new byte[bySeverity.size()][];
        severityValues = new int[bySeverity.size()];
        int i = 0;
        for (Map.Entry<String, Integer> e : bySeverity.entrySet()) {
            severityLabels[i] = e.getKey().getBytes(StandardCharsets.UTF_8);
            severityValues[i++] = e.getValue();
        }
    }

    @Override
    public void onEvent(EventSlot slot, long sequence, boolean endOfBatch) {
        try {
            slot.releaseDerived(sequence);
            long watermarkUs = slot.watermarkUs();
            EventFrame frame = slot.frame();
            if (slot.isToStore() && frame.hasTrack() && tracked[frame.eventType()]) {
                onDetection(frame, slot.journalSeq(), watermarkUs);
            } else {
                expire(watermarkUs);
            }
            if (slot.isShutdown()) {
                endAll(REASON_SHUTDOWN);
            }
            announceRestarts();
            queue.drainInto(slot, seqs);
        } catch (RuntimeException e) {
            // A bug here must not stop the ring: the slot's own event is stored all the same.
            errors.record("fuse", e);
        }
        if (endOfBatch) {
            counters.add(Counter.TRACKS_STARTED, started);
            counters.add(Counter.TRACKS_ENDED, ended);
            counters.add(Counter.TRACKS_EVICTED, evicted);
            counters.add(Counter.DERIVED_OVERFLOW, overflow);
            started = ended = evicted = overflow = 0;
            publishedOpenTracks = table.size();
            publishedPending = queue.size() + (restartQueue.length - restartNext);
        }
    }

    // ---- the lifecycle

    private void onDetection(EventFrame frame, long seq, long watermarkUs) {
        if (!silent) {
            expire(watermarkUs); // rebuilding, only a stored track.ended ends a track (see restore)
        }
        long ts = frame.tsUs();
        digestKey(frame.uuidMsb(EventFrame.CAMERA_ID_OFFSET), frame.uuidLsb(EventFrame.CAMERA_ID_OFFSET), frame.trackId());
        int entry = table.find(keyDigest.hi, keyDigest.lo);
        if (entry == WindowTable.NOT_FOUND) {
            if (watermarkUs != Long.MIN_VALUE && ts + idleUs <= watermarkUs) {
                return; // late: its track would be over already
            }
            if (table.isFull()) {
                int victim = table.earliestEnding();
                end(victim, REASON_EVICTED);
                evicted++;
            }
            entry = table.insert(keyDigest.hi, keyDigest.lo, seq, ts, ts + idleUs);
            open(entry, frame, seq);
            emit(entry, EventTypeRegistry.TRACK_STARTED, REASON_STARTED, 0, ts, seq);
            started++;
            return;
        }
        int changed = apply(entry, frame, seq);
        dirty[entry] |= changed;
        if (dirty[entry] != 0 && ts - lastAnnounceUs[entry] >= intervalUs) {
            emit(entry, EventTypeRegistry.TRACK_UPDATED, REASON_CHANGED, dirty[entry], ts, seq);
        }
    }

    private void open(int entry, EventFrame frame, long seq) {
        cameraMsb[entry] = frame.uuidMsb(EventFrame.CAMERA_ID_OFFSET);
        cameraLsb[entry] = frame.uuidLsb(EventFrame.CAMERA_ID_OFFSET);
        trackId[entry] = frame.trackId();
        storeMsb[entry] = frame.uuidMsb(EventFrame.STORE_ID_OFFSET);
        storeLsb[entry] = frame.uuidLsb(EventFrame.STORE_ID_OFFSET);
        orgMsb[entry] = frame.uuidMsb(EventFrame.ORG_ID_OFFSET);
        orgLsb[entry] = frame.uuidLsb(EventFrame.ORG_ID_OFFSET);
        startSeq[entry] = seq;
        lastSeq[entry] = seq;
        revision[entry] = 0;
        dirty[entry] = 0;
        announce[entry] = ANNOUNCE_NONE;
        confirmed[entry] = false;
        int row = 2 * entry;
        long ts = frame.tsUs();
        detections[row] = 1;
        firstTs[row] = ts;
        lastTs[row] = ts;
        setLabel(row, frame);
        setBest(row, frame);
        zoneCount[row] = 0;
        zoneMsb[row] = 0;
        zoneLsb[row] = 0;
        setZone(row, frame);
        hasSubject[row] = false;
        setSubject(row, frame);
        severity[row] = labelSeverity(row);
    }

    /** Adds a detection to an open track; returns what changed, as CHANGED_* bits. */
    private int apply(int entry, EventFrame frame, long seq) {
        int row = 2 * entry;
        long ts = frame.tsUs();
        int changed = 0;
        detections[row]++;
        if (seq > lastSeq[entry]) {
            lastSeq[entry] = seq;
        }
        if (ts < firstTs[row]) {
            firstTs[row] = ts;
        }
        if (ts > lastTs[row]) {
            lastTs[row] = ts;
            table.setEnd(entry, ts + idleUs);
        }
        if (frame.confidence() > best[row]) {
            setBest(row, frame);
            changed |= CHANGED_CONFIDENCE;
        }
        if (!sameLabel(row, frame)) {
            setLabel(row, frame);
            changed |= CHANGED_LABEL;
        }
        if (setZone(row, frame)) {
            changed |= CHANGED_ZONE;
        }
        if (setSubject(row, frame)) {
            changed |= CHANGED_SUBJECT;
        }
        severity[row] = Math.max(severity[row], labelSeverity(row));
        return changed;
    }

    /** Ends every track whose last detection plus the idle timeout is at or below the watermark. */
    private void expire(long watermarkUs) {
        while (table.size() > 0 && table.end(table.earliestEnding()) <= watermarkUs
                && (silent || queue.hasRoom(PENDING_HEADROOM + 1))) {
            end(table.earliestEnding(), REASON_IDLE);
        }
    }

    /** Ends open tracks, as many as the pending queue has room for; the next slots end the rest. */
    private void endAll(int reason) {
        while (table.size() > 0 && (silent || queue.hasRoom(PENDING_HEADROOM + 1))) {
            end(table.earliestEnding(), reason);
        }
    }

    private void end(int entry, int reason) {
        emit(entry, EventTypeRegistry.TRACK_ENDED, reason, 0, lastTs[2 * entry], lastSeq[entry]);
        announce[entry] = ANNOUNCE_NONE;
        table.remove(entry);
        ended++;
    }

    private void announceRestarts() {
        while (restartNext < restartQueue.length && queue.hasRoom(PENDING_HEADROOM + 1)) {
            int entry = restartQueue[restartNext++];
            byte what = announce[entry];
            announce[entry] = ANNOUNCE_NONE;
            if (what == ANNOUNCE_RESTART) {
                emit(entry, EventTypeRegistry.TRACK_UPDATED, REASON_RESTART, 0, lastTs[2 * entry], lastSeq[entry]);
            } else if (what == ANNOUNCE_START) {
                revision[entry] = 0;
                emit(entry, EventTypeRegistry.TRACK_STARTED, REASON_STARTED, 0, firstTs[2 * entry], startSeq[entry]);
                started++;
            }
        }
    }

    // ---- derived events

    /** Encodes one lifecycle message into the pending queue and marks the track announced. */
    private void emit(int entry, int type, int reason, int changed, long tsUs, long causeSeq) {
        // Rebuilding, the revision stays at the last stored message's: a message the crash lost is made again under its id.
        int rev = silent ? revision[entry] : ++revision[entry];
        int now = 2 * entry;
        int before = now + 1;
        if (!silent) {
            DerivedEvent event = queue.add();
            if (event == null) {
                overflow++;
            } else {
                encode(event, entry, type, reason, changed, tsUs, causeSeq, rev, type == EventTypeRegistry.TRACK_STARTED ? -1 : before);
            }
        }
        copyRow(now, before);
        lastAnnounceUs[entry] = tsUs;
        dirty[entry] = 0;
    }

    private void encode(DerivedEvent event, int entry, int type, int reason, int changed, long tsUs, long causeSeq,
                        int rev, int beforeRow) {
        int now = 2 * entry;
        digestId(type, entry, rev);
        long receiptMsb = PayloadWriter.uuidMsb(idDigest.hi);
        long receiptLsb = PayloadWriter.uuidLsb(idDigest.lo);
        digestId(0, entry, 0);
        long correlationMsb = PayloadWriter.uuidMsb(idDigest.hi);
        long correlationLsb = PayloadWriter.uuidLsb(idDigest.lo);

        out.reset();
        out.put("{\"revision\":");
        out.putLong(rev);
        out.put(",\"reason\":\"");
        out.put(REASONS[reason]);
        out.put("\"");
        if (changed != 0) {
            out.put(",\"changed\":[");
            boolean first = true;
            for (int bit = 0; bit < CHANGE_NAMES.length; bit++) {
                if ((changed & (1 << bit)) != 0) {
                    if (!first) {
                        out.put(",");
                    }
                    first = false;
                    out.put("\"");
                    out.put(CHANGE_NAMES[bit]);
                    out.put("\"");
                }
            }
            out.put("]");
        }
        out.put(",\"before\":");
        if (beforeRow < 0) {
            out.put("null");
        } else {
            putState(beforeRow);
        }
        out.put(",\"after\":");
        putState(now);
        out.put("}");

        ByteBuffer buffer = event.frameBuffer(EventFrame.MIN_LENGTH + LABEL_BYTES + out.length());
        encoder.wrap(buffer, 0)
                .receiptId(receiptMsb, receiptLsb)
                .tsUs(tsUs)
                .eventType(type)
                .source(EventFrame.SOURCE_SYSTEM)
                .confidence(best[now])
                .uuid(EventFrame.STORE_ID_OFFSET, storeMsb[entry], storeLsb[entry])
                .uuid(EventFrame.ORG_ID_OFFSET, orgMsb[entry], orgLsb[entry])
                .uuid(EventFrame.CAMERA_ID_OFFSET, cameraMsb[entry], cameraLsb[entry])
                .uuid(EventFrame.ZONE_ID_OFFSET, zoneMsb[now], zoneLsb[now])
                .trackId(trackId[entry]);
        if (hasBbox[now]) {
            encoder.bbox(bbox[4 * now], bbox[4 * now + 1], bbox[4 * now + 2], bbox[4 * now + 3]);
        }
        if (hasSubject[now]) {
            encoder.uuid(EventFrame.SUBJECT_ID_OFFSET, subjectMsb[now], subjectLsb[now]);
            encoder.flags(EventFrame.FLAG_TRACK | (hasBbox[now] ? EventFrame.FLAG_BBOX : 0) | EventFrame.FLAG_SUBJECT);
        }
        encoder.label(label, now * LABEL_BYTES, labelLength[now]).payload(out.array(), 0, out.length());
        int length = encoder.finish();

        parents[0] = startSeq[entry];
        parents[1] = causeSeq;
        int parentCount = causeSeq == startSeq[entry] ? 1 : 2;
        ByteBuffer extra = event.extraBuffer(EventExtras.META_OFFSET + EventExtras.derivedSectionLength(parentCount));
        int extraLength = EventExtras.putDerivedOnly(extra, 0, parents, parentCount, correlationMsb, correlationLsb, rev);
        event.lengths(length, extraLength);
    }

    private void putState(int row) {
        out.put("{\"label\":");
        out.putString(label, row * LABEL_BYTES, labelLength[row]);
        out.put(",\"start_us\":");
        out.putLong(firstTs[row]);
        out.put(",\"end_us\":");
        out.putLong(lastTs[row]);
        out.put(",\"duration_ms\":");
        out.putLong((lastTs[row] - firstTs[row]) / 1000);
        out.put(",\"detections\":");
        out.putLong(detections[row]);
        out.put(",\"best\":{\"confidence\":");
        out.putUnit(best[row]);
        out.put(",\"ts_us\":");
        out.putLong(bestTs[row]);
        out.put(",\"bbox\":");
        if (hasBbox[row]) {
            out.put("[");
            for (int i = 0; i < 4; i++) {
                if (i > 0) {
                    out.put(",");
                }
                out.putUnit(bbox[4 * row + i]);
            }
            out.put("]");
        } else {
            out.put("null");
        }
        out.put("},\"zone_id\":");
        out.putUuidOrNull(zoneMsb[row], zoneLsb[row]);
        out.put(",\"zones\":[");
        for (int i = 0; i < zoneCount[row]; i++) {
            if (i > 0) {
                out.put(",");
            }
            int z = (row * MAX_ZONES + i) * 2;
            out.putUuidOrNull(zones[z], zones[z + 1]);
        }
        out.put("],\"subject_id\":");
        if (hasSubject[row]) {
            out.putUuidOrNull(subjectMsb[row], subjectLsb[row]);
        } else {
            out.put("null");
        }
        out.put(",\"severity\":");
        out.putLong(severity[row]);
        out.put("}");
    }

    // ---- state rows

    private void copyRow(int from, int to) {
        System.arraycopy(label, from * LABEL_BYTES, label, to * LABEL_BYTES, LABEL_BYTES);
        labelLength[to] = labelLength[from];
        best[to] = best[from];
        bestTs[to] = bestTs[from];
        System.arraycopy(bbox, 4 * from, bbox, 4 * to, 4);
        hasBbox[to] = hasBbox[from];
        zoneMsb[to] = zoneMsb[from];
        zoneLsb[to] = zoneLsb[from];
        System.arraycopy(zones, from * MAX_ZONES * 2, zones, to * MAX_ZONES * 2, MAX_ZONES * 2);
        zoneCount[to] = zoneCount[from];
        hasSubject[to] = hasSubject[from];
        subjectMsb[to] = subjectMsb[from];
        subjectLsb[to] = subjectLsb[from];
        detections[to] = detections[from];
        firstTs[to] = firstTs[from];
        lastTs[to] = lastTs[from];
        severity[to] = severity[from];
    }

    private void setBest(int row, EventFrame frame) {
        best[row] = frame.confidence();
        bestTs[row] = frame.tsUs();
        hasBbox[row] = frame.hasBbox();
        for (int i = 0; i < 4; i++) {
            bbox[4 * row + i] = frame.hasBbox() ? frame.bbox(i) : 0;
        }
    }

    private boolean sameLabel(int row, EventFrame frame) {
        int length = Math.min(frame.labelLength(), LABEL_BYTES);
        if (length != labelLength[row]) {
            return false;
        }
        ByteBuffer b = frame.buffer();
        int from = frame.labelIndex();
        int at = row * LABEL_BYTES;
        for (int i = 0; i < length; i++) {
            if (label[at + i] != b.get(from + i)) {
                return false;
            }
        }
        return true;
    }

    private void setLabel(int row, EventFrame frame) {
        int length = Math.min(frame.labelLength(), LABEL_BYTES);
        frame.buffer().get(frame.labelIndex(), label, row * LABEL_BYTES, length);
        labelLength[row] = length;
    }

    /** Takes the detection's zone when it has one; true when that changed the track's zone. */
    private boolean setZone(int row, EventFrame frame) {
        if (frame.isZero16(EventFrame.ZONE_ID_OFFSET)) {
            return false;
        }
        long msb = frame.uuidMsb(EventFrame.ZONE_ID_OFFSET);
        long lsb = frame.uuidLsb(EventFrame.ZONE_ID_OFFSET);
        if (msb == zoneMsb[row] && lsb == zoneLsb[row]) {
            return false;
        }
        zoneMsb[row] = msb;
        zoneLsb[row] = lsb;
        int base = row * MAX_ZONES * 2;
        for (int i = 0; i < zoneCount[row]; i++) {
            if (zones[base + 2 * i] == msb && zones[base + 2 * i + 1] == lsb) {
                return true;
            }
        }
        if (zoneCount[row] < MAX_ZONES) {
            zones[base + 2 * zoneCount[row]] = msb;
            zones[base + 2 * zoneCount[row] + 1] = lsb;
            zoneCount[row]++;
        }
        return true;
    }

    /** Takes the detection's subject when it has one; true when that changed the track's subject. */
    private boolean setSubject(int row, EventFrame frame) {
        if (!frame.hasSubject() || frame.isZero16(EventFrame.SUBJECT_ID_OFFSET)) {
            return false;
        }
        long msb = frame.uuidMsb(EventFrame.SUBJECT_ID_OFFSET);
        long lsb = frame.uuidLsb(EventFrame.SUBJECT_ID_OFFSET);
        if (hasSubject[row] && msb == subjectMsb[row] && lsb == subjectLsb[row]) {
            return false;
        }
        hasSubject[row] = true;
        subjectMsb[row] = msb;
        subjectLsb[row] = lsb;
        return true;
    }

    private int labelSeverity(int row) {
        int at = row * LABEL_BYTES;
        int length = labelLength[row];
        outer:
        for (int i = 0; i < severityLabels.length; i++) {
            byte[] candidate = severityLabels[i];
            if (candidate.length != length) {
                continue;
            }
            for (int j = 0; j < length; j++) {
                if (candidate[j] != label[at + j]) {
                    continue outer;
                }
            }
            return severityValues[i];
        }
        return 0;
    }

    // ---- digests

    private void digestKey(long camMsb, long camLsb, long track) {
        scratch.putLong(0, camMsb).putLong(8, camLsb).putLong(16, track);
        keyDigest.hash(scratch, 24);
    }

    private void digestId(int type, int entry, int rev) {
        scratch.putShort(0, (short) type)
                .putLong(2, cameraMsb[entry]).putLong(10, cameraLsb[entry])
                .putLong(18, trackId[entry]).putLong(26, startSeq[entry]).putInt(34, rev);
        idDigest.hash(scratch, 38);
    }

    // ---- helpers

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    // ---- restart

    /**
     * Rebuilds the open tracks from the journal's tail (every record within {@code restore_horizon}
     * of the last record's event time): raw detections replay through the same lifecycle without
     * emitting anything, and each stored track.* message sets its track's revision and first seq; only
     * a stored track.ended ends a track here. Each track still open is then announced on the first
     * slots after start: a track.updated of reason {@code restart}, or, when the journal has the
     * track's first detection but no message of it (a crash came between), its track.started. Tracks
     * whose idle time has passed meanwhile end on the first slot, as they would have. Ids come from
     * (type, track, revision), so no stored message is made twice. Call before the pipeline starts.
     *
     * @return the records read
     */
    public long restore(Journal journal) throws IOException {
        if (!rules.enabled()) {
            return 0;
        }
        long lastRecordTs = journal.lastRecordTsUs();
        if (lastRecordTs == Long.MIN_VALUE) {
            return 0;
        }
        long last = journal.lastSeq();
        JournalRecord record = new JournalRecord();
        long from = journal.seqForTime(lastRecordTs - rules.restoreHorizon().toNanos() / 1000);
        EventFrame frame = new EventFrame();
        long read = 0;
        long maxTs = Long.MIN_VALUE;
        silent = true;
        try (JournalReader reader = journal.reader(from, last)) {
            while (reader.next(record)) {
                if (record.type() != JournalFormat.TYPE_EVENT) {
                    continue;
                }
                read++;
                frame.wrap(record.buffer(), record.frameOffset());
                int type = frame.eventType();
                if (type == EventTypeRegistry.TRACK_STARTED || type == EventTypeRegistry.TRACK_UPDATED
                        || type == EventTypeRegistry.TRACK_ENDED) {
                    restoreMessage(frame, record);
                } else if (frame.hasTrack() && tracked[type]) {
                    maxTs = Math.max(maxTs, frame.tsUs());
                    onDetection(frame, record.seq(), maxTs - latenessUs);
                }
            }
        } finally {
            silent = false;
            started = ended = evicted = 0;
        }
        restartQueue = new int[table.size()];
        restartNext = 0;
        int n = 0;
        for (int entry = 0; entry < capacity; entry++) {
            if (table.isOpen(entry)) {
                announce[entry] = confirmed[entry] ? ANNOUNCE_RESTART : ANNOUNCE_START;
                restartQueue[n++] = entry;
            }
        }
        publishedOpenTracks = table.size();
        publishedPending = n;
        return read;
    }

    /** A stored lifecycle message: it is the authority on its track's revision, first seq and end. */
    private void restoreMessage(EventFrame frame, JournalRecord record) {
        ByteBuffer b = record.buffer();
        int at = record.extraOffset();
        int length = record.extraLength();
        if (EventExtras.parentCount(b, at, length) < 1) {
            return;
        }
        long first = EventExtras.parent(b, at, length, 0);
        int rev = EventExtras.revision(b, at, length);
        digestKey(frame.uuidMsb(EventFrame.CAMERA_ID_OFFSET), frame.uuidLsb(EventFrame.CAMERA_ID_OFFSET), frame.trackId());
        int entry = table.find(keyDigest.hi, keyDigest.lo);
        if (frame.eventType() == EventTypeRegistry.TRACK_ENDED) {
            // A first seq below the entry's: the tail began in the middle of this track, and the
            // entry holds only its later detections. It is the same track, and it has ended.
            if (entry != WindowTable.NOT_FOUND && first <= startSeq[entry]) {
                table.remove(entry);
            }
            return;
        }
        if (entry == WindowTable.NOT_FOUND) {
            // Its first detections are older than the tail read: take its state from the message.
            if (table.isFull()) {
                table.remove(table.earliestEnding());
            }
            long ts = frame.tsUs();
            entry = table.insert(keyDigest.hi, keyDigest.lo, first, ts, ts + idleUs);
            open(entry, frame, first);
            detections[2 * entry] = 0;
        }
        startSeq[entry] = first;
        revision[entry] = rev;
        confirmed[entry] = true;
        copyRow(2 * entry, 2 * entry + 1);
        lastAnnounceUs[entry] = frame.tsUs();
        dirty[entry] = 0;
    }

    /** Replays one stored detection into the state without emitting; for tests of the rebuild. */
    void restoreDetection(EventFrame frame, long seq, long watermarkUs) {
        silent = true;
        try {
            onDetection(frame, seq, watermarkUs);
        } finally {
            silent = false;
        }
    }

    // ---- for status, shutdown and tests (any thread)

    /** Tracks open at the end of the last batch. */
    public int openTracks() {
        return publishedOpenTracks;
    }

    /** Derived events and restart announcements waiting for a slot at the end of the last batch. */
    public int pendingDerived() {
        return publishedPending;
    }
}
