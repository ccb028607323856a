package dev.watchpost.handlers;

import dev.watchpost.handlers.CorrelationFixture.Derived;
import dev.watchpost.handlers.rules.CorrelationRules;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.DerivedEvent;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static dev.watchpost.handlers.CorrelationFixture.AISLE;
import static dev.watchpost.handlers.CorrelationFixture.ENTRANCE;
import static dev.watchpost.handlers.CorrelationFixture.composite;
import static dev.watchpost.handlers.CorrelationFixture.doorThenTill;
import static dev.watchpost.handlers.CorrelationFixture.enteredUnrecognised;
import static dev.watchpost.handlers.CorrelationFixture.incidents;
import static dev.watchpost.handlers.CorrelationFixture.rules;
import static dev.watchpost.handlers.CorrelationFixture.sequences;
import static dev.watchpost.handlers.CorrelationFixture.walkedThrough;
import static dev.watchpost.handlers.CorrelationFixture.waved;
import static dev.watchpost.handlers.Detection.ALICE;
import static dev.watchpost.handlers.Detection.BOB;
import static dev.watchpost.handlers.Detection.DOOR;
import static dev.watchpost.handlers.Detection.T0;
import static dev.watchpost.handlers.Detection.TILL;
import static dev.watchpost.handlers.Detection.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The correlate stage driven slot by slot: composite rules, sequences with and without absence, and
 * spatial incidents; bounds, late events and the steady state's allocation.
 */
class CorrelateHandlerTest {
    private static final long LATENESS_US = 2_000_000;

    private final Counters counters = new Counters();
    private final List<String> errorLines = new ArrayList<>();
    private final ErrorLog errors = new ErrorLog(counters, errorLines::add);
    private final SeqAllocator seqs = new SeqAllocator(1);
    private final List<Derived> out = new ArrayList<>();
    private CorrelateHandler handler;
    private long ring;
    private long watermark = Long.MIN_VALUE;

    private void start(CorrelationRules correlation) {
        Rules rules = rules(correlation);
        handler = new CorrelateHandler(rules, EventTypeRegistry.standard(), seqs, counters, errors);
    }

    /** Sends a new detection; the watermark follows its event time less the allowed lateness. Returns its seq. */
    private long send(Detection d) {
        return send(d, EventSlot.NO_SEQ, 0);
    }

    /** Sends a window repeat of the event stored under {@code original}. */
    private long repeat(Detection d, long original, int ordinal) {
        return send(d, original, ordinal);
    }

    private long send(Detection d, long original, int ordinal) {
        EventSlot slot = new EventSlot(256);
        long seq = seqs.next();
        d.into(slot, seq, d.tsUs);
        if (original != EventSlot.NO_SEQ) {
            slot.markRepeat(original, ordinal);
        }
        watermark = Math.max(watermark, d.tsUs - LATENESS_US);
        slot.stampWatermark(watermark);
        run(slot);
        return seq;
    }

    /** A tick that moves the watermark to {@code seconds} after T0. */
    private void watermarkAt(double seconds) {
        EventSlot slot = new EventSlot(256);
        slot.claimTick(T0);
        watermark = Math.max(watermark, T0 + Math.round(seconds * 1_000_000));
        slot.stampWatermark(watermark);
        run(slot);
    }

    private void run(EventSlot slot) {
        handler.onEvent(slot, ring++, true);
        for (int i = 0; i < slot.derivedCount(); i++) {
            DerivedEvent e = slot.derived(i);
            out.add(Derived.of(e.seq(), e.buffer(), 0, e.extra(), 0, e.extraLength()));
        }
    }

    private static Detection face(double seconds, long track, java.util.UUID subject) {
        return at(seconds).type(EventTypeRegistry.FACE_RECOGNIZED).camera(TILL).track(track).subject(subject).label("face");
    }

    private static Detection wave(double seconds, long track) {
        return at(seconds).type(EventTypeRegistry.GESTURE_DETECTED).camera(TILL).track(track).label("wave").confidence(0.7f);
    }

    // ------------------------------------------------------------------ composite

