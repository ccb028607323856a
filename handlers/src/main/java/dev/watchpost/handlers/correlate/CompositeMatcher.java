package dev.watchpost.handlers.correlate;

import dev.watchpost.handlers.rules.CorrelationRules.CompositeRule;
import dev.watchpost.handlers.rules.CorrelationRules.Join;
import dev.watchpost.ringbuffer.codec.EventFrame;

/**
 * One composite rule: detections of two or more kinds, joined by track, subject or box overlap
 * within a time bound, become one action.
 *
 * <p><b>When it fires.</b> Each detection that matches a part (and has what the join needs) first
 * tries to complete a match: for every other part it takes the pending detection of the same key
 * (for {@code iou}: same camera, boxes overlapping at least {@code iou} with its own) nearest to it in
 * event time that no match of this rule has used; when every part is found and the parts' event times
 * spread at most {@code within}, and this combination of bursts (a detection with its window repeats
 * is one burst) has not fired before, the match fires and its detections are used. Otherwise the
 * detection waits as pending (unless late: its time plus {@code within} is at or below the watermark).
 * So one wave with 40 face frames makes one action; a new wave makes a new one.
 *
 * <p>State: a ring of at most {@code max_pending} pending detections (the oldest is dropped when full,
 * and counted when it could still have matched) and a ring of twice as many fired combinations, all in
 * primitive arrays; a detection scans the pending ones (at most max_pending).
 */
final class CompositeMatcher {
    private static final long NONE = Long.MIN_VALUE;

    private final CompositeRule rule;
    private final byte[] name;
    private final byte[] joinName;
    private final byte[] action;
    private final long ruleHash;
    private final FrameFilter[] filters;
    private final int parts;
    private final Join join;
    private final boolean sameCamera;
    private final float iou;
    private final long withinUs;
    private final Emitter emitter;
    private final Keys keys;

    // pending detections: a ring in arrival order
    private final int capacity;
    private int head;
    private int count;
    private final int[] mask;
    private final long[] keyHi;
    private final long[] keyLo;
    private final long[] seq;
    private final long[] burst;
    private final long[] ts;
    private final boolean[] used;
    private final float[] confidence;
    private final long[] cameraMsb;
    private final long[] cameraLsb;
    private final boolean[] hasBox;
    private final float[] box;
    private final boolean[] hasSubject;
    private final long[] subjectMsb;
    private final long[] subjectLsb;

    // fired combinations of bursts
    private final long[] fired;
    private int firedNext;

    // the match being tried
    private final int[] chosen;
    private final long[] burstScratch;

    long matched;
    long evicted;

    CompositeMatcher(CompositeRule rule, Emitter emitter, Keys keys) {
        this.rule = rule;
        this.emitter = emitter;
        this.keys = keys;
        this.name = Emitter.utf8(rule.name());
        this.joinName = Emitter.utf8(rule.join().configName());
        this.action = Emitter.utf8(rule.action());
        this.ruleHash = emitter.ruleHash(rule.name());
        this.parts = rule.all().size();
        this.filters = new FrameFilter[parts];
        for (int i = 0; i < parts; i++) {
            filters[i] = new FrameFilter(rule.all().get(i));
        }
        this.join = rule.join();
        this.sameCamera = rule.sameCamera();
        this.iou = (float) rule.iou();
        this.withinUs = rule.within().toNanos() / 1000;
        int n = rule.maxPending();
        capacity = n;
        mask = new int[n];
        keyHi = new long[n];
        keyLo = new long[n];
        seq = new long[n];
        burst = new long[n];
        ts = new long[n];
        used = new boolean[n];
        confidence = new float[n];
        cameraMsb = new long[n];
        cameraLsb = new long[n];
        hasBox = new boolean[n];
        box = new float[4 * n];
        hasSubject = new boolean[n];
        subjectMsb = new long[n];
        subjectLsb = new long[n];
        fired = new long[2 * n];
        chosen = new int[parts];
        burstScratch = new long[parts];
    }

    int pending() {
        return count;
    }

