package dev.watchpost.ringbuffer.pipeline;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.WaitStrategy;

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
 */
public final class StageBlockingWaitStrategy implements WaitStrategy {
    /** Longest park while waiting on a stage; bounds how long a halt takes to be seen. */
    static final long STAGE_WAIT_MILLIS = 50;

    private final Object published = new Object();
    private final Object released = new Object();

    @Override
    public long waitFor(long sequence, Sequence cursor, Sequence dependentSequence, SequenceBarrier barrier)
            throws AlertException, InterruptedException {
        if (cursor.get() < sequence) {
            synchronized (published) {
                while (cursor.get() < sequence) {
                    barrier.checkAlert();
                    published.wait();
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
