package dev.watchpost.handlers;

import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.handlers.rules.WindowDedupRule;
import dev.watchpost.handlers.rules.WindowDedupRule.KeyField;
import dev.watchpost.handlers.rules.WindowDedupRule.Mode;
import dev.watchpost.handlers.rules.WindowDedupRules;
import dev.watchpost.persistence.deadletter.DeadLetterStore;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import dev.watchpost.ringbuffer.codec.NackCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.watchpost.handlers.Detection.ALICE;
import static dev.watchpost.handlers.Detection.BOB;
import static dev.watchpost.handlers.Detection.DOOR;
import static dev.watchpost.handlers.Detection.T0;
import static dev.watchpost.handlers.Detection.TILL;
import static dev.watchpost.handlers.Detection.ZONE_A;
import static dev.watchpost.handlers.Detection.ZONE_B;
import static dev.watchpost.handlers.Detection.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The window stage on its own: slots handed to it one by one, as the dedup stage leaves them. */
class WindowDedupHandlerTest {
    private static final long SECOND = 1_000_000;
    private static final int MOTION = EventTypeRegistry.MOTION_DETECTED;
    private static final int OBJECT = EventTypeRegistry.OBJECT_DETECTED;
    private static final int FACE_RECOGNIZED = EventTypeRegistry.FACE_RECOGNIZED;
    private static final int HEALTH = EventTypeRegistry.CAMERA_HEALTH;

    @TempDir
    Path dir;

    private final Counters counters = new Counters();
    private final List<String> errorLines = new ArrayList<>();
    private WindowDedupHandler handler;
    private long nextSeq = 1;

    /** The built-in rules, with a per-type rule or two. */
    private static Rules rules(Map<Integer, WindowDedupRule> byType) {
        return rules(WindowDedupRules.MAX_OPEN_KEYS_DEFAULT, byType);
    }

    private static Rules rules(int maxOpenKeys, Map<Integer, WindowDedupRule> byType) {
        return new Rules(Rules.ALLOWED_LATENESS_DEFAULT, Rules.CLOCK_SKEW_DEFAULT,
                new WindowDedupRules(maxOpenKeys, WindowDedupRule.DEFAULT, byType));
    }

    private static WindowDedupRule rule(int seconds, Mode mode, KeyField... key) {
        return new WindowDedupRule(true, Duration.ofSeconds(seconds), mode, List.of(key));
    }

    private WindowDedupHandler start(Rules rules) {
        handler = new WindowDedupHandler(rules, counters, new ErrorLog(counters, errorLines::add));
        return handler;
    }

    /** A new event, received when its event time says (the detector's clock is the daemon's). */
    private EventSlot send(Detection d) {
        return send(d, d.tsUs);
    }

    private EventSlot send(Detection d, long receivedAtUs) {
        EventSlot slot = d.into(new EventSlot(256), nextSeq++, receivedAtUs);
        handler.onEvent(slot, slot.journalSeq(), true);
        return slot;
    }

    private EventSlot tick(long nowUs) {
        EventSlot slot = new EventSlot(256);
        slot.claimTick(nowUs);
        handler.onEvent(slot, 0, true);
        return slot;
    }

    private static void assertOriginal(EventSlot slot) {
        assertEquals(EventSlot.NO_SEQ, slot.repeatOf(), "an original, not a repeat");
        assertEquals(0, slot.repeatOrdinal());
        assertEquals(0, slot.extraLength(), "nothing added to the extras");
    }

    private static void assertRepeat(EventSlot slot, long originalSeq, int ordinal) {
        assertEquals(originalSeq, slot.repeatOf(), "the seq it repeats");
        assertEquals(ordinal, slot.repeatOrdinal(), "which repeat");
        assertTrue(slot.isToStore(), "a repeat is still stored");
        assertTrue(!slot.isDuplicate(), "a repeat is not a receipt duplicate");
    }

    // ------------------------------------------------------------------ fixed and sliding

    @Test
    void shouldMarkRepeatsWithinAFixedWindowMeasuredFromTheFirstEvent() {
        start(Rules.defaults());

        EventSlot first = send(at(0));
        EventSlot second = send(at(2));
        EventSlot third = send(at(4.9));
        EventSlot afterWindow = send(at(5));
        EventSlot repeatOfNext = send(at(7));

        assertOriginal(first);
        assertRepeat(second, 1, 1);
        assertRepeat(third, 1, 2);
        assertOriginal(afterWindow);
        assertRepeat(repeatOfNext, 4, 1);
        assertEquals(3, counters.get(Counter.EVENTS_WINDOW_REPEATS));
    }

