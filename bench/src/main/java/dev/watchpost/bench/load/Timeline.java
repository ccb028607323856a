package dev.watchpost.bench.load;

import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * The phases of one run on the {@link System#nanoTime()} clock: warm-up from {@code runStartNanos},
 * measurement from {@code measureStartNanos} to {@code measureEndNanos}; and the wall clock that
 * stamps ts_us, read once and advanced with {@code nanoTime} so that stamping costs no system call.
 *
 * <pre>
 *   runStart          measureStart                 measureEnd            (+ grace for the last ACKs)
 *      |---- warm-up ----|-------- measurement --------|
 *      events sent, not   events sent and recorded       no more events sent
 *      recorded
 * </pre>
 *
 * @param runStartNanos first send
 * @param measureStartNanos events intended to leave from here on are recorded
 * @param measureEndNanos no event is intended to leave at or after this
 * @param epochMicrosAtRunStart the wall clock at {@code runStartNanos}, µs since the epoch
 */
record Timeline(long runStartNanos, long measureStartNanos, long measureEndNanos, long epochMicrosAtRunStart) {

    /** A run that starts at {@code runStartNanos} with the given warm-up and measurement, in seconds. */
    static Timeline starting(long runStartNanos, double warmupSeconds, double durationSeconds) {
        long measureStart = runStartNanos + secondsToNanos(warmupSeconds);
        long measureEnd = measureStart + secondsToNanos(durationSeconds);
        Instant now = Instant.now();
        long nowNanos = System.nanoTime();
        long epochMicrosNow = TimeUnit.SECONDS.toMicros(now.getEpochSecond()) + now.getNano() / 1_000;
        long epochMicrosAtRunStart = epochMicrosNow + (runStartNanos - nowNanos) / 1_000;
        return new Timeline(runStartNanos, measureStart, measureEnd, epochMicrosAtRunStart);
    }

    static long secondsToNanos(double seconds) {
        return Math.round(seconds * 1e9);
    }

    /** Wall-clock time, µs since the epoch, at the {@code nanoTime} value {@code nanos}. */
    long epochMicros(long nanos) {
        return epochMicrosAtRunStart + (nanos - runStartNanos) / 1_000;
    }

    /** Wall-clock time, ms since the epoch, at {@code nanos}. */
    long epochMillis(long nanos) {
        return epochMicros(nanos) / 1_000;
    }

    /** True for an event intended to leave inside the measurement. */
    boolean measured(long intendedNanos) {
        return intendedNanos >= measureStartNanos && intendedNanos < measureEndNanos;
    }

    double measuredSeconds() {
        return (measureEndNanos - measureStartNanos) / 1e9;
    }
}
