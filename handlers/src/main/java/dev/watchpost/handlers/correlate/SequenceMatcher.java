package dev.watchpost.handlers.correlate;

import dev.watchpost.handlers.rules.CorrelationRules.SequenceKey;
import dev.watchpost.handlers.rules.CorrelationRules.SequenceRule;
import dev.watchpost.ringbuffer.codec.EventFrame;

/**
 * One sequence rule: steps A, B, … in event-time order for one key, within a bound from the first;
 * optionally followed by the absence of a step.
 *
 * <p><b>When it fires.</b> A detection matching the first step opens an instance for its key when
 * none is open (and it is not late). A detection of the same key matching the instance's next step,
 * no earlier than the step before and within {@code within} of the first, takes that step. Without
 * {@code absent}, taking the last step fires (at that detection's time) and closes the instance. With
 * {@code absent}, the instance then waits: a detection of the same key matching the absent step, no
 * earlier than the last step and no later than the deadline (first step + {@code within}), cancels it;
 * when the watermark reaches the deadline it fires (at the deadline's time). An instance whose
 * deadline passes with steps missing closes without firing.
 *
 * <p><b>Once per presence.</b> Detectors report every frame: the first step comes again and again
 * for one key (a person in front of the door is "entering" for seconds). An instance that has fired,
 * or has been cancelled by its absent step, stays as a quiet mark for its key while first steps keep
 * coming: each one moves the mark's end to its time + {@code within}, and only when the watermark
 * passes that end does the key start anew. So one person entering makes one match (or one absence),
 * not one per frame after the first was settled.
 *
 * <p>State: at most {@code max_pending} instances in primitive arrays (when full the one with the
 * earliest first step is dropped and counted); lookups scan the open ones (a dense list, {@link Rows}).
 */
final class SequenceMatcher {
    private final SequenceRule rule;
    private final byte[] name;
    private final byte[] keyName;
    private final long ruleHash;
    private final FrameFilter[] steps;
    private final FrameFilter absent;
    private final int n;
    private final SequenceKey key;
    private final long withinUs;
    private final Emitter emitter;
    private final Keys keys;

    private final Rows rows;
    private final long[] keyHi;
    private final long[] keyLo;
    private final long[] firstTs;
    private final long[] lastTs;
    private final int[] next;
    private final long[] stepSeq;
    private final long[] stepTs;
    private final long[] stepCameraMsb;
    private final long[] stepCameraLsb;
    private final float[] stepConfidence;
    private final boolean[] hasSubject;
    private final long[] subjectMsb;
    private final long[] subjectLsb;
    private final long[] trackId;
    private final long[] storeMsb;
    private final long[] storeLsb;
    private final long[] orgMsb;
    private final long[] orgLsb;
    private final long[] zoneMsb;
    private final long[] zoneLsb;
    private final byte[] label;
    private final int[] labelLength;
    /** Settled (fired or cancelled): the row only absorbs first steps until {@link #quietUntil}. */
    private final boolean[] settled;
    private final long[] quietUntil;
    private long nextDeadline = Long.MAX_VALUE;

    long matched;
    long evicted;

    SequenceMatcher(SequenceRule rule, Emitter emitter, Keys keys) {
        this.rule = rule;
        this.emitter = emitter;
        this.keys = keys;
        this.name = Emitter.utf8(rule.name());
        this.keyName = Emitter.utf8(rule.key().configName());
        this.ruleHash = emitter.ruleHash(rule.name());
        this.n = rule.steps().size();
        this.steps = new FrameFilter[n];
        for (int i = 0; i < n; i++) {
            steps[i] = new FrameFilter(rule.steps().get(i));
        }
        this.absent = rule.absent() == null ? null : new FrameFilter(rule.absent());
        this.key = rule.key();
        this.withinUs = rule.within().toNanos() / 1000;
        int c = rule.maxPending();
        rows = new Rows(c);
        keyHi = new long[c];
        keyLo = new long[c];
        firstTs = new long[c];
        lastTs = new long[c];
        next = new int[c];
        stepSeq = new long[c * n];
        stepTs = new long[c * n];
        stepCameraMsb = new long[c * n];
        stepCameraLsb = new long[c * n];
        stepConfidence = new float[c * n];
        hasSubject = new boolean[c];
        subjectMsb = new long[c];
        subjectLsb = new long[c];
        trackId = new long[c];
        storeMsb = new long[c];
        storeLsb = new long[c];
        orgMsb = new long[c];
        orgLsb = new long[c];
        zoneMsb = new long[c];
        zoneLsb = new long[c];
        label = new byte[c * EventFrame.MAX_LABEL_LENGTH];
        labelLength = new int[c];
        settled = new boolean[c];
        quietUntil = new long[c];
    }