    @Test
    void shouldExtendASlidingWindowWithEachRepeat() {
        start(rules(Map.of(OBJECT, rule(5, Mode.SLIDING, KeyField.CAMERA, KeyField.TYPE, KeyField.IDENTITY))));

        EventSlot first = send(at(0));
        EventSlot[] repeats = {send(at(4)), send(at(8)), send(at(12)), send(at(16.9))};
        EventSlot afterGap = send(at(22));

        assertOriginal(first);
        for (int i = 0; i < repeats.length; i++) {
            assertRepeat(repeats[i], 1, i + 1);
        }
        assertOriginal(afterGap);
    }

    @Test
    void shouldCountARepeatWhoseTimeIsBeforeTheOriginalsWithinTheWindow() {
        start(Rules.defaults());

        EventSlot first = send(at(10));
        EventSlot earlier = send(at(8.5)); // out of order, within the 2 s lateness
        EventSlot tooEarly = send(at(4.5));

        assertOriginal(first);
        assertRepeat(earlier, 1, 1);
        assertOriginal(tooEarly);
        assertEquals(1, counters.get(Counter.EVENTS_LATE), "8.5 s is on time; 4.5 s is below the watermark of 8 s");
    }

    // ------------------------------------------------------------------ keys

    @Test
    void shouldKeyOnCameraTypeAndTrackWhenTheEventHasATrack() {
        start(Rules.defaults());

        EventSlot first = send(at(0).track(7).label("person"));
        EventSlot sameTrackOtherLabel = send(at(1).track(7).label("man"));
        EventSlot otherTrack = send(at(1).track(8).label("person"));
        EventSlot otherCamera = send(at(1).track(7).camera(TILL));
        EventSlot otherType = send(at(1).track(7).type(FACE_RECOGNIZED));
        EventSlot noTrack = send(at(1).label("person"));

        assertOriginal(first);
        assertRepeat(sameTrackOtherLabel, 1, 1);
        assertOriginal(otherTrack);
        assertOriginal(otherCamera);
        assertOriginal(otherType);
        assertOriginal(noTrack);
    }

    @Test
    void shouldKeyOnTheSubjectWhenThereIsNoTrackAndOnTheLabelWhenThereIsNeither() {
        start(Rules.defaults());

        EventSlot alice = send(at(0).subject(ALICE).label("face"));
        EventSlot aliceAgain = send(at(1).subject(ALICE).label("person"));
        EventSlot bob = send(at(1).subject(BOB).label("face"));
        EventSlot car = send(at(1).label("car"));
        EventSlot carAgain = send(at(2).label("car"));
        EventSlot truck = send(at(2).label("truck"));
        EventSlot aliceWithTrack = send(at(2).subject(ALICE).track(3));

        assertOriginal(alice);
        assertRepeat(aliceAgain, 1, 1);
        assertOriginal(bob);
        assertOriginal(car);
        assertRepeat(carAgain, 4, 1);
        assertOriginal(truck);
        assertOriginal(aliceWithTrack); // keyed on its track, which no one else has
    }

    @Test
    void shouldKeyEachTypeOnItsOwnFields() {
        start(rules(Map.of(MOTION, rule(10, Mode.FIXED, KeyField.CAMERA, KeyField.ZONE, KeyField.TYPE))));

        EventSlot zoneA = send(at(0).type(MOTION).zone(ZONE_A).label("motion"));
        EventSlot zoneAOtherLabelAndTrack = send(at(6).type(MOTION).zone(ZONE_A).track(4).label("blob"));
        EventSlot zoneB = send(at(6).type(MOTION).zone(ZONE_B).label("motion"));
        EventSlot object = send(at(6).zone(ZONE_A).label("person"));
        EventSlot objectOtherZone = send(at(7).zone(ZONE_B).label("person"));

        assertOriginal(zoneA);
        assertRepeat(zoneAOtherLabelAndTrack, 1, 1);
        assertOriginal(zoneB);
        assertOriginal(object);
        assertRepeat(objectOtherZone, 4, 1); // the default key has no zone
    }

    @Test
    void shouldLeaveATypeThatIsOffAlone() {
        start(rules(Map.of(HEALTH, WindowDedupRule.DEFAULT.off())));

        EventSlot first = send(at(0).type(HEALTH).label("ok"));
        EventSlot second = send(at(1).type(HEALTH).label("ok"));

        assertOriginal(first);
        assertOriginal(second);
        assertEquals(0, handler.openKeys());
    }