    /** A stored detection: completes a match or waits. */
    void onDetection(EventFrame frame, long eventSeq, long eventBurst, long watermarkUs) {
        int partMask = 0;
        for (int i = 0; i < parts; i++) {
            if (filters[i].matches(frame)) {
                partMask |= 1 << i;
            }
        }
        if (partMask == 0 || !key(frame)) {
            return;
        }
        long hi = keys.hi;
        long lo = keys.lo;
        long eventTs = frame.tsUs();
        dropExpired(watermarkUs);
        for (int j = 0; j < parts; j++) {
            if ((partMask & (1 << j)) != 0 && tryComplete(frame, j, hi, lo, eventTs, eventSeq, eventBurst)) {
                return;
            }
        }
        if (watermarkUs != Long.MIN_VALUE && eventTs + withinUs <= watermarkUs) {
            return; // late: it could only join parts that are already over
        }
        add(frame, partMask, hi, lo, eventTs, eventSeq, eventBurst);
    }

    private boolean key(EventFrame frame) {
        switch (join) {
            case TRACK:
                return frame.hasTrack() && keys.track(frame);
            case SUBJECT:
                return frame.hasSubject() && !frame.isZero16(EventFrame.SUBJECT_ID_OFFSET) && keys.subject(frame, sameCamera);
            default:
                return frame.hasBbox() && keys.camera(frame);
        }
    }

    private boolean tryComplete(EventFrame frame, int j, long hi, long lo, long eventTs, long eventSeq, long eventBurst) {
        long min = eventTs;
        long max = eventTs;
        for (int i = 0; i < parts; i++) {
            if (i == j) {
                chosen[i] = -1;
                continue;
            }
            int best = -1;
            long bestDistance = Long.MAX_VALUE;
            for (int k = 0; k < count; k++) {
                int e = (head + k) % capacity;
                if (used[e] || (mask[e] & (1 << i)) == 0 || keyHi[e] != hi || keyLo[e] != lo || isChosen(e, i)) {
                    continue;
                }
                long distance = Math.abs(ts[e] - eventTs);
                if (distance > withinUs) {
                    continue;
                }
                if (join == Join.IOU && (!hasBox[e] || iou(e, frame) < iou)) {
                    continue;
                }
                if (distance < bestDistance || (distance == bestDistance && seq[e] > seq[best])) {
                    best = e;
                    bestDistance = distance;
                }
            }
            if (best < 0) {
                return false;
            }
            chosen[i] = best;
            min = Math.min(min, ts[best]);
            max = Math.max(max, ts[best]);
        }
        if (max - min > withinUs) {
            return false;
        }
        long combination = combination(j, eventBurst);
        for (long f : fired) {
            if (f == combination) {
                return false;
            }
        }
        fired[firedNext] = combination;
        firedNext = (firedNext + 1) % fired.length;
        for (int i = 0; i < parts; i++) {
            if (i != j) {
                used[chosen[i]] = true;
            }
        }
        matched++;
        emit(frame, j, eventTs, eventSeq, hi, lo);
        return true;
    }

    private boolean isChosen(int e, int before) {
        for (int i = 0; i < before; i++) {
            if (chosen[i] == e) {
                return true;
            }
        }
        return false;
    }

    /** The set of bursts, one per part (order-free): a 64-bit mix of the sorted burst seqs. */
    private long combination(int j, long eventBurst) {
        for (int i = 0; i < parts; i++) {
            burstScratch[i] = i == j ? eventBurst : burst[chosen[i]];
        }
        for (int i = 1; i < parts; i++) {
            for (int k = i; k > 0 && burstScratch[k - 1] > burstScratch[k]; k--) {
                long t = burstScratch[k - 1];
                burstScratch[k - 1] = burstScratch[k];
                burstScratch[k] = t;
            }
        }
        long h = 0x2545_F491_4F6C_DD1DL;
        for (int i = 0; i < parts; i++) {
            h = (h ^ burstScratch[i]) * 0x9E37_79B9_7F4A_7C15L;
            h ^= h >>> 29;
        }
        return h == 0 ? 1 : h;
    }

    private float iou(int e, EventFrame frame) {
        float ax = box[4 * e];
        float ay = box[4 * e + 1];
        float aw = box[4 * e + 2];
        float ah = box[4 * e + 3];
        float bx = frame.bbox(0);
        float by = frame.bbox(1);
        float bw = frame.bbox(2);
        float bh = frame.bbox(3);
        float iw = Math.min(ax + aw, bx + bw) - Math.max(ax, bx);
        float ih = Math.min(ay + ah, by + bh) - Math.max(ay, by);
        if (iw <= 0 || ih <= 0) {
            return 0;
        }
        float inter = iw * ih;
        float union = aw * ah + bw * bh - inter;
        return union <= 0 ? 0 : inter / union;
    }