    int pending() {
        return rows.size;
    }

    void onDetection(EventFrame frame, long seq, long watermarkUs) {
        boolean first = steps[0].matches(frame);
        boolean any = first || (absent != null && absent.matches(frame));
        for (int i = 1; i < n && !any; i++) {
            any = steps[i].matches(frame);
        }
        if (!any || !key(frame)) {
            return;
        }
        long ts = frame.tsUs();
        int at = rows.find(keyHi, keyLo, keys.hi, keys.lo);
        if (at >= 0) {
            if (first) {
                quietUntil[at] = Math.max(quietUntil[at], ts + withinUs); // the presence goes on
            }
            if (settled[at]) {
                return;
            }
            int step = next[at];
            if (step == n) {
                if (absent != null && absent.matches(frame) && ts >= lastTs[at] && ts <= firstTs[at] + withinUs) {
                    settle(at); // the absent step came: no match
                }
                return;
            }
            if (steps[step].matches(frame) && ts >= lastTs[at] && ts <= firstTs[at] + withinUs) {
                take(at, step, frame, seq);
                if (step + 1 == n && absent == null) {
                    matched++;
                    emit(at, ts, -1);
                    settle(at);
                }
            }
            return;
        }
        if (!first || (watermarkUs != Long.MIN_VALUE && ts + withinUs <= watermarkUs)) {
            return; // not a start, or late: its instance would be over already
        }
        if (rows.isFull()) {
            close(earliest());
            evicted++;
        }
        at = rows.open();
        keyHi[at] = keys.hi;
        keyLo[at] = keys.lo;
        firstTs[at] = ts;
        next[at] = 0;
        settled[at] = false;
        quietUntil[at] = ts + withinUs;
        hasSubject[at] = frame.hasSubject() && !frame.isZero16(EventFrame.SUBJECT_ID_OFFSET);
        subjectMsb[at] = frame.uuidMsb(EventFrame.SUBJECT_ID_OFFSET);
        subjectLsb[at] = frame.uuidLsb(EventFrame.SUBJECT_ID_OFFSET);
        trackId[at] = frame.trackId();
        storeMsb[at] = frame.uuidMsb(EventFrame.STORE_ID_OFFSET);
        storeLsb[at] = frame.uuidLsb(EventFrame.STORE_ID_OFFSET);
        orgMsb[at] = frame.uuidMsb(EventFrame.ORG_ID_OFFSET);
        orgLsb[at] = frame.uuidLsb(EventFrame.ORG_ID_OFFSET);
        int length = Math.min(frame.labelLength(), EventFrame.MAX_LABEL_LENGTH);
        frame.buffer().get(frame.labelIndex(), label, at * EventFrame.MAX_LABEL_LENGTH, length);
        labelLength[at] = length;
        nextDeadline = Math.min(nextDeadline, ts + withinUs);
        take(at, 0, frame, seq);
    }

    private boolean key(EventFrame frame) {
        switch (key) {
            case SUBJECT:
                return frame.hasSubject() && !frame.isZero16(EventFrame.SUBJECT_ID_OFFSET) && keys.subject(frame, false);
            case TRACK:
                return frame.hasTrack() && keys.track(frame);
            default:
                return keys.labelZone(frame);
        }
    }

    private void take(int at, int step, EventFrame frame, long seq) {
        int s = at * n + step;
        long ts = frame.tsUs();
        stepSeq[s] = seq;
        stepTs[s] = ts;
        stepCameraMsb[s] = frame.uuidMsb(EventFrame.CAMERA_ID_OFFSET);
        stepCameraLsb[s] = frame.uuidLsb(EventFrame.CAMERA_ID_OFFSET);
        stepConfidence[s] = frame.confidence();
        lastTs[at] = ts;
        next[at] = step + 1;
        zoneMsb[at] = frame.uuidMsb(EventFrame.ZONE_ID_OFFSET);
        zoneLsb[at] = frame.uuidLsb(EventFrame.ZONE_ID_OFFSET);
        if (!hasSubject[at] && frame.hasSubject() && !frame.isZero16(EventFrame.SUBJECT_ID_OFFSET)) {
            hasSubject[at] = true;
            subjectMsb[at] = frame.uuidMsb(EventFrame.SUBJECT_ID_OFFSET);
            subjectLsb[at] = frame.uuidLsb(EventFrame.SUBJECT_ID_OFFSET);
        }
    }