    // ------------------------------------------------------------------ watermark and expiry

    @Test
    void shouldCloseAWindowOnceTheWatermarkPassesItsEnd() {
        start(rules(Map.of(OBJECT, rule(60, Mode.FIXED, KeyField.CAMERA, KeyField.TYPE, KeyField.IDENTITY))));
        send(at(0).label("car"));
        send(at(10).label("truck")); // moves the watermark to 8 s
        assertEquals(2, handler.openKeys());

        EventSlot carAfterClose = send(at(70).label("car"));
        send(at(63).label("bus")); // late: below the watermark of 68 s, at which the car's window (0..60 s) closed

        assertOriginal(carAfterClose);
        EventSlot lateCar = send(at(59).label("car")); // late: judged against what is open, i.e. the new car burst
        assertRepeat(lateCar, 3, 1);
        assertEquals(2, counters.get(Counter.EVENTS_LATE));
        assertEquals(68 * SECOND + T0, lateCar.watermarkUs(), "each slot leaves stamped with the watermark");
    }

    @Test
    void shouldAdvanceTheWatermarkByTheWallClockWhenNoEventArrives() {
        start(Rules.defaults());
        long arrival = T0 + 300_000; // received 0.3 s after its event time
        EventSlot first = send(at(0), arrival);

        EventSlot early = tick(arrival + 2 * SECOND); // not yet quiet for longer than the 2 s lateness
        assertEquals(T0 - 2 * SECOND, early.watermarkUs());
        assertEquals(1, handler.openKeys());

        EventSlot quiet = tick(arrival + 9 * SECOND);
        assertEquals(arrival + 9 * SECOND - 2 * SECOND - SECOND, quiet.watermarkUs(), "now - lateness - clock skew");
        assertEquals(0, handler.openKeys(), "the window (0..5 s) closed at a watermark of 6.3 s");

        EventSlot straggler = send(at(1), arrival + 9 * SECOND);
        assertOriginal(straggler);
        assertEquals(1, counters.get(Counter.EVENTS_LATE));
        assertEquals(0, handler.openKeys(), "a late event whose window has closed opens nothing");

        EventSlot backwards = tick(arrival);
        assertEquals(quiet.watermarkUs(), backwards.watermarkUs(), "the watermark never goes back");
        assertOriginal(first);
    }

    @Test
    void shouldNotMoveTheWatermarkByTheWallClockWhileEventsArrive() {
        start(Rules.defaults());
        send(at(0), T0);
        send(at(1), T0 + 1_900_000);
        EventSlot t = tick(T0 + 3 * SECOND); // 1.1 s since the last arrival

        assertEquals(T0 - SECOND, t.watermarkUs(), "still the highest event time minus the lateness");
    }

    @Test
    void shouldEvictTheBurstThatClosesFirstWhenTheTableIsFull() {
        start(rules(16, Map.of(OBJECT, rule(60, Mode.FIXED, KeyField.CAMERA, KeyField.TYPE, KeyField.LABEL))));
        for (int i = 0; i < 16; i++) {
            send(at(i * 0.1).label("thing-" + i)); // thing-0's window ends first
        }
        send(at(2).label("thing-16"));

        assertEquals(1, counters.get(Counter.WINDOW_KEYS_EVICTED));
        assertEquals(16, handler.openKeys());
        assertOriginal(send(at(3).label("thing-0")));
        assertRepeat(send(at(3).label("thing-2")), 3, 1);
    }

    // ------------------------------------------------------------------ what it leaves alone

    @Test
    void shouldLeaveRetriesRejectionsAndTicksUnmarkedAndUncounted() {
        start(Rules.defaults());
        send(at(0));

        EventSlot retry = at(1).into(new EventSlot(256), 9, T0);
        retry.duplicateOf(1);
        handler.onEvent(retry, 0, true);
        EventSlot rejected = new EventSlot(256);
        TestEvents.fill(rejected, at(100).frame(), null, 3, T0);
        rejected.reject(NackCode.BAD_CONFIDENCE);
        handler.onEvent(rejected, 0, true);
        EventSlot close = new EventSlot(256);
        close.claimClose(null, null, 0, T0);
        handler.onEvent(close, 0, true);

        assertTrue(retry.isDuplicate());
        assertEquals(1, retry.journalSeq(), "the retry keeps the dedup stage's verdict");
        assertEquals(EventSlot.NO_SEQ, retry.repeatOf());
        assertEquals(EventSlot.NO_SEQ, rejected.repeatOf());
        assertEquals(T0 - 2 * SECOND, rejected.watermarkUs(), "a rejected frame's time does not move the watermark");
        assertEquals(0, counters.get(Counter.EVENTS_WINDOW_REPEATS));
        assertEquals(0, counters.get(Counter.EVENTS_LATE));
        assertEquals(List.of(), errorLines);
    }

