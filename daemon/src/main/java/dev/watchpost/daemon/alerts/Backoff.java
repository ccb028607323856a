package dev.watchpost.daemon.alerts;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"):
 * the n-th retry waits a uniformly random time in [0, min(max, initial x 2^n)], so that many
 * senders do not retry in step. One delivery thread only.
 */
final class Backoff {
    private final long initialNanos;
    private final long maxNanos;
    private int attempt;

    Backoff(Duration initial, Duration max) {
        this.initialNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
    }

    /** The wait before the next retry; each call doubles the ceiling, up to the maximum. */
    long nextNanos() {
        long ceiling = attempt >= 62 ? maxNanos : Math.min(maxNanos, initialNanos << Math.min(attempt, 40));
        if (ceiling <= 0) {
            ceiling = maxNanos;
        }
        attempt++;
        return ThreadLocalRandom.current().nextLong(ceiling + 1);
    }

    void reset() {
        attempt = 0;
    }
}
