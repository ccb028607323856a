package dev.watchpost.handlers;

import com.lmax.disruptor.Sequence;
import dev.watchpost.persistence.deadletter.DeadLetterStore;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.Origin;
import dev.watchpost.ringbuffer.WallClock;
import dev.watchpost.ringbuffer.codec.NackCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.watchpost.handlers.TestEvents.frame;
import static dev.watchpost.handlers.TestEvents.slot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pipelined group commit, stage by stage on the test's thread: the journal stage with a
 * {@link GroupCommit} only writes and releases, the ack stage forces before it answers.
 */
class GroupCommitTest {
    private static final int NO_RECORD_BOUND = 1_000_000;
    private static final long NO_DELAY_BOUND = Long.MAX_VALUE;

    @TempDir
    Path dir;

    private final Counters counters = new Counters();
    private final List<String> errorLog = new ArrayList<>();
    private final ErrorLog errors = new ErrorLog(counters, errorLog::add);
    private final long now = WallClock.nowMicros();
    private final Sequence released = new Sequence();
    private Journal journal;
    private DeadLetterStore deadLetters;
    private DurabilityOrigin origin;

    @BeforeEach
    void open() throws IOException {
        journal = Journal.open(dir.resolve("journal"));
        deadLetters = DeadLetterStore.open(dir.resolve(DeadLetterStore.DIRECTORY_NAME));
        origin = new DurabilityOrigin();
    }

    @AfterEach
    void close() throws IOException {
        journal.close();
        deadLetters.close();
    }

    private GroupCommit groupCommit(FsyncPolicy policy) {
        return new GroupCommit(journal, deadLetters, policy, counters);
    }

    private JournalHandler journalStage(GroupCommit groupCommit, int maxBatchRecords) {
        JournalHandler handler = new JournalHandler(journal, deadLetters, groupCommit.policy(), maxBatchRecords, NO_DELAY_BOUND, counters, groupCommit);
        handler.setSequenceCallback(released);
        return handler;
    }

    private EventSlot newEvent(long seq) {
        EventSlot slot = slot(frame(seq, now - seq), origin, seq, now + seq);
        slot.sequence(seq);
        return slot;
    }

    private EventSlot rejected(long originSeq) {
        EventSlot slot = slot(frame(originSeq, now, 2.0f), origin, originSeq, now);
        slot.reject(NackCode.BAD_CONFIDENCE);
        return slot;
    }

    @Test
    void shouldOnlyWriteInTheJournalStageAndForceInTheAckStage() throws IOException {
        GroupCommit groupCommit = groupCommit(FsyncPolicy.BATCH);
        JournalHandler journalStage = journalStage(groupCommit, NO_RECORD_BOUND);
        AckHandler ackStage = new AckHandler(errors, groupCommit);
        EventSlot[] slots = {newEvent(1), rejected(9), newEvent(2)};

        journalStage.onEvent(slots[0], 0, false);
        journalStage.onEvent(slots[1], 1, false);
        journalStage.onEvent(slots[2], 2, true);

        assertEquals(2, journal.flushedSeq(), "written to the operating system at the end of the batch");
        assertEquals(1, deadLetters.flushedSeq());
        assertEquals(0, journal.durableSeq(), "the journal stage does not force");
        assertEquals(0, deadLetters.durableSeq());
        assertEquals(0, counters.get(Counter.JOURNAL_FSYNCS));

        for (int i = 0; i < slots.length; i++) {
            ackStage.onEvent(slots[i], i, i == slots.length - 1);
        }

        assertEquals(2, journal.durableSeq());
        assertEquals(1, deadLetters.durableSeq());
        assertEquals(1, counters.get(Counter.JOURNAL_FSYNCS), "one force for the batch");
        assertEquals(List.of("handled 1 durable 2", "handled 9 durable 2", "handled 2 durable 2", "flush"), origin.calls);
        assertEquals(List.of(), errorLog);
    }

    @Test
    void shouldStillForceEachRecordInTheJournalStageUnderAlways() throws IOException {
        GroupCommit groupCommit = groupCommit(FsyncPolicy.ALWAYS);
        JournalHandler journalStage = journalStage(groupCommit, NO_RECORD_BOUND);
        AckHandler ackStage = new AckHandler(errors, groupCommit);
        EventSlot[] slots = {newEvent(1), newEvent(2), newEvent(3)};

        for (int i = 0; i < slots.length; i++) {
            journalStage.onEvent(slots[i], i, i == slots.length - 1);
            assertEquals(i + 1, journal.durableSeq(), "forced as it is written, not at the end of the batch");
        }
        assertEquals(3, counters.get(Counter.JOURNAL_FSYNCS), "one force per event");
        for (int i = 0; i < slots.length; i++) {
            ackStage.onEvent(slots[i], i, i == slots.length - 1);
        }

        assertEquals(3, counters.get(Counter.JOURNAL_FSYNCS), "nothing left for the ack stage to force");
        assertEquals(List.of("handled 1 durable 3", "handled 2 durable 3", "handled 3 durable 3", "flush"), origin.calls);
    }