    @Test
    void shouldDetectAnActionWhenFaceAndGestureShareATrackWithinTheBound() {
        start(composite(waved(CorrelationRules.Join.TRACK, 3, 64)));
        long face = send(face(0, 7, ALICE));
        long wave = send(wave(1.5, 7));

        assertEquals(1, out.size(), out.toString());
        Derived action = out.get(0);
        assertEquals(EventTypeRegistry.ACTION_DETECTED, action.type());
        assertEquals("waved", action.label());
        assertEquals(T0 + 1_500_000, action.tsUs());
        assertEquals(TILL, action.camera());
        assertEquals(ALICE, action.subject());
        assertEquals(7L, action.track());
        assertEquals(0.7f, action.confidence());
        assertEquals(List.of(face, wave), action.parents());
        assertEquals(1, action.revision());
        assertEquals(wave + 1, action.seq());
        assertEquals("{\"rule\":\"face_and_wave\",\"kind\":\"composite\",\"action\":\"waved\",\"join\":\"track\",\"parts\":["
                + "{\"type\":\"face.recognized\",\"seq\":1,\"ts_us\":" + T0 + ",\"camera_id\":\"" + TILL + "\"},"
                + "{\"type\":\"gesture.detected\",\"seq\":2,\"ts_us\":" + (T0 + 1_500_000) + ",\"camera_id\":\"" + TILL + "\"}]}",
                action.payload());
        assertEquals(1, counters.get(Counter.ACTIONS_DETECTED));
        assertEquals(List.of(), errorLines);
    }

    @Test
    void shouldNotJoinOutsideTheBoundOnAnotherTrackOrWithAnotherLabel() {
        start(composite(waved(CorrelationRules.Join.TRACK, 3, 64)));
        send(face(0, 7, ALICE));
        send(wave(3.5, 7)); // 3.5 s apart: outside the bound
        send(face(10, 8, BOB));
        send(wave(10.5, 9)); // another track
        send(wave(10.6, 8).label("thumbs_up")); // not a wave

        assertEquals(List.of(), out);
    }

    @Test
    void shouldMakeOneActionPerWaveHoweverManyFaceFramesAndRepeatsCome() {
        start(composite(waved(CorrelationRules.Join.TRACK, 3, 256)));
        long firstFace = send(face(0, 7, ALICE));
        long firstWave = 0;
        for (int i = 1; i < 120; i++) { // 15 fps for 8 s: one face burst
            double t = i / 15.0;
            repeat(face(t, 7, ALICE), firstFace, i);
            if (i == 15) {
                firstWave = send(wave(t, 7));
            } else if (i > 15 && i < 30) {
                repeat(wave(t, 7), firstWave, i - 15); // the same wave, reported again
            } else if (i == 100) {
                send(wave(t, 7)); // a new wave, after the gesture's window
            }
        }

        assertEquals(2, out.size(), out.toString());
        assertEquals(List.of(T0 + 1_000_000, T0 + Math.round(100 / 15.0 * 1_000_000)), out.stream().map(Derived::tsUs).toList());
        assertEquals(out.get(0).correlation(), out.get(1).correlation(), "actions of one track share a correlation id");
        assertTrue(!out.get(0).receipt().equals(out.get(1).receipt()));
    }

    @Test
    void shouldJoinByBoxOverlapOnTheSameCamera() {
        start(composite(waved(CorrelationRules.Join.IOU, 3, 64)));
        send(at(0).type(EventTypeRegistry.FACE_RECOGNIZED).camera(TILL).subject(ALICE).bbox(0.1f, 0.1f, 0.2f, 0.4f));
        send(at(0.5).type(EventTypeRegistry.GESTURE_DETECTED).camera(TILL).label("wave").bbox(0.12f, 0.1f, 0.2f, 0.4f));
        send(at(5).type(EventTypeRegistry.FACE_RECOGNIZED).camera(TILL).subject(BOB).bbox(0.1f, 0.1f, 0.2f, 0.4f));
        send(at(5.5).type(EventTypeRegistry.GESTURE_DETECTED).camera(TILL).label("wave").bbox(0.6f, 0.5f, 0.2f, 0.4f)); // apart
        send(at(5.6).type(EventTypeRegistry.GESTURE_DETECTED).camera(DOOR).label("wave").bbox(0.1f, 0.1f, 0.2f, 0.4f)); // another camera

        assertEquals(1, out.size(), out.toString());
        assertEquals(ALICE, out.get(0).subject());
        assertNull(out.get(0).track());
    }

    @Test
    void shouldJoinBySubjectAcrossTracks() {
        start(composite(waved(CorrelationRules.Join.SUBJECT, 3, 64)));
        send(face(0, 7, ALICE));
        send(wave(1, 8).subject(ALICE));
        send(wave(1.5, 9).subject(BOB));

        assertEquals(1, out.size(), out.toString());
        assertEquals(ALICE, out.get(0).subject());
    }

