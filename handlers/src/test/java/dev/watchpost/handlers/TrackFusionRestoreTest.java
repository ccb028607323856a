package dev.watchpost.handlers;

import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.handlers.rules.TrackRules;
import dev.watchpost.handlers.rules.WindowDedupRules;
import dev.watchpost.persistence.deadletter.DeadLetterStore;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.JournalReader;
import dev.watchpost.persistence.journal.JournalRecord;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventExtras;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.watchpost.handlers.Detection.T0;
import static dev.watchpost.handlers.Detection.TILL;
import static dev.watchpost.handlers.Detection.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fuse stage over a real journal, stopped without ending its tracks (as a crash leaves it) and
 * rebuilt from the journal's tail: open tracks come back and are re-announced, nothing is made twice.
 */
class TrackFusionRestoreTest {
    @TempDir
    Path dir;

    private final Counters counters = new Counters();
    private final List<String> errorLines = new ArrayList<>();
    private final ErrorLog errors = new ErrorLog(counters, errorLines::add);
    private Rules rules = rules(Duration.ofMinutes(5));
    private Journal journal;
    private DeadLetterStore deadLetters;
    private SeqAllocator seqs;
    private WindowDedupHandler window;
    private TrackFusionHandler fuse;
    private JournalHandler journalStage;
    private long ring;

    private static Rules rules(Duration restoreHorizon) {
        return new Rules(Duration.ofSeconds(2), Duration.ofSeconds(1), WindowDedupRules.defaults(),
                new TrackRules(true, Duration.ofSeconds(5), Duration.ofSeconds(1), 64, null, Map.of(), restoreHorizon));
    }

    @AfterEach
    void close() throws IOException {
        if (journal != null) {
            journal.close();
            deadLetters.close();
        }
    }

    /** Opens the journal and the stages on it, rebuilding their state as the daemon does at start. */
    private void open() throws IOException {
        if (journal != null) {
            journal.close(); // no shutdown slot: the open tracks stay open in the journal, as after a crash
            deadLetters.close();
        }
        journal = Journal.open(dir.resolve("journal"));
        deadLetters = DeadLetterStore.open(dir.resolve("deadletter"));
        seqs = new SeqAllocator(journal.lastSeq() + 1);
        window = new WindowDedupHandler(rules, counters, errors);
        window.restore(journal);
        fuse = new TrackFusionHandler(rules, seqs, counters, errors);
        fuse.restore(journal);
        journalStage = new JournalHandler(journal, deadLetters, FsyncPolicy.NEVER, 8192, 2_000_000, counters);
    }

    private void send(Detection d) throws IOException {
        EventSlot slot = new EventSlot(256);
        TestEvents.fill(slot, d.frame(), null, 0, d.tsUs);
        slot.sequence(seqs.next());
        run(slot);
    }

    private void tick(double wallSeconds) throws IOException {
        EventSlot slot = new EventSlot(256);
        slot.claimTick(T0 + Math.round(wallSeconds * 1_000_000));
        run(slot);
    }

    private void run(EventSlot slot) throws IOException {
        window.onEvent(slot, ring, true);
        fuse.onEvent(slot, ring, true);
        journalStage.onEvent(slot, ring++, true);
    }

    /** The stored derived events: type, revision, reason and receipt, in seq order. */
    private List<String> derived() throws IOException {
        List<String> out = new ArrayList<>();
        JournalRecord record = new JournalRecord();
        EventFrame frame = new EventFrame();
        try (JournalReader reader = journal.reader(1)) {
            while (reader.next(record)) {
                frame.wrap(record.buffer(), record.frameOffset());
                if (frame.eventType() < EventTypeRegistry.DERIVED_MIN) {
                    continue;
                }
                byte[] payload = new byte[(int) frame.payloadLength()];
                frame.buffer().get(frame.payloadIndex(), payload);
                String text = new String(payload, java.nio.charset.StandardCharsets.UTF_8);
                String reason = text.substring(text.indexOf("\"reason\":\"") + 10);
                reason = reason.substring(0, reason.indexOf('"'));
                out.add(record.seq() + " " + EventTypeRegistry.standard().name(frame.eventType()) + " track " + frame.trackId()
                        + " r" + EventExtras.revision(record.buffer(), record.extraOffset(), record.extraLength()) + " " + reason
                        + " " + new java.util.UUID(frame.receiptIdMsb(), frame.receiptIdLsb()));
            }
        }
        return out;
    }

    private static List<String> withoutReceipts(List<String> lines) {
        return lines.stream().map(line -> line.substring(0, line.lastIndexOf(' '))).toList();
    }

