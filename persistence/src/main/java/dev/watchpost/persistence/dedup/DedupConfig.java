package dev.watchpost.persistence.dedup;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Configuration of the {@link DedupStore}.
 *
 * @param directory the daemon's data directory; the store keeps {@code receipts.cmap} and its
 *                  clean-shutdown marker {@code receipts.clean} there
 * @param capacity  the most receipts held at once; the map file is sized for it (about 45 bytes a
 *                  receipt, so 444 MB at the default) and {@link DedupStore#lookupOrInsert} refuses new
 *                  receipts beyond it. It must cover the peak event rate times the TTL, and it is fixed
 *                  when the file is created: to change it, delete {@code receipts.cmap} while the daemon
 *                  is stopped (the journal tail refills it at start-up)
 * @param ttlMillis how long a receipt_id is remembered, in milliseconds
 */
public record DedupConfig(Path directory, long capacity, long ttlMillis) {
    /** 10 M receipts: 24 h of a 115 events/s average, the size of a busy site's day. */
    public static final long CAPACITY_DEFAULT = 10_000_000L;
    /** 24 h, the receipt retention that protocol v1 promises detectors. */
    public static final long TTL_MILLIS_DEFAULT = 24L * 60 * 60 * 1000;
    /** Below this Chronicle Map's segment sizing stops being meaningful. */
    public static final long CAPACITY_MIN = 1_000L;

    public DedupConfig {
        Objects.requireNonNull(directory, "directory");
        if (capacity < CAPACITY_MIN) {
            throw new IllegalArgumentException("dedup capacity must be >= " + CAPACITY_MIN + ": " + capacity);
        }
        if (ttlMillis <= 0) {
            throw new IllegalArgumentException("dedup ttlMillis must be > 0: " + ttlMillis);
        }
    }

    /** The defaults, in {@code directory}. */
    public static DedupConfig of(Path directory) {
        return new DedupConfig(directory, CAPACITY_DEFAULT, TTL_MILLIS_DEFAULT);
    }
}
