package dev.watchpost.handlers.correlate;

import dev.watchpost.handlers.rules.CorrelationRules.IncidentKey;
import dev.watchpost.handlers.rules.CorrelationRules.IncidentRule;
import dev.watchpost.handlers.rules.Site;
import dev.watchpost.ringbuffer.EventExtras;
import dev.watchpost.ringbuffer.codec.EventFrame;

import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * One spatial correlation rule: the same subject (or label) seen on neighbouring cameras, one after
 * the other within a time bound, is one incident.
 *
 * <p><b>When it fires.</b> A sighting (a detection of one of the rule's types with the key) joins its
 * key's open incident when its camera is already in the incident, or is a neighbour (site topology:
 * {@code neighbours} either way, or one {@code group}) of a camera in it — any camera with
 * {@code neighbours_only: false} — and its time is within {@code within} of that camera's last
 * sighting; so sightings chain A → B → C. Otherwise, with no incident open for the key, it opens one
 * (unless late). A sighting that cannot join the open incident is left out. The incident closes when
 * the watermark passes its last sighting + {@code within}; then, if it holds two cameras or more, it
 * fires once, at its last sighting, with every camera (first and last time, sightings) and as
 * parents the first and last sighting of each camera ({@link EventExtras#MAX_PARENTS} at most). One
 * camera alone fires nothing.
 *
 * <p>State: at most {@code max_open} incidents of at most {@value #MAX_CAMERAS} cameras each, in
 * primitive arrays; when full, the incident seen least recently is closed early (it fires if it can)
 * and counted. Lookups scan the open incidents (a dense list, {@link Rows}).
 */
final class IncidentMatcher {
    static final int MAX_CAMERAS = 16;

    private final IncidentRule rule;
    private final byte[] name;
    private final byte[] keyName;
    private final long ruleHash;
    private final boolean[] types = new boolean[1 << 16];
    private final IncidentKey key;
    private final long withinUs;
    private final boolean neighboursOnly;
    private final Emitter emitter;
    private final Keys keys;

    // the site's cameras: ids, keys and the neighbour relation
    private final long[] siteMsb;
    private final long[] siteLsb;
    private final byte[][] siteKey;
    private final boolean[][] adjacent;

    private final Rows rows;
    private final long[] keyHi;
    private final long[] keyLo;
    private final long[] lastTs;
    private final long[] firstSeq;
    private final int[] cameras;
    private final boolean[] camerasCapped;
    private final float[] lowest;
    private final boolean[] hasSubject;
    private final long[] subjectMsb;
    private final long[] subjectLsb;
    private final long[] storeMsb;
    private final long[] storeLsb;
    private final long[] orgMsb;
    private final long[] orgLsb;
    // per incident camera: row * MAX_CAMERAS + i
    private final int[] camSite;
    private final long[] camMsb;
    private final long[] camLsb;
    private final long[] camFirstSeq;
    private final long[] camFirstTs;
    private final int[] camFirstType;
    private final float[] camFirstConfidence;
    private final long[] camLastSeq;
    private final long[] camLastTs;
    private final int[] camLastType;
    private final float[] camLastConfidence;
    private final long[] camSightings;
    private long nextClose = Long.MAX_VALUE;

    long correlated;
    long evicted;

    IncidentMatcher(IncidentRule rule, Site site, Emitter emitter, Keys keys) {
        this.rule = rule;
        this.emitter = emitter;
        this.keys = keys;
        this.name = Emitter.utf8(rule.name());
        this.keyName = Emitter.utf8(rule.key().configName());
        this.ruleHash = emitter.ruleHash(rule.name());
        for (int type : rule.types()) {
            types[type] = true;
        }
        this.key = rule.key();
        this.withinUs = rule.within().toNanos() / 1000;
        this.neighboursOnly = rule.neighboursOnly();
        int s = site.cameras().size();
        siteMsb = new long[s];
        siteLsb = new long[s];
        siteKey = new byte[s][];
        adjacent = new boolean[s][s];
        Map<UUID, Set<UUID>> neighbours = site.neighbourIds();
        for (int i = 0; i < s; i++) {
            Site.Camera camera = site.cameras().get(i);
            siteMsb[i] = camera.id().getMostSignificantBits();
            siteLsb[i] = camera.id().getLeastSignificantBits();
            siteKey[i] = Emitter.utf8(camera.key());
        }
        for (int i = 0; i < s; i++) {
            for (int j = 0; j < s; j++) {
                adjacent[i][j] = neighbours.getOrDefault(site.cameras().get(i).id(), Set.of()).contains(site.cameras().get(j).id());
            }
        }
        int c = rule.maxOpen();
        rows = new Rows(c);
        keyHi = new long[c];
        keyLo = new long[c];
        lastTs = new long[c];
        firstSeq = new long[c];
        cameras = new int[c];
        camerasCapped = new boolean[c];
        lowest = new float[c];
        hasSubject = new boolean[c];
        subjectMsb = new long[c];
        subjectLsb = new long[c];
        storeMsb = new long[c];
        storeLsb = new long[c];
        orgMsb = new long[c];
        orgLsb = new long[c];
        int m = c * MAX_CAMERAS;
        camSite = new int[m];
        camMsb = new long[m];
        camLsb = new long[m];
        camFirstSeq = new long[m];
        camFirstTs = new long[m];
        camFirstType = new int[m];
        camFirstConfidence = new float[m];
        camLastSeq = new long[m];
        camLastTs = new long[m];
        camLastType = new int[m];
        camLastConfidence = new float[m];
        camSightings = new long[m];
    }

    int pending() {
        return rows.size;
    }

    void onDetection(EventFrame frame, long seq, long watermarkUs) {
        if (!types[frame.eventType()] || !key(frame)) {
            return;
        }
        long msb = frame.uuidMsb(EventFrame.CAMERA_ID_OFFSET);
        long lsb = frame.uuidLsb(EventFrame.CAMERA_ID_OFFSET);
        int siteIndex = siteIndex(msb, lsb);
        if (neighboursOnly && siteIndex < 0) {
            return; // not a camera of the site: it has no neighbours
        }
        long ts = frame.tsUs();
        int at = rows.find(keyHi, keyLo, keys.hi, keys.lo);
        if (at >= 0) {
            int base = at * MAX_CAMERAS;
            int same = -1;
            boolean joins = false;
            for (int i = 0; i < cameras[at]; i++) {
                int c = base + i;
                if (Math.abs(ts - camLastTs[c]) > withinUs && !(ts >= camFirstTs[c] && ts <= camLastTs[c])) {
                    continue;
                }
                if (camMsb[c] == msb && camLsb[c] == lsb) {
                    same = i;
                    joins = true;
                    break;
                }
                if (!neighboursOnly || adjacent[camSite[c]][siteIndex]) {
                    joins = true;
                }
            }
            if (!joins) {
                return;
            }
            if (same < 0) {
                for (int i = 0; i < cameras[at]; i++) {
                    if (camMsb[base + i] == msb && camLsb[base + i] == lsb) {
                        same = i;
                        break;
                    }
                }
            }
            if (same < 0) {
                if (cameras[at] == MAX_CAMERAS) {
                    camerasCapped[at] = true;
                } else {
                    addCamera(at, frame, seq, msb, lsb, siteIndex);
                }
            } else {
                sighting(base + same, frame, seq);
            }
            if (ts > lastTs[at]) {
                long before = lastTs[at];
                lastTs[at] = ts;
                if (before + withinUs == nextClose) {
                    recompute(); // it was the earliest to close; it closes later now
                }
            }
            lowest[at] = Math.min(lowest[at], frame.confidence());
            return;
        }
        if (watermarkUs != Long.MIN_VALUE && ts + withinUs <= watermarkUs) {
            return; // late: its incident would be over already
        }
        if (rows.isFull()) {
            int victim = leastRecent();
            closeAndFire(victim);
            evicted++;
        }
        at = rows.open();
        keyHi[at] = keys.hi;
        keyLo[at] = keys.lo;
        lastTs[at] = ts;
        firstSeq[at] = seq;
        cameras[at] = 0;
        camerasCapped[at] = false;
        lowest[at] = frame.confidence();
        hasSubject[at] = frame.hasSubject() && !frame.isZero16(EventFrame.SUBJECT_ID_OFFSET);
        subjectMsb[at] = frame.uuidMsb(EventFrame.SUBJECT_ID_OFFSET);
        subjectLsb[at] = frame.uuidLsb(EventFrame.SUBJECT_ID_OFFSET);
        storeMsb[at] = frame.uuidMsb(EventFrame.STORE_ID_OFFSET);
        storeLsb[at] = frame.uuidLsb(EventFrame.STORE_ID_OFFSET);
        orgMsb[at] = frame.uuidMsb(EventFrame.ORG_ID_OFFSET);
        orgLsb[at] = frame.uuidLsb(EventFrame.ORG_ID_OFFSET);
        addCamera(at, frame, seq, msb, lsb, siteIndex);
        nextClose = Math.min(nextClose, ts + withinUs);
    }

    private boolean key(EventFrame frame) {
        if (key == IncidentKey.SUBJECT) {
            return frame.hasSubject() && !frame.isZero16(EventFrame.SUBJECT_ID_OFFSET) && keys.subject(frame, false);
        }
        return keys.label(frame);
    }

    private void addCamera(int at, EventFrame frame, long seq, long msb, long lsb, int siteIndex) {
        int c = at * MAX_CAMERAS + cameras[at]++;
        camSite[c] = siteIndex;
        camMsb[c] = msb;
        camLsb[c] = lsb;
        camFirstSeq[c] = seq;
        camFirstTs[c] = frame.tsUs();
        camFirstType[c] = frame.eventType();
        camFirstConfidence[c] = frame.confidence();
        camLastSeq[c] = seq;
        camLastTs[c] = frame.tsUs();
        camLastType[c] = frame.eventType();
        camLastConfidence[c] = frame.confidence();
        camSightings[c] = 1;
    }

    private void sighting(int c, EventFrame frame, long seq) {
        long ts = frame.tsUs();
        camSightings[c]++;
        if (ts < camFirstTs[c]) {
            camFirstTs[c] = ts;
            camFirstSeq[c] = seq;
            camFirstType[c] = frame.eventType();
            camFirstConfidence[c] = frame.confidence();
        }
        if (ts >= camLastTs[c]) {
            camLastTs[c] = ts;
            camLastSeq[c] = seq;
            camLastType[c] = frame.eventType();
            camLastConfidence[c] = frame.confidence();
        }
    }

    /** Closes every incident whose last sighting + within the watermark has reached, earliest first. */
    void expire(long watermarkUs) {
        while (rows.size > 0 && nextClose <= watermarkUs) {
            int at = -1;
            for (int k = 0; k < rows.size; k++) {
                int i = rows.list[k];
                if (lastTs[i] + withinUs <= watermarkUs
                        && (at < 0 || lastTs[i] < lastTs[at] || (lastTs[i] == lastTs[at] && firstSeq[i] < firstSeq[at]))) {
                    at = i;
                }
            }
            if (at < 0) {
                recompute();
                return;
            }
            if (cameras[at] >= 2 && !emitter.hasRoomForTimed()) {
                return;
            }
            closeAndFire(at);
        }
    }

    private void closeAndFire(int at) {
        if (cameras[at] >= 2) {
            correlated++;
            emit(at);
        }
        rows.close(at);
        recompute();
    }

    private void emit(int at) {
        Emitter em = emitter;
        em.begin(dev.watchpost.ringbuffer.codec.EventTypeRegistry.INCIDENT_CORRELATED);
        int base = at * MAX_CAMERAS;
        int n = cameras[at];
        int parents = 0;
        for (int i = 0; i < n; i++) {
            parents += camFirstSeq[base + i] == camLastSeq[base + i] ? 1 : 2;
        }
        boolean parentsCapped = parents > EventExtras.MAX_PARENTS;
        // First sightings first, then last ones, while they fit; then in event-time order.
        for (int i = 0; i < n; i++) {
            int c = base + i;
            em.part(camFirstType[c], camFirstSeq[c], camFirstTs[c], camMsb[c], camLsb[c], camFirstConfidence[c]);
        }
        for (int i = 0; i < n && em.partCount < EventExtras.MAX_PARENTS; i++) {
            int c = base + i;
            if (camLastSeq[c] != camFirstSeq[c]) {
                em.part(camLastType[c], camLastSeq[c], camLastTs[c], camMsb[c], camLsb[c], camLastConfidence[c]);
            }
        }
        em.sortParts();
        em.tsUs = lastTs[at];
        em.cameraMsb = camMsb[base];
        em.cameraLsb = camLsb[base];
        em.storeMsb = storeMsb[at];
        em.storeLsb = storeLsb[at];
        em.orgMsb = orgMsb[at];
        em.orgLsb = orgLsb[at];
        em.label = name;
        if (hasSubject[at] && key == IncidentKey.SUBJECT) {
            em.hasSubject = true;
            em.subjectMsb = subjectMsb[at];
            em.subjectLsb = subjectLsb[at];
        }
        em.correlation(Emitter.KIND_INCIDENT | 0x80, ruleHash, keyHi[at], keyLo[at], firstSeq[at]);
        em.putHead(name, Emitter.KIND_INCIDENT);
        em.out.put(",\"key\":\"");
        em.out.put(keyName);
        em.out.put("\",\"cameras\":[");
        for (int i = 0; i < n; i++) {
            int c = base + i;
            if (i > 0) {
                em.out.put(",");
            }
            em.out.put("{\"camera_id\":");
            em.out.putUuidOrNull(camMsb[c], camLsb[c]);
            em.out.put(",\"camera\":");
            if (camSite[c] >= 0) {
                em.out.putString(siteKey[camSite[c]], 0, siteKey[camSite[c]].length);
            } else {
                em.out.put("null");
            }
            em.out.put(",\"first_ts_us\":");
            em.out.putLong(camFirstTs[c]);
            em.out.put(",\"last_ts_us\":");
            em.out.putLong(camLastTs[c]);
            em.out.put(",\"sightings\":");
            em.out.putLong(camSightings[c]);
            em.out.put("}");
        }
        em.out.put("],\"cameras_capped\":");
        em.out.put(camerasCapped[at] ? "true" : "false");
        em.out.put(",\"parents_capped\":");
        em.out.put(parentsCapped ? "true" : "false");
        em.putParts();
        em.commit(Emitter.KIND_INCIDENT, ruleHash);
    }

    private int siteIndex(long msb, long lsb) {
        for (int i = 0; i < siteMsb.length; i++) {
            if (siteMsb[i] == msb && siteLsb[i] == lsb) {
                return i;
            }
        }
        return -1;
    }

    /** The incident seen least recently (then the lowest first seq). */
    private int leastRecent() {
        int at = -1;
        for (int k = 0; k < rows.size; k++) {
            int i = rows.list[k];
            if (at < 0 || lastTs[i] < lastTs[at] || (lastTs[i] == lastTs[at] && firstSeq[i] < firstSeq[at])) {
                at = i;
            }
        }
        return at;
    }

    private void recompute() {
        long d = Long.MAX_VALUE;
        for (int k = 0; k < rows.size; k++) {
            d = Math.min(d, lastTs[rows.list[k]] + withinUs);
        }
        nextClose = d;
    }
}
