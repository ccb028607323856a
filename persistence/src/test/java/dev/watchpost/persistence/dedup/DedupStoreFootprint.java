package dev.watchpost.persistence.dedup;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Measures the store in a JVM of its own (so the heap and RSS are the store's): opens a store of
 * capacity {@code args[1]} in {@code args[0]}, records {@code args[2]} new receipts, looks them all
 * up again as duplicates, scans and purges, and prints one {@code RESULT name value} line per
 * figure, then {@code DONE}. Run by {@link DedupStoreFootprintTest}; figures, not assertions.
 */
public final class DedupStoreFootprint {
    private static final long T0 = 1_700_000_000_000L;
    /** Receipt {@code i} is stored under seq {@code i} or, looked up again, {@code count + i}. */
    private static volatile int count;
    private static final ReceiptSource SOURCE = (seq, out) -> {
        long i = seq > count ? seq - count : seq;
        out[0] = Receipts.msb(i);
        out[1] = Receipts.lsb(i);
        return true;
    };

    private DedupStoreFootprint() {
    }

    public static void main(String[] args) throws Exception {
        Path directory = Path.of(args[0]);
        long capacity = Long.parseLong(args[1]);
        count = Integer.parseInt(args[2]);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();

        long t = System.nanoTime();
        DedupStore store = DedupStore.open(new DedupConfig(directory, capacity, DedupConfig.TTL_MILLIS_DEFAULT), SOURCE);
        result("open_create_ms", (System.nanoTime() - t) / 1e6);
        result("memory_bytes", store.memoryBytes());
        printRss("empty_");

        long allocated = threads.getThreadAllocatedBytes(thread);
        t = System.nanoTime();
        for (int i = 1; i <= count; i++) {
            store.lookupOrInsert(Receipts.msb(i), Receipts.lsb(i), i, T0);
        }
        long nanos = System.nanoTime() - t;
        allocated = threads.getThreadAllocatedBytes(thread) - allocated;
        result("insert_new_per_s", count / (nanos / 1e9));
        result("insert_new_alloc_bytes_per_op", (double) allocated / count);

        allocated = threads.getThreadAllocatedBytes(thread);
        t = System.nanoTime();
        for (int i = 1; i <= count; i++) {
            store.lookupOrInsert(Receipts.msb(i), Receipts.lsb(i), count + i, T0 + 1);
        }
        nanos = System.nanoTime() - t;
        allocated = threads.getThreadAllocatedBytes(thread) - allocated;
        result("lookup_duplicate_per_s", count / (nanos / 1e9));
        result("lookup_duplicate_alloc_bytes_per_op", (double) allocated / count);

        result("size", store.size());
        printRss("full_");
        Runtime runtime = Runtime.getRuntime();
        result("heap_used_bytes", runtime.totalMemory() - runtime.freeMemory());
        result("heap_max_bytes", runtime.maxMemory());

        allocated = threads.getThreadAllocatedBytes(thread);
        t = System.nanoTime();
        long removed = store.removeSeqsAbove(count);
        result("remove_seqs_above_full_scan_ms", (System.nanoTime() - t) / 1e6);
        result("remove_seqs_above_removed", removed);
        t = System.nanoTime();
        int purged = store.purgeExpired(T0 + 2, Integer.MAX_VALUE);
        result("purge_full_pass_nothing_expired_ms", (System.nanoTime() - t) / 1e6);
        t = System.nanoTime();
        purged += store.purgeExpired(T0 + 1 + DedupConfig.TTL_MILLIS_DEFAULT, 100_000);
        result("purge_100k_visit_all_expired_ms", (System.nanoTime() - t) / 1e6);
        result("purge_100k_visit_removed", purged);
        result("scan_alloc_bytes", threads.getThreadAllocatedBytes(thread) - allocated);

        t = System.nanoTime();
        store.close();
        result("close_snapshot_ms", (System.nanoTime() - t) / 1e6);
        result("snapshot_bytes", Files.size(directory.resolve(DedupStore.SNAPSHOT_FILE_NAME)));
        t = System.nanoTime();
        try (DedupStore reopened = DedupStore.open(new DedupConfig(directory, capacity, DedupConfig.TTL_MILLIS_DEFAULT), SOURCE)) {
            result("reopen_clean_ms", (System.nanoTime() - t) / 1e6);
            result("reopen_size", reopened.size());
        }
        System.out.println("DONE");
    }

    private static void printRss(String prefix) throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS") || line.startsWith("RssAnon") || line.startsWith("RssFile")) {
                String[] parts = line.split("\\s+");
                result(prefix + parts[0].replace(":", "") + "_kB", Long.parseLong(parts[1]));
            }
        }
    }

    private static void result(String name, double value) {
        System.out.println("RESULT " + name + " " + (value == Math.rint(value) ? Long.toString((long) value) : String.format("%.3f", value)));
    }

    /** The JVM options the footprint run uses: a small heap, as the daemon's. */
    static List<String> jvmOptions() {
        return List.of("-Xmx64m", "-Xms64m", "-XX:MaxDirectMemorySize=4g");
    }
}