    @Test
    void shouldEvictTheOldestPendingPartWhenFullAndCountIt() {
        start(composite(waved(CorrelationRules.Join.TRACK, 3, 4)));
        for (int track = 1; track <= 6; track++) {
            send(face(track * 0.1, track, ALICE));
        }
        assertEquals(2, counters.get(Counter.CORRELATE_EVICTED));
        send(wave(1, 1)); // track 1's face was evicted: the wave waits in its turn, and evicts track 3's face
        send(wave(1, 6));

        assertEquals(3, counters.get(Counter.CORRELATE_EVICTED));
        assertEquals(1, out.size(), out.toString());
        assertEquals(6L, out.get(0).track());
    }

    @Test
    void shouldNotHoldALateDetectionAsAPendingPart() {
        start(composite(waved(CorrelationRules.Join.TRACK, 3, 64)));
        send(face(100, 1, ALICE)); // the watermark is at 98 s
        send(face(10, 7, ALICE)); // late: 10 + 3 <= 98
        send(wave(10.5, 7));

        assertEquals(List.of(), out);
    }

    // ------------------------------------------------------------------ sequences

    @Test
    void shouldMatchASequenceOfStepsOnOneSubjectWithinTheBound() {
        start(sequences(doorThenTill()));
        long door = send(at(0).type(EventTypeRegistry.FACE_RECOGNIZED).camera(DOOR).subject(ALICE));
        send(at(1).type(EventTypeRegistry.FACE_RECOGNIZED).camera(DOOR).subject(ALICE)); // still at the door
        send(at(5).type(EventTypeRegistry.FACE_RECOGNIZED).camera(TILL).subject(BOB)); // someone else
        long till = send(at(42).type(EventTypeRegistry.FACE_RECOGNIZED).camera(TILL).subject(ALICE));
        send(at(50).type(EventTypeRegistry.FACE_RECOGNIZED).camera(DOOR).subject(BOB));
        send(at(111).type(EventTypeRegistry.FACE_RECOGNIZED).camera(TILL).subject(BOB)); // 61 s: too late

        assertEquals(1, out.size(), out.toString());
        Derived matched = out.get(0);
        assertEquals(EventTypeRegistry.SEQUENCE_MATCHED, matched.type());
        assertEquals("door_then_till", matched.label());
        assertEquals(List.of(door, till), matched.parents());
        assertEquals(T0 + 42_000_000, matched.tsUs());
        assertEquals(ALICE, matched.subject());
        assertTrue(matched.payload().startsWith("{\"rule\":\"door_then_till\",\"kind\":\"sequence\",\"key\":\"subject\",\"within_ms\":60000,"
                + "\"absent\":null,\"parts\":["), matched.payload());
        assertEquals(1, counters.get(Counter.SEQUENCES_MATCHED));
    }

    @Test
    void shouldFireAnAbsenceOnTheWatermarkAndNotWhenTheStepCame() {
        start(sequences(enteredUnrecognised(), doorThenTill()));
        long entered = send(at(0).camera(DOOR).zone(ENTRANCE).track(3));
        send(at(1).camera(DOOR).zone(ENTRANCE).track(4));
        send(at(12).type(EventTypeRegistry.FACE_RECOGNIZED).camera(DOOR).track(4).subject(BOB)); // track 4 is recognised
        watermarkAt(29.999);
        assertEquals(List.of(), out);

        watermarkAt(30);
        assertEquals(1, out.size(), out.toString());
        Derived absence = out.get(0);
        assertEquals("entered_unrecognised", absence.label());
        assertEquals(T0 + 30_000_000, absence.tsUs(), "an absence fires at its deadline");
        assertEquals(List.of(entered), absence.parents());
        assertEquals(3L, absence.track());
        assertTrue(absence.payload().contains("\"absent\":{\"type\":\"face.recognized\",\"deadline_us\":" + (T0 + 30_000_000) + "}"),
                absence.payload());

        watermarkAt(100);
        assertEquals(1, out.size(), "track 4 saw its face: " + out);
    }

    @Test
    void shouldSettleOncePerPresenceHoweverManyFramesOfTheFirstStepCome() {
        start(sequences(enteredUnrecognised(), doorThenTill()));
        // Track 3, recognised at once, stays in front of the door for 10 s: frames of the first step
        // keep coming after the face cancelled the instance, and must not open another.
        for (int i = 0; i <= 100; i++) {
            send(at(i * 0.1).camera(DOOR).zone(ENTRANCE).track(3));
            if (i == 2) {
                send(at(0.2).type(EventTypeRegistry.FACE_RECOGNIZED).camera(DOOR).track(3).subject(BOB));
            }
        }
        // Track 4 is never recognised and lingers for 45 s, past the 30 s bound: one absence, not two.
        for (int i = 0; i <= 45; i++) {
            send(at(20 + i).camera(DOOR).zone(ENTRANCE).track(4));
        }
        watermarkAt(200);

        assertEquals(List.of(4L), out.stream().map(Derived::track).toList(), out.toString());
        assertEquals(T0 + 50_000_000, out.get(0).tsUs(), "at the deadline of its first frame");

        send(at(300).camera(DOOR).zone(ENTRANCE).track(4)); // back after the presence ended: a new one
        watermarkAt(400);
        assertEquals(List.of(4L, 4L), out.stream().map(Derived::track).toList(), out.toString());
    }

