package dev.watchpost.persistence.dedup;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Configuration of the {@link DedupStore}.
 *
 * @param directory      the daemon's data directory; the store writes its snapshot
 *                       {@code receipts.snap} there on a clean stop
 * @param capacity       the most receipts held at once: it must cover the peak event rate times the
 *                       TTL. The table takes 10.6 bytes a receipt of capacity (9-byte slots, at
 *                       most 85 % full), allocated at start-up: 106 MB at the default
 * @param ttlMillis      how long a receipt_id is remembered, in milliseconds
 * @param recentReceipts how many of the latest receipts are also kept whole (24 bytes each), so that
 *                       a retry of a recent event is confirmed without reading the journal; a power of
 *                       two, and at least four times the ring size (a confirmation from the journal
 *                       needs the original written there)
 */
public record DedupConfig(Path directory, long capacity, long ttlMillis, int recentReceipts) {
    /** 10 M receipts: 24 h of a 115 events/s average, the size of a busy site's day. */
    public static final long CAPACITY_DEFAULT = 10_000_000L;
    /** 24 h, the receipt retention that protocol v1 promises detectors. */
    public static final long TTL_MILLIS_DEFAULT = 24L * 60 * 60 * 1000;
    public static final long CAPACITY_MIN = 1_000L;
    /** The table's bytes must stay addressable by an int: 2^31 bytes of 9-byte slots at 85 % load is 202 M. */
    public static final long CAPACITY_MAX = 140_000_000L;
    /** 2^18 receipts whole, 6 MB: 2.6 s of retries at 100,000 events/s confirmed without a read. */
    public static final int RECENT_RECEIPTS_DEFAULT = 1 << 18;

    public DedupConfig {
        Objects.requireNonNull(directory, "directory");
        if (capacity < CAPACITY_MIN || capacity > CAPACITY_MAX) {
            throw new IllegalArgumentException("dedup capacity must be in " + CAPACITY_MIN + ".." + CAPACITY_MAX + ": " + capacity);
        }
        if (ttlMillis <= 0) {
            throw new IllegalArgumentException("dedup ttlMillis must be > 0: " + ttlMillis);
        }
        if (recentReceipts <= 0 || Integer.bitCount(recentReceipts) != 1) {
            throw new IllegalArgumentException("dedup recentReceipts must be a power of two: " + recentReceipts);
        }
    }

    public DedupConfig(Path directory, long capacity, long ttlMillis) {
        this(directory, capacity, ttlMillis, RECENT_RECEIPTS_DEFAULT);
    }

    /** The defaults, in {@code directory}. */
    public static DedupConfig of(Path directory) {
        return new DedupConfig(directory, CAPACITY_DEFAULT, TTL_MILLIS_DEFAULT);
    }

    /** The same, keeping at least {@code ringSize * 4} recent receipts whole. */
    public DedupConfig forRing(int ringSize) {
        long needed = Math.max(recentReceipts, 4L * ringSize);
        int recent = (int) Math.min(1 << 30, Long.highestOneBit(needed - 1) << 1);
        return new DedupConfig(directory, capacity, ttlMillis, recent);
    }
}
