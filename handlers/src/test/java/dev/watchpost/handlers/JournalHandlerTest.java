package dev.watchpost.handlers;

import dev.watchpost.persistence.deadletter.DeadLetter;
import dev.watchpost.persistence.deadletter.DeadLetterReader;
import dev.watchpost.persistence.deadletter.DeadLetterStore;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.JournalFormat;
import dev.watchpost.persistence.journal.JournalReader;
import dev.watchpost.persistence.journal.JournalRecord;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventExtras;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.WallClock;
import dev.watchpost.ringbuffer.codec.NackCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static dev.watchpost.handlers.TestEvents.frame;
import static dev.watchpost.handlers.TestEvents.receiptOf;
import static dev.watchpost.handlers.TestEvents.slot;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalHandlerTest {
    /** Large enough that only the end of the batch commits. */
    private static final int NO_RECORD_BOUND = 1_000_000;
    private static final long NO_DELAY_BOUND = Long.MAX_VALUE;

    @TempDir
    Path dir;

    private final Counters counters = new Counters();
    private final RecordingOrigin origin = new RecordingOrigin("tcp 10.0.0.7:51234");
    private final long now = WallClock.nowMicros();
    private Journal journal;
    private DeadLetterStore deadLetters;

    @BeforeEach
    void open() throws IOException {
        journal = Journal.open(dir.resolve("journal"));
        deadLetters = DeadLetterStore.open(dir.resolve(DeadLetterStore.DIRECTORY_NAME));
    }

    @AfterEach
    void close() throws IOException {
        journal.close();
        deadLetters.close();
    }

    private JournalHandler handler(FsyncPolicy policy, int maxBatchRecords, long maxBatchDelayNanos) {
        return new JournalHandler(journal, deadLetters, policy, maxBatchRecords, maxBatchDelayNanos, counters);
    }

    private JournalHandler batchHandler() {
        return handler(FsyncPolicy.BATCH, NO_RECORD_BOUND, NO_DELAY_BOUND);
    }

    /** A valid, new event sequenced as {@code seq}, as the dedup stage leaves it. */
    private EventSlot newEvent(long seq) {
        EventSlot slot = slot(frame(seq, now - seq), origin, seq, now + seq);
        slot.sequence(seq);
        return slot;
    }

    @Test
    void shouldAppendNewEventsWithTheirSeqReadableAfterTheBatch() throws IOException {
        JournalHandler handler = batchHandler();
        EventSlot[] slots = {newEvent(1), newEvent(2), newEvent(3)};
        byte[][] frames = new byte[3][];
        long bytes = 0;
        for (int i = 0; i < 3; i++) {
            frames[i] = new byte[slots[i].length()];
            slots[i].buffer().get(0, frames[i]);
            bytes += frames[i].length;
        }

        handler.onEvent(slots[0], 0, false);
        handler.onEvent(slots[1], 1, false);
        handler.onEvent(slots[2], 2, true);

        JournalRecord record = new JournalRecord();
        try (JournalReader reader = journal.reader(1)) {
            for (int i = 0; i < 3; i++) {
                long seq = i + 1;
                assertTrue(reader.next(record), "record " + seq);
                assertEquals(seq, record.seq());
                assertEquals(JournalFormat.TYPE_EVENT, record.type());
                assertEquals(now + seq, record.receivedAtUs());
                assertEquals(now - seq, record.tsUs());
                assertArrayEquals(frames[i], record.frameToArray());
                assertEquals(seq, receiptOf(record.buffer(), record.frameOffset()));
            }
            assertFalse(reader.next(record));
        }
        assertEquals(3, counters.get(Counter.EVENTS_STORED));
        assertEquals(bytes, counters.get(Counter.JOURNAL_BYTES));
        assertEquals(0, deadLetters.lastSeq());
    }

    @Test
    void shouldStoreTheHttpExtrasBesideTheFrame() throws IOException {
        JournalHandler handler = batchHandler();
        EventSlot slot = newEvent(1);
        byte[] meta = "{\"via\":\"http\"}".getBytes(StandardCharsets.UTF_8);
        byte[] receiptText = "order-17".getBytes(StandardCharsets.UTF_8);
        ByteBuffer extra = slot.claimExtra(meta.length, receiptText.length);
        extra.put(EventExtras.META_OFFSET, meta).put(EventExtras.META_OFFSET + meta.length, receiptText);

        handler.onEvent(slot, 0, true);

        JournalRecord record = new JournalRecord();
        try (JournalReader reader = journal.reader(1)) {
            assertTrue(reader.next(record));
        }
        byte[] stored = record.extraToArray();
        ByteBuffer view = ByteBuffer.wrap(stored).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(meta.length, EventExtras.metaLength(view, 0, stored.length));
        assertEquals("{\"via\":\"http\"}order-17", new String(stored, EventExtras.META_OFFSET, stored.length - EventExtras.META_OFFSET, StandardCharsets.UTF_8));
        assertEquals(slot.length() + slot.extraLength(), counters.get(Counter.JOURNAL_BYTES));
    }

    @Test
    void shouldStoreAWindowRepeatWithItsMarkingBesideTheHttpExtras() throws IOException {
        JournalHandler handler = batchHandler();
        handler.onEvent(newEvent(1), 0, false);
        EventSlot tcpRepeat = newEvent(2);
        tcpRepeat.markRepeat(1, 1);
        handler.onEvent(tcpRepeat, 1, false);
        EventSlot httpRepeat = newEvent(3);
        byte[] meta = "{\"via\":\"http\"}".getBytes(StandardCharsets.UTF_8);
        byte[] receiptText = "order-17".getBytes(StandardCharsets.UTF_8);
        httpRepeat.claimExtra(meta.length, receiptText.length).put(EventExtras.META_OFFSET, meta)
                .put(EventExtras.META_OFFSET + meta.length, receiptText);
        httpRepeat.markRepeat(1, 2);

        handler.onEvent(httpRepeat, 2, true);

        JournalRecord record = new JournalRecord();
        try (JournalReader reader = journal.reader(1)) {
            assertTrue(reader.next(record));
            assertEquals(0, EventExtras.duplicateOf(record.buffer(), record.extraOffset(), record.extraLength()));
            assertEquals(0, record.extraLength(), "an original carries no extras");

            assertTrue(reader.next(record));
            assertEquals(1, EventExtras.duplicateOf(record.buffer(), record.extraOffset(), record.extraLength()));
            assertEquals(1, EventExtras.repeat(record.buffer(), record.extraOffset(), record.extraLength()));
            assertEquals(0, EventExtras.metaLength(record.buffer(), record.extraOffset(), record.extraLength()));
            assertEquals(0, EventExtras.receiptTextLength(record.buffer(), record.extraOffset(), record.extraLength()));

            assertTrue(reader.next(record));
            ByteBuffer b = record.buffer();
            int at = record.extraOffset();
            int length = record.extraLength();
            assertEquals(1, EventExtras.duplicateOf(b, at, length));
            assertEquals(2, EventExtras.repeat(b, at, length));
            assertEquals(meta.length, EventExtras.metaLength(b, at, length));
            assertEquals(receiptText.length, EventExtras.receiptTextLength(b, at, length));
            byte[] text = new byte[receiptText.length];
            b.get(EventExtras.receiptTextIndex(b, at, length), text);
            assertArrayEquals(receiptText, text);
        }
        assertEquals(3, counters.get(Counter.EVENTS_STORED), "repeats are stored, each under its own seq");
    }

    @Test
    void shouldPassATickBy() throws IOException {
        JournalHandler handler = batchHandler();
        EventSlot tick = new EventSlot(256);
        tick.claimTick(now);

        handler.onEvent(tick, 0, true);

        assertEquals(0, journal.lastSeq());
        assertEquals(0, deadLetters.lastSeq());
        assertEquals(0, counters.get(Counter.JOURNAL_FSYNCS));
    }

    @Test
    void shouldNotStoreADuplicate() throws IOException {
        JournalHandler handler = batchHandler();
        handler.onEvent(newEvent(1), 0, true);
        EventSlot retry = slot(frame(1, now), origin, 2, now);
        retry.duplicateOf(1);

        handler.onEvent(retry, 1, true);

        assertEquals(1, journal.lastSeq());
        assertEquals(1, journal.flushedSeq());
        assertEquals(1, counters.get(Counter.EVENTS_STORED));
        assertEquals(0, deadLetters.lastSeq(), "a duplicate is handled, not rejected");
    }

    @Test
    void shouldKeepARejectedFrameInTheDeadLetterStoreWithCodeReasonAndOrigin() throws IOException {
        JournalHandler handler = batchHandler();
        EventSlot rejected = slot(frame(1, now, 2.0f), origin, 5, now);
        rejected.reject(NackCode.BAD_CONFIDENCE);
        byte[] raw = new byte[rejected.length()];
        rejected.buffer().get(0, raw);

        handler.onEvent(rejected, 0, true);

        assertEquals(0, journal.lastSeq(), "a rejected frame never reaches the journal");
        DeadLetter letter = new DeadLetter();
        try (DeadLetterReader reader = deadLetters.reader(1)) {
            assertTrue(reader.next(letter));
            assertFalse(reader.next(letter));
        }
        assertEquals(NackCode.BAD_CONFIDENCE.code(), letter.code());
        assertEquals("bad confidence", letter.reason());
        assertEquals("tcp 10.0.0.7:51234", letter.origin());
        assertEquals(now, letter.receivedAtUs());
        assertArrayEquals(raw, letter.frameToArray());
        assertEquals(1, counters.get(Counter.DEADLETTERS_STORED));
        assertEquals(1, deadLetters.durableSeq(), "dead letters are committed with the batch");
    }

    @Test
    void shouldKeepARejectedFrameWithoutOriginWithAnEmptyOrigin() throws IOException {
        JournalHandler handler = batchHandler();
        EventSlot rejected = slot(frame(1, now), null, 1, now);
        rejected.reject(NackCode.BAD_LABEL);

        handler.onEvent(rejected, 0, true);

        DeadLetter letter = new DeadLetter();
        try (DeadLetterReader reader = deadLetters.reader(1)) {
            assertTrue(reader.next(letter));
        }
        assertEquals(NackCode.BAD_LABEL.code(), letter.code());
        assertEquals("", letter.origin());
    }

    @Test
    void shouldStoreNothingForACloseRequest() throws IOException {
        JournalHandler handler = batchHandler();
        EventSlot close = new EventSlot(256);
        close.claimClose(origin, NackCode.SEQ_OUT_OF_ORDER, 4, now);

        handler.onEvent(close, 0, true);

        assertEquals(0, journal.lastSeq());
        assertEquals(0, deadLetters.lastSeq());
        assertEquals(0, counters.get(Counter.JOURNAL_FSYNCS));
    }

    @Test
    void shouldForceTheJournalOnlyAtTheEndOfTheBatchUnderBatch() throws IOException {
        JournalHandler handler = batchHandler();

        handler.onEvent(newEvent(1), 0, false);
        handler.onEvent(newEvent(2), 1, false);

        assertEquals(0, journal.durableSeq(), "not forced before the batch ends");
        assertEquals(0, journal.flushedSeq(), "not even written before the batch ends");

        handler.onEvent(newEvent(3), 2, true);

        assertEquals(3, journal.durableSeq());
        assertEquals(1, counters.get(Counter.JOURNAL_FSYNCS), "one fsync for the whole batch");
    }

    @Test
    void shouldCommitMidBatchAfterMaxBatchRecordsUnderBatch() throws IOException {
        JournalHandler handler = handler(FsyncPolicy.BATCH, 2, NO_DELAY_BOUND);

        handler.onEvent(newEvent(1), 0, false);
        assertEquals(0, journal.durableSeq());
        handler.onEvent(newEvent(2), 1, false);
        assertEquals(2, journal.durableSeq(), "the record bound commits without waiting for the batch end");
        handler.onEvent(newEvent(3), 2, false);
        assertEquals(2, journal.durableSeq());
        handler.onEvent(newEvent(4), 3, false);
        assertEquals(4, journal.durableSeq());
        handler.onEvent(newEvent(5), 4, true);
        assertEquals(5, journal.durableSeq());
        assertEquals(3, counters.get(Counter.JOURNAL_FSYNCS));
    }

    @Test
    void shouldCountRejectedFramesTowardsTheRecordBound() throws IOException {
        JournalHandler handler = handler(FsyncPolicy.BATCH, 2, NO_DELAY_BOUND);
        EventSlot rejected = slot(frame(9, now, 2.0f), origin, 9, now);
        rejected.reject(NackCode.BAD_CONFIDENCE);

        handler.onEvent(newEvent(1), 0, false);
        handler.onEvent(rejected, 1, false);

        assertEquals(1, journal.durableSeq());
        assertEquals(1, deadLetters.durableSeq());
    }

    @Test
    void shouldCommitMidBatchOnceTheDelayHasPassedUnderBatch() throws IOException {
        JournalHandler handler = handler(FsyncPolicy.BATCH, NO_RECORD_BOUND, 0);
        for (long seq = 1; seq < 64; seq++) {
            handler.onEvent(newEvent(seq), seq - 1, false);
        }
        assertEquals(0, journal.durableSeq(), "the delay is looked at every 64 records");

        handler.onEvent(newEvent(64), 63, false);

        assertEquals(64, journal.durableSeq());
    }

    @Test
    void shouldWriteButNeverForceUnderNever() throws IOException {
        JournalHandler handler = handler(FsyncPolicy.NEVER, NO_RECORD_BOUND, NO_DELAY_BOUND);
        EventSlot rejected = slot(frame(9, now, 2.0f), origin, 9, now);
        rejected.reject(NackCode.BAD_CONFIDENCE);

        handler.onEvent(newEvent(1), 0, false);
        assertEquals(0, journal.flushedSeq());
        handler.onEvent(rejected, 1, false);
        handler.onEvent(newEvent(2), 2, true);

        assertEquals(2, journal.flushedSeq(), "readers see the batch once it ends");
        assertEquals(0, journal.durableSeq(), "but nothing is forced");
        assertEquals(1, deadLetters.flushedSeq());
        assertEquals(0, deadLetters.durableSeq());
        assertEquals(0, counters.get(Counter.JOURNAL_FSYNCS));
        JournalRecord record = new JournalRecord();
        try (JournalReader reader = journal.reader(1)) {
            assertTrue(reader.next(record));
            assertTrue(reader.next(record));
            assertEquals(2, record.seq());
        }
    }

    @Test
    void shouldForceEveryEventUnderAlways() throws IOException {
        JournalHandler handler = handler(FsyncPolicy.ALWAYS, NO_RECORD_BOUND, NO_DELAY_BOUND);

        handler.onEvent(newEvent(1), 0, false);
        assertEquals(1, journal.durableSeq());
        handler.onEvent(newEvent(2), 1, false);
        assertEquals(2, journal.durableSeq());
        handler.onEvent(newEvent(3), 2, true);
        assertEquals(3, journal.durableSeq());

        assertEquals(3, counters.get(Counter.JOURNAL_FSYNCS));
    }

    @Test
    void shouldCommitWhatIsPendingOnShutdown() throws IOException {
        JournalHandler handler = batchHandler();
        handler.onEvent(newEvent(1), 0, false);
        assertEquals(0, journal.durableSeq());

        handler.onShutdown();

        assertEquals(1, journal.durableSeq());
    }

    @Test
    void shouldAddItsCountersOnlyAtTheEndOfTheBatch() throws IOException {
        JournalHandler handler = batchHandler();
        handler.onEvent(newEvent(1), 0, false);

        assertEquals(0, counters.get(Counter.EVENTS_STORED));
        assertEquals(0, counters.get(Counter.JOURNAL_BYTES));

        handler.onEvent(newEvent(2), 1, true);

        assertEquals(2, counters.get(Counter.EVENTS_STORED));
    }

    @Test
    void shouldThrowRatherThanSkipAnEventTheJournalRefuses() throws IOException {
        JournalHandler handler = batchHandler();
        handler.onEvent(newEvent(1), 0, true);

        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> handler.onEvent(newEvent(3), 1, true));

        assertTrue(refused.getMessage().contains("seqs must follow one another"), refused.getMessage());
        assertEquals(1, journal.durableSeq());
    }

    @Test
    void shouldRefuseABatchBoundBelowOneRecord() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> handler(FsyncPolicy.BATCH, 0, NO_DELAY_BOUND));

        assertTrue(e.getMessage().contains("was 0"), e.getMessage());
    }
}