    // ------------------------------------------------------------------ restart

    @Test
    void shouldRebuildOpenBurstsFromTheJournalSoARepeatAfterARestartContinuesTheCount() throws Exception {
        Rules rules = rules(Map.of(MOTION, rule(10, Mode.SLIDING, KeyField.CAMERA, KeyField.ZONE, KeyField.TYPE)));
        Counters journalCounters = new Counters();
        try (Journal journal = Journal.open(dir.resolve("journal"));
             DeadLetterStore deadLetters = DeadLetterStore.open(dir.resolve(DeadLetterStore.DIRECTORY_NAME))) {
            start(rules);
            JournalHandler writer = new JournalHandler(journal, deadLetters, FsyncPolicy.NEVER, 1000, Long.MAX_VALUE, journalCounters);
            for (Detection d : List.of(at(0).label("car"), at(1).label("car"), at(2).subject(ALICE),
                    at(0).type(MOTION).zone(ZONE_A), at(8).type(MOTION).zone(ZONE_A), at(16).type(MOTION).zone(ZONE_A),
                    at(20).label("bus"))) {
                EventSlot slot = send(d);
                writer.onEvent(slot, 0, true);
            }
        }
        assertEquals(3, counters.get(Counter.EVENTS_WINDOW_REPEATS));

        try (Journal journal = Journal.open(dir.resolve("journal"))) {
            nextSeq = journal.lastSeq() + 1;
            start(rules);
            assertEquals(7, handler.restore(journal));
            assertEquals(2, handler.openKeys(), "car and Alice closed at a watermark of 14 s; motion and bus are open");

            EventSlot motion = send(at(25).type(MOTION).zone(ZONE_A)); // the sliding burst reached 16 s: open until 26 s
            EventSlot bus = send(at(21).label("bus"));
            EventSlot car = send(at(22).label("car"));

            assertRepeat(motion, 4, 3);
            assertRepeat(bus, 7, 1);
            assertOriginal(car);
        }
    }

    // ------------------------------------------------------------------ allocation

    @Test
    void shouldAllocateNothingPerEventInTheSteadyState() {
        start(rules(1024, Map.of(MOTION, rule(5, Mode.SLIDING, KeyField.CAMERA, KeyField.ZONE, KeyField.TYPE, KeyField.LABEL))));
        int kinds = 64;
        EventSlot[] slots = new EventSlot[kinds];
        byte[][] frames = new byte[kinds][];
        for (int i = 0; i < kinds; i++) {
            Detection d = at(0).label("thing-" + (i % 16)).type(i % 2 == 0 ? MOTION : OBJECT).zone(ZONE_A);
            if (i % 3 == 0) {
                d.track(i);
            } else if (i % 3 == 1) {
                d.subject(ALICE);
            }
            frames[i] = d.frame();
            slots[i] = new EventSlot(512);
        }
        EventSlot tick = new EventSlot(256);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

        long before = 0;
        int events = 200_000;
        int warmUp = 50_000;
        for (int n = 0; n < events; n++) {
            if (n == warmUp) {
                before = threads.getCurrentThreadAllocatedBytes();
            }
            int i = n % kinds;
            long ts = T0 + n * 1_000L; // a thousand events a second of event time: bursts open, repeat and close
            EventSlot slot = slots[i];
            slot.claimEvent(frames[i].length, null, n, ts).put(0, frames[i]);
            slot.buffer().putLong(dev.watchpost.ringbuffer.codec.EventFrame.TS_US_OFFSET, ts);
            slot.sequence(n + 1);
            handler.onEvent(slot, n, n % 64 == 63);
            if (n % 1000 == 0) {
                tick.claimTick(ts + 100_000);
                handler.onEvent(tick, n, true);
            }
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertTrue(counters.get(Counter.EVENTS_WINDOW_REPEATS) > events / 2, "the loop exercises repeats");
        assertEquals(List.of(), errorLines);
        assertTrue(allocated < 4096, "allocated " + allocated + " bytes over " + (events - warmUp) + " events");
    }
}
