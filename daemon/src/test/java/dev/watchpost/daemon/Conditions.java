package dev.watchpost.daemon;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.fail;

/** Waiting for what the daemon does on a thread of its own: a condition polled until a deadline. */
final class Conditions {
    private Conditions() {
    }

    /** Polls {@code condition} until it holds; fails naming {@code what} once {@code timeout} has passed. */
    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(20); // polling a condition with a deadline, not waiting a guessed time
        }
    }
}
