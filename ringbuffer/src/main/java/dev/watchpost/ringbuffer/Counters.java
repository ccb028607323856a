package dev.watchpost.ringbuffer;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The values of every {@link Counter}, plus one counter per NACK code. Any thread may add; stages on
 * the hot path add once per batch, not once per event. Counters sit two cache lines apart so writers
 * on different threads do not share lines.
 */
public final class Counters {
    private static final int STRIDE = 16; // 16 longs = 128 bytes, two cache lines
    private static final int NACK_CODES = 32;

    private final AtomicLongArray values = new AtomicLongArray((Counter.values().length + NACK_CODES) * STRIDE);

    public void increment(Counter counter) {
        add(counter, 1);
    }

    public void add(Counter counter, long delta) {
        if (delta != 0) {
            values.getAndAdd(counter.ordinal() * STRIDE, delta);
        }
    }

    /** Counts a rejection with this NACK code. */
    public void incrementNack(int code) {
        values.getAndIncrement((Counter.values().length + code) * STRIDE);
    }

    public long get(Counter counter) {
        return values.get(counter.ordinal() * STRIDE);
    }

    public long nackCount(int code) {
        return values.get((Counter.values().length + code) * STRIDE);
    }

    /** Largest NACK code that has a counter, exclusive. */
    public static int nackCodeLimit() {
        return NACK_CODES;
    }
}