    @Test
    void shouldReleaseEachMidBatchCommitSoThatTheAckStageCanForceItWhileTheBatchGoesOn() throws IOException {
        GroupCommit groupCommit = groupCommit(FsyncPolicy.BATCH);
        JournalHandler journalStage = journalStage(groupCommit, 2);

        journalStage.onEvent(newEvent(1), 0, false);
        assertEquals(-1, released.get(), "nothing released before the first commit");
        journalStage.onEvent(newEvent(2), 1, false);
        assertEquals(1, released.get(), "released up to the commit");
        assertEquals(2, journal.flushedSeq());

        groupCommit.awaitDurable(0);
        assertEquals(2, journal.durableSeq(), "the force covers everything written, the released slot and the one after it");
        journalStage.onEvent(newEvent(3), 2, false);
        groupCommit.awaitDurable(1);
        assertEquals(2, journal.durableSeq(), "a slot the last force covered needs no other");
        assertEquals(1, counters.get(Counter.JOURNAL_FSYNCS));

        journalStage.onEvent(newEvent(4), 3, true);
        groupCommit.awaitDurable(2);
        groupCommit.awaitDurable(3);
        assertEquals(4, journal.durableSeq());
        assertEquals(2, counters.get(Counter.JOURNAL_FSYNCS));
    }

    @Test
    void shouldReleaseTheEndOfABatchThatWroteNothing() throws IOException {
        GroupCommit groupCommit = groupCommit(FsyncPolicy.BATCH);
        JournalHandler journalStage = journalStage(groupCommit, NO_RECORD_BOUND);
        EventSlot tick = new EventSlot(64);
        tick.claimTick(now);

        journalStage.onEvent(tick, 0, true);
        groupCommit.awaitDurable(0);

        assertEquals(0, journal.durableSeq());
        assertEquals(0, counters.get(Counter.JOURNAL_FSYNCS), "nothing to force");
    }

    @Test
    void shouldRefuseToAnswerASlotTheJournalStageHasNotWritten() throws IOException {
        GroupCommit groupCommit = groupCommit(FsyncPolicy.BATCH);
        JournalHandler journalStage = journalStage(groupCommit, NO_RECORD_BOUND);
        AckHandler ackStage = new AckHandler(errors, groupCommit);
        EventSlot first = newEvent(1);
        journalStage.onEvent(first, 0, false);

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ackStage.onEvent(first, 0, true));

        assertTrue(e.getMessage().startsWith("ring sequence 0 reached the ack stage before the journal stage wrote it"), e.getMessage());
        assertEquals(List.of(), origin.calls, "nothing answered");
        assertEquals(0, journal.durableSeq());
    }

    @Test
    void shouldForceEveryCommitUnderAlways() throws IOException {
        GroupCommit groupCommit = groupCommit(FsyncPolicy.ALWAYS);
        JournalHandler journalStage = journalStage(groupCommit, NO_RECORD_BOUND);

        journalStage.onEvent(newEvent(1), 0, false);
        assertEquals(0, released.get(), "each record is its own commit, released at once");
        groupCommit.awaitDurable(0);
        assertEquals(1, journal.durableSeq());
        journalStage.onEvent(newEvent(2), 1, true);
        groupCommit.awaitDurable(1);

        assertEquals(2, journal.durableSeq());
        assertEquals(2, counters.get(Counter.JOURNAL_FSYNCS));
    }

    @Test
    void shouldNeverForceUnderNever() throws IOException {
        GroupCommit groupCommit = groupCommit(FsyncPolicy.NEVER);
        JournalHandler journalStage = journalStage(groupCommit, NO_RECORD_BOUND);
        AckHandler ackStage = new AckHandler(errors, groupCommit);
        EventSlot slot = newEvent(1);

        journalStage.onEvent(slot, 0, true);
        ackStage.onEvent(slot, 0, true);

        assertEquals(1, journal.flushedSeq());
        assertEquals(0, journal.durableSeq());
        assertEquals(0, counters.get(Counter.JOURNAL_FSYNCS));
        assertEquals(List.of("handled 1 durable 0", "flush"), origin.calls);
    }

    @Test
    void shouldFailTheAckStageWhenTheForceFails() throws IOException {
        GroupCommit groupCommit = groupCommit(FsyncPolicy.BATCH);
        JournalHandler journalStage = journalStage(groupCommit, NO_RECORD_BOUND);
        AckHandler ackStage = new AckHandler(errors, groupCommit);
        EventSlot slot = newEvent(1);
        journalStage.onEvent(slot, 0, true);
        journal.close();

        assertThrows(IllegalStateException.class, () -> ackStage.onEvent(slot, 0, true));

        assertEquals(List.of(), origin.calls, "nothing answered once the force failed");
    }

    @Test
    void shouldRefuseAJournalStageUnderAnotherPolicyThanItsGroupCommit() {
        GroupCommit groupCommit = groupCommit(FsyncPolicy.BATCH);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new JournalHandler(journal, deadLetters, FsyncPolicy.ALWAYS, 1, NO_DELAY_BOUND, counters, groupCommit));

        assertEquals("group commit under batch, journal stage under always", e.getMessage());
    }

    /** Writes down, for each slot the ack stage answers, how far the journal was durable then. */
    private final class DurabilityOrigin implements Origin {
        final List<String> calls = new ArrayList<>();
        private boolean pending;

        @Override
        public boolean onHandled(EventSlot slot) {
            calls.add("handled " + slot.originSeq() + " durable " + journal.durableSeq());
            boolean first = !pending;
            pending = true;
            return first;
        }

        @Override
        public void flush() {
            calls.add("flush");
            pending = false;
        }

        @Override
        public byte[] describeUtf8() {
            return "tcp 10.0.0.7:51234".getBytes(StandardCharsets.UTF_8);
        }
    }
}