    @Test
    void shouldNotOpenASequenceForALateFirstStep() {
        start(sequences(enteredUnrecognised()));
        send(at(100).camera(TILL).track(1));
        send(at(40).camera(DOOR).zone(ENTRANCE).track(3)); // 40 + 30 <= 98: over already
        watermarkAt(200);

        assertEquals(List.of(), out);
    }

    @Test
    void shouldEvictTheOldestSequenceInstanceWhenFull() {
        CorrelationRules.SequenceRule rule = enteredUnrecognised();
        start(sequences(new CorrelationRules.SequenceRule(rule.name(), rule.steps(), rule.key(), rule.within(), rule.absent(), 4,
                rule.emit())));
        for (int track = 1; track <= 6; track++) {
            send(at(track * 0.1).camera(DOOR).zone(ENTRANCE).track(track));
        }
        watermarkAt(60);

        assertEquals(2, counters.get(Counter.CORRELATE_EVICTED));
        assertEquals(List.of(3L, 4L, 5L, 6L), out.stream().map(Derived::track).toList());
    }

    // ------------------------------------------------------------------ incidents

    @Test
    void shouldChainSightingsOverNeighboursIntoOneIncidentWhenItCloses() {
        start(incidents(walkedThrough(true)));
        long door = send(at(0).type(EventTypeRegistry.FACE_RECOGNIZED).camera(DOOR).subject(ALICE).confidence(0.8f));
        long door2 = send(at(2).type(EventTypeRegistry.FACE_RECOGNIZED).camera(DOOR).subject(ALICE));
        long aisle = send(at(20).type(EventTypeRegistry.FACE_RECOGNIZED).camera(AISLE).subject(ALICE));
        long till = send(at(70).type(EventTypeRegistry.FACE_RECOGNIZED).camera(TILL).subject(ALICE).confidence(0.6f));
        watermarkAt(129.9);
        assertEquals(List.of(), out, "open until the watermark passes the last sighting + within");

        watermarkAt(130);
        assertEquals(1, out.size(), out.toString());
        Derived incident = out.get(0);
        assertEquals(EventTypeRegistry.INCIDENT_CORRELATED, incident.type());
        assertEquals("walked_through", incident.label());
        assertEquals(T0 + 70_000_000, incident.tsUs());
        assertEquals(DOOR, incident.camera());
        assertEquals(ALICE, incident.subject());
        assertEquals(0.6f, incident.confidence());
        assertEquals(List.of(door, door2, aisle, till), incident.parents());
        assertTrue(incident.payload().contains("\"cameras\":[{\"camera_id\":\"" + DOOR + "\",\"camera\":\"door\",\"first_ts_us\":" + T0
                + ",\"last_ts_us\":" + (T0 + 2_000_000) + ",\"sightings\":2},"), incident.payload());
        assertTrue(incident.payload().contains("\"cameras_capped\":false,\"parents_capped\":false"), incident.payload());
        assertEquals(1, counters.get(Counter.INCIDENTS_CORRELATED));
    }

    @Test
    void shouldNotCorrelateCamerasThatAreNotNeighboursUnlessToldTo() {
        start(incidents(walkedThrough(true)));
        send(at(0).type(EventTypeRegistry.FACE_RECOGNIZED).camera(DOOR).subject(ALICE));
        send(at(10).type(EventTypeRegistry.FACE_RECOGNIZED).camera(TILL).subject(ALICE)); // the till is not the door's neighbour
        send(at(20).type(EventTypeRegistry.FACE_RECOGNIZED).camera(DOOR).subject(BOB)); // one camera only
        watermarkAt(500);
        assertEquals(List.of(), out);

        out.clear();
        start(incidents(walkedThrough(false)));
        send(at(600).type(EventTypeRegistry.FACE_RECOGNIZED).camera(DOOR).subject(ALICE));
        send(at(610).type(EventTypeRegistry.FACE_RECOGNIZED).camera(TILL).subject(ALICE));
        watermarkAt(1000);
        assertEquals(1, out.size(), out.toString());
    }

