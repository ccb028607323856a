package dev.watchpost.handlers;

import dev.watchpost.persistence.dedup.DedupConfig;
import dev.watchpost.persistence.dedup.DedupStore;
import dev.watchpost.persistence.dedup.ReceiptSource;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.NackCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.watchpost.handlers.TestEvents.RECEIPT_MSB;
import static dev.watchpost.handlers.TestEvents.frame;
import static dev.watchpost.handlers.TestEvents.slot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DedupHandlerTest {
    private static final long CAPACITY = 10_000;
    private static final long TTL_MILLIS = 60_000;
    private static final long TTL_US = TTL_MILLIS * 1000;
    /** Receive times are the handler's clock; any fixed epoch will do. */
    private static final long T0_US = 1_700_000_000_000_000L;

    @TempDir
    Path dir;

    private final Counters counters = new Counters();
    private final List<String> log = new ArrayList<>();
    private final RecordingOrigin origin = new RecordingOrigin("tcp 10.0.0.7:51234");
    private DedupStore store;

    private DedupHandler open(long capacity, long nextSeq) throws IOException {
        store = DedupStore.open(new DedupConfig(dir, capacity, TTL_MILLIS), ReceiptSource.NONE);
        return new DedupHandler(store, nextSeq, counters, new ErrorLog(counters, log::add));
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    private EventSlot event(long receipt, long receivedAtUs) {
        return slot(frame(receipt, receivedAtUs), origin, receipt, receivedAtUs);
    }

    @Test
    void shouldGiveEachNewReceiptTheNextSeq() throws IOException {
        DedupHandler handler = open(CAPACITY, 1);
        EventSlot first = event(1, T0_US);
        EventSlot second = event(2, T0_US + 1);

        handler.onEvent(first, 0, false);
        handler.onEvent(second, 1, true);

        assertEquals(1, first.journalSeq());
        assertEquals(2, second.journalSeq());
        assertTrue(first.isToStore());
        assertTrue(second.isToStore());
        assertFalse(first.isDuplicate());
        assertEquals(3, handler.nextSeq());
        assertEquals(2, store.size());
        assertEquals(0, counters.get(Counter.EVENTS_DUPLICATE));
    }

    @Test
    void shouldContinueFromTheSeqAfterTheJournalsLast() throws IOException {
        DedupHandler handler = open(CAPACITY, 42);
        EventSlot slot = event(1, T0_US);

        handler.onEvent(slot, 0, true);

        assertEquals(42, slot.journalSeq());
        assertEquals(43, handler.nextSeq());
    }

    @Test
    void shouldMarkRetryAsDuplicateOfTheOriginalSeq() throws IOException {
        DedupHandler handler = open(CAPACITY, 1);
        handler.onEvent(event(7, T0_US), 0, true);
        EventSlot retry = event(7, T0_US + 5_000_000);
        EventSlot next = event(8, T0_US + 5_000_001);

        handler.onEvent(retry, 1, false);
        handler.onEvent(next, 2, true);

        assertTrue(retry.isDuplicate());
        assertEquals(1, retry.journalSeq());
        assertFalse(retry.isToStore());
        assertEquals(2, next.journalSeq(), "a duplicate does not use up a seq");
        assertEquals(3, handler.nextSeq());
        assertEquals(1, counters.get(Counter.EVENTS_DUPLICATE));
    }

    @Test
    void shouldMarkRetryAsDuplicateWhileItsOriginalIsStillInFlight() throws IOException {
        DedupHandler handler = open(CAPACITY, 1);
        EventSlot original = event(7, T0_US);
        EventSlot retry = event(7, T0_US + 1);

        handler.onEvent(original, 0, false);
        handler.onEvent(retry, 1, true);

        assertTrue(original.isToStore());
        assertEquals(1, original.journalSeq());
        assertTrue(retry.isDuplicate());
        assertEquals(1, retry.journalSeq());
        assertEquals(2, handler.nextSeq());
        assertEquals(1, counters.get(Counter.EVENTS_DUPLICATE));
    }

    @Test
    void shouldMarkRetryAsDuplicateWhateverItsOtherFields() throws IOException {
        DedupHandler handler = open(CAPACITY, 1);
        handler.onEvent(event(7, T0_US), 0, true);
        EventSlot retry = slot(frame(7, T0_US - 3_000_000, 0.1f), new RecordingOrigin("tcp 10.0.0.8:40000"), 1, T0_US + 1);

        handler.onEvent(retry, 1, true);

        assertTrue(retry.isDuplicate());
        assertEquals(1, retry.journalSeq());
    }

    @Test
    void shouldChangeNothingByPrefetchingWhateverTheSlotHolds() throws IOException {
        DedupHandler handler = open(CAPACITY, 1);
        handler.onEvent(event(7, T0_US), 0, true);
        EventSlot retry = event(7, T0_US + 1);
        EventSlot tick = new EventSlot(64);
        tick.claimTick(T0_US);
        EventSlot cutShort = new EventSlot(8);
        cutShort.claimEvent(8, origin, 9, T0_US); // not validated yet: 8 bytes, no receipt_id

        for (EventSlot slot : List.of(retry, event(8, T0_US), tick, cutShort)) {
            handler.prefetch(slot);
        }
        handler.prefetched();

        assertEquals(1, store.size());
        assertEquals(2, handler.nextSeq());
        assertFalse(retry.isDuplicate());
        handler.onEvent(retry, 1, true);
        assertTrue(retry.isDuplicate());
        assertEquals(1, retry.journalSeq());
    }

    @Test
    void shouldNeitherSequenceNorRememberAnInvalidEvent() throws IOException {
        DedupHandler handler = open(CAPACITY, 1);
        EventSlot invalid = event(7, T0_US);
        invalid.reject(NackCode.BAD_CONFIDENCE);

        handler.onEvent(invalid, 0, true);

        assertEquals(EventSlot.NO_SEQ, invalid.journalSeq());
        assertFalse(invalid.isDuplicate());
        assertFalse(invalid.isToStore());
        assertEquals(1, handler.nextSeq());
        assertEquals(0, store.size());

        EventSlot valid = event(7, T0_US + 1);
        handler.onEvent(valid, 1, true);

        assertTrue(valid.isToStore(), "the receipt of a rejected frame is still free");
        assertEquals(1, valid.journalSeq());
        assertEquals(0, counters.get(Counter.EVENTS_DUPLICATE));
    }

    @Test
    void shouldPassACloseRequestWithoutASeq() throws IOException {
        DedupHandler handler = open(CAPACITY, 1);
        EventSlot close = new EventSlot(256);
        close.claimClose(origin, null, 0, T0_US);

        handler.onEvent(close, 0, true);

        assertEquals(EventSlot.NO_SEQ, close.journalSeq());
        assertFalse(close.isToStore());
        assertEquals(1, handler.nextSeq());
    }

    @Test
    void shouldTreatAReceiptOlderThanTheTtlAsNewAgain() throws IOException {
        DedupHandler handler = open(CAPACITY, 1);
        handler.onEvent(event(7, T0_US), 0, true);
        EventSlot withinTtl = event(7, T0_US + TTL_US - 1000);
        handler.onEvent(withinTtl, 1, true);
        EventSlot afterTtl = event(7, T0_US + TTL_US + 1000);

        handler.onEvent(afterTtl, 2, true);

        assertTrue(withinTtl.isDuplicate());
        assertEquals(1, withinTtl.journalSeq());
        assertTrue(afterTtl.isToStore());
        assertEquals(2, afterTtl.journalSeq());
        assertEquals(1, counters.get(Counter.EVENTS_DUPLICATE));
    }

    @Test
    void shouldPurgeExpiredReceiptsAtTheEndOfABatch() throws IOException {
        // The smallest store has fewer slots than one purge slice visits: the receipt is reached wherever it lies.
        DedupHandler handler = open(DedupConfig.CAPACITY_MIN, 1);
        handler.onEvent(event(1, T0_US), 0, true);
        handler.onEvent(event(2, T0_US + TTL_US + 1000), 1, false);

        assertEquals(2, store.size(), "nothing is purged before the batch ends");

        handler.onEvent(event(3, T0_US + TTL_US + 2000), 2, true);

        assertEquals(1, counters.get(Counter.DEDUP_PURGED));
        assertEquals(2, store.size());
    }

    @Test
    void shouldStoreAnEventWithoutADedupEntryWhenTheStoreIsFull() throws IOException {
        long capacity = DedupConfig.CAPACITY_MIN;
        DedupHandler handler = open(capacity, capacity + 1);
        for (long receipt = 1; receipt <= capacity; receipt++) {
            store.lookupOrInsert(RECEIPT_MSB, receipt, receipt, T0_US / 1000);
        }
        EventSlot overflow = event(capacity + 1, T0_US + 1);

        handler.onEvent(overflow, 0, true);

        assertTrue(overflow.isToStore(), "an event is never lost for want of a dedup entry");
        assertEquals(capacity + 1, overflow.journalSeq());
        assertEquals(1, counters.get(Counter.DEDUP_STORE_FULL));
        assertEquals(capacity + 2, handler.nextSeq());
    }
}
