package dev.watchpost.bench.load;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RateScheduleTest {
    private static final long MS = 1_000_000L;

    @Test
    void shouldSpaceOneConnectionsEventsByTheInverseRate() {
        RateSchedule schedule = new RateSchedule(500, 1000, 1, 0);

        assertEquals(500, schedule.intendedNanos(0));
        assertEquals(500 + MS, schedule.intendedNanos(1));
        assertEquals(500 + 999 * MS, schedule.intendedNanos(999));
        assertEquals(500 + 3_600_000 * MS, schedule.intendedNanos(3_600_000), "an hour in, without drift");
    }

    @Test
    void shouldInterleaveConnectionsOnOneEvenlySpacedStream() {
        RateSchedule first = new RateSchedule(0, 10, 2, 0);
        RateSchedule second = new RateSchedule(0, 10, 2, 1);

        assertEquals(0, first.intendedNanos(0));
        assertEquals(100 * MS, second.intendedNanos(0));
        assertEquals(200 * MS, first.intendedNanos(1));
        assertEquals(300 * MS, second.intendedNanos(1));
        assertEquals(5.0, first.connectionRate(), 1e-9);
    }

    @Test
    void shouldKeepIntendedTimesIndependentOfWhenEventsAreActuallySent() {
        RateSchedule schedule = new RateSchedule(1_000, 100_000, 4, 3);

        // 100k/s over 4 connections: 40 µs apart on each, the fourth offset by 30 µs.
        assertEquals(1_000 + 30_000, schedule.intendedNanos(0));
        assertEquals(1_000 + 30_000 + 40_000 * 10_000L, schedule.intendedNanos(10_000));
    }

    @Test
    void shouldCountExactlyTheEventsIntendedBeforeTheEnd() {
        double[] rates = {1, 3, 7.5, 1000, 99_999, 100_000};
        for (double rate : rates) {
            for (int connections = 1; connections <= 5; connections++) {
                for (int index = 0; index < connections; index++) {
                    RateSchedule schedule = new RateSchedule(123_456, rate, connections, index);
                    for (long end : new long[] {123_456, 123_457, 123_456 + 1_000 * MS, 123_456 + 2_345 * MS + 7}) {
                        long n = schedule.eventsBefore(end);
                        assertTrue(n == 0 || schedule.intendedNanos(n - 1) < end, "event n-1 is before the end");
                        assertTrue(schedule.intendedNanos(n) >= end, "event n is not");
                    }
                }
            }
        }
    }

    @Test
    void shouldSendTheWholeRateOverAllConnections() {
        long total = 0;
        for (int index = 0; index < 3; index++) {
            total += new RateSchedule(0, 10_000, 3, index).eventsBefore(10_000 * MS);
        }
        assertEquals(100_000, total);
    }

    @Test
    void shouldRampTheRateUpLinearlyAndThenHoldIt() {
        long ramp = 2_000 * MS;
        RateSchedule schedule = new RateSchedule(0, 1_000, 1, 0, ramp); // 1,000/s after a 2 s ramp

        assertEquals(0, schedule.intendedNanos(0));
        assertEquals(1_000, schedule.eventsBefore(ramp), "half of the 2,000 a full rate would send in the ramp");
        assertEquals(250, schedule.eventsBefore(ramp / 2), "a quarter of them in its first half");
        for (long i = 1; i < 999; i++) {
            long gap = schedule.intendedNanos(i + 1) - schedule.intendedNanos(i);
            assertTrue(gap < schedule.intendedNanos(i) - schedule.intendedNanos(i - 1), "the gaps shrink during the ramp, at " + i);
        }
        for (long i = 1_000; i < 5_000; i++) {
            assertEquals(MS, schedule.intendedNanos(i + 1) - schedule.intendedNanos(i), 1, "the full rate after it, at " + i);
        }
        assertEquals(1_000 + 3_000, schedule.eventsBefore(ramp + 3_000 * MS));
    }

    @Test
    void shouldCountExactlyTheEventsIntendedBeforeTheEndOfARampToo() {
        for (int connections = 1; connections <= 3; connections++) {
            for (int index = 0; index < connections; index++) {
                RateSchedule schedule = new RateSchedule(123_456, 99_999, connections, index, 1_500 * MS);
                for (long end : new long[] {0, 123_456, 123_457, 123_456 + 10 * MS, 123_456 + 1_500 * MS, 123_456 + 2_345 * MS + 7}) {
                    long n = schedule.eventsBefore(end);
                    assertTrue(n == 0 || schedule.intendedNanos(n - 1) < end, "event n-1 is before the end");
                    assertTrue(schedule.intendedNanos(n) >= end, "event n is not");
                }
            }
        }
    }

    @Test
    void shouldRejectANonPositiveRateOrABadIndex() {
        assertThrows(IllegalArgumentException.class, () -> new RateSchedule(0, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new RateSchedule(0, 10, 2, 2));
        assertThrows(IllegalArgumentException.class, () -> new RateSchedule(0, 10, 1, 0, -1));
    }
}
