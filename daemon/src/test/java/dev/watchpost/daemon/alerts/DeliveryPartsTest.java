package dev.watchpost.daemon.alerts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pieces of alert delivery on their own: the durable cursor, the backoff, the circuit breaker. */
class DeliveryPartsTest {
    @TempDir
    Path dir;

    @Test
    void shouldKeepACursorDurablyAndReadBackItsLastValue() throws IOException {
        AlertCursor cursor = new AlertCursor(dir.resolve("alerts"), "hook");
        assertEquals(AlertCursor.NONE, cursor.read(), "no file: a first start");

        cursor.write(41);
        cursor.write(42);

        assertEquals(42, new AlertCursor(dir.resolve("alerts"), "hook").read());
        assertEquals("42", Files.readString(dir.resolve("alerts/hook.cursor")).trim());
        assertTrue(Files.notExists(dir.resolve("alerts/hook.cursor.tmp")), "the temporary file is renamed over the cursor");
        Files.writeString(dir.resolve("alerts/hook.cursor"), "forty");
        IOException e = assertThrows(IOException.class, cursor::read);
        assertTrue(e.getMessage().endsWith("hook.cursor: not a journal seq: 'forty'"), e.getMessage());
    }

    @Test
    void shouldDrawBackoffWithFullJitterUnderADoublingCeiling() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1));
        long[] ceilings = {100, 200, 400, 800, 1000, 1000, 1000};
        long overHalf = 0;
        for (int round = 0; round < 200; round++) {
            backoff.reset();
            for (long ceiling : ceilings) {
                long wait = backoff.nextNanos();
                assertTrue(wait >= 0 && wait <= ceiling * 1_000_000, wait + " > " + ceiling + " ms");
                overHalf += wait > ceiling * 500_000 ? 1 : 0;
            }
        }
        long draws = 200L * ceilings.length;
        assertTrue(overHalf > draws / 4 && overHalf < 3 * draws / 4, "uniform below the ceiling: " + overHalf + " of " + draws);
    }

    @Test
    void shouldOpenAfterConsecutiveFailuresThenHalfOpenForOneProbe() {
        CircuitBreaker breaker = new CircuitBreaker(3, Duration.ofSeconds(10));
        long now = 1_000_000_000L;
        breaker.onFailure(now);
        breaker.onFailure(now);
        breaker.onSuccess(); // a success in between: the count starts over
        breaker.onFailure(now);
        breaker.onFailure(now);
        assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
        assertEquals(0, breaker.waitNanos(now));

        breaker.onFailure(now);
        assertEquals(CircuitBreaker.State.OPEN, breaker.state());
        assertEquals(10_000_000_000L, breaker.waitNanos(now));
        assertEquals(1_000_000_000L, breaker.waitNanos(now + 9_000_000_000L));

        assertEquals(0, breaker.waitNanos(now + 10_000_000_000L), "cool-down over: one probe may go");
        assertEquals(CircuitBreaker.State.HALF_OPEN, breaker.state());
        breaker.onFailure(now + 10_000_000_000L);
        assertEquals(CircuitBreaker.State.OPEN, breaker.state(), "a failed probe opens it again at once");
        assertEquals(10_000_000_000L, breaker.waitNanos(now + 10_000_000_000L));

        assertEquals(0, breaker.waitNanos(now + 20_000_000_000L));
        breaker.onSuccess();
        assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
        assertEquals(2, breaker.timesOpened());
    }
}
