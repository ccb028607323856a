package dev.watchpost.handlers;

import dev.watchpost.handlers.CorrelationFixture.Derived;
import dev.watchpost.handlers.rules.CorrelationRules;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.persistence.deadletter.DeadLetterStore;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.JournalReader;
import dev.watchpost.persistence.journal.JournalRecord;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.watchpost.handlers.CorrelationFixture.AISLE;
import static dev.watchpost.handlers.CorrelationFixture.ENTRANCE;
import static dev.watchpost.handlers.CorrelationFixture.doorThenTill;
import static dev.watchpost.handlers.CorrelationFixture.enteredUnrecognised;
import static dev.watchpost.handlers.CorrelationFixture.walkedThrough;
import static dev.watchpost.handlers.CorrelationFixture.waved;
import static dev.watchpost.handlers.Detection.ALICE;
import static dev.watchpost.handlers.Detection.BOB;
import static dev.watchpost.handlers.Detection.DOOR;
import static dev.watchpost.handlers.Detection.T0;
import static dev.watchpost.handlers.Detection.TILL;
import static dev.watchpost.handlers.Detection.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The correlate stage over a real journal, stopped in the middle without any flush (as a crash, or a
 * clean stop, leaves it) and rebuilt from the journal's tail: the derived output is exactly that of
 * an uninterrupted run, and a match the crash lost is made at the start, once.
 */
class CorrelateRestoreTest {
    @TempDir
    Path dir;

    private final Rules rules = CorrelationFixture.rules(new CorrelationRules(
            List.of(waved(CorrelationRules.Join.TRACK, 3, 64)),
            List.of(doorThenTill(), enteredUnrecognised()),
            List.of(walkedThrough(true)), CorrelationRules.RESTORE_HORIZON_DEFAULT));

    /** A shop's few minutes: a detection, or (with {@code detection} null) a tick of the wall clock at {@code seconds}. */
    private record Step(Detection detection, double seconds) {
    }

    private static final List<Step> SCRIPT = script();

    private static List<Step> script() {
        List<Step> s = new ArrayList<>();
        s.add(new Step(at(0).camera(DOOR).zone(ENTRANCE).track(3), 0)); // enters, never recognised: absence at 30
        s.add(new Step(at(0.5).type(EventTypeRegistry.FACE_RECOGNIZED).camera(DOOR).track(5).subject(ALICE), 0));
        s.add(new Step(at(1).camera(DOOR).zone(ENTRANCE).track(4), 0));
        s.add(new Step(at(5).type(EventTypeRegistry.FACE_RECOGNIZED).camera(DOOR).track(4).subject(BOB), 0)); // track 4 recognised
        s.add(new Step(at(10).type(EventTypeRegistry.FACE_RECOGNIZED).camera(AISLE).track(6).subject(ALICE), 0));
        s.add(new Step(null, 14));
        s.add(new Step(at(20).type(EventTypeRegistry.FACE_RECOGNIZED).camera(TILL).track(9).subject(ALICE), 0)); // sequence
        s.add(new Step(at(20.5).type(EventTypeRegistry.GESTURE_DETECTED).camera(TILL).track(9).label("wave"), 0)); // action
        s.add(new Step(at(21).type(EventTypeRegistry.FACE_RECOGNIZED).camera(TILL).track(9).subject(ALICE), 0));
        s.add(new Step(at(22).type(EventTypeRegistry.FACE_RECOGNIZED).camera(DOOR).track(11).subject(BOB), 0));
        s.add(new Step(null, 34)); // watermark 31: the absence fires
        s.add(new Step(at(40).type(EventTypeRegistry.FACE_RECOGNIZED).camera(AISLE).track(12).subject(BOB), 0));
        s.add(new Step(at(41).type(EventTypeRegistry.GESTURE_DETECTED).camera(AISLE).track(12).label("wave"), 0));
        s.add(new Step(at(45).camera(DOOR).zone(ENTRANCE).track(13), 0)); // enters: absence at 75
        s.add(new Step(null, 60));
        s.add(new Step(null, 79));
        s.add(new Step(null, 84)); // watermark 81: ALICE's incident (last 21) closes; the absence of track 13 fires
        s.add(new Step(at(90).type(EventTypeRegistry.FACE_RECOGNIZED).camera(TILL).track(20).subject(BOB), 0));
        s.add(new Step(null, 200)); // BOB's incident closes
        return s;
    }

    private final Counters counters = new Counters();
    private final List<String> errorLines = new ArrayList<>();
    private final ErrorLog errors = new ErrorLog(counters, errorLines::add);
    private Journal journal;
    private DeadLetterStore deadLetters;
    private SeqAllocator seqs;
    private WindowDedupHandler window;
    private CorrelateHandler correlate;
    private JournalHandler journalStage;
    private long ring;

    /** Opens the journal and the stages on it, rebuilding their state as the daemon does at start. */
    private void open(Path at) throws IOException {
        close();
        journal = Journal.open(at.resolve("journal"));
        deadLetters = DeadLetterStore.open(at.resolve("deadletter"));
        seqs = new SeqAllocator(journal.lastSeq() + 1);
        window = new WindowDedupHandler(rules, counters, errors);
        window.restore(journal);
        correlate = new CorrelateHandler(rules, EventTypeRegistry.standard(), seqs, counters, errors);
        correlate.restore(journal);
        journalStage = new JournalHandler(journal, deadLetters, FsyncPolicy.NEVER, 8192, 2_000_000, counters);
    }

