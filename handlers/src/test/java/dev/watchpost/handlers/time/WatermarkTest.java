package dev.watchpost.handlers.time;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WatermarkTest {
    private static final long S = 1_000_000;
    private static final long T = 1_000 * S;

    private final Watermark watermark = new Watermark(Duration.ofSeconds(2), Duration.ofSeconds(1));

    @Test
    void shouldTrailTheHighestEventTimeByTheLateness() {
        assertEquals(Watermark.NONE, watermark.valueUs());
        watermark.onEvent(T, T);
        assertEquals(T - 2 * S, watermark.valueUs());
        watermark.onEvent(T - 5 * S, T);
        assertEquals(T - 2 * S, watermark.valueUs(), "an earlier event does not move it back");
        watermark.onEvent(T + 10 * S, T);
        assertEquals(T + 8 * S, watermark.valueUs());
    }

    @Test
    void shouldCallAnEventBelowTheWatermarkLate() {
        assertFalse(watermark.onEvent(T, T));
        assertFalse(watermark.onEvent(T - 2 * S, T), "exactly at the watermark is on time");
        assertTrue(watermark.onEvent(T - 2 * S - 1, T));
    }

    @Test
    void shouldFollowTheWallClockOnlyWhenQuietForLongerThanTheLateness() {
        watermark.onEvent(T, T);
        assertFalse(watermark.onWallClock(T + 2 * S));
        assertTrue(watermark.onWallClock(T + 2 * S + 1));
        assertEquals(T + 2 * S + 1 - 3 * S, watermark.valueUs(), "wall clock - lateness - clock skew");
        assertFalse(watermark.onWallClock(T), "never backwards");
    }

    @Test
    void shouldFollowTheWallClockBeforeAnyEvent() {
        assertTrue(watermark.onWallClock(T));
        assertEquals(T - 3 * S, watermark.valueUs());
    }
}
