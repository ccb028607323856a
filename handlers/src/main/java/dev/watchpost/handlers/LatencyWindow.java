package dev.watchpost.handlers;

import org.HdrHistogram.Histogram;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Latencies over the last minute, in microseconds: the daemon keeps one for its answers (from an
 * event's receipt by an I/O thread, {@link dev.watchpost.ringbuffer.EventSlot#receivedAtUs}, to the ack
 * stage's flush of the ACK or NACK that covers it, which hands it to the I/O thread to send: the
 * daemon's own share of a detector's ACK latency) and one for the journal's forces to disk.
 *
 * <p>One writer, without atomics (the ack stage's thread): it records each latency into a histogram
 * of its own and, once per {@link #INTERVAL_NANOS}, swaps that histogram with the oldest of the
 * minute's completed ones under this object's lock; the swap and {@link #lastMinute} are the only two
 * places that take it. Where latencies come seldom and from any thread (the journal's forces), every
 * record and roll is made under that lock instead; then any thread holding it may roll the window, so
 * that a reader sees the intervals close on time. Nothing is allocated after construction.
 */
public final class LatencyWindow {
    /** Longer latencies are counted as this long: a minute. */
    static final long HIGHEST_US = 60_000_000L;
    static final long INTERVAL_NANOS = 5_000_000_000L;
    static final long WINDOW_NANOS = 60_000_000_000L;
    private static final int INTERVALS = (int) (WINDOW_NANOS / INTERVAL_NANOS);

    /** The minute's completed intervals, oldest first from {@link #oldest}; start and end in nanoTime. */
    private final Histogram[] completed = new Histogram[INTERVALS];
    private final long[] completedStart = new long[INTERVALS];
    private final long[] completedEnd = new long[INTERVALS];
    private int oldest;
    /** {@link #lastMinute}'s sum, kept to be refilled. */
    private final Histogram sum = histogram();

    // The writer's own.
    private Histogram current = histogram();
    private long currentStart;

    public LatencyWindow(long nowNanos) {
        for (int i = 0; i < INTERVALS; i++) {
            completed[i] = histogram();
            completedStart[i] = completedEnd[i] = nowNanos - WINDOW_NANOS; // empty, and already out of the window
        }
        currentStart = nowNanos;
    }

    private static Histogram histogram() {
        return new Histogram(HIGHEST_US, 2);
    }

    /** One latency of {@code micros}, counted as 0 when negative (clocks) and as {@link #HIGHEST_US} when longer. The writer. */
    public void record(long micros) {
        current.recordValue(Math.min(HIGHEST_US, Math.max(0, micros)));
    }

    /** Closes the current interval if it is due. The writer, once per batch or so. */
    public void roll(long nowNanos) {
        if (nowNanos - currentStart < INTERVAL_NANOS) {
            return;
        }
        synchronized (this) {
            Histogram done = current;
            current = completed[oldest];
            completed[oldest] = done;
            completedStart[oldest] = currentStart;
            completedEnd[oldest] = nowNanos;
            oldest = (oldest + 1) % INTERVALS;
        }
        current.reset();
        currentStart = nowNanos;
    }

    /**
     * The completed intervals that ended within the last minute, merged: {@code window_s} (the span
     * they cover, up to a minute; the newest {@link #INTERVAL_NANOS} are not in it yet, and a writer
     * that stood still for longer than an interval stretches it),
     * {@code count}, and {@code p50}, {@code p90}, {@code p99}, {@code p99_9}, {@code max} in µs,
     * which are {@code null} while the count is 0. Any thread.
     */
    public synchronized Map<String, Object> lastMinute(long nowNanos) {
        sum.reset();
        long from = Long.MAX_VALUE;
        long to = Long.MIN_VALUE;
        for (int i = 0; i < INTERVALS; i++) {
            if (nowNanos - completedEnd[i] < WINDOW_NANOS) {
                sum.add(completed[i]);
                from = Math.min(from, completedStart[i]);
                to = Math.max(to, completedEnd[i]);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("window_s", from == Long.MAX_VALUE ? 0 : Math.round((to - from) / 1e9));
        long count = sum.getTotalCount();
        out.put("count", count);
        out.put("p50", count == 0 ? null : sum.getValueAtPercentile(50));
        out.put("p90", count == 0 ? null : sum.getValueAtPercentile(90));
        out.put("p99", count == 0 ? null : sum.getValueAtPercentile(99));
        out.put("p99_9", count == 0 ? null : sum.getValueAtPercentile(99.9));
        out.put("max", count == 0 ? null : sum.getMaxValue());
        return out;
    }
}
