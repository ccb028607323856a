package dev.watchpost.handlers;

import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.handlers.rules.TrackRules;
import dev.watchpost.handlers.rules.WindowDedupRules;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.DerivedEvent;
import dev.watchpost.ringbuffer.EventExtras;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.watchpost.handlers.Detection.DOOR;
import static dev.watchpost.handlers.Detection.T0;
import static dev.watchpost.handlers.Detection.TILL;
import static dev.watchpost.handlers.Detection.ZONE_A;
import static dev.watchpost.handlers.Detection.ZONE_B;
import static dev.watchpost.handlers.Detection.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrackFusionHandlerTest {
    private final Counters counters = new Counters();
    private final List<String> errorLines = new ArrayList<>();
    private final ErrorLog errors = new ErrorLog(counters, errorLines::add);
    private final List<Derived> stored = new ArrayList<>();
    private final List<Long> journalOrder = new ArrayList<>();
    private SeqAllocator seqs;
    private WindowDedupHandler window;
    private TrackFusionHandler fuse;
    private long ringSequence;

    /** A derived event as the journal would store it. */
    record Derived(long seq, int type, String receipt, List<Long> parents, String correlation, int revision, String payload,
                   long tsUs, float confidence, String label) {
        boolean has(String text) {
            return payload.contains(text);
        }
    }

    private static Rules rules(TrackRules tracks) {
        return new Rules(Duration.ofSeconds(2), Duration.ofSeconds(1), WindowDedupRules.defaults(), tracks);
    }

    private static TrackRules tracks(int maxOpen, Map<String, Integer> severity) {
        return new TrackRules(true, Duration.ofSeconds(5), Duration.ofSeconds(1), maxOpen, null, severity, Duration.ofMinutes(5));
    }

    private void start(TrackRules tracks) {
        seqs = new SeqAllocator(1);
        window = new WindowDedupHandler(rules(tracks), counters, errors);
        fuse = new TrackFusionHandler(rules(tracks), seqs, counters, errors);
    }

    /** Runs a detection through the sequencer, window and fuse stages and collects what the journal would store. */
    private EventSlot send(Detection d) {
        EventSlot slot = new EventSlot(256);
        TestEvents.fill(slot, d.frame(), null, 0, d.tsUs);
        slot.sequence(seqs.next());
        return run(slot);
    }

    private EventSlot tick(double wallSeconds) {
        EventSlot slot = new EventSlot(256);
        slot.claimTick(T0 + Math.round(wallSeconds * 1_000_000));
        return run(slot);
    }

    private EventSlot run(EventSlot slot) {
        window.onEvent(slot, ringSequence, true);
        fuse.onEvent(slot, ringSequence++, true);
        if (slot.isToStore()) {
            journalOrder.add(slot.journalSeq());
        }
        for (int i = 0; i < slot.derivedCount(); i++) {
            DerivedEvent event = slot.derived(i);
            journalOrder.add(event.seq());
            stored.add(decode(event));
        }
        return slot;
    }

    private Derived decode(DerivedEvent event) {
        EventFrame frame = event.frame();
        assertEquals(event.length(), EventFrame.MIN_LENGTH + frame.labelLength() + frame.payloadLength(), "a whole EVENT frame");
        assertEquals(event.length(), frame.frameLength());
        assertEquals(EventFrame.SOURCE_SYSTEM, frame.source());
        assertTrue(frame.hasTrack());
        int extraLength = event.extraLength();
        List<Long> parents = new ArrayList<>();
        for (int i = 0; i < EventExtras.parentCount(event.extra(), 0, extraLength); i++) {
            parents.add(EventExtras.parent(event.extra(), 0, extraLength, i));
        }
        int at = EventExtras.correlationIndex(event.extra(), 0, extraLength);
        String correlation = new java.util.UUID(Long.reverseBytes(event.extra().getLong(at)), Long.reverseBytes(event.extra().getLong(at + 8))).toString();
        String receipt = new java.util.UUID(frame.receiptIdMsb(), frame.receiptIdLsb()).toString();
        byte[] payload = new byte[(int) frame.payloadLength()];
        frame.buffer().get(frame.payloadIndex(), payload);
        byte[] label = new byte[frame.labelLength()];
        frame.buffer().get(frame.labelIndex(), label);
        return new Derived(event.seq(), frame.eventType(), receipt, parents, correlation, EventExtras.revision(event.extra(), 0, extraLength),
                new String(payload, StandardCharsets.UTF_8), frame.tsUs(), frame.confidence(), new String(label, StandardCharsets.UTF_8));
    }

    private List<Integer> types() {
        return stored.stream().map(Derived::type).toList();
    }

    private static final int STARTED = EventTypeRegistry.TRACK_STARTED;
    private static final int UPDATED = EventTypeRegistry.TRACK_UPDATED;
    private static final int ENDED = EventTypeRegistry.TRACK_ENDED;

    // ------------------------------------------------------------------ lifecycle

    @Test
    void shouldStartUpdateAndEndATrack() {
        start(tracks(64, Map.of()));

        send(at(0).track(17).confidence(0.5f).zone(ZONE_A));
        send(at(1.5).track(17).confidence(0.8f).zone(ZONE_A).bbox(0.25f, 0.1f, 0.2f, 0.4f));
        send(at(2.0).track(17).confidence(0.6f).zone(ZONE_A));
        tick(30);

        assertEquals(List.of(STARTED, UPDATED, ENDED), types());
        Derived started = stored.get(0);
        Derived updated = stored.get(1);
        Derived ended = stored.get(2);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), journalOrder, "derived events take the next seqs, after their slot's own event");
        assertEquals(2, started.seq());
        assertEquals(List.of(1L), started.parents());
        assertEquals(List.of(1L, 3L), updated.parents());
        assertEquals(List.of(1L, 5L), ended.parents(), "the track's first detection and its last");
        assertEquals(List.of(1, 2, 3), stored.stream().map(Derived::revision).toList());
        assertEquals(started.correlation(), updated.correlation());
        assertEquals(started.correlation(), ended.correlation());
        assertNotEquals(started.receipt(), updated.receipt());
        assertTrue(started.has("\"reason\":\"started\"") && started.has("\"before\":null"), started.payload());
        assertTrue(updated.has("\"changed\":[\"confidence\"]"), updated.payload());
        assertTrue(updated.has("\"before\":{\"label\":\"person\",\"start_us\":" + T0), updated.payload());
        assertTrue(updated.has("\"best\":{\"confidence\":0.8,\"ts_us\":" + (T0 + 1_500_000) + ",\"bbox\":[0.25,0.1,0.2,0.4]}"), updated.payload());
        assertTrue(ended.has("\"reason\":\"idle\""), ended.payload());
        assertTrue(ended.has("\"after\":{\"label\":\"person\",\"start_us\":" + T0 + ",\"end_us\":" + (T0 + 2_000_000)
                + ",\"duration_ms\":2000,\"detections\":3,\"best\":{\"confidence\":0.8"), ended.payload());
        assertTrue(ended.has("\"zones\":[\"" + ZONE_A + "\"]"), ended.payload());
        assertEquals(T0 + 2_000_000, ended.tsUs(), "a track.ended is about the track's last detection");
        assertEquals(0.8f, ended.confidence());
        assertEquals(1, counters.get(Counter.TRACKS_STARTED));
        assertEquals(1, counters.get(Counter.TRACKS_ENDED));
        assertEquals(List.of(), errorLines);
    }

    @Test
    void shouldMakeTheSameIdsForTheSameTrackAndRevision() {
        start(tracks(64, Map.of()));
        send(at(0).track(17));
        Derived first = stored.get(0);
        stored.clear();

        start(tracks(64, Map.of()));
        send(at(0).track(17));

        assertEquals(first.receipt(), stored.get(0).receipt());
        assertEquals(first.correlation(), stored.get(0).correlation());
    }

    @Test
    void shouldUpdateAtMostOncePerInterval() {
        start(tracks(64, Map.of()));

        send(at(0).track(1).confidence(0.5f));
        send(at(0.2).track(1).confidence(0.6f));
        send(at(0.4).track(1).confidence(0.7f).zone(ZONE_B));
        send(at(0.9).track(1).confidence(0.7f));
        send(at(1.1).track(1).confidence(0.7f));
        send(at(1.5).track(1).confidence(0.7f));

        assertEquals(List.of(STARTED, UPDATED), types());
        Derived updated = stored.get(1);
        assertTrue(updated.has("\"changed\":[\"confidence\",\"zone\"]"), "changes held back by the interval are announced together: " + updated.payload());
        assertEquals(T0 + 1_100_000, updated.tsUs());
    }

    @Test
    void shouldNotUpdateWhenNothingChanged() {
        start(tracks(64, Map.of()));
        for (int i = 0; i < 10; i++) {
            send(at(i * 0.4).track(1).confidence(0.5f));
        }
        assertEquals(List.of(STARTED), types());
    }

    @Test
    void shouldOnlyEverRaiseSeverity() {
        start(tracks(64, Map.of("person", 1, "car", 3)));

        send(at(0).track(1).label("person"));
        send(at(1).track(1).label("car"));
        send(at(2).track(1).label("person"));
        tick(60);

        assertTrue(stored.get(0).has("\"severity\":1}"), stored.get(0).payload());
        assertTrue(stored.get(1).has("\"after\":{\"label\":\"car\"") && stored.get(1).payload().endsWith("\"severity\":3}}"), stored.get(1).payload());
        Derived last = stored.get(stored.size() - 1);
        assertTrue(last.payload().endsWith("\"severity\":3}}"), "severity stays at 3 after the label goes back: " + last.payload());
        assertEquals("person", last.label());
    }

    @Test
    void shouldEndAQuietSitesTrackOnTheWallClocksTicks() {
        start(tracks(64, Map.of()));
        send(at(0).track(1));

        tick(4);
        assertEquals(List.of(STARTED), types(), "the watermark has not passed last seen + idle");
        tick(8.5); // watermark = 8.5 - 2 (lateness) - 1 (skew) = 5.5 > 0 + 5
        assertEquals(List.of(STARTED, ENDED), types());
        assertEquals(0, fuse.openTracks());
    }

    @Test
    void shouldStartANewTrackAfterTheOldOneEnded() {
        start(tracks(64, Map.of()));
        send(at(0).track(1));
        send(at(20).track(2).camera(TILL)); // moves the watermark to 18: track 1 ends
        send(at(21).track(1));

        assertEquals(List.of(STARTED, ENDED, STARTED, STARTED), types());
        assertNotEquals(stored.get(0).correlation(), stored.get(3).correlation(), "a new track of the same id is a new incident");
    }

    @Test
    void shouldEvictTheLeastRecentlySeenTrackWhenFull() {
        start(tracks(16, Map.of()));
        for (int i = 0; i < 16; i++) {
            send(at(i * 0.01).track(i));
        }
        send(at(0.05).track(0)); // track 0 is now seen more recently than track 1
        send(at(0.5).track(100));

        Derived evicted = stored.stream().filter(d -> d.type() == ENDED).findFirst().orElseThrow();
        assertTrue(evicted.has("\"reason\":\"evicted\""), evicted.payload());
        assertEquals(List.of(3L), evicted.parents().subList(0, 1), "track 1 (first detection seq 3, after track 0 and its track.started) was least recently seen");
        assertEquals(1, counters.get(Counter.TRACKS_EVICTED));
        assertEquals(16, fuse.openTracks());
    }

    @Test
    void shouldSpreadMoreDerivedEventsThanASlotHoldsOverTheNextSlots() {
        start(tracks(64, Map.of()));
        for (int i = 0; i < 20; i++) {
            send(at(0).track(i));
        }
        stored.clear();

        EventSlot first = tick(30);
        EventSlot second = tick(30.1);
        EventSlot third = tick(30.2);

        assertEquals(EventSlot.MAX_DERIVED, first.derivedCount());
        assertEquals(EventSlot.MAX_DERIVED, second.derivedCount());
        assertEquals(4, third.derivedCount());
        assertEquals(20, stored.stream().filter(d -> d.type() == ENDED).count());
        for (int i = 1; i < journalOrder.size(); i++) {
            assertEquals(journalOrder.get(i - 1) + 1, journalOrder.get(i), "seqs without a gap: " + journalOrder);
        }
        assertEquals(0, counters.get(Counter.DERIVED_OVERFLOW));
    }

    @Test
    void shouldCountWindowRepeatsAsDetectionsOfTheirTrack() {
        start(tracks(64, Map.of()));
        EventSlot original = send(at(0).track(5));
        EventSlot repeat = send(at(1).track(5));
        tick(30);

        assertEquals(EventSlot.NO_SEQ, original.repeatOf());
        assertEquals(original.journalSeq(), repeat.repeatOf(), "the window stage marks it a repeat");
        assertTrue(stored.get(stored.size() - 1).has("\"detections\":2"), stored.get(stored.size() - 1).payload());
    }

    @Test
    void shouldIgnoreReceiptDuplicatesAndRejectedEvents() {
        start(tracks(64, Map.of()));
        send(at(0).track(5));

        EventSlot duplicate = new EventSlot(256);
        TestEvents.fill(duplicate, at(3).track(5).confidence(1f).frame(), null, 0, T0 + 3_000_000);
        duplicate.duplicateOf(1);
        run(duplicate);
        EventSlot rejected = new EventSlot(256);
        TestEvents.fill(rejected, at(3).track(6).frame(), null, 0, T0 + 3_000_000);
        rejected.reject(dev.watchpost.ringbuffer.codec.NackCode.BAD_CONFIDENCE);
        run(rejected);
        tick(30);

        assertEquals(List.of(STARTED, ENDED), types());
        assertTrue(stored.get(1).has("\"detections\":1"), stored.get(1).payload());
    }

    @Test
    void shouldLeaveEventsWithoutATrackOrOfAnUntrackedTypeAlone() {
        start(new TrackRules(true, Duration.ofSeconds(5), Duration.ofSeconds(1), 64, Set.of(EventTypeRegistry.OBJECT_DETECTED),
                Map.of(), Duration.ofMinutes(5)));
        send(at(0));
        send(at(0).track(3).type(EventTypeRegistry.MOTION_DETECTED));
        assertEquals(List.of(), types());
    }

    @Test
    void shouldEndEveryOpenTrackOnShutdown() {
        start(tracks(64, Map.of()));
        for (int i = 0; i < 12; i++) {
            send(at(0).track(i));
        }
        stored.clear();
        for (int i = 0; i < 3 && fuse.openTracks() + fuse.pendingDerived() > 0; i++) {
            EventSlot slot = new EventSlot(256);
            slot.claimShutdown(T0);
            run(slot);
        }
        assertEquals(12, stored.size());
        assertTrue(stored.stream().allMatch(d -> d.type() == ENDED && d.has("\"reason\":\"shutdown\"")));
        assertEquals(0, fuse.openTracks());
        assertEquals(0, fuse.pendingDerived());
    }

    @Test
    void shouldAllocateNothingPerEventInTheSteadyState() {
        start(tracks(1024, Map.of("person", 1)));
        int kinds = 64;
        EventSlot[] slots = new EventSlot[kinds];
        byte[][] frames = new byte[kinds][];
        for (int i = 0; i < kinds; i++) {
            frames[i] = at(0).track(i % 32).camera(i % 2 == 0 ? DOOR : TILL).zone(i % 3 == 0 ? ZONE_A : ZONE_B)
                    .label(i % 5 == 0 ? "car" : "person").confidence((i % 10) / 10f).frame();
            slots[i] = new EventSlot(512);
        }
        EventSlot tick = new EventSlot(256);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

        long before = 0;
        int events = 200_000;
        int warmUp = 50_000;
        long seq = 1;
        for (int n = 0; n < events; n++) {
            if (n == warmUp) {
                before = threads.getCurrentThreadAllocatedBytes();
            }
            int i = n % kinds;
            long ts = T0 + n * 1_000L;
            EventSlot slot = slots[i];
            slot.claimEvent(frames[i].length, null, n, ts).put(0, frames[i]);
            slot.buffer().putLong(EventFrame.TS_US_OFFSET, ts);
            slot.sequence(seqs.next());
            window.onEvent(slot, n, n % 64 == 63);
            fuse.onEvent(slot, n, n % 64 == 63);
            if (n % 20_000 == 0) {
                tick.claimTick(ts + 20_000_000); // a long quiet spell: every track ends, later detections start new ones
                window.onEvent(tick, n, true);
                fuse.onEvent(tick, n, true);
            }
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertTrue(counters.get(Counter.TRACKS_STARTED) > 100, "the loop opens tracks: " + counters.get(Counter.TRACKS_STARTED));
        assertTrue(counters.get(Counter.EVENTS_WINDOW_REPEATS) > 0);
        assertEquals(List.of(), errorLines);
        assertEquals(0, counters.get(Counter.DERIVED_OVERFLOW));
        assertTrue(allocated < 4096, "allocated " + allocated + " bytes over " + (events - warmUp) + " events");
    }
}
