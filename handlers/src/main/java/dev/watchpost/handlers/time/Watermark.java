package dev.watchpost.handlers.time;

import java.time.Duration;

/**
 * The event-time watermark: the time up to which the daemon takes event time to be complete, so that
 * rules that wait (a window closing, a track going idle, a sequence timing out) may fire. It is the
 * highest event time seen minus the allowed lateness, and never goes backwards.
 *
 * <p>When no event has arrived for longer than the allowed lateness, the wall clock moves it too: to
 * {@code now - allowedLateness - clockSkew}, so that an idle site still closes its windows. The clock
 * skew is the margin left for detectors whose event times trail the daemon's clock.
 *
 * <p>An event whose time is below the watermark when it arrives is <em>late</em>: it is still stored,
 * and counted; rules judge it only against what is still open.
 *
 * <p>Single writer: one stage (the window stage) owns it and stamps its value into each slot for
 * the stages after it. All times are microseconds since the epoch.
 */
public final class Watermark {
    /** Value before any event or tick. */
    public static final long NONE = Long.MIN_VALUE;

    private final long latenessUs;
    private final long clockSkewUs;
    private long maxEventTsUs = NONE;
    private long lastArrivalUs = NONE;
    private long valueUs = NONE;

    public Watermark(Duration allowedLateness, Duration clockSkew) {
        if (allowedLateness.isNegative() || clockSkew.isNegative()) {
            throw new IllegalArgumentException("lateness and clock skew must not be negative, were " + allowedLateness + ", " + clockSkew);
        }
        this.latenessUs = allowedLateness.toNanos() / 1000;
        this.clockSkewUs = clockSkew.toNanos() / 1000;
    }

    /**
     * Notes an event with event time {@code tsUs} that arrived at wall-clock time {@code arrivalUs}.
     *
     * @return true when it is late: its event time is below the watermark as it stood before it
     */
    public boolean onEvent(long tsUs, long arrivalUs) {
        boolean late = tsUs < valueUs;
        if (tsUs > maxEventTsUs) {
            maxEventTsUs = tsUs;
            advanceTo(tsUs - latenessUs);
        }
        if (arrivalUs > lastArrivalUs) {
            lastArrivalUs = arrivalUs;
        }
        return late;
    }

    /**
     * The wall clock reads {@code nowUs}: when no event has arrived for longer than the allowed
     * lateness, the watermark moves to {@code nowUs - allowedLateness - clockSkew} if that is later.
     *
     * @return true when the watermark moved
     */
    public boolean onWallClock(long nowUs) {
        if (lastArrivalUs != NONE && nowUs - lastArrivalUs <= latenessUs) {
            return false;
        }
        return advanceTo(nowUs - latenessUs - clockSkewUs);
    }

    private boolean advanceTo(long candidateUs) {
        if (candidateUs > valueUs) {
            valueUs = candidateUs;
            return true;
        }
        return false;
    }

    /** The watermark, or {@link #NONE} before any event or quiet tick. */
    public long valueUs() {
        return valueUs;
    }

    /** The highest event time seen, or {@link #NONE}. */
    public long maxEventTsUs() {
        return maxEventTsUs;
    }

    public long allowedLatenessUs() {
        return latenessUs;
    }
}
