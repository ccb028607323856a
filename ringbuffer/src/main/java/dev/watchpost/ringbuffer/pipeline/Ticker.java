package dev.watchpost.ringbuffer.pipeline;

import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.WallClock;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The wall clock's voice in the ring: a thread that publishes a {@link EventSlot#KIND_TICK} slot
 * carrying {@link WallClock#nowMicros()} every interval, so that the stages waiting on event time
 * (the watermark, the windows it closes, the tracks it ends) move on while no event arrives.
 *
 * <pre>
 *  watchpost-tick ── every tick_interval ──► ring ─► [... window fuse ...]   (the journal and publish stages store
 *                                                                            and stream the derived events it carries)
 * </pre>
 *
 * <p>When the ring is full the tick is skipped: events are flowing, and they move the watermark
 * themselves. Stop it ({@link #close}) before the pipeline drains: it is a producer.
 */
public final class Ticker implements AutoCloseable {
    private final RingBuffer<EventSlot> ring;
    private final long intervalNanos;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long published;

    public Ticker(RingBuffer<EventSlot> ring, Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("tick interval must be positive, was " + interval);
        }
        this.ring = ring;
        this.intervalNanos = interval.toNanos();
        this.thread = new Thread(this::run, "watchpost-tick");
        this.thread.setDaemon(true);
    }

    public Ticker start() {
        thread.start();
        return this;
    }

    private void run() {
        long next = System.nanoTime() + intervalNanos;
        while (running) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(this, wait);
                continue; // woken early, or on time: look again
            }
            next += intervalNanos;
            if (next - System.nanoTime() < 0) {
                next = System.nanoTime() + intervalNanos; // fell behind (a paused process): no burst of ticks
            }
            tick();
        }
    }

    /** Publishes one tick now, unless the ring is full. */
    void tick() {
        long sequence;
        try {
            sequence = ring.tryNext();
        } catch (InsufficientCapacityException e) {
            return;
        }
        try {
            ring.get(sequence).claimTick(WallClock.nowMicros());
        } finally {
            ring.publish(sequence);
        }
        published++;
    }

    /** Ticks published so far; for tests. */
    public long published() {
        return published;
    }

    /** Stops publishing and waits for the thread to end. Idempotent. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
