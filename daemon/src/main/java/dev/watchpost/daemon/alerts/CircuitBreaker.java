package dev.watchpost.daemon.alerts;

import java.time.Duration;

/**
 * Stops hammering a receiver that is down: after {@code failures} consecutive failures the breaker
 * opens for {@code coolDown}; then it half-opens and lets one probe through; the probe's success
 * closes it, its failure opens it again. One delivery thread changes it; any thread reads its state.
 */
final class CircuitBreaker {
    enum State {
        CLOSED, OPEN, HALF_OPEN;

        String configName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final int failures;
    private final long coolDownNanos;
    private int consecutive;
    private long openUntilNanos;
    private volatile State state = State.CLOSED;
    private volatile long opened;

    CircuitBreaker(int failures, Duration coolDown) {
        this.failures = failures;
        this.coolDownNanos = coolDown.toNanos();
    }

    /** How long to wait before the next attempt may go: 0 when it may go now (half-opening an open breaker). */
    long waitNanos(long nowNanos) {
        if (state != State.OPEN) {
            return 0;
        }
        long left = openUntilNanos - nowNanos;
        if (left > 0) {
            return left;
        }
        state = State.HALF_OPEN;
        return 0;
    }

    void onSuccess() {
        consecutive = 0;
        state = State.CLOSED;
    }

    void onFailure(long nowNanos) {
        consecutive++;
        if (state == State.HALF_OPEN || consecutive >= failures) {
            if (state != State.OPEN) {
                opened++;
            }
            state = State.OPEN;
            openUntilNanos = nowNanos + coolDownNanos;
        }
    }

    State state() {
        return state;
    }

    /** Times it has opened. */
    long timesOpened() {
        return opened;
    }
}
