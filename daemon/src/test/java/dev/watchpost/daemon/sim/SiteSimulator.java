package dev.watchpost.daemon.sim;

import dev.watchpost.ringbuffer.codec.EventFrameEncoder;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * A small shop, simulated: people arrive, walk door → aisle → till (some leave early), and the
 * detectors on the three cameras report them at 10–15 frames a second with jitter. Known people are
 * recognised by face at the door and the till (and half the time in the aisle), some wave at the till, motion flickers in the aisle
 * while anyone is there. The network adds what a real site has: most frames arrive within tens of
 * milliseconds, some up to 1.5 s late and out of order, some are sent twice (a retry with the same
 * receipt_id), and a detector drops out for up to 2.5 s within a visit. Everything is drawn from one
 * seeded {@link Random}, so a seed is the same afternoon every time. A known person is one subject:
 * nobody else carries their subject_id while they are in the shop or within two minutes of it.
 *
 * <p>The ground truth comes from construction: every emission knows the visit it belongs to, and
 * every visit is one person in front of one camera: one track.
 */
public final class SiteSimulator {
    public static final UUID STORE = UUID.fromString("0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a00");
    /** The cameras and zones of the shipped config/rules.yml. */
    public static final UUID DOOR = UUID.fromString("0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a01");
    public static final UUID TILL = UUID.fromString("0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a02");
    public static final UUID AISLE = UUID.fromString("0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a03");
    public static final UUID ENTRANCE = UUID.fromString("9d1c6f0e-2b7a-4c55-8e11-3a4b5c6d7e01");
    public static final UUID QUEUE = UUID.fromString("9d1c6f0e-2b7a-4c55-8e11-3a4b5c6d7e02");
    public static final UUID SHELVES = UUID.fromString("9d1c6f0e-2b7a-4c55-8e11-3a4b5c6d7e03");
    private static final int KNOWN_SUBJECTS = 24;
    private static final byte[] PERSON = ascii("person");
    private static final byte[] FACE = ascii("face");
    private static final byte[] WAVE = ascii("wave");
    private static final byte[] MOTION = ascii("motion");
    private static final byte[] PAYLOAD = ascii("{\"sim\":1}");

    /** One person's stay in front of one camera: one track. */
    public static final class Visit {
        public final int person;
        /** The recognised subject, or {@code null} for someone the site does not know. */
        public final UUID subject;
        public final UUID camera;
        public final UUID zone;
        public final long trackId;
        public final List<Emission> emissions = new ArrayList<>();
        /** Event times of the wave gestures made during the visit. */
        public final List<Long> waves = new ArrayList<>();

        Visit(int person, UUID subject, UUID camera, UUID zone, long trackId) {
            this.person = person;
            this.subject = subject;
            this.camera = camera;
            this.zone = zone;
            this.trackId = trackId;
        }
    }

    /** One frame sent: its bytes, when it happened and when it reaches the daemon. */
    public static final class Emission {
        public final UUID receipt;
        public final int type;
        public final long tsUs;
        public final long arrivalUs;
        /** A second send of an earlier emission's frame, same receipt_id. */
        public final boolean retry;
        /** The visit (track) it belongs to; {@code null} for motion. */
        public final Visit visit;
        public final float confidence;
        public final byte[] frame;

        Emission(UUID receipt, int type, long tsUs, long arrivalUs, boolean retry, Visit visit, float confidence, byte[] frame) {
            this.receipt = receipt;
            this.type = type;
            this.tsUs = tsUs;
            this.arrivalUs = arrivalUs;
            this.retry = retry;
            this.visit = visit;
            this.confidence = confidence;
            this.frame = frame;
        }
    }

    private final Random random;
    private final UUID[] subjects = new UUID[KNOWN_SUBJECTS];
    private final long[] subjectFreeFrom = new long[KNOWN_SUBJECTS];
    private final List<Visit> visits = new ArrayList<>();
    private final List<List<Visit>> people = new ArrayList<>();
    private final List<Emission> emissions = new ArrayList<>();
    private final List<long[]> aislePresence = new ArrayList<>();
    private long nextTrack = 1;
    private final EventFrameEncoder encoder = new EventFrameEncoder();
    private final ByteBuffer buffer = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
    private int unique;
    private int retries;
    private int late;
    private int dropouts;

    /**
     * Simulates people arriving from {@code startUs} on until at least {@code detections} distinct
     * detections have been made (retries not counted).
     */
    public SiteSimulator(long seed, long startUs, int detections) {
        this.random = new Random(seed);
        for (int i = 0; i < KNOWN_SUBJECTS; i++) {
            subjects[i] = uuid();
        }
        long arrival = startUs;
        int person = 0;
        while (unique < detections) {
            arrival += (long) (-Math.log(1 - random.nextDouble()) * 6_000_000); // about one person each 6 s
            person(person++, arrival);
        }
        motion();
        emissions.sort(Comparator.comparingLong((Emission e) -> e.arrivalUs).thenComparingLong(e -> e.tsUs));
    }

    public List<Emission> emissions() {
        return emissions;
    }

    public List<Visit> visits() {
        return visits;
    }

    /** Each person's visits, in the order they were made. */
    public List<List<Visit>> people() {
        return people;
    }

    /** Distinct detections made (each stored once). */
    public int unique() {
        return unique;
    }

    public int retries() {
        return retries;
    }

    public int late() {
        return late;
    }

    public int dropouts() {
        return dropouts;
    }

    // ---- people

