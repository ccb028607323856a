package dev.watchpost.persistence.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.watchpost.persistence.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class DedupStoreKillTest {
    private static final int RECEIPTS = 20_000;
    private static final long CAPACITY = 50_000;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void shouldRecoverEveryReceiptAfterTheWriterIsKilledWithSigkill() throws Exception {
        Path data = dir.resolve("data");
        try (ChildJvm child = ChildJvm.start(DedupStoreChild.class, dir.resolve("child.err"), List.of("-Xmx64m"),
                data.toString(), Long.toString(CAPACITY), Integer.toString(RECEIPTS), "wait")) {
            assertEquals("INSERTED " + RECEIPTS, child.awaitLine("INSERTED "));
            child.kill();
        }
        assertTrue(Files.exists(data.resolve(DedupStore.MAP_FILE_NAME)));
        assertFalse(Files.exists(data.resolve(DedupStore.CLEAN_MARKER_NAME)));

        try (DedupStore store = DedupStore.open(new DedupConfig(data, CAPACITY, DedupConfig.TTL_MILLIS_DEFAULT))) {
            assertTrue(store.recovered());
            assertFalse(store.created());
            assertEquals(RECEIPTS, store.size());
            long now = DedupStoreChild.INSERTED_AT + 1;
            for (int i = 1; i <= RECEIPTS; i++) {
                assertEquals(i, store.lookupOrInsert(Receipts.msb(i), Receipts.lsb(i), RECEIPTS + i, now), "receipt " + i);
            }
            assertEquals(RECEIPTS, store.size());
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void shouldRecoverAndStayWritableAfterTheWriterIsKilledInTheMiddleOfWrites() throws Exception {
        Path data = dir.resolve("data");
        try (ChildJvm child = ChildJvm.start(DedupStoreChild.class, dir.resolve("child.err"), List.of("-Xmx64m"),
                data.toString(), Long.toString(CAPACITY), Integer.toString(RECEIPTS), "churn")) {
            child.awaitLine("INSERTED ");
            child.kill();
        }

        try (DedupStore store = DedupStore.open(new DedupConfig(data, CAPACITY, DedupConfig.TTL_MILLIS_DEFAULT))) {
            assertTrue(store.recovered());
            long size = store.size();
            assertTrue(size >= RECEIPTS && size <= 2 * RECEIPTS, "size " + size);
            long now = DedupStoreChild.INSERTED_AT + 1;
            for (int i = 1; i <= RECEIPTS; i++) {
                assertEquals(i, store.lookupOrInsert(Receipts.msb(i), Receipts.lsb(i), 10 * RECEIPTS + i, now), "receipt " + i);
            }
            assertEquals(0, store.removeSeqsAbove(Long.MAX_VALUE));
            for (int i = 2 * RECEIPTS + 1; i <= 2 * RECEIPTS + 1_000; i++) {
                assertEquals(DedupStore.NOT_FOUND, store.lookupOrInsert(Receipts.msb(i), Receipts.lsb(i), i, now));
            }
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void shouldReopenWithoutRecoveryAfterTheWriterStopsCleanly() throws Exception {
        Path data = dir.resolve("data");
        try (ChildJvm child = ChildJvm.start(DedupStoreChild.class, dir.resolve("child.err"), List.of("-Xmx64m"),
                data.toString(), Long.toString(CAPACITY), "100", "wait")) {
            child.awaitLine("INSERTED ");
            assertEquals(0, child.awaitExit(), child::stderr);
        }
        assertTrue(Files.exists(data.resolve(DedupStore.CLEAN_MARKER_NAME)));

        try (DedupStore store = DedupStore.open(new DedupConfig(data, CAPACITY, DedupConfig.TTL_MILLIS_DEFAULT))) {
            assertFalse(store.recovered());
            assertEquals(100, store.size());
            assertEquals(42, store.lookupOrInsert(Receipts.msb(42), Receipts.lsb(42), 1_000, DedupStoreChild.INSERTED_AT));
        }
    }
}