    private void close() throws IOException {
        if (journal != null) {
            journal.close(); // no shutdown, no flush of pending matches
            deadLetters.close();
            journal = null;
        }
    }

    /** Runs one step through window, correlate and journal; returns the derived events its slot carried. */
    private List<Derived> step(Step step, boolean loseDerived) throws IOException {
        EventSlot slot = new EventSlot(256);
        if (step.detection() == null) {
            slot.claimTick(T0 + Math.round(step.seconds() * 1_000_000));
        } else {
            TestEvents.fill(slot, step.detection().frame(), null, 0, step.detection().tsUs);
            slot.sequence(seqs.next());
        }
        window.onEvent(slot, ring, true);
        correlate.onEvent(slot, ring, true);
        List<Derived> carried = new ArrayList<>();
        for (int i = 0; i < slot.derivedCount(); i++) {
            dev.watchpost.ringbuffer.DerivedEvent e = slot.derived(i);
            carried.add(Derived.of(e.seq(), e.buffer(), 0, e.extra(), 0, e.extraLength()));
        }
        if (loseDerived) {
            slot.releaseDerived(ring + 1_000_000); // the crash takes the derived events before the journal has them
        }
        journalStage.onEvent(slot, ring++, true);
        return carried;
    }

    private List<Derived> stored() throws IOException {
        List<Derived> out = new ArrayList<>();
        JournalRecord record = new JournalRecord();
        EventFrame frame = new EventFrame();
        try (JournalReader reader = journal.reader(1)) {
            while (reader.next(record)) {
                frame.wrap(record.buffer(), record.frameOffset());
                if (frame.eventType() >= EventTypeRegistry.DERIVED_MIN) {
                    out.add(Derived.of(record.seq(), record.buffer(), record.frameOffset(), record.buffer(), record.extraOffset(),
                            record.extraLength()));
                }
            }
        }
        return out;
    }

    private static List<String> withSeqs(List<Derived> derived) {
        return derived.stream().map(d -> d.seq() + " " + d.identity()).toList();
    }

    private List<Derived> uninterrupted() throws IOException {
        open(dir.resolve("whole"));
        for (Step s : SCRIPT) {
            step(s, false);
        }
        List<Derived> out = stored();
        close();
        return out;
    }

    @Test
    void shouldDeriveExactlyTheSameEventsWhenRestartedAnywhereInTheMiddle() throws IOException {
        List<Derived> whole = uninterrupted();
        assertEquals(List.of("sequence.matched door_then_till", "action.detected waved", "sequence.matched entered_unrecognised",
                "action.detected waved", "sequence.matched entered_unrecognised", "incident.correlated walked_through",
                "incident.correlated walked_through"),
                whole.stream().map(d -> EventTypeRegistry.standard().name(d.type()) + " " + d.label()).toList());

        for (int split = 1; split < SCRIPT.size(); split++) {
            Path at = dir.resolve("split-" + split);
            open(at);
            for (int i = 0; i < split; i++) {
                step(SCRIPT.get(i), false);
            }
            open(at); // restart
            for (int i = split; i < SCRIPT.size(); i++) {
                step(SCRIPT.get(i), false);
            }
            assertEquals(withSeqs(whole), withSeqs(stored()), "restarted after step " + split);
            close();
        }
        assertEquals(List.of(), errorLines);
    }

    @Test
    void shouldMakeAMatchTheCrashLostAtTheStartAndOnlyOnce() throws IOException {
        open(dir.resolve("whole"));
        List<List<Derived>> byStep = new ArrayList<>();
        for (Step s : SCRIPT) {
            byStep.add(step(s, false));
        }
        List<Derived> whole = stored();
        close();

        for (int lost : new int[] {6, 7, 10, 16}) { // the sequence, the action, the absence, the incident and absence
            assertTrue(!byStep.get(lost).isEmpty(), "step " + lost + " derives something");
            Path at = dir.resolve("lost-" + lost);
            open(at);
            for (int i = 0; i <= lost; i++) {
                step(SCRIPT.get(i), i == lost);
            }
            open(at); // restart: what the crash lost goes out on the first slot
            List<Derived> first = step(SCRIPT.get(lost + 1), false);
            for (int i = lost + 2; i < SCRIPT.size(); i++) {
                step(SCRIPT.get(i), false);
            }
            List<String> lostIdentities = byStep.get(lost).stream().map(Derived::identity).toList();
            assertEquals(lostIdentities, first.stream().map(Derived::identity).toList().subList(0, lostIdentities.size()),
                    "made again at the start, as they were: step " + lost);
            List<Derived> got = stored();
            for (String identity : lostIdentities) {
                assertEquals(1, got.stream().filter(d -> d.identity().equals(identity)).count(), "once: " + identity);
            }
            assertEquals(whole.stream().map(d -> d.type() + " " + d.label()).sorted().toList(),
                    got.stream().map(d -> d.type() + " " + d.label()).sorted().toList(), "the same matches, no more: step " + lost);
            assertEquals(got.size(), got.stream().map(Derived::receipt).distinct().count());
            close();
        }
        assertTrue(errorLines.isEmpty(), errorLines.toString());
    }
}
