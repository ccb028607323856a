package dev.watchpost.persistence.dedup;

import static dev.watchpost.persistence.dedup.DedupStore.NOT_FOUND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DedupStoreTest {
    private static final long TTL = 60_000;
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path dir;

    private DedupStore open(long capacity) throws Exception {
        return DedupStore.open(new DedupConfig(dir, capacity, TTL));
    }

    private static long lookup(DedupStore store, long i, long seqIfNew, long now) {
        return store.lookupOrInsert(Receipts.msb(i), Receipts.lsb(i), seqIfNew, now);
    }

    @Test
    void shouldReturnTheOriginalSeqForADuplicateReceipt() throws Exception {
        try (DedupStore store = open(10_000)) {
            assertTrue(store.created());
            assertFalse(store.recovered());
            assertEquals(NOT_FOUND, lookup(store, 1, 101, T0));
            assertEquals(NOT_FOUND, lookup(store, 2, 102, T0));
            assertEquals(101, lookup(store, 1, 103, T0 + 5));
            assertEquals(102, lookup(store, 2, 104, T0 + 5));
            assertEquals(2, store.size());
        }
    }

    @Test
    void shouldTellReceiptsApartThatShareHalfTheirBits() throws Exception {
        try (DedupStore store = open(10_000)) {
            assertEquals(NOT_FOUND, store.lookupOrInsert(7, 1, 1, T0));
            assertEquals(NOT_FOUND, store.lookupOrInsert(7, 2, 2, T0));
            assertEquals(NOT_FOUND, store.lookupOrInsert(1, 7, 3, T0));
            assertEquals(2, store.lookupOrInsert(7, 2, 4, T0));
        }
    }

    @Test
    void shouldTreatAReceiptAsNewOnceItsTtlHasPassed() throws Exception {
        try (DedupStore store = open(10_000)) {
            assertEquals(NOT_FOUND, lookup(store, 1, 101, T0));
            assertEquals(101, lookup(store, 1, 102, T0 + TTL - 1));
            assertEquals(NOT_FOUND, lookup(store, 1, 103, T0 + TTL));
            assertEquals(103, lookup(store, 1, 104, T0 + TTL + 1));
            assertEquals(1, store.size());
        }
    }

    @Test
    void shouldRememberReceiptsAcrossCloseAndReopen() throws Exception {
        try (DedupStore store = open(10_000)) {
            for (int i = 1; i <= 1_000; i++) {
                lookup(store, i, i, T0);
            }
        }
        assertTrue(Files.exists(dir.resolve(DedupStore.CLEAN_MARKER_NAME)));

        try (DedupStore store = open(10_000)) {
            assertFalse(Files.exists(dir.resolve(DedupStore.CLEAN_MARKER_NAME)));
            assertFalse(store.recovered());
            assertFalse(store.created());
            assertEquals(1_000, store.size());
            for (int i = 1; i <= 1_000; i++) {
                assertEquals(i, lookup(store, i, 5_000 + i, T0 + 1));
            }
            assertEquals(NOT_FOUND, lookup(store, 1_001, 1_001, T0 + 1));
        }
    }

    @Test
    void shouldRecoverAMapFileThatWasNeverClosed() throws Exception {
        try (DedupStore store = open(10_000)) {
            lookup(store, 1, 1, T0);
        }
        Files.delete(dir.resolve(DedupStore.CLEAN_MARKER_NAME));

        try (DedupStore store = open(10_000)) {
            assertTrue(store.recovered());
            assertEquals(0, store.recoveryCorruptions());
            assertEquals(1, lookup(store, 1, 2, T0 + 1));
        }
    }

    @Test
    void shouldStartEmptyWhenTheMapFileWasLeftEmptyByACrashDuringCreation() throws Exception {
        Files.createFile(dir.resolve(DedupStore.MAP_FILE_NAME));

        try (DedupStore store = open(10_000)) {
            assertTrue(store.recovered());
            assertTrue(store.created());
            assertEquals(0, store.size());
            assertEquals(NOT_FOUND, lookup(store, 1, 1, T0));
        }
    }

    @Test
    void shouldRemoveExactlyTheReceiptsAboveTheLastDurableSeq() throws Exception {
        try (DedupStore store = open(10_000)) {
            for (int i = 1; i <= 5_000; i++) {
                lookup(store, i, i, T0);
            }

            assertEquals(1_000, store.removeSeqsAbove(4_000));

            assertEquals(4_000, store.size());
            for (int i = 1; i <= 4_000; i++) {
                assertEquals(i, lookup(store, i, 10_000 + i, T0 + 1), "receipt " + i);
            }
            for (int i = 4_001; i <= 5_000; i++) {
                assertEquals(NOT_FOUND, lookup(store, i, 10_000 + i, T0 + 1), "receipt " + i);
            }
            assertEquals(0, store.removeSeqsAbove(20_000));
        }
    }

    @Test
    void shouldReinsertMissingReceiptsAndKeepTheLaterSeqOfKnownOnes() throws Exception {
        try (DedupStore store = open(10_000)) {
            lookup(store, 1, 10, T0);
            lookup(store, 2, 20, T0);

            store.reinsert(Receipts.msb(1), Receipts.lsb(1), 5, T0 - 1_000);
            store.reinsert(Receipts.msb(2), Receipts.lsb(2), 25, T0 + 1_000);
            store.reinsert(Receipts.msb(3), Receipts.lsb(3), 30, T0 + 2_000);

            assertEquals(3, store.size());
            assertEquals(10, lookup(store, 1, 100, T0 + 3_000));
            assertEquals(25, lookup(store, 2, 100, T0 + 3_000));
            assertEquals(30, lookup(store, 3, 100, T0 + 3_000));
            assertEquals(NOT_FOUND, lookup(store, 3, 101, T0 + 2_000 + TTL));
        }
    }

    @Test
    void shouldPurgeExpiredReceiptsOverSeveralCallsAndKeepLiveOnes() throws Exception {
        try (DedupStore store = open(100_000)) {
            for (int i = 1; i <= 20_000; i++) {
                lookup(store, i, i, i % 2 == 0 ? T0 : T0 + TTL / 2);
            }
            long now = T0 + TTL;

            int firstCall = store.purgeExpired(now, 1_000);
            assertTrue(firstCall > 0 && firstCall < 10_000, "first call removed " + firstCall);
            int removed = firstCall;
            int calls = 1;
            while (removed < 10_000) {
                assertTrue(calls++ < 1_000, "purge does not progress");
                removed += store.purgeExpired(now, 1_000);
            }

            assertEquals(10_000, removed);
            assertEquals(10_000, store.size());
            assertEquals(0, store.purgeExpired(now, Integer.MAX_VALUE));
            for (int i = 1; i <= 20_000; i += 2) {
                assertEquals(i, lookup(store, i, 100_000 + i, now), "receipt " + i);
            }
        }
    }

    @Test
    void shouldRefuseNewReceiptsWhenFullUntilExpiredOnesCanBePurged() throws Exception {
        long capacity = DedupConfig.CAPACITY_MIN;
        try (DedupStore store = open(capacity)) {
            for (int i = 1; i <= capacity; i++) {
                assertEquals(NOT_FOUND, lookup(store, i, i, T0 + i));
            }

            DedupStoreFullException full = assertThrows(DedupStoreFullException.class, () -> lookup(store, 5_000, 5_000, T0 + 2_000));
            assertEquals(capacity, full.size());
            assertEquals(7, lookup(store, 7, 6_000, T0 + 2_000));
            assertEquals(capacity, store.size());

            // Receipts 1..10 expire at T0 + TTL + 10; the full store purges them to make room.
            assertEquals(NOT_FOUND, lookup(store, 5_000, 5_000, T0 + TTL + 10));
            assertEquals(capacity - 9, store.size());
            assertEquals(5_000, lookup(store, 5_000, 5_001, T0 + TTL + 11));
        }
    }

    @Test
    void shouldRejectSeqsThatCannotBeToldApartFromNotFound() throws Exception {
        try (DedupStore store = open(10_000)) {
            assertThrows(IllegalArgumentException.class, () -> lookup(store, 1, 0, T0));
            assertThrows(IllegalArgumentException.class, () -> store.reinsert(1, 1, -1, T0));
        }
    }

    @Test
    void shouldNameTheOffendingValueInAnInvalidConfig() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DedupConfig(dir, 10, TTL));
        assertTrue(e.getMessage().contains("10"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new DedupConfig(dir, 10_000, 0));
    }

    @Test
    void shouldAllocateNothingToLookUpOrInsertOnceWarm() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        try (DedupStore store = open(1_100_000)) {
            for (int i = 1; i <= 100_000; i++) {
                lookup(store, i, i, T0);
                lookup(store, i, i, T0);
            }
            long before = threads.getThreadAllocatedBytes(thread);
            for (int i = 100_001; i <= 600_000; i++) {
                lookup(store, i, i, T0);
                lookup(store, i, i, T0);
            }
            long allocated = threads.getThreadAllocatedBytes(thread) - before;
            System.out.printf("dedup lookupOrInsert: %d bytes allocated over 1,000,000 calls (%.4f bytes/call)%n",
                    allocated, allocated / 1_000_000.0);
            assertEquals(600_000, store.size());
            assertTrue(allocated < 1_000_000, "allocated " + allocated + " bytes over 1,000,000 calls");
        }
    }
}
