package dev.watchpost.ringbuffer;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertTrue;

class WallClockTest {
    private static long instantMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    @Test
    void shouldReadTheWallClockInMicroseconds() {
        long before = instantMicros();
        long clock = WallClock.nowMicros();
        long after = instantMicros();
        // The offset is taken from the same wall clock: a reading lies between its neighbours, give or
        // take the clocks' drift since the last sync (well under a millisecond).
        assertTrue(clock >= before - 1_000 && clock <= after + 1_000, before + " <= " + clock + " <= " + after);
    }
}