    @Test
    void shouldNotJoinASightingBeyondTheBoundFromTheLastOne() {
        start(incidents(walkedThrough(true)));
        send(at(0).type(EventTypeRegistry.FACE_RECOGNIZED).camera(DOOR).subject(ALICE));
        send(at(61).type(EventTypeRegistry.FACE_RECOGNIZED).camera(AISLE).subject(ALICE)); // 61 s later
        watermarkAt(500);

        assertEquals(List.of(), out);
    }

    @Test
    void shouldCapParentsAtSixteenAndSaySoWhileListingEveryCamera() {
        start(incidents(walkedThrough(false)));
        for (int i = 0; i < 9; i++) { // nine cameras, two sightings each: 18 first and last sightings
            java.util.UUID camera = new java.util.UUID(0x0b6f3a52_6c1e_4d7aL, 0x9a51_2f0c_1d9e_7b00L + i);
            send(at(10 * i).type(EventTypeRegistry.FACE_RECOGNIZED).camera(camera).subject(ALICE));
            send(at(10 * i + 5).type(EventTypeRegistry.FACE_RECOGNIZED).camera(camera).subject(ALICE));
        }
        watermarkAt(1000);

        assertEquals(1, out.size(), out.toString());
        assertEquals(16, out.get(0).parents().size());
        assertTrue(out.get(0).payload().contains("\"cameras_capped\":false,\"parents_capped\":true"), out.get(0).payload());
        assertEquals(9, out.get(0).payload().split("\"sightings\":2").length - 1, out.get(0).payload());
    }

    // ------------------------------------------------------------------ allocation

    @Test
    void shouldNotAllocateInTheSteadyState() {
        start(new CorrelationRules(List.of(waved(CorrelationRules.Join.TRACK, 3, 256)), List.of(doorThenTill(), enteredUnrecognised()),
                List.of(walkedThrough(true)), CorrelationRules.RESTORE_HORIZON_DEFAULT));
        int kinds = 64;
        byte[][] frames = new byte[kinds][];
        java.util.UUID[] cameras = {DOOR, AISLE, TILL};
        for (int i = 0; i < kinds; i++) {
            int person = i % 16;
            java.util.UUID subject = new java.util.UUID(0xa11ce000_0000_4000L, 0x8000_0000_0000_0000L | person);
            Detection d = switch (i / 16) {
                case 0 -> at(0).type(EventTypeRegistry.FACE_RECOGNIZED).camera(cameras[person % 3]).track(person).subject(subject);
                case 1 -> at(0).type(EventTypeRegistry.GESTURE_DETECTED).camera(cameras[person % 3]).track(person).label("wave");
                case 2 -> at(0).camera(DOOR).zone(ENTRANCE).track(person);
                default -> at(0).type(EventTypeRegistry.FACE_RECOGNIZED).camera(cameras[(person + 1) % 3]).subject(subject);
            };
            frames[i] = d.frame();
        }
        EventSlot[] ringOfSlots = new EventSlot[1024];
        for (int i = 0; i < ringOfSlots.length; i++) {
            ringOfSlots[i] = new EventSlot(512);
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

        long before = 0;
        int events = 300_000;
        int warmUp = 100_000; // the pool grows to the most derived events ever in flight
        long derived = 0;
        for (int n = 0; n < events; n++) {
            if (n == warmUp) {
                before = threads.getCurrentThreadAllocatedBytes();
            }
            int i = (n * 7) % kinds;
            long ts = T0 + n * 5_000L + (n / 10_000) * 120_000_000L; // 200 events a second, a quiet 2 min every 10,000
            EventSlot slot = ringOfSlots[n % ringOfSlots.length];
            slot.claimEvent(frames[i].length, null, n, ts).put(0, frames[i]);
            slot.buffer().putLong(EventFrame.TS_US_OFFSET, ts);
            slot.sequence(seqs.next());
            slot.stampWatermark(ts - LATENESS_US);
            handler.onEvent(slot, n, n % 64 == 63);
            derived += slot.derivedCount();
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertTrue(counters.get(Counter.ACTIONS_DETECTED) > 100, "actions: " + counters.get(Counter.ACTIONS_DETECTED));
        assertTrue(counters.get(Counter.SEQUENCES_MATCHED) > 100, "sequences: " + counters.get(Counter.SEQUENCES_MATCHED));
        assertTrue(counters.get(Counter.INCIDENTS_CORRELATED) > 100, "incidents: " + counters.get(Counter.INCIDENTS_CORRELATED));
        assertTrue(derived > 300);
        assertEquals(List.of(), errorLines);
        assertEquals(0, counters.get(Counter.CORRELATE_OVERFLOW));
        assertTrue(allocated < 4096, "allocated " + allocated + " bytes over " + (events - warmUp) + " events");
    }
}
