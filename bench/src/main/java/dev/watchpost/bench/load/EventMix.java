package dev.watchpost.bench.load;

import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventFrameEncoder;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import dev.watchpost.ringbuffer.codec.Protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * The content of a detector's events on a small, fixed site: two stores with four cameras each, one
 * zone per camera, sixteen known subjects. A detector alternates between two scenarios:
 *
 * <ul>
 *   <li><b>motion burst</b>: 3–12 {@code motion.detected} (type 1) events from one camera, half of
 *       the bursts with a motion region as bbox, label {@code motion};</li>
 *   <li><b>face track</b>: 4–24 events of one track on one camera, the bbox drifting from frame to
 *       frame, all with track_id and bbox; {@code face.detected} (type 3) until, in half of the
 *       tracks, the face is recognised and the rest are {@code face.recognized} (type 4) with a
 *       subject_id; label {@code person}.</li>
 * </ul>
 *
 * <p>Every event it writes is valid under protocol v1. Labels and payloads are built once: with
 * {@code labelBytes} / {@code payloadBytes} &ge; 0 they are padded or cut to that size (a payload is
 * always a JSON object, padded with a {@code "pad"} member), with -1 they keep their natural size.
 *
 * <p>One instance per sending thread: not thread-safe. It allocates nothing per event.
 */
final class EventMix {
    /** Natural payloads: what a detector of each kind typically attaches. */
    private static final String MOTION_MEMBERS = "\"model\":\"motion-v2\",\"area\":0.18,\"frames\":4";
    private static final String FACE_MEMBERS = "\"model\":\"scrfd-10g\",\"quality\":0.91,\"yaw\":-12.5,\"pitch\":3.0";
    private static final String RECOGNIZED_MEMBERS =
        "\"model\":\"arcface-r100\",\"quality\":0.91,\"match\":0.87,\"watchlist\":false";
    /** What the {@code ,"pad":"…"} member adds to an object beyond its filler. */
    private static final int PAD_OVERHEAD = ",\"pad\":\"\"".length();
    private static final String MOTION_LABEL = "motion";
    private static final String PERSON_LABEL = "person";

    static final UUID ORG = siteUuid("org");
    static final UUID[] STORES = {siteUuid("store/1"), siteUuid("store/2")};
    static final int CAMERAS_PER_STORE = 4;
    static final UUID[] CAMERAS = new UUID[STORES.length * CAMERAS_PER_STORE];
    static final UUID[] ZONES = new UUID[CAMERAS.length];
    static final UUID[] SUBJECTS = new UUID[16];

    static {
        for (int i = 0; i < CAMERAS.length; i++) {
            CAMERAS[i] = siteUuid("camera/" + (i + 1));
            ZONES[i] = siteUuid("zone/" + (i + 1));
        }
        for (int i = 0; i < SUBJECTS.length; i++) {
            SUBJECTS[i] = siteUuid("subject/" + (i + 1));
        }
    }

    private final SplittableRandom random;
    private final double motionShare;
    private final long trackIdBase;

    private final byte[] motionLabel;
    private final byte[] personLabel;
    private final byte[] motionPayload;
    private final byte[] facePayload;
    private final byte[] recognizedPayload;

    // scenario state
    private boolean motion;
    private boolean motionBbox;
    private int remaining;
    private int camera;
    private long trackCount;
    private long trackId;
    private int step;
    private int recognizedFrom;
    private int subject;
    private float x;
    private float y;
    private float w;
    private float h;
    private float dx;
    private float dy;

    /**
     * @param seed seed of the scenario choices (the same seed gives the same events)
     * @param motionShare share of scenarios that are motion bursts, 0 … 1; the rest are face tracks
     * @param labelBytes label size in bytes (0 … 64), or -1 for the natural labels
     * @param payloadBytes payload size in bytes, or -1 for the natural payloads; 0 sends none
     * @param trackIdBase added to this detector's track counter, so that detectors' tracks differ
     */
    EventMix(long seed, double motionShare, int labelBytes, int payloadBytes, long trackIdBase) {
        if (!(motionShare >= 0 && motionShare <= 1)) {
            throw new IllegalArgumentException("motionShare must be 0..1, was " + motionShare);
        }
        if (labelBytes < -1 || labelBytes > EventFrame.MAX_LABEL_LENGTH) {
            throw new IllegalArgumentException("labelBytes must be -1.." + EventFrame.MAX_LABEL_LENGTH + ", was " + labelBytes);
        }
        if (payloadBytes < -1 || payloadBytes > maxPayloadBytes(labelBytes)) {
            throw new IllegalArgumentException("payloadBytes must be -1.." + maxPayloadBytes(labelBytes) + ", was " + payloadBytes);
        }
        this.random = new SplittableRandom(seed);
        this.motionShare = motionShare;
        this.trackIdBase = trackIdBase;
        this.motionLabel = label(MOTION_LABEL, labelBytes);
        this.personLabel = label(PERSON_LABEL, labelBytes);
        this.motionPayload = jsonObject(MOTION_MEMBERS, payloadBytes);
        this.facePayload = jsonObject(FACE_MEMBERS, payloadBytes);
        this.recognizedPayload = jsonObject(RECOGNIZED_MEMBERS, payloadBytes);
    }

    /**
     * The largest payload that keeps an EVENT within the frame limit, for a label of
     * {@code labelBytes} (-1: the natural labels).
     */
    static int maxPayloadBytes(int labelBytes) {
        int label = labelBytes >= 0 ? labelBytes : Math.max(MOTION_LABEL.length(), PERSON_LABEL.length());
        return Protocol.MAX_FRAME_LENGTH - EventFrame.MIN_LENGTH - label;
    }