    @Test
    void shouldRebuildAnOpenTrackAfterACrashReAnnounceItAndMakeNothingTwice() throws IOException {
        open();
        send(at(0).track(1).confidence(0.5f));
        send(at(1.5).track(1).confidence(0.7f));
        send(at(2.5).track(2).camera(TILL));
        send(at(9).track(2).camera(TILL)); // the watermark reaches 7: track 1 (last seen 1.5) ends, track 2 (2.5) goes on

        open(); // crash and restart
        tick(9.05); // the first slot after the start carries the re-announcement
        send(at(10.1).track(2).camera(TILL).confidence(0.95f));
        send(at(10.2).track(1)); // a new track under an id whose track has ended

        open(); // once more
        tick(10.3);

        List<String> stored = derived();
        assertEquals(List.of(
                "2 track.started track 1 r1 started",
                "4 track.updated track 1 r2 changed",
                "6 track.started track 2 r1 started",
                "8 track.ended track 1 r3 idle",
                "9 track.updated track 2 r2 restart",
                "11 track.updated track 2 r3 changed",
                "13 track.started track 1 r1 started",
                "14 track.updated track 1 r2 restart",
                "15 track.updated track 2 r4 restart"), withoutReceipts(stored));
        Set<String> receipts = new HashSet<>();
        for (String line : stored) {
            assertTrue(receipts.add(line.substring(line.lastIndexOf(' ') + 1)), "a derived event made twice: " + stored);
        }
        assertEquals(List.of(), errorLines);
    }

    @Test
    void shouldNotReopenTracksThatEndedAtShutdown() throws IOException {
        open();
        send(at(0).track(1));
        send(at(0.5).track(2));
        for (int i = 0; i < 3; i++) {
            EventSlot slot = new EventSlot(256);
            slot.claimShutdown(T0 + 1_000_000);
            run(slot);
        }

        open();
        tick(1.1);
        send(at(1.2).track(1));

        assertEquals(List.of(
                "2 track.started track 1 r1 started",
                "4 track.started track 2 r1 started",
                "5 track.ended track 1 r2 shutdown",
                "6 track.ended track 2 r2 shutdown",
                "8 track.started track 1 r1 started"), withoutReceipts(derived()));
        assertEquals(1, fuse.openTracks());
    }

    @Test
    void shouldStartATrackWhoseFirstDetectionWasStoredWithoutItsMessage() throws IOException {
        open();
        send(at(0).track(1));
        byte[] frame = at(0.5).track(2).camera(TILL).frame();
        EventSlot torn = new EventSlot(256); // the detection reaches the journal; the crash takes its track.started
        TestEvents.fill(torn, frame, null, 0, T0 + 500_000);
        torn.sequence(seqs.next());
        window.onEvent(torn, ring, true);
        journalStage.onEvent(torn, ring++, true);

        open();
        tick(0.6);

        List<String> stored = derived();
        assertEquals(List.of(
                "2 track.started track 1 r1 started",
                "4 track.updated track 1 r2 restart",
                "5 track.started track 2 r1 started"), withoutReceipts(stored));
        EventSlot live = new EventSlot(256); // what the live path would have stored
        TestEvents.fill(live, frame, null, 0, T0 + 500_000);
        live.sequence(3);
        live.stampWatermark(T0);
        new TrackFusionHandler(rules, new SeqAllocator(4), counters, errors).onEvent(live, 0, true);
        EventFrame made = live.derived(0).frame();
        String receipt = new java.util.UUID(made.receiptIdMsb(), made.receiptIdLsb()).toString();
        assertTrue(stored.get(2).endsWith(receipt), "the same id as the message the crash took: " + stored.get(2) + " vs " + receipt);
    }

    @Test
    void shouldNotReopenAnEndedTrackWhoseStartLiesBeforeTheTailRead() throws IOException {
        rules = rules(Duration.ofSeconds(10));
        open();
        for (int i = 0; i <= 2000; i++) { // 100 a second: the journal's sparse index (every 256th record) finds 18 s
            send(at(i / 100.0).track(1));
        }
        send(at(28).track(2)); // the watermark reaches 26: track 1, last seen at 20, ends

        open(); // the tail read starts at 18 s, in the middle of track 1, and holds its track.ended
        tick(28.1);
        send(at(28.5).track(2));

        List<String> ended = derived().stream().filter(line -> line.contains("track.ended")).toList();
        assertEquals(1, ended.size(), "ended once, not again from the part of it the tail holds: " + ended);
        assertEquals(1, fuse.openTracks(), "track 2 only");
    }
}