    /**
     * Handles every row whose deadline the watermark has reached, in (deadline, first seq) order: an
     * open instance complete but for its absence fires and settles; any other open one settles
     * quietly; a settled row whose presence has ended closes. Fires only while the queue has room;
     * the rest wait for the next slot.
     */
    void expire(long watermarkUs) {
        while (rows.size > 0 && nextDeadline <= watermarkUs) {
            int at = -1;
            for (int k = 0; k < rows.size; k++) {
                int i = rows.list[k];
                if (deadline(i) <= watermarkUs && (at < 0 || deadline(i) < deadline(at)
                        || (deadline(i) == deadline(at) && stepSeq[i * n] < stepSeq[at * n]))) {
                    at = i;
                }
            }
            if (at < 0) {
                recomputeDeadline();
                return;
            }
            if (settled[at]) {
                close(at);
                continue;
            }
            if (next[at] == n && absent != null) {
                if (!emitter.hasRoomForTimed()) {
                    return;
                }
                matched++;
                emit(at, firstTs[at] + withinUs, firstTs[at] + withinUs);
            }
            settle(at);
        }
    }

    /** When the watermark next has something to do with a row: its instance's deadline, or, settled, the end of its presence. */
    private long deadline(int at) {
        return settled[at] ? quietUntil[at] : firstTs[at] + withinUs;
    }

    /** The instance has fired or can no longer: the row stays as a quiet mark for its key (see the class comment). */
    private void settle(int at) {
        settled[at] = true;
        recomputeDeadline();
    }

    private void emit(int at, long tsUs, long deadlineUs) {
        Emitter em = emitter;
        em.begin(rule.emit());
        int steps = next[at];
        for (int i = 0; i < steps; i++) {
            int s = at * n + i;
            em.part(this.steps[i].type, stepSeq[s], stepTs[s], stepCameraMsb[s], stepCameraLsb[s], stepConfidence[s]);
        }
        int last = at * n + steps - 1;
        em.tsUs = tsUs;
        em.cameraMsb = stepCameraMsb[last];
        em.cameraLsb = stepCameraLsb[last];
        em.storeMsb = storeMsb[at];
        em.storeLsb = storeLsb[at];
        em.orgMsb = orgMsb[at];
        em.orgLsb = orgLsb[at];
        em.zoneMsb = zoneMsb[at];
        em.zoneLsb = zoneLsb[at];
        em.label = name;
        if (hasSubject[at]) {
            em.hasSubject = true;
            em.subjectMsb = subjectMsb[at];
            em.subjectLsb = subjectLsb[at];
        }
        if (key == SequenceKey.TRACK) {
            em.hasTrack = true;
            em.trackId = trackId[at];
        }
        em.correlation(Emitter.KIND_SEQUENCE | 0x80, ruleHash, keyHi[at], keyLo[at], stepSeq[at * n]);
        em.putHead(name, Emitter.KIND_SEQUENCE);
        em.out.put(",\"key\":\"");
        em.out.put(keyName);
        em.out.put("\",\"within_ms\":");
        em.out.putLong(withinUs / 1000);
        em.out.put(",\"absent\":");
        if (deadlineUs < 0) {
            em.out.put("null");
        } else {
            em.out.put("{\"type\":");
            em.putTypeName(absent.type);
            em.out.put(",\"deadline_us\":");
            em.out.putLong(deadlineUs);
            em.out.put("}");
        }
        em.putParts();
        em.commit(Emitter.KIND_SEQUENCE, ruleHash);
    }

    /** The instance with the earliest first step (then the lowest first seq). */
    private int earliest() {
        int at = -1;
        for (int k = 0; k < rows.size; k++) {
            int i = rows.list[k];
            if (at < 0 || firstTs[i] < firstTs[at] || (firstTs[i] == firstTs[at] && stepSeq[i * n] < stepSeq[at * n])) {
                at = i;
            }
        }
        return at;
    }

    private void close(int at) {
        rows.close(at);
        recomputeDeadline();
    }

    private void recomputeDeadline() {
        long d = Long.MAX_VALUE;
        for (int k = 0; k < rows.size; k++) {
            d = Math.min(d, deadline(rows.list[k]));
        }
        nextDeadline = d;
    }
}
