package dev.watchpost.ringbuffer.pipeline;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The linger of the blocking wait strategy, driven on a thread of the test's own: the first stage
 * thread, out of events, sleeps without being registered as a waiter (a producer's signal does not
 * reach it), then handles what arrived as one batch; after a linger that found nothing it parks to be
 * woken, and lingers again only once a park has ended within the linger's length. The clock is the
 * test's, and a linger of an hour only ends when the test unparks the thread, as its timer would.
 */
class StageBlockingWaitStrategyTest {
    private static final long HOUR = TimeUnit.HOURS.toNanos(1);
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final AtomicLong clock = new AtomicLong();
    private final Sequence cursor = new Sequence(-1);
    private final SequenceBarrier barrier = new OpenBarrier();
    private Waiter waiter;

    @AfterEach
    void stop() throws InterruptedException {
        if (waiter != null) {
            waiter.thread.interrupt();
            LockSupport.unpark(waiter.thread);
            waiter.thread.join(TimeUnit.NANOSECONDS.toMillis(WAIT_NANOS));
        }
    }

    @Test
    void shouldLingerUnwakeableAndThenTakeWhatArrivedMeanwhileAsOneBatch() throws Exception {
        StageBlockingWaitStrategy strategy = new StageBlockingWaitStrategy(HOUR, clock::get);
        waiter = new Waiter(strategy, 0, cursor);
        awaitParked(waiter.thread, strategy);

        cursor.set(2);                          // three slots published ...
        strategy.signalAllWhenBlocking();       // ... and the producers' signal, which finds no waiter
        waiter.thread.join(200);
        assertTrue(waiter.thread.isAlive(), "a producer's signal ends no linger");
        assertSame(strategy, LockSupport.getBlocker(waiter.thread), "still lingering");

        LockSupport.unpark(waiter.thread);      // the linger's end
        assertEquals(2, waiter.result(), "the three slots, one batch");
    }

    @Test
    void shouldParkAtOnceAfterAnIdleLingerAndLingerAgainOnceEventsComeFasterThanIt() throws Exception {
        StageBlockingWaitStrategy strategy = new StageBlockingWaitStrategy(HOUR, clock::get);
        waiter = new Waiter(strategy, 0, cursor);
        awaitParked(waiter.thread, strategy);
        LockSupport.unpark(waiter.thread);      // the linger ends with nothing published
        awaitParked(waiter.thread, null);       // then it waits to be woken

        clock.addAndGet(2 * HOUR);              // a park longer than the linger ...
        cursor.set(0);
        strategy.signalAllWhenBlocking();
        assertEquals(0, waiter.result());

        waiter = new Waiter(strategy, 1, cursor);
        awaitParked(waiter.thread, null);       // ... so the next wait parks at once, no linger
        cursor.set(1);                          // a park shorter than the linger ...
        strategy.signalAllWhenBlocking();
        assertEquals(1, waiter.result(), "woken by the publish");

        waiter = new Waiter(strategy, 2, cursor);
        awaitParked(waiter.thread, strategy);   // ... so the next wait lingers again
        cursor.set(2);
        LockSupport.unpark(waiter.thread);
        assertEquals(2, waiter.result());
    }

    @Test
    void shouldNotLingerWithoutALinger() throws Exception {
        StageBlockingWaitStrategy strategy = new StageBlockingWaitStrategy(0, clock::get);
        waiter = new Waiter(strategy, 0, cursor);
        awaitParked(waiter.thread, null);
        cursor.set(0);
        strategy.signalAllWhenBlocking();
        assertEquals(0, waiter.result());
    }

    @Test
    void shouldNotLingerOnAThreadThatWaitsForTheStageThreadBeforeIt() throws Exception {
        StageBlockingWaitStrategy strategy = new StageBlockingWaitStrategy(HOUR, clock::get);
        Sequence before = new Sequence(-1);
        cursor.set(5);
        waiter = new Waiter(strategy, 0, before);
        awaitParked(waiter.thread, null);       // on the stage monitor, not in a linger
        before.set(3);
        strategy.signalStages();
        assertEquals(3, waiter.result());
    }

    @Test
    void shouldRefuseANegativeLinger() {
        assertThrows(IllegalArgumentException.class, () -> new StageBlockingWaitStrategy(-1));
    }

    /**
     * Waits until the thread parks with {@code blocker}: the strategy, in its linger; null, on one of
     * its monitors. A thread that parks elsewhere instead is still there after 30 s: that fails.
     */
    private static void awaitParked(Thread thread, Object blocker) {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (System.nanoTime() < deadline) {
            Thread.State state = thread.getState();
            if (state == Thread.State.TERMINATED) {
                fail("the waiter returned before it parked");
            }
            boolean parked = state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING;
            if (parked && (blocker != null ? LockSupport.getBlocker(thread) == blocker : inObjectWait(thread))) {
                return;
            }
            Thread.onSpinWait();
        }
        fail("the waiter did not park " + (blocker != null ? "in its linger" : "on a monitor") + " within 30 s");
    }

    private static boolean inObjectWait(Thread thread) {
        for (StackTraceElement frame : thread.getStackTrace()) {
            if (frame.getClassName().equals(Object.class.getName()) && frame.getMethodName().startsWith("wait")) {
                return true;
            }
        }
        return false;
    }

    /** One call of {@code waitFor} on a thread of its own. */
    private final class Waiter {
        final Thread thread;
        final AtomicReference<Object> outcome = new AtomicReference<>();

        Waiter(StageBlockingWaitStrategy strategy, long sequence, Sequence dependent) {
            thread = new Thread(() -> {
                try {
                    outcome.set(strategy.waitFor(sequence, cursor, dependent, barrier));
                } catch (Throwable e) {
                    outcome.set(e);
                }
            }, "waiter-" + sequence);
            thread.setDaemon(true);
            thread.start();
        }

        long result() throws InterruptedException {
            thread.join(TimeUnit.NANOSECONDS.toMillis(WAIT_NANOS));
            Object value = outcome.get();
            if (!(value instanceof Long sequence)) {
                throw new AssertionError("waitFor did not return a sequence: " + value);
            }
            return sequence;
        }
    }

    /** A barrier that is never alerted; only {@code checkAlert} is called by the strategy. */
    private static final class OpenBarrier implements SequenceBarrier {
        @Override
        public long waitFor(long sequence) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long getCursor() {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isAlerted() {
            return false;
        }

        @Override
        public void alert() {
        }

        @Override
        public void clearAlert() {
        }

        @Override
        public void checkAlert() throws AlertException {
        }
    }
}