    /** The longest frame {@link #writeNext} can produce; a batch needs this much room for one more event. */
    int maxFrameLength() {
        int label = Math.max(motionLabel.length, personLabel.length);
        int payload = Math.max(motionPayload.length, Math.max(facePayload.length, recognizedPayload.length));
        return EventFrameEncoder.frameLength(label, payload);
    }

    /**
     * Writes the next event's content: every body field but receipt_id and ts_us, label and payload
     * last. The encoder must be wrapped around a fresh frame; seq, receipt_id and ts_us are the
     * caller's, before or after this call, and {@link EventFrameEncoder#finish()} after it.
     */
    void writeNext(EventFrameEncoder encoder) {
        if (remaining == 0) {
            startScenario();
        }
        remaining--;
        step++;
        int store = camera / CAMERAS_PER_STORE;
        encoder.source(EventFrame.SOURCE_EDGE)
            .storeId(STORES[store])
            .orgId(ORG)
            .cameraId(CAMERAS[camera])
            .zoneId(ZONES[camera]);
        if (motion) {
            encoder.eventType(EventTypeRegistry.MOTION_DETECTED)
                .confidence(confidence(0.55, 0.99));
            if (motionBbox) {
                encoder.bbox(x, y, w, h);
            }
            encoder.label(motionLabel, 0, motionLabel.length)
                .payload(motionPayload, 0, motionPayload.length);
        } else {
            moveBbox();
            encoder.trackId(trackId).bbox(x, y, w, h);
            if (recognizedFrom > 0 && step >= recognizedFrom) {
                encoder.eventType(EventTypeRegistry.FACE_RECOGNIZED)
                    .confidence(confidence(0.80, 0.99))
                    .subjectId(SUBJECTS[subject])
                    .label(personLabel, 0, personLabel.length)
                    .payload(recognizedPayload, 0, recognizedPayload.length);
            } else {
                encoder.eventType(EventTypeRegistry.FACE_DETECTED)
                    .confidence(confidence(0.60, 0.99))
                    .label(personLabel, 0, personLabel.length)
                    .payload(facePayload, 0, facePayload.length);
            }
        }
    }

    private void startScenario() {
        motion = random.nextDouble() < motionShare;
        camera = random.nextInt(CAMERAS.length);
        step = 0;
        w = (float) random.nextDouble(0.05, 0.25);
        h = (float) random.nextDouble(0.08, 0.35);
        x = (float) random.nextDouble(0.0, 0.98 - w);
        y = (float) random.nextDouble(0.0, 0.98 - h);
        if (motion) {
            remaining = 3 + random.nextInt(10);
            motionBbox = random.nextBoolean();
        } else {
            remaining = 4 + random.nextInt(21);
            trackId = trackIdBase + ++trackCount;
            dx = (float) random.nextDouble(-0.02, 0.02);
            dy = (float) random.nextDouble(-0.01, 0.01);
            recognizedFrom = random.nextBoolean() ? 2 + random.nextInt(remaining - 1) : 0;
            subject = random.nextInt(SUBJECTS.length);
        }
    }

    /** Drifts the face box, bouncing off the frame's edges; keeps 0 ≤ x, x + w &lt; 1 (same for y). */
    private void moveBbox() {
        x += dx;
        if (x < 0f) {
            x = 0f;
            dx = -dx;
        } else if (x > 0.99f - w) {
            x = 0.99f - w;
            dx = -dx;
        }
        y += dy;
        if (y < 0f) {
            y = 0f;
            dy = -dy;
        } else if (y > 0.99f - h) {
            y = 0.99f - h;
            dy = -dy;
        }
    }

    private float confidence(double low, double high) {
        return (float) random.nextDouble(low, high);
    }

    /** {@code natural} cut or padded with '-' to {@code bytes} (ASCII), or as is for -1. */
    static byte[] label(String natural, int bytes) {
        byte[] text = natural.getBytes(StandardCharsets.UTF_8);
        if (bytes < 0) {
            return text;
        }
        byte[] label = Arrays.copyOf(text, bytes);
        Arrays.fill(label, Math.min(text.length, bytes), bytes, (byte) '-');
        return label;
    }

    /**
     * A JSON object with {@code members}, of exactly {@code bytes} bytes where padding can reach it:
     * larger targets get a {@code "pad"} member of 'x's; targets below the natural size get an object
     * of only the pad member (at least {@code {}}). -1 gives the natural object, 0 no payload at all.
     */
    static byte[] jsonObject(String members, int bytes) {
        String natural = "{" + members + "}";
        if (bytes < 0) {
            return natural.getBytes(StandardCharsets.UTF_8);
        }
        if (bytes == 0) {
            return new byte[0];
        }
        String json;
        if (bytes >= natural.length() + PAD_OVERHEAD) {
            json = "{" + members + ",\"pad\":\"" + "x".repeat(bytes - natural.length() - PAD_OVERHEAD) + "\"}";
        } else if (bytes >= natural.length()) {
            json = natural;
        } else if (bytes >= "{\"pad\":\"\"}".length()) {
            json = "{\"pad\":\"" + "x".repeat(bytes - "{\"pad\":\"\"}".length()) + "\"}";
        } else {
            json = "{}";
        }
        return json.getBytes(StandardCharsets.UTF_8);
    }

    /** A stable name-based UUID, so that runs (and a daemon's camera topology) share the site's ids. */
    private static UUID siteUuid(String name) {
        return UUID.nameUUIDFromBytes(("watchpost-bench/" + name).getBytes(StandardCharsets.UTF_8));
    }
}
