package dev.watchpost.handlers;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.watchpost.handlers.LatencyWindow.INTERVAL_NANOS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LatencyWindowTest {
    private static final long START = 1_000_000_000_000L;
    private final LatencyWindow latency = new LatencyWindow(START);

    /** Records answers of 1 to {@code n} ms. */
    private void recordMillis(int n) {
        for (int ms = 1; ms <= n; ms++) {
            latency.record(ms * 1000L);
        }
    }

    private static long value(Map<String, Object> figures, String key) {
        return ((Number) figures.get(key)).longValue();
    }

    /** Within HdrHistogram's two significant digits. */
    private static void assertNear(long expected, long actual, String what) {
        assertTrue(Math.abs(actual - expected) <= expected / 100 + 1, what + ": expected about " + expected + ", was " + actual);
    }

    @Test
    void shouldShowNothingBeforeTheFirstIntervalCloses() {
        recordMillis(100);
        latency.roll(START + INTERVAL_NANOS - 1);

        Map<String, Object> figures = latency.lastMinute(START + INTERVAL_NANOS - 1);

        assertEquals(0L, figures.get("count"));
        assertEquals(0L, figures.get("window_s"));
        assertNull(figures.get("p99"));
        assertNull(figures.get("max"));
    }

    @Test
    void shouldGiveThePercentilesOfTheClosedIntervals() {
        recordMillis(1000);
        latency.roll(START + INTERVAL_NANOS);

        Map<String, Object> figures = latency.lastMinute(START + INTERVAL_NANOS);

        assertEquals(1000L, figures.get("count"));
        assertEquals(5L, figures.get("window_s"));
        assertNear(500_000, value(figures, "p50"), "p50");
        assertNear(900_000, value(figures, "p90"), "p90");
        assertNear(990_000, value(figures, "p99"), "p99");
        assertNear(999_000, value(figures, "p99_9"), "p99.9");
        assertNear(1_000_000, value(figures, "max"), "max");
    }

    @Test
    void shouldMergeTheIntervalsOfTheLastMinuteAndDropOlderOnes() {
        long now = START;
        for (int i = 0; i < 12; i++) {
            latency.record(i < 6 ? 1_000 : 2_000);
            now += INTERVAL_NANOS;
            latency.roll(now);
        }
        Map<String, Object> minute = latency.lastMinute(now);
        assertEquals(12L, minute.get("count"));
        assertEquals(60L, minute.get("window_s"));

        now += INTERVAL_NANOS * 6; // six quiet intervals, one roll: the first six intervals age out
        latency.roll(now);
        Map<String, Object> later = latency.lastMinute(now);

        assertEquals(6L, later.get("count"), "the 1 ms answers are over a minute old");
        assertNear(2_000, value(later, "p50"), "p50");
    }

    @Test
    void shouldForgetEverythingAfterAMinuteOfQuiet() {
        recordMillis(10);
        latency.roll(START + INTERVAL_NANOS);

        for (long now = START + 2 * INTERVAL_NANOS; now <= START + 14 * INTERVAL_NANOS; now += INTERVAL_NANOS) {
            latency.roll(now);
        }

        assertEquals(0L, latency.lastMinute(START + 14 * INTERVAL_NANOS).get("count"));
    }

    @Test
    void shouldCountAStepBackOfTheClockAsZeroAndAnEndlessWaitAsAMinute() {
        latency.record(9_000 - 10_000);
        latency.record(Long.MAX_VALUE);
        latency.roll(START + INTERVAL_NANOS);

        Map<String, Object> figures = latency.lastMinute(START + INTERVAL_NANOS);

        assertEquals(2L, figures.get("count"));
        assertEquals(0L, value(figures, "p50"));
        assertNear(LatencyWindow.HIGHEST_US, value(figures, "max"), "max");
    }
}