    private void person(int person, long arrival) {
        UUID subject = null;
        int known = -1;
        if (random.nextDouble() < 0.6) {
            int pick = random.nextInt(KNOWN_SUBJECTS);
            for (int i = 0; i < KNOWN_SUBJECTS && known < 0; i++) {
                int candidate = (pick + i) % KNOWN_SUBJECTS;
                if (subjectFreeFrom[candidate] <= arrival) {
                    known = candidate;
                }
            }
            subject = known < 0 ? null : subjects[known];
        }
        people.add(new ArrayList<>());
        long t = arrival;
        t = stay(person, subject, DOOR, ENTRANCE, t, between(3, 8)) + between(1, 3);
        boolean aisle = random.nextDouble() < 0.85;
        if (aisle) {
            long from = t;
            t = stay(person, subject, AISLE, SHELVES, t, between(5, 20));
            aislePresence.add(new long[] {from, t});
            t += between(1, 3);
        }
        if (!aisle || random.nextDouble() < 0.8) {
            t = stay(person, subject, TILL, QUEUE, t, between(4, 12));
        }
        if (known >= 0) {
            subjectFreeFrom[known] = t + 120_000_000L;
        }
    }

    /** One visit from {@code from} for {@code dwellUs}; returns when it ends. */
    private long stay(int person, UUID subject, UUID camera, UUID zone, long from, long dwellUs) {
        Visit visit = new Visit(person, subject, camera, zone, nextTrack++);
        visits.add(visit);
        people.get(person).add(visit);
        long to = from + dwellUs;
        long dropFrom = Long.MAX_VALUE;
        long dropTo = Long.MAX_VALUE;
        if (random.nextDouble() < 0.1) {
            dropFrom = from + (long) (random.nextDouble() * dwellUs / 2);
            dropTo = dropFrom + between(0.5, 2.5);
            dropouts++;
        }
        double fps = 10 + random.nextDouble() * 5;
        float x = 0.1f + random.nextFloat() * 0.5f;
        long last = from;
        for (long t = from; t <= to; t += (long) (1_000_000 / fps) + random.nextInt(30_001) - 15_000) {
            if (t >= dropFrom && t < dropTo) {
                continue;
            }
            x = Math.min(0.7f, Math.max(0.05f, x + (random.nextFloat() - 0.5f) * 0.02f));
            emit(visit, EventTypeRegistry.OBJECT_DETECTED, t, PERSON, 0.5f + random.nextFloat() * 0.45f, x, true);
            last = t;
        }
        boolean faces = subject != null && (camera == DOOR || camera == TILL || random.nextDouble() < 0.5);
        for (long t = from + 200_000; faces && t <= last; t += 400_000 + random.nextInt(200_001)) {
            emit(visit, EventTypeRegistry.FACE_RECOGNIZED, t, FACE, 0.7f + random.nextFloat() * 0.29f, x, false);
        }
        if (camera == TILL && random.nextDouble() < 0.3 && last - from > 2_000_000) {
            long wave = from + 500_000 + (long) (random.nextDouble() * (last - from - 1_500_000));
            visit.waves.add(wave);
            int frames = 3 + random.nextInt(4);
            for (int i = 0; i < frames; i++) {
                emit(visit, EventTypeRegistry.GESTURE_DETECTED, wave + i * 200_000L, WAVE, 0.6f + random.nextFloat() * 0.35f, x, false);
            }
        }
        return last;
    }

    /** Motion in the aisle every half second while anyone is there. */
    private void motion() {
        aislePresence.sort(Comparator.comparingLong(p -> p[0]));
        long coveredTo = Long.MIN_VALUE;
        for (long[] presence : aislePresence) {
            for (long t = Math.max(presence[0], coveredTo + 500_000); t <= presence[1]; t += 450_000 + random.nextInt(100_001)) {
                emit(null, EventTypeRegistry.MOTION_DETECTED, t, MOTION, 0.5f + random.nextFloat() * 0.5f, 0, false);
                coveredTo = t;
            }
        }
    }

    private void emit(Visit visit, int type, long ts, byte[] label, float confidence, float x, boolean mayBeLate) {
        UUID receipt = uuid();
        buffer.clear();
        encoder.wrap(buffer, 0)
                .receiptId(receipt)
                .tsUs(ts)
                .eventType(type)
                .source(1)
                .confidence(confidence)
                .storeId(STORE)
                .cameraId(visit == null ? AISLE : visit.camera)
                .zoneId(visit == null ? SHELVES : visit.zone);
        if (visit != null) {
            encoder.trackId(visit.trackId).bbox(x, 0.2f, 0.2f, 0.5f);
            if (visit.subject != null && type == EventTypeRegistry.FACE_RECOGNIZED) {
                encoder.subjectId(visit.subject);
            }
        }
        int length = encoder.label(label, 0, label.length).payload(PAYLOAD, 0, PAYLOAD.length).finish();
        byte[] frame = Arrays.copyOf(buffer.array(), length);

        long arrival = ts + 5_000 + random.nextInt(25_001);
        if (mayBeLate && random.nextDouble() < 0.03) {
            arrival = ts + between(0.2, 1.5);
            late++;
        }
        Emission emission = new Emission(receipt, type, ts, arrival, false, visit, confidence, frame);
        emissions.add(emission);
        unique++;
        if (visit != null) {
            visit.emissions.add(emission);
        }
        if (random.nextDouble() < 0.02) {
            emissions.add(new Emission(receipt, type, ts, arrival + between(0.05, 0.5), true, visit, confidence, frame));
            retries++;
        }
    }

    private long between(double fromSeconds, double toSeconds) {
        return (long) ((fromSeconds + random.nextDouble() * (toSeconds - fromSeconds)) * 1_000_000);
    }

    private UUID uuid() {
        long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(msb, lsb);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
