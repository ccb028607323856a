package dev.watchpost.handlers.correlate;

import dev.watchpost.handlers.DerivedQueue;
import dev.watchpost.handlers.PayloadWriter;
import dev.watchpost.handlers.SeqAllocator;
import dev.watchpost.handlers.SipHash128;
import dev.watchpost.ringbuffer.DerivedEvent;
import dev.watchpost.ringbuffer.DerivedPool;
import dev.watchpost.ringbuffer.EventExtras;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventFrameEncoder;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The correlate stage's one way out, shared by its three kinds of rule: a matcher fills the draft
 * (the parts, in any order, then the frame's fields and the payload's kind-specific members) and
 * {@link #commit} encodes a complete protocol v1 EVENT frame into a {@link DerivedEvent} of this
 * stage's pool and queues it for the next slots.
 *
 * <p><b>Identity.</b> The receipt_id is a SipHash of (kind, the rule's name, the parts' seqs in event-time
 * order), so replaying the same journal makes the same id; the correlation id is the matcher's
 * (from the join key where one exists). A receipt id found in the journal's tail at start
 * ({@link #recordStored}) is never queued again: the journal is the record of what was emitted.
 *
 * <p>Nothing here allocates after construction. One thread: the correlate stage's.
 */
final class Emitter {
    static final int KIND_COMPOSITE = 1;
    static final int KIND_SEQUENCE = 2;
    static final int KIND_INCIDENT = 3;
    private static final String[] KIND_NAMES = {null, "composite", "sequence", "incident"};

    /** Derived events waiting for a slot. */
    static final int PENDING_CAPACITY = 256;
    /** Room timed emissions (absences, incidents) leave in the queue for matches made by events. */
    static final int PENDING_HEADROOM = 2 * EventSlot.MAX_DERIVED;
    static final int MAX_PARTS = 32;
    private static final int PAYLOAD_MAX = 8192;

    /** Fixed keys: ids must come out the same in every process. */
    private static final long ID_KEY_0 = 0x636f_7272_656c_6174L;
    private static final long ID_KEY_1 = 0x655f_6964_735f_7631L;

    private final EventTypeRegistry registry;
    // A correlation message is 0.5-1.5 KiB; a longer one grows its buffer once.
    private final DerivedPool pool = new DerivedPool(2048,
            EventExtras.META_OFFSET + EventExtras.derivedSectionLength(EventExtras.MAX_PARENTS), PENDING_CAPACITY);
    private final DerivedQueue queue = new DerivedQueue(PENDING_CAPACITY, pool);
    private final EventFrameEncoder encoder = new EventFrameEncoder();
    final PayloadWriter out = new PayloadWriter(PAYLOAD_MAX);
    private final SipHash128 digest = new SipHash128(ID_KEY_0, ID_KEY_1);
    private final ByteBuffer scratch = ByteBuffer.allocate(16 + 8 * MAX_PARTS + 64).order(ByteOrder.LITTLE_ENDIAN);
    private final long[] parents = new long[EventExtras.MAX_PARENTS];
    private LongSet stored;
    /** While rebuilding: matches with a part before this time are taken as stored (see {@link #recordStored}). */
    private long trustFromUs = Long.MIN_VALUE;

    // ---- the draft: parts
    int partCount;
    final int[] partType = new int[MAX_PARTS];
    final long[] partSeq = new long[MAX_PARTS];
    final long[] partTs = new long[MAX_PARTS];
    final long[] partCameraMsb = new long[MAX_PARTS];
    final long[] partCameraLsb = new long[MAX_PARTS];
    final float[] partConfidence = new float[MAX_PARTS];

    // ---- the draft: frame fields
    int type;
    long tsUs;
    long cameraMsb;
    long cameraLsb;
    long zoneMsb;
    long zoneLsb;
    long storeMsb;
    long storeLsb;
    long orgMsb;
    long orgLsb;
    boolean hasSubject;
    long subjectMsb;
    long subjectLsb;
    boolean hasTrack;
    long trackId;
    boolean hasBbox;
    final float[] bbox = new float[4];
    byte[] label;
    /** Set by the matcher: the correlation id's digest halves. */
    long correlationHi;
    long correlationLo;

    long overflow;
    long skipped;

    Emitter(EventTypeRegistry registry) {
        this.registry = registry;
    }

    // ---- drafting

    /** Starts a new draft. */
    void begin(int type) {
        this.type = type;
        partCount = 0;
        hasSubject = false;
        hasTrack = false;
        hasBbox = false;
        zoneMsb = zoneLsb = 0;
        storeMsb = storeLsb = 0;
        orgMsb = orgLsb = 0;
        out.reset();
    }

    void part(int type, long seq, long ts, long camMsb, long camLsb, float confidence) {
        if (partCount == MAX_PARTS) {
            return;
        }
        int i = partCount++;
        partType[i] = type;
        partSeq[i] = seq;
        partTs[i] = ts;
        partCameraMsb[i] = camMsb;
        partCameraLsb[i] = camLsb;
        partConfidence[i] = confidence;
    }

    /** Takes the frame's store, org and zone ids for the draft. */
    void placeOf(EventFrame frame) {
        storeMsb = frame.uuidMsb(EventFrame.STORE_ID_OFFSET);
        storeLsb = frame.uuidLsb(EventFrame.STORE_ID_OFFSET);
        orgMsb = frame.uuidMsb(EventFrame.ORG_ID_OFFSET);
        orgLsb = frame.uuidLsb(EventFrame.ORG_ID_OFFSET);
        zoneMsb = frame.uuidMsb(EventFrame.ZONE_ID_OFFSET);
        zoneLsb = frame.uuidLsb(EventFrame.ZONE_ID_OFFSET);
    }

    /** Orders the parts by event time, then seq (insertion sort: a handful of parts). */
    void sortParts() {
        for (int i = 1; i < partCount; i++) {
            for (int j = i; j > 0 && later(j - 1, j); j--) {
                swap(j - 1, j);
            }
        }
    }

    private boolean later(int a, int b) {
        return partTs[a] > partTs[b] || (partTs[a] == partTs[b] && partSeq[a] > partSeq[b]);
    }

    private void swap(int a, int b) {
        int t = partType[a]; partType[a] = partType[b]; partType[b] = t;
        long l = partSeq[a]; partSeq[a] = partSeq[b]; partSeq[b] = l;
        l = partTs[a]; partTs[a] = partTs[b]; partTs[b] = l;
        l = partCameraMsb[a]; partCameraMsb[a] = partCameraMsb[b]; partCameraMsb[b] = l;
        l = partCameraLsb[a]; partCameraLsb[a] = partCameraLsb[b]; partCameraLsb[b] = l;
        float f = partConfidence[a]; partConfidence[a] = partConfidence[b]; partConfidence[b] = f;
    }

    /** Opens the payload: {@code {"rule":name,"kind":kind}}; the matcher adds its members, then {@link #putParts}. */
    void putHead(byte[] ruleName, int kind) {
        out.put("{\"rule\":");
        out.putString(ruleName, 0, ruleName.length);
        out.put(",\"kind\":\"");
        out.put(KIND_NAMES[kind]);
        out.put("\"");
    }

    /** Closes the payload with the parts, as sorted: {@code ,"parts":[{type, seq, ts_us, camera_id}, ...]}. */
    void putParts() {
        out.put(",\"parts\":[");
        for (int i = 0; i < partCount; i++) {
            if (i > 0) {
                out.put(",");
            }
            out.put("{\"type\":");
            putTypeName(partType[i]);
            out.put(",\"seq\":");
            out.putLong(partSeq[i]);
            out.put(",\"ts_us\":");
            out.putLong(partTs[i]);
            out.put(",\"camera_id\":");
            out.putUuidOrNull(partCameraMsb[i], partCameraLsb[i]);
            out.put("}");
        }
        out.put("]}");
    }

    void putTypeName(int code) {
        byte[] name = registry.nameUtf8(code);
        if (name == null) {
            out.putLong(code);
        } else {
            out.putString(name, 0, name.length);
        }
    }

    /** The lowest confidence among the parts. */
    float lowestConfidence() {
        float low = 1f;
        for (int i = 0; i < partCount; i++) {
            low = Math.min(low, partConfidence[i]);
        }
        return partCount == 0 ? 0f : low;
    }

    // ---- ids

    /** Digests (domain, rule, a, b, c) into {@link #correlationHi}/{@link #correlationLo}. */
    void correlation(int domain, long ruleHash, long a, long b, long c) {
        scratch.put(0, (byte) domain).putLong(1, ruleHash).putLong(9, a).putLong(17, b).putLong(25, c);
        digest.hash(scratch, 33);
        correlationHi = digest.hi;
        correlationLo = digest.lo;
    }

    /** The receipt digest of the sorted parts; its halves are in {@code digest.hi/lo} after. */
    private void receipt(int kind, long ruleHash) {
        scratch.put(0, (byte) kind).putLong(1, ruleHash);
        int at = 9;
        int n = Math.min(partCount, MAX_PARTS);
        for (int i = 0; i < n; i++) {
            scratch.putLong(at, partSeq[i]);
            at += 8;
        }
        digest.hash(scratch, at);
    }

    // ---- committing

    /**
     * Encodes the draft into the pending queue: parents are the first {@link EventExtras#MAX_PARENTS}
     * parts (sort them first). Returns false when it was already stored (a restart found it) or the
     * queue was full (counted as an overflow).
     */
    boolean commit(int kind, long ruleHash) {
        receipt(kind, ruleHash);
        long receiptMsb = PayloadWriter.uuidMsb(digest.hi);
        long receiptLsb = PayloadWriter.uuidLsb(digest.lo);
        if ((stored != null && stored.contains(mix(receiptMsb, receiptLsb))) || earliestPartTs() < trustFromUs) {
            skipped++;
            return false;
        }
        DerivedEvent event = queue.add();
        if (event == null) {
            overflow++;
            return false;
        }
        ByteBuffer buffer = event.frameBuffer(EventFrame.MIN_LENGTH + EventFrame.MAX_LABEL_LENGTH + out.length());
        int labelLength = Math.min(label.length, EventFrame.MAX_LABEL_LENGTH);
        encoder.wrap(buffer, 0)
                .receiptId(receiptMsb, receiptLsb)
                .tsUs(tsUs)
                .eventType(type)
                .source(EventFrame.SOURCE_SYSTEM)
                .confidence(lowestConfidence())
                .uuid(EventFrame.STORE_ID_OFFSET, storeMsb, storeLsb)
                .uuid(EventFrame.ORG_ID_OFFSET, orgMsb, orgLsb)
                .uuid(EventFrame.CAMERA_ID_OFFSET, cameraMsb, cameraLsb)
                .uuid(EventFrame.ZONE_ID_OFFSET, zoneMsb, zoneLsb);
        int flags = 0;
        if (hasTrack) {
            encoder.trackId(trackId);
            flags |= EventFrame.FLAG_TRACK;
        }
        if (hasBbox) {
            encoder.bbox(bbox[0], bbox[1], bbox[2], bbox[3]);
            flags |= EventFrame.FLAG_BBOX;
        }
        if (hasSubject) {
            encoder.uuid(EventFrame.SUBJECT_ID_OFFSET, subjectMsb, subjectLsb);
            flags |= EventFrame.FLAG_SUBJECT;
        }
        encoder.flags(flags);
        encoder.label(label, 0, labelLength).payload(out.array(), 0, out.length());
        int length = encoder.finish();

        int parentCount = Math.min(partCount, EventExtras.MAX_PARENTS);
        for (int i = 0; i < parentCount; i++) {
            parents[i] = partSeq[i];
        }
        ByteBuffer extra = event.extraBuffer(EventExtras.META_OFFSET + EventExtras.derivedSectionLength(parentCount));
        int extraLength = EventExtras.putDerivedOnly(extra, 0, parents, parentCount,
                PayloadWriter.uuidMsb(correlationHi), PayloadWriter.uuidLsb(correlationLo), 1);
        event.lengths(length, extraLength);
        return true;
    }

    // ---- the queue

    void drainInto(EventSlot slot, SeqAllocator seqs) {
        queue.drainInto(slot, seqs);
    }

    /** True when a timed emission may go now, leaving room for matches made by events. */
    boolean hasRoomForTimed() {
        return queue.hasRoom(PENDING_HEADROOM + 1);
    }

    int pending() {
        return queue.size();
    }

    // ---- restart

    /**
     * Notes receipt ids found in the journal's tail: matches under them are not emitted again. Until
     * {@link #trustAll}, a match with a part earlier than {@code trustFromUs} is taken as stored too:
     * the tail began in the middle of what made it (a presence, an incident), so the rebuild sees only
     * its later parts and names it by them, while the journal holds it under its first ones.
     */
    void recordStored(LongSet ids, long trustFromUs) {
        this.stored = ids;
        this.trustFromUs = trustFromUs;
    }

    /** The rebuild is over: every match from now on is made in full. */
    void trustAll() {
        this.trustFromUs = Long.MIN_VALUE;
    }

    private long earliestPartTs() {
        long earliest = Long.MAX_VALUE;
        for (int i = 0; i < partCount; i++) {
            earliest = Math.min(earliest, partTs[i]);
        }
        return earliest;
    }

    static long mix(long msb, long lsb) {
        return msb ^ Long.rotateLeft(lsb, 29) * 0x9E37_79B9_7F4A_7C15L;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A rule's name as a 64-bit hash, part of every id it makes (renaming a rule changes its ids). */
    long ruleHash(String name) {
        byte[] bytes = utf8(name);
        ByteBuffer b = ByteBuffer.allocate(Math.max(8, bytes.length)).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, bytes);
        SipHash128 h = new SipHash128(ID_KEY_1, ID_KEY_0);
        h.hash(b, bytes.length);
        return h.lo;
    }
}
