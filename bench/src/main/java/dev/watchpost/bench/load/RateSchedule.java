package dev.watchpost.bench.load;

/**
 * The open-loop send schedule of one connection: when its i-th event ought to leave, whatever became
 * of the events before it. ACK latency is measured from these intended times, so a stall of the
 * daemon (or of the generator) is charged to every event that should have been sent during it, not
 * only to the one event that happened to wait (coordinated omission).
 *
 * <p>The connections share one evenly spaced stream of {@code totalRate} events/s: with N connections,
 * connection c sends the stream's events c, c + N, c + 2N, … so each runs at totalRate / N and the
 * connections are offset from one another by one stream interval.
 *
 * <pre>
 *   stream      0   1   2   3   4   5   6   7      (1 / totalRate apart)
 *   conn 0      0       2       4       6          index 0, 1, 2, 3 of connection 0
 *   conn 1          1       3       5       7
 * </pre>
 *
 * <p>With a ramp of length T the stream's rate rises linearly from 0 to {@code totalRate} over the
 * first T, and stays there: a daemon, or a subscriber of its stream, that has only just started (code
 * not yet compiled, buffers not yet grown) is not met by the full rate in its first milliseconds. The
 * ramp belongs in the warm-up, whose events are not measured.
 *
 * <p>Immutable; times are {@link System#nanoTime()} values.
 */
final class RateSchedule {
    private final long startNanos;
    private final double nanosPerStreamEvent;
    private final int connections;
    private final int index;
    private final long rampNanos;
    /** Stream events intended during the ramp. */
    private final double rampEvents;

    /**
     * @param startNanos intended time of the stream's first event, a {@link System#nanoTime()} value
     * @param totalRate events per second over all connections, &gt; 0
     * @param connections number of connections sharing the stream, &ge; 1
     * @param index this connection, 0 … connections - 1
     */
    RateSchedule(long startNanos, double totalRate, int connections, int index) {
        this(startNanos, totalRate, connections, index, 0);
    }

    /** As above, the rate rising linearly from 0 over the first {@code rampNanos} (&ge; 0). */
    RateSchedule(long startNanos, double totalRate, int connections, int index, long rampNanos) {
        if (!(totalRate > 0) || Double.isInfinite(totalRate)) {
            throw new IllegalArgumentException("totalRate must be > 0 and finite, was " + totalRate);
        }
        if (connections < 1) {
            throw new IllegalArgumentException("connections must be >= 1, was " + connections);
        }
        if (index < 0 || index >= connections) {
            throw new IllegalArgumentException("index must be 0.." + (connections - 1) + ", was " + index);
        }
        if (rampNanos < 0) {
            throw new IllegalArgumentException("rampNanos must be >= 0, was " + rampNanos);
        }
        this.startNanos = startNanos;
        this.nanosPerStreamEvent = 1e9 / totalRate;
        this.connections = connections;
        this.index = index;
        this.rampNanos = rampNanos;
        this.rampEvents = rampNanos / nanosPerStreamEvent / 2;
    }

    /** Intended send time of this connection's event {@code i} (0-based; its seq is i + 1). */
    long intendedNanos(long i) {
        double streamEvent = i * (double) connections + index;
        if (streamEvent < rampEvents) {
            // n(t) = t² / (2 T nanosPerStreamEvent) during the ramp, solved for t
            return startNanos + (long) Math.sqrt(2 * rampNanos * streamEvent * nanosPerStreamEvent);
        }
        return startNanos + rampNanos + (long) ((streamEvent - rampEvents) * nanosPerStreamEvent);
    }

    /** How many of this connection's events are intended to leave before {@code endNanos}. */
    long eventsBefore(long endNanos) {
        double t = endNanos - startNanos;
        double streamEvents = t <= 0 ? 0 : t < rampNanos
            ? t * t / (2.0 * rampNanos * nanosPerStreamEvent)
            : rampEvents + (t - rampNanos) / nanosPerStreamEvent;
        long i = Math.max(0, (long) Math.ceil((streamEvents - index) / connections));
        // The division rounds; settle on the exact boundary with the same arithmetic intendedNanos uses.
        while (i > 0 && intendedNanos(i - 1) >= endNanos) {
            i--;
        }
        while (intendedNanos(i) < endNanos) {
            i++;
        }
        return i;
    }

    /** Events per second on this connection once the ramp is over. */
    double connectionRate() {
        return 1e9 / (nanosPerStreamEvent * connections);
    }
}