    private void emit(EventFrame frame, int j, long eventTs, long eventSeq, long hi, long lo) {
        Emitter em = emitter;
        em.begin(rule.emit());
        long camMsb = frame.uuidMsb(EventFrame.CAMERA_ID_OFFSET);
        long camLsb = frame.uuidLsb(EventFrame.CAMERA_ID_OFFSET);
        em.part(frame.eventType(), eventSeq, eventTs, camMsb, camLsb, frame.confidence());
        for (int i = 0; i < parts; i++) {
            if (i != j) {
                int e = chosen[i];
                em.part(filters[i].type, seq[e], ts[e], cameraMsb[e], cameraLsb[e], confidence[e]);
            }
        }
        em.sortParts();
        em.tsUs = eventTs;
        em.cameraMsb = camMsb;
        em.cameraLsb = camLsb;
        em.placeOf(frame);
        em.label = action;
        if (join == Join.TRACK) {
            em.hasTrack = true;
            em.trackId = frame.trackId();
        }
        if (join != Join.SUBJECT && frame.hasBbox()) {
            em.hasBbox = true;
            for (int i = 0; i < 4; i++) {
                em.bbox[i] = frame.bbox(i);
            }
        }
        // The subject: the join's, else the first part that was recognised.
        if (frame.hasSubject() && !frame.isZero16(EventFrame.SUBJECT_ID_OFFSET)) {
            em.hasSubject = true;
            em.subjectMsb = frame.uuidMsb(EventFrame.SUBJECT_ID_OFFSET);
            em.subjectLsb = frame.uuidLsb(EventFrame.SUBJECT_ID_OFFSET);
        } else {
            for (int i = 0; i < parts; i++) {
                if (i != j && hasSubject[chosen[i]]) {
                    em.hasSubject = true;
                    em.subjectMsb = subjectMsb[chosen[i]];
                    em.subjectLsb = subjectLsb[chosen[i]];
                    break;
                }
            }
        }
        if (join == Join.IOU) {
            em.correlation(Emitter.KIND_COMPOSITE | 0x40, ruleHash, em.partSeq[0], 0, 0);
        } else {
            // Repeated actions of one track (or subject) share their correlation id.
            em.correlation(Emitter.KIND_COMPOSITE | 0x80, ruleHash, hi, lo, 0);
        }
        em.putHead(name, Emitter.KIND_COMPOSITE);
        em.out.put(",\"action\":");
        em.out.putString(action, 0, action.length);
        em.out.put(",\"join\":\"");
        em.out.put(joinName);
        em.out.put("\"");
        em.putParts();
        em.commit(Emitter.KIND_COMPOSITE, ruleHash);
    }

    private void add(EventFrame frame, int partMask, long hi, long lo, long eventTs, long eventSeq, long eventBurst) {
        int e;
        if (count == capacity) {
            e = head;
            if (!used[e]) {
                evicted++;
            }
            head = (head + 1) % capacity;
            count--;
        }
        e = (head + count) % capacity;
        count++;
        mask[e] = partMask;
        keyHi[e] = hi;
        keyLo[e] = lo;
        seq[e] = eventSeq;
        burst[e] = eventBurst;
        ts[e] = eventTs;
        used[e] = false;
        confidence[e] = frame.confidence();
        cameraMsb[e] = frame.uuidMsb(EventFrame.CAMERA_ID_OFFSET);
        cameraLsb[e] = frame.uuidLsb(EventFrame.CAMERA_ID_OFFSET);
        hasBox[e] = frame.hasBbox();
        for (int i = 0; i < 4; i++) {
            box[4 * e + i] = frame.hasBbox() ? frame.bbox(i) : 0;
        }
        hasSubject[e] = frame.hasSubject() && !frame.isZero16(EventFrame.SUBJECT_ID_OFFSET);
        subjectMsb[e] = frame.uuidMsb(EventFrame.SUBJECT_ID_OFFSET);
        subjectLsb[e] = frame.uuidLsb(EventFrame.SUBJECT_ID_OFFSET);
    }

    /** Drops from the ring's head what can no longer match an on-time detection. */
    void dropExpired(long watermarkUs) {
        if (watermarkUs == Long.MIN_VALUE) {
            return;
        }
        while (count > 0 && (used[head] || ts[head] + withinUs <= watermarkUs)) {
            head = (head + 1) % capacity;
            count--;
        }
    }
}
