package dev.watchpost.ringbuffer;

import java.time.Instant;

/** Wall-clock time in microseconds since the Unix epoch, UTC: the unit of ts_us and received_at. */
public final class WallClock {
    private WallClock() {
    }

    /** Now, in microseconds; the {@link Instant} does not escape, so the JIT removes its allocation. */
    public static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }
}
