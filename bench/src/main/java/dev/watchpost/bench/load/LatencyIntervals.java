package dev.watchpost.bench.load;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;

import java.util.List;

/**
 * Collects the connections' interval histograms (recycled, never reallocated), sums them per
 * interval, writes the ACK latency intervals to an HdrHistogram log and keeps the run's totals.
 * Only the main thread uses it.
 */
final class LatencyIntervals {
    /** The log's max column is in milliseconds; values are recorded in nanoseconds. */
    private static final double LOG_MAX_VALUE_UNIT_RATIO = 1e6;

    private final List<DetectorConnection> connections;
    private final Timeline timeline;
    private final HistogramLogWriter log;

    private final Histogram[] recycledAck;
    private final Histogram[] recycledFromSend;
    private final Histogram[] recycledSendLag;
    private final Histogram intervalAck = newHistogram();
    private final Histogram intervalFromSend = newHistogram();
    private final Histogram intervalSendLag = newHistogram();

    private final Histogram totalAck = newHistogram();
    private final Histogram totalFromSend = newHistogram();
    private final Histogram totalSendLag = newHistogram();
    /** ACK latency since the last progress line. */
    private final Histogram sinceProgress = newHistogram();

    /**
     * @param log where to write each interval's ACK latency, or {@code null}; its header is written here
     */
    LatencyIntervals(List<DetectorConnection> connections, Timeline timeline, HistogramLogWriter log, String comment) {
        this.connections = connections;
        this.timeline = timeline;
        this.log = log;
        this.recycledAck = new Histogram[connections.size()];
        this.recycledFromSend = new Histogram[connections.size()];
        this.recycledSendLag = new Histogram[connections.size()];
        if (log != null) {
            long startMillis = timeline.epochMillis(timeline.measureStartNanos());
            log.outputComment(comment);
            log.outputLogFormatVersion();
            log.outputStartTime(startMillis);
            log.outputBaseTime(startMillis);
            log.outputLegend();
        }
    }

    /** Takes the interval that ends at {@code endNanos} and began at {@code startNanos} from every connection. */
    void collect(long startNanos, long endNanos) {
        intervalAck.reset();
        intervalFromSend.reset();
        intervalSendLag.reset();
        for (int i = 0; i < connections.size(); i++) {
            DetectorConnection c = connections.get(i);
            recycledAck[i] = c.intervalAckLatency(recycledAck[i]);
            recycledFromSend[i] = c.intervalAckLatencyFromSend(recycledFromSend[i]);
            recycledSendLag[i] = c.intervalSendLag(recycledSendLag[i]);
            intervalAck.add(recycledAck[i]);
            intervalFromSend.add(recycledFromSend[i]);
            intervalSendLag.add(recycledSendLag[i]);
        }
        totalAck.add(intervalAck);
        totalFromSend.add(intervalFromSend);
        totalSendLag.add(intervalSendLag);
        sinceProgress.add(intervalAck);
        if (log != null && endNanos - timeline.measureStartNanos() > 0) {
            long from = Math.max(startNanos, timeline.measureStartNanos());
            log.outputIntervalHistogram(
                (from - timeline.measureStartNanos()) / 1e9,
                (endNanos - timeline.measureStartNanos()) / 1e9,
                intervalAck,
                LOG_MAX_VALUE_UNIT_RATIO);
        }
    }

    /** ACK latency since the previous call; reset by the call. The histogram is reused: read it at once. */
    Histogram takeSinceProgress(Histogram into) {
        into.reset();
        into.add(sinceProgress);
        sinceProgress.reset();
        return into;
    }

    Histogram totalAck() {
        return totalAck;
    }

    Histogram totalFromSend() {
        return totalFromSend;
    }

    Histogram totalSendLag() {
        return totalSendLag;
    }

    static Histogram newHistogram() {
        return new Histogram(DetectorConnection.HIGHEST_TRACKABLE_NANOS, DetectorConnection.SIGNIFICANT_DIGITS);
    }
}
