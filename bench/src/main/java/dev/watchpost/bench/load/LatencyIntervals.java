package dev.watchpost.bench.load;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;

import java.util.List;

/**
 * Collects the connections' (and the stream receiver's) interval histograms (recycled, never
 * reallocated), sums them per interval, writes the ACK latency intervals to an HdrHistogram log,
 * untagged, and the end-to-end intervals beside them tagged {@value #E2E_TAG}, and keeps the run's
 * totals. Only the main thread uses it.
 */
final class LatencyIntervals {
    /** Tag of the end-to-end (stream) intervals in the histogram log. */
    static final String E2E_TAG = "e2e";
    /** The log's max column is in milliseconds; values are recorded in nanoseconds. */
    private static final double LOG_MAX_VALUE_UNIT_RATIO = 1e6;

    private final List<DetectorConnection> connections;
    private final StreamReceiver stream;
    private final Timeline timeline;
    private final HistogramLogWriter log;

    private final Histogram[] recycledAck;
    private final Histogram[] recycledFromSend;
    private final Histogram[] recycledSendLag;
    private final Histogram intervalAck = newHistogram();
    private final Histogram intervalFromSend = newHistogram();
    private final Histogram intervalSendLag = newHistogram();
    private Histogram recycledE2e;
    private final Histogram intervalE2e = newHistogram();

    private final Histogram totalAck = newHistogram();
    private final Histogram totalFromSend = newHistogram();
    private final Histogram totalSendLag = newHistogram();
    private final Histogram totalE2e = newHistogram();
    /** ACK latency since the last progress line. */
    private final Histogram sinceProgress = newHistogram();
    /** End-to-end latency since the last progress line. */
    private final Histogram e2eSinceProgress = newHistogram();

    /**
     * @param stream the stream receiver, or {@code null} without one
     * @param log where to write each interval's latency, or {@code null}; its header is written here
     */
    LatencyIntervals(List<DetectorConnection> connections, StreamReceiver stream, Timeline timeline, HistogramLogWriter log,
                     String comment) {
        this.connections = connections;
        this.stream = stream;
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
        if (stream != null) {
            recycledE2e = stream.intervalLatency(recycledE2e);
            intervalE2e.reset();
            intervalE2e.add(recycledE2e);
            totalE2e.add(intervalE2e);
            e2eSinceProgress.add(intervalE2e);
        }
        if (log != null && endNanos - timeline.measureStartNanos() > 0) {
            long from = Math.max(startNanos, timeline.measureStartNanos());
            double start = (from - timeline.measureStartNanos()) / 1e9;
            double end = (endNanos - timeline.measureStartNanos()) / 1e9;
            log.outputIntervalHistogram(start, end, intervalAck, LOG_MAX_VALUE_UNIT_RATIO);
            if (stream != null) {
                intervalE2e.setTag(E2E_TAG); // reset() clears it
                log.outputIntervalHistogram(start, end, intervalE2e, LOG_MAX_VALUE_UNIT_RATIO);
            }
        }
    }

    /** ACK latency since the previous call; reset by the call. The histogram is reused: read it at once. */
    Histogram takeSinceProgress(Histogram into) {
        into.reset();
        into.add(sinceProgress);
        sinceProgress.reset();
        return into;
    }

    /** End-to-end latency since the previous call; reset by the call. The histogram is reused: read it at once. */
    Histogram takeE2eSinceProgress(Histogram into) {
        into.reset();
        into.add(e2eSinceProgress);
        e2eSinceProgress.reset();
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

    /** End-to-end latency (send to arrival on the stream); empty without a stream. */
    Histogram totalE2e() {
        return totalE2e;
    }

    static Histogram newHistogram() {
        return new Histogram(DetectorConnection.HIGHEST_TRACKABLE_NANOS, DetectorConnection.SIGNIFICANT_DIGITS);
    }
}
