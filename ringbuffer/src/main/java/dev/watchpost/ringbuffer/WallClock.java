package dev.watchpost.ringbuffer;

import java.time.Instant;

/**
 * Wall-clock time in microseconds since the Unix epoch, UTC: the unit of ts_us and received_at.
 *
 * <p>Read on every frame by the I/O threads, so it must not allocate: {@link Instant#now()} does
 * (measured: 100 MB in 20 s on a TCP thread under load, escape analysis notwithstanding). It is
 * taken once a second instead, as the offset between the wall clock and {@link System#nanoTime()},
 * and each reading adds that offset to {@code nanoTime}. Between two syncs the two clocks drift by
 * the oscillator's error, parts per million: well under a microsecond; a step of the wall clock (NTP)
 * shows within a second. Any thread.
 */
public final class WallClock {
    private static final long SYNC_INTERVAL_NANOS = 1_000_000_000L;

    private static volatile long offsetNanos;
    private static volatile long syncedAtNanos;

    static {
        sync(System.nanoTime());
    }

    private WallClock() {
    }

    /** Now, in microseconds. */
    public static long nowMicros() {
        long now = System.nanoTime();
        if (now - syncedAtNanos > SYNC_INTERVAL_NANOS) {
            sync(now); // threads that race here each take a reading: harmless
        }
        return Math.floorDiv(now + offsetNanos, 1000);
    }

    private static void sync(long nanoTime) {
        Instant now = Instant.now();
        offsetNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano() - nanoTime;
        syncedAtNanos = nanoTime;
    }
}
