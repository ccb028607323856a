package dev.watchpost.ringbuffer.pipeline;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.WaitStrategy;

import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Blocking both ways: a stage thread parks while the producers have published nothing new for it, as
 * with Disruptor's {@code BlockingWaitStrategy}, and also while the stage thread before it has not
 * passed the slot it wants. Disruptor's own blocking strategy spins in the second case, which on a
 * 2-core box takes the core an I/O thread or the journal stage needs; here the thread before it wakes
 * it ({@link #signalStages}) each time it releases slots.
 *
 * <p>Two monitors, so that a producer's publish does not wake a thread waiting on a stage, nor a
 * stage's release a thread waiting on the producers. The wait on a stage is also timed
 * ({@link #STAGE_WAIT_MILLIS}), so that a halt, which signals only through
 * {@link #signalAllWhenBlocking}, is seen within it.
 *
 * <p>With a linger, the first stage thread, having run out of events, first sleeps that long without
 * being registered as a waiter, and only then parks to be woken: a producer that publishes meanwhile
 * signals no one (no system call, no wake-up), and what arrived during the linger is handled as one
 * batch, by every stage thread after it too (one fsync for it, one ACK write per connection). It
 * lingers only while events come faster than that: after a linger that found nothing it parks at
 * once, and lingers again once a park has ended within the linger's length; so at a few events a
 * second an event is handled as soon as it is published and costs no timer wake-up. The threads
 * after the first do not linger: the ack thread's batches already grow while it forces the journal.
 */
public final class StageBlockingWaitStrategy implements WaitStrategy {
    /** Longest park while waiting on a stage; bounds how long a halt takes to be seen. */
    static final long STAGE_WAIT_MILLIS = 50;

    private final long lingerNanos;
    private final LongSupplier clock;
    /** Whether the first stage thread lingers next time it runs out of events; that thread's alone. */
    private boolean lingering = true;
    private final Object published = new Object();
    private final Object released = new Object();

    /** @param lingerNanos how long the first stage thread sleeps, once out of events, before it parks to be woken */
    public StageBlockingWaitStrategy(long lingerNanos) {
        this(lingerNanos, System::nanoTime);
    }

    /** @param clock nanoseconds, for how long a park lasted; tests set it */
    StageBlockingWaitStrategy(long lingerNanos, LongSupplier clock) {
        if (lingerNanos < 0) {
            throw new IllegalArgumentException("linger must not be negative, was " + lingerNanos + " ns");
        }
        this.lingerNanos = lingerNanos;
        this.clock = clock;
    }

    @Override
    public long waitFor(long sequence, Sequence cursor, Sequence dependentSequence, SequenceBarrier barrier)
            throws AlertException, InterruptedException {
        if (cursor.get() < sequence) {
            // Only the first thread's barrier has the cursor itself as its dependent sequence.
            boolean first = lingerNanos > 0 && dependentSequence == cursor;
            if (first && lingering) {
                LockSupport.parkNanos(this, lingerNanos);
                lingering = cursor.get() >= sequence;
            }
            if (cursor.get() < sequence) {
                long parked = first ? clock.getAsLong() : 0;
                synchronized (published) {
                    while (cursor.get() < sequence) {
                        barrier.checkAlert();
                        published.wait();
                    }
                }
                if (first) {
                    lingering = clock.getAsLong() - parked < lingerNanos;
                }
            }
        }
        long available;
        while ((available = dependentSequence.get()) < sequence) {
            barrier.checkAlert();
            synchronized (released) {
                if (dependentSequence.get() < sequence) {
                    released.wait(STAGE_WAIT_MILLIS);
                }
            }
        }
        return available;
    }

    /** A producer published, or a barrier is alerted (a halt): wakes the threads waiting on the producers. */
    @Override
    public void signalAllWhenBlocking() {
        synchronized (published) {
            published.notifyAll();
        }
    }

    /** A stage thread released slots: wakes the threads waiting on it. */
    public void signalStages() {
        synchronized (released) {
            released.notifyAll();
        }
    }
}
