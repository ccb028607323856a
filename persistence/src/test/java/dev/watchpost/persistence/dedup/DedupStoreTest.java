package dev.watchpost.persistence.dedup;

import static dev.watchpost.persistence.dedup.DedupStore.NOT_FOUND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.JournalConfig;
import dev.watchpost.ringbuffer.codec.EventFrameEncoder;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DedupStoreTest {
    private static final long TTL = 60_000;
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path dir;

    /** What the journal would hold: seq -> receipt number, as recorded through {@link #lookup}. */
    private final Map<Long, Long> stored = new HashMap<>();
    private final ReceiptSource journal = (seq, out) -> {
        Long i = stored.get(seq);
        if (i == null) {
            return false;
        }
        out[0] = Receipts.msb(i);
        out[1] = Receipts.lsb(i);
        return true;
    };

    private DedupStore open(long capacity) throws Exception {
        return DedupStore.open(new DedupConfig(dir, capacity, TTL), journal);
    }

    private DedupStore openWithRecent(long capacity, int recent) throws Exception {
        return DedupStore.open(new DedupConfig(dir, capacity, TTL, recent), journal);
    }

    private long lookup(DedupStore store, long i, long seqIfNew, long now) {
        long result = store.lookupOrInsert(Receipts.msb(i), Receipts.lsb(i), seqIfNew, now);
        if (result == NOT_FOUND) {
            stored.put(seqIfNew, i);
        }
        return result;
    }

    @Test
    void shouldReturnTheOriginalSeqForADuplicateReceipt() throws Exception {
        try (DedupStore store = open(10_000)) {
            assertFalse(store.snapshotLoaded());
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
    void shouldRememberAReceiptAtMostOneSecondBeyondItsTtl() throws Exception {
        try (DedupStore store = open(10_000)) {
            lookup(store, 1, 1, T0 + 100);
            lookup(store, 2, 2, T0 + 900);
            // Both arrived in the second starting at T0: they expire together, when the later one does.
            assertEquals(1, lookup(store, 1, 3, T0 + 100 + TTL));
            assertEquals(NOT_FOUND, lookup(store, 1, 4, T0 + 900 + TTL));
            assertEquals(NOT_FOUND, lookup(store, 2, 5, T0 + 900 + TTL));
        }
    }

    @Test
    void shouldRememberReceiptsAcrossCloseAndReopenThroughTheSnapshot() throws Exception {
        try (DedupStore store = open(10_000)) {
            for (int i = 1; i <= 1_000; i++) {
                lookup(store, i, i, T0);
            }
        }
        assertTrue(Files.exists(dir.resolve(DedupStore.SNAPSHOT_FILE_NAME)));

        try (DedupStore store = open(10_000)) {
            assertTrue(store.snapshotLoaded());
            assertNull(store.snapshotProblem());
            assertEquals(1_000, store.size());
            assertEquals(1_000, store.highestSeq());
            for (int i = 1; i <= 1_000; i++) {
                assertEquals(i, lookup(store, i, 5_000 + i, T0 + 1));
            }
            assertEquals(NOT_FOUND, lookup(store, 1_001, 7_000, T0 + 1));
            // The ages came back too.
            assertEquals(NOT_FOUND, lookup(store, 1, 7_001, T0 + 1 + TTL));
        }
    }

    @Test
    void shouldKeepTheReceiptsWhenTheCapacityChangesBetweenRuns() throws Exception {
        try (DedupStore store = open(10_000)) {
            for (int i = 1; i <= 5_000; i++) {
                lookup(store, i, i, T0);
            }
        }
        try (DedupStore store = open(100_000)) {
            assertTrue(store.snapshotLoaded());
            assertEquals(5_000, store.size());
            for (int i = 1; i <= 5_000; i++) {
                assertEquals(i, lookup(store, i, 10_000 + i, T0 + 1), "receipt " + i);
            }
        }
    }

    @Test
    void shouldIgnoreATornSnapshotAndSayWhy() throws Exception {
        try (DedupStore store = open(10_000)) {
            lookup(store, 1, 1, T0);
        }
        Path snapshot = dir.resolve(DedupStore.SNAPSHOT_FILE_NAME);
        try (FileChannel channel = FileChannel.open(snapshot, StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() - 10);
        }

        try (DedupStore store = open(10_000)) {
            assertFalse(store.snapshotLoaded());
            assertNotNull(store.snapshotProblem());
            assertTrue(store.snapshotProblem().contains("torn"), store.snapshotProblem());
            assertEquals(0, store.size());
        }
    }

    @Test
    void shouldIgnoreASnapshotWhoseChecksumFails() throws Exception {
        try (DedupStore store = open(10_000)) {
            for (int i = 1; i <= 100; i++) {
                lookup(store, i, i, T0);
            }
        }
        Path snapshot = dir.resolve(DedupStore.SNAPSHOT_FILE_NAME);
        try (FileChannel channel = FileChannel.open(snapshot, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            long at = channel.size() / 2;
            channel.read(one, at);
            one.put(0, (byte) (one.get(0) ^ 0x40)).clear();
            channel.write(one, at);
        }

        try (DedupStore store = open(10_000)) {
            assertFalse(store.snapshotLoaded());
            assertTrue(store.snapshotProblem().contains("checksum"), store.snapshotProblem());
        }
    }

    @Test
    void shouldDeleteTheFilesOfTheFormerStore() throws Exception {
        Files.writeString(dir.resolve("receipts.cmap"), "old");
        Files.writeString(dir.resolve("receipts.clean"), "");
        try (DedupStore store = open(10_000)) {
            assertFalse(Files.exists(dir.resolve("receipts.cmap")));
            assertFalse(Files.exists(dir.resolve("receipts.clean")));
        }
    }

    @Test
    void shouldCallADuplicateOnlyWhatTheJournalHoldsUnderThatSeq() throws Exception {
        try (DedupStore store = open(10_000)) {
            lookup(store, 1, 1, T0);
            lookup(store, 2, 2, T0);
        }
        // The journal now says seq 1 holds another receipt (it was replaced under the snapshot).
        stored.put(1L, 99L);
        try (DedupStore store = open(10_000)) {
            assertEquals(NOT_FOUND, lookup(store, 1, 3, T0 + 1));
            assertEquals(2, lookup(store, 2, 4, T0 + 1));
        }
    }

    @Test
    void shouldConfirmOlderReceiptsFromTheJournalOnceTheyLeaveTheRecentWindow() throws Exception {
        int[] reads = new int[1];
        ReceiptSource counting = (seq, out) -> {
            reads[0]++;
            return journal.receiptAt(seq, out);
        };
        try (DedupStore store = DedupStore.open(new DedupConfig(dir, 10_000, TTL, 16), counting)) {
            for (int i = 1; i <= 100; i++) {
                assertEquals(NOT_FOUND, store.lookupOrInsert(Receipts.msb(i), Receipts.lsb(i), i, T0));
                stored.put((long) i, (long) i);
            }
            assertEquals(0, reads[0]);
            assertEquals(100, store.lookupOrInsert(Receipts.msb(100), Receipts.lsb(100), 101, T0));
            assertEquals(0, reads[0], "a recent receipt is confirmed without the journal");
            assertEquals(3, store.lookupOrInsert(Receipts.msb(3), Receipts.lsb(3), 101, T0));
            assertEquals(1, reads[0], "an older one is read back");
        }
    }

    @Test
    void shouldTakeAnEventAsNewWhenItsOriginalCannotBeReadBack() throws Exception {
        ReceiptSource failing = (seq, out) -> {
            throw new IOException("disk gone");
        };
        try (DedupStore store = DedupStore.open(new DedupConfig(dir, 10_000, TTL, 16), failing)) {
            for (int i = 1; i <= 100; i++) {
                store.lookupOrInsert(Receipts.msb(i), Receipts.lsb(i), i, T0);
            }
            assertEquals(NOT_FOUND, store.lookupOrInsert(Receipts.msb(3), Receipts.lsb(3), 101, T0));
            assertEquals(1, store.sourceErrors());
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
            assertEquals(4_000, store.highestSeq());
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
    void shouldReinsertAKnownReceiptUnderItsLaterSeq() throws Exception {
        try (DedupStore store = open(10_000)) {
            lookup(store, 1, 10, T0);
            lookup(store, 2, 20, T0);

            store.reinsert(Receipts.msb(2), Receipts.lsb(2), 25, T0 + 1_000);
            stored.put(25L, 2L);
            store.reinsert(Receipts.msb(3), Receipts.lsb(3), 30, T0 + 2_000);
            stored.put(30L, 3L);

            assertEquals(3, store.size());
            assertEquals(10, lookup(store, 1, 100, T0 + 3_000));
            assertEquals(25, lookup(store, 2, 101, T0 + 3_000));
            assertEquals(30, lookup(store, 3, 102, T0 + 3_000));
            assertThrows(IllegalArgumentException.class, () -> store.reinsert(Receipts.msb(4), Receipts.lsb(4), 30, T0));
        }
    }

    @Test
    void shouldPurgeExpiredReceiptsOverSeveralCallsAndKeepLiveOnes() throws Exception {
        try (DedupStore store = open(100_000)) {
            for (int i = 1; i <= 20_000; i++) {
                lookup(store, i, i, i <= 10_000 ? T0 : T0 + TTL / 2);
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
            for (int i = 10_001; i <= 20_000; i++) {
                assertEquals(i, lookup(store, i, 100_000 + i, now), "receipt " + i);
            }
        }
    }

    @Test
    void shouldRefuseNewReceiptsWhenFullUntilExpiredOnesCanBePurged() throws Exception {
        long capacity = DedupConfig.CAPACITY_MIN;
        try (DedupStore store = open(capacity)) {
            for (int i = 1; i <= capacity; i++) {
                assertEquals(NOT_FOUND, lookup(store, i, i, i <= 10 ? T0 : T0 + 5_000));
            }

            DedupStoreFullException full = assertThrows(DedupStoreFullException.class, () -> lookup(store, 5_000, 5_000, T0 + 6_000));
            assertEquals(capacity, full.capacity());
            DedupStoreFullException again = assertThrows(DedupStoreFullException.class, () -> lookup(store, 5_001, 5_000, T0 + 6_000));
            assertSame(full, again, "a refused insert allocates nothing: the store throws the one instance it made");
            assertEquals(7, lookup(store, 7, 5_001, T0 + 6_000));
            assertEquals(capacity, store.size());

            // Receipts 1..10 expire at T0 + TTL; the full store purges them to make room.
            assertEquals(NOT_FOUND, lookup(store, 5_000, 5_002, T0 + TTL));
            assertEquals(capacity - 9, store.size());
            assertEquals(5_002, lookup(store, 5_000, 5_003, T0 + TTL + 1));
        }
    }

    @Test
    void shouldRejectSeqsThatDoNotRise() throws Exception {
        try (DedupStore store = open(10_000)) {
            assertThrows(IllegalArgumentException.class, () -> lookup(store, 1, 0, T0));
            lookup(store, 1, 5, T0);
            assertThrows(IllegalArgumentException.class, () -> lookup(store, 2, 5, T0));
            assertThrows(IllegalArgumentException.class, () -> store.reinsert(1, 1, -1, T0));
        }
    }

    @Test
    void shouldNameTheOffendingValueInAnInvalidConfig() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DedupConfig(dir, 10, TTL));
        assertTrue(e.getMessage().contains("10"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new DedupConfig(dir, 10_000, 0));
        assertThrows(IllegalArgumentException.class, () -> new DedupConfig(dir, 10_000, TTL, 1000));
        assertEquals(1 << 18, DedupConfig.of(dir).forRing(16_384).recentReceipts());
        assertEquals(1 << 20, DedupConfig.of(dir).forRing(1 << 18).recentReceipts());
    }

    @Test
    void shouldRestoreTheReceiptsOfTheJournalsEventsWithinTheTtl() throws Exception {
        long now = System.currentTimeMillis();
        Path journalDir = dir.resolve("journal");
        try (Journal journal = Journal.open(JournalConfig.of(journalDir))) {
            // Seqs 1..50 arrived two TTLs ago, 51..100 just now.
            for (long seq = 1; seq <= 100; seq++) {
                appendEvent(journal, seq, seq <= 50 ? now - 2 * TTL : now - 1_000);
            }
            journal.force();
            try (DedupStore store = DedupStore.open(new DedupConfig(dir.resolve("dedup"), 10_000, TTL), journal)) {
                DedupStore.RestoreReport report = store.restore(journal, now);
                assertFalse(report.snapshotLoaded());
                assertEquals(50, report.recorded());
                assertEquals(50, store.size());
                assertEquals(100, store.highestSeq());
                assertEquals(NOT_FOUND, store.lookupOrInsert(Receipts.msb(10), Receipts.lsb(10), 101, now));
                assertEquals(60, store.lookupOrInsert(Receipts.msb(60), Receipts.lsb(60), 102, now));
            }
            // Restarted from the snapshot, a journal that has since grown is read from after it.
            appendEvent(journal, 101, now);
            journal.force();
            try (DedupStore store = DedupStore.open(new DedupConfig(dir.resolve("dedup"), 10_000, TTL), journal)) {
                DedupStore.RestoreReport report = store.restore(journal, now);
                assertTrue(report.snapshotLoaded());
                assertEquals(102, report.journalFrom());
                assertEquals(0, report.recorded());
            }
        }
    }

    @Test
    void shouldDropReceiptsAboveAJournalThatEndsBeforeTheSnapshot() throws Exception {
        long now = System.currentTimeMillis();
        try (Journal journal = Journal.open(JournalConfig.of(dir.resolve("journal")))) {
            for (long seq = 1; seq <= 10; seq++) {
                appendEvent(journal, seq, now);
            }
            journal.force();
            try (DedupStore store = DedupStore.open(new DedupConfig(dir.resolve("dedup"), 10_000, TTL), journal)) {
                store.restore(journal, now);
                for (long seq = 11; seq <= 20; seq++) {
                    store.lookupOrInsert(Receipts.msb(seq), Receipts.lsb(seq), seq, now);
                }
            }
            try (DedupStore store = DedupStore.open(new DedupConfig(dir.resolve("dedup"), 10_000, TTL), journal)) {
                DedupStore.RestoreReport report = store.restore(journal, now);
                assertEquals(10, report.removedAboveJournal());
                assertEquals(10, store.size());
                assertEquals(NOT_FOUND, store.lookupOrInsert(Receipts.msb(15), Receipts.lsb(15), 11, now));
            }
        }
    }

    @Test
    void shouldLeaveTheDaemonsOwnDerivedEventsOutOfARestore() throws Exception {
        long now = System.currentTimeMillis();
        try (Journal journal = Journal.open(JournalConfig.of(dir.resolve("journal")))) {
            appendEvent(journal, 1, now);
            appendEvent(journal, 2, now, EventTypeRegistry.TRACK_STARTED);
            appendEvent(journal, 3, now);
            journal.force();
            try (DedupStore store = DedupStore.open(new DedupConfig(dir.resolve("dedup"), 10_000, TTL), journal)) {
                assertEquals(2, store.restore(journal, now).recorded());
                assertEquals(NOT_FOUND, store.lookup(Receipts.msb(2), Receipts.lsb(2), now));
                assertEquals(3, store.lookup(Receipts.msb(3), Receipts.lsb(3), now));
            }
        }
    }

    private static void appendEvent(Journal journal, long seq, long receivedMillis) throws IOException {
        appendEvent(journal, seq, receivedMillis, 1);
    }

    private static void appendEvent(Journal journal, long seq, long receivedMillis, int type) throws IOException {
        ByteBuffer frame = ByteBuffer.allocate(EventFrameEncoder.frameLength(0, 0)).order(ByteOrder.LITTLE_ENDIAN);
        int length = new EventFrameEncoder().wrap(frame, 0).seq(seq).receiptId(Receipts.msb(seq), Receipts.lsb(seq))
                .tsUs(receivedMillis * 1000).eventType(type).finish();
        ByteBuffer extra = ByteBuffer.allocate(0);
        journal.append(seq, receivedMillis * 1000, receivedMillis * 1000, frame, 0, length, extra, 0, 0);
    }

    @Test
    void shouldAllocateNothingToLookUpOrInsertOnceWarm() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        try (DedupStore store = DedupStore.open(new DedupConfig(dir, 1_100_000, TTL), ReceiptSource.NONE)) {
            for (int i = 1; i <= 100_000; i++) {
                store.lookupOrInsert(Receipts.msb(i), Receipts.lsb(i), i, T0);
                store.lookupOrInsert(Receipts.msb(i), Receipts.lsb(i), i + 1, T0);
            }
            long before = threads.getThreadAllocatedBytes(thread);
            for (int i = 100_001; i <= 600_000; i++) {
                store.lookupOrInsert(Receipts.msb(i), Receipts.lsb(i), i, T0);
                store.lookupOrInsert(Receipts.msb(i), Receipts.lsb(i), i + 1, T0);
            }
            long allocated = threads.getThreadAllocatedBytes(thread) - before;
            System.out.printf("dedup lookupOrInsert: %d bytes allocated over 1,000,000 calls (%.4f bytes/call)%n",
                    allocated, allocated / 1_000_000.0);
            assertEquals(600_000, store.size());
            assertTrue(allocated < 1_000_000, "allocated " + allocated + " bytes over 1,000,000 calls");
        }
    }
}
