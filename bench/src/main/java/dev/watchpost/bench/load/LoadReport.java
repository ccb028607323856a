package dev.watchpost.bench.load;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import dev.watchpost.ringbuffer.codec.NackCode;
import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The results of one run, summed over the connections once their threads have stopped: counts, rates
 * over the measured period, latency percentiles (µs) and, when asked for, what the stream receiver saw
 * and the daemon's CPU and memory; as a table for people and as JSON.
 */
final class LoadReport {
    private static final double[] PERCENTILES = {50, 90, 99, 99.9, 99.99};
    private static final String[] PERCENTILE_NAMES = {"p50", "p90", "p99", "p99_9", "p99_99"};

    private final LoadSettings settings;
    private final Timeline timeline;
    private final Histogram ackLatency;
    private final Histogram ackLatencyFromSend;
    private final Histogram sendLag;
    private final Histogram e2eLatency;
    private final StreamReceiver stream;
    /** The other subscribers of the stream, untimed (dashboards); none without a stream. */
    private final List<StreamReceiver> others;
    private final ProcessSampler sampler;

    private long sent;
    private long acked;
    private long nacked;
    private final long[] nacksByCode = new long[DetectorConnection.CODE_SLOTS];
    private final long[] invalidByCode = new long[DetectorConnection.CODE_SLOTS];
    private long duplicatesSent;
    private long invalidSent;
    private long unexpectedNacks;
    private long missingNacks;
    private long measuredSent;
    private long measuredAcked;
    private long windowStalls;
    private long writes;
    private long newSent;
    private long measuredNewSent;
    private long welcomeMaxFrame = -1;
    private long welcomeAckIntervalUs = -1;
    private final List<String> errors = new ArrayList<>();
    private final List<long[]> perConnection = new ArrayList<>();

    /**
     * Call after every connection, the stream receiver and the sampler have been closed.
     *
     * @param subscribers the stream's subscribers, the first timed (none without a stream)
     * @param sampler the daemon's sampler, or {@code null}
     */
    LoadReport(LoadSettings settings, Timeline timeline, List<DetectorConnection> connections, LatencyIntervals latency,
               List<StreamReceiver> subscribers, ProcessSampler sampler) {
        this.settings = settings;
        this.timeline = timeline;
        this.ackLatency = latency.totalAck();
        this.ackLatencyFromSend = latency.totalFromSend();
        this.sendLag = latency.totalSendLag();
        this.e2eLatency = latency.totalE2e();
        this.stream = subscribers.isEmpty() ? null : subscribers.get(0);
        this.others = subscribers.isEmpty() ? List.of() : subscribers.subList(1, subscribers.size());
        this.sampler = sampler;
        for (DetectorConnection c : connections) {
            long cSent = c.sent();
            long cAcked = c.acked();
            sent += cSent;
            acked += cAcked;
            nacked += c.nacks();
            for (int code = 0; code < DetectorConnection.CODE_SLOTS; code++) {
                nacksByCode[code] += c.nacksByCode()[code];
                invalidByCode[code] += c.invalidSentByCode()[code];
            }
            duplicatesSent += c.duplicatesSent();
            invalidSent += c.invalidSent();
            unexpectedNacks += c.unexpectedNacks();
            missingNacks += c.missingNacks();
            measuredSent += c.measuredSent();
            measuredAcked += c.measuredAcked();
            windowStalls += c.windowStalls();
            writes += c.writes();
            newSent += c.newSent();
            measuredNewSent += c.measuredNewSent();
            if (c.welcomeMaxFrame() >= 0) {
                welcomeMaxFrame = c.welcomeMaxFrame();
                welcomeAckIntervalUs = c.welcomeAckIntervalUs();
            }
            if (c.error() != null) {
                errors.add(c.error());
            } else if (cAcked < cSent) {
                errors.add("connection " + c.index() + ": " + (cSent - cAcked) + " of " + cSent
                    + " events not acknowledged within the " + fmt(settings.graceSeconds()) + " s grace period");
            }
            perConnection.add(new long[] {c.index(), cSent, cAcked, c.nacks()});
        }
    }

    /** Every event sent was acknowledged and no connection failed. */
    boolean allAcked() {
        return errors.isEmpty() && acked == sent;
    }

    /**
     * Without a stream, true; with one: every event the daemon stores (valid, receipt_id not sent
     * before) arrived at every subscriber, once, in order, with no journal seq skipped, and no
     * subscriber's stream failed.
     */
    boolean allStreamed() {
        if (stream == null) {
            return true;
        }
        for (StreamReceiver other : others) {
            if (!streamedAll(other)) {
                return false;
            }
        }
        return streamedAll(stream);
    }

    private boolean streamedAll(StreamReceiver subscriber) {
        return subscriber.error() == null && missing(subscriber) == 0 && subscriber.outOfOrder() == 0 && subscriber.seqBreaks() == 0;
    }

    /** Events the daemon stores that were sent but did not arrive on the (timed) stream. */
    long streamMissing() {
        return stream == null ? 0 : missing(stream);
    }

    private long missing(StreamReceiver subscriber) {
        return newSent - subscriber.received();
    }

    int exitCode() {
        return allAcked() && allStreamed() ? 0 : 1;
    }

    double measuredSeconds() {
        return timeline.measuredSeconds();
    }

    void printTable(PrintStream out) {
        String mode = settings.openLoop()
            ? String.format(Locale.ROOT, "open loop at %,.0f events/s", settings.rate())
            : "closed loop (window " + settings.window() + " per connection)";
        out.printf(Locale.ROOT, "Watchpost load: %s, %d connection%s to %s:%d%n", mode, settings.connections(),
            settings.connections() == 1 ? "" : "s", settings.host(), settings.port());
        out.printf(Locale.ROOT, "measured %s s after %s s warm-up%s; duplicates %s, invalid %s%s%n",
            fmt(settings.durationSeconds()), fmt(settings.warmupSeconds()),
            settings.openLoop() && settings.rampSeconds() > 0 ? " (the first " + fmt(settings.rampSeconds()) + " s ramping up)" : "",
            fmt(settings.duplicates()),
            fmt(settings.invalid()),
            welcomeMaxFrame >= 0 ? "; WELCOME max_frame " + welcomeMaxFrame + ", ack_interval_us " + welcomeAckIntervalUs : "");
        out.println();
        out.printf(Locale.ROOT, "  %-44s %14s%n", "events", "count");
        row(out, "sent", sent);
        row(out, "acked (cumulative)", acked);
        row(out, "duplicates sent", duplicatesSent);
        row(out, "invalid sent", invalidSent);
        row(out, "nacked", nacked);
        for (int code = 0; code < DetectorConnection.CODE_SLOTS; code++) {
            if (nacksByCode[code] != 0 || invalidByCode[code] != 0) {
                out.printf(Locale.ROOT, "    %-42s %14d   expected %d%n", codeName(code), nacksByCode[code], invalidByCode[code]);
            }
        }
        if (unexpectedNacks != 0 || missingNacks != 0) {
            row(out, "NACKs not as expected", unexpectedNacks);
            row(out, "NACKs missing", missingNacks);
        }
        if (windowStalls != 0) {
            row(out, "window stalls", windowStalls);
        }
        String writesRow = settings.writeIntervalMicros() > 0
            ? "writes (at most one per " + settings.writeIntervalMicros() + " µs)" : "writes";
        out.printf(Locale.ROOT, "  %-44s %14d   %.1f events each%n", writesRow, writes, writes == 0 ? 0.0 : (double) sent / writes);
        if (stream != null) {
            row(out, "to be streamed (valid, receipt_id new)", newSent);
            row(out, "streamed (arrived on the WebSocket)", stream.received());
            row(out, "stream missing", streamMissing());
            rowIfAny(out, "stream: out of order or repeated", stream.outOfOrder());
            rowIfAny(out, "stream: journal seq not previous + 1", stream.seqBreaks());
            rowIfAny(out, "stream: send time no longer known", stream.withoutSendTime());
            rowIfAny(out, "stream: events of other producers (the daemon's derived events too)", stream.foreign());
            if (!others.isEmpty()) {
                row(out, "other subscribers (untimed)", others.size());
                row(out, "  that streamed every event, once, in order", others.stream().filter(this::streamedAll).count());
            }
        }
        out.println();
        out.printf(Locale.ROOT, "  %-44s %14s%n", "measured period", fmt(measuredSeconds()) + " s");
        out.printf(Locale.ROOT, "  %-44s %14.1f%n", "events/s acked", measuredAcked / measuredSeconds());
        out.printf(Locale.ROOT, "  %-44s %14.1f%n", "events/s sent", measuredSent / measuredSeconds());
        out.println();
        out.printf(Locale.ROOT, "  %-22s %9s %9s %9s %9s %9s %9s %11s%n",
            "latency (µs)", "p50", "p90", "p99", "p99.9", "p99.99", "max", "count");
        if (settings.openLoop()) {
            latencyRow(out, "ACK from intended send", ackLatency);
            latencyRow(out, "ACK from actual send", ackLatencyFromSend);
            latencyRow(out, "send lag", sendLag);
        } else {
            latencyRow(out, "ACK from send", ackLatencyFromSend);
        }
        if (stream != null) {
            latencyRow(out, settings.openLoop() ? "e2e from intended send" : "e2e from send", e2eLatency);
            if (stream.cpuSeconds() >= 0) {
                out.printf(Locale.ROOT, "  (e2e: the stream's subscriber in this process used %.1f %% of one core)%n",
                    100 * stream.cpuSeconds() / stream.openSeconds());
            }
        }
        out.println();
        if (sampler != null) {
            printDaemon(out);
        }
        if (allAcked()) {
            out.printf(Locale.ROOT, "OK: all %d events sent were acknowledged%n", sent);
        } else {
            out.printf(Locale.ROOT, "FAILED: %d of %d events sent were acknowledged%n", acked, sent);
            for (String e : errors) {
                out.println("  " + e);
            }
        }
        if (stream != null) {
            if (allStreamed()) {
                out.printf(Locale.ROOT, "OK: all %d events to be streamed arrived on the stream%n", newSent);
            } else {
                if (!streamedAll(stream)) {
                    out.printf(Locale.ROOT, "FAILED: %d of %d events to be streamed arrived on the stream%s%n",
                        stream.received(), newSent, stream.error() != null ? "; " + stream.error() : "");
                }
                for (int i = 0; i < others.size(); i++) {
                    StreamReceiver other = others.get(i);
                    if (!streamedAll(other)) {
                        out.printf(Locale.ROOT, "FAILED: subscriber %d of %d: %d of %d events to be streamed arrived%s%n", i + 2,
                            others.size() + 1, other.received(), newSent, other.error() != null ? "; " + other.error() : "");
                    }
                }
            }
        }
    }

    private void printDaemon(PrintStream out) {
        out.printf(Locale.ROOT, "  daemon: pid %d, %d samples over %.1f s, %d cores, %d clock ticks/s%s%n",
            sampler.pid(), sampler.samples(), sampler.seconds(), sampler.cores(), sampler.clockTicks(),
            sampler.error() != null ? "; " + sampler.error() : "");
        if (sampler.samples() >= 2) {
            out.printf(Locale.ROOT, "  %-22s %9s %9s%n", "daemon CPU (%)", "mean", "max 1 s");
            out.printf(Locale.ROOT, "  %-22s %9.1f %9.1f%n", "of one core", sampler.meanCorePercent(), sampler.maxCorePercent());
            out.printf(Locale.ROOT, "  %-22s %9.1f %9.1f%n", "of the box, " + sampler.cores() + " cores",
                sampler.meanCorePercent() / sampler.cores(), sampler.maxCorePercent() / sampler.cores());
        }
        if (sampler.samples() >= 1) {
            out.printf(Locale.ROOT, "  %-22s %9s %9s %9s%n", "daemon memory (MiB)", "start", "max", "end");
            memoryRow(out, "RSS", sampler.rssKib());
            memoryRow(out, "RssAnon", sampler.anonKib());
            memoryRow(out, "RssFile", sampler.fileKib());
        }
        out.println();
    }

    private static void memoryRow(PrintStream out, String name, long[] kib) {
        if (kib[0] >= 0) {
            out.printf(Locale.ROOT, "  %-22s %9.1f %9.1f %9.1f%n", name, kib[0] / 1024.0, kib[1] / 1024.0, kib[2] / 1024.0);
        }
    }

    String toJson() {
        ObjectNode json = JSON.createObjectNode();
        json.put("tool", "watchpost-load");
        ObjectNode set = json.putObject("settings");
        set.put("host", settings.host())
            .put("port", settings.port())
            .put("connections", settings.connections())
            .put("mode", settings.openLoop() ? "open" : "closed")
            .put("rate", round(settings.rate(), 1))
            .put("duration_s", round(settings.durationSeconds(), 3))
            .put("warmup_s", round(settings.warmupSeconds(), 3))
            .put("ramp_s", round(settings.openLoop() ? settings.rampSeconds() : 0, 3))
            .put("grace_s", round(settings.graceSeconds(), 3))
            .put("window", settings.window())
            .put("write_interval_us", settings.writeIntervalMicros())
            .put("duplicates", round(settings.duplicates(), 6))
            .put("invalid", round(settings.invalid(), 6))
            .put("motion_share", round(settings.motionShare(), 6))
            .put("label_bytes", settings.labelBytes())
            .put("payload_bytes", settings.payloadBytes())
            .put("hello", settings.token() != null)
            .put("seed", settings.seed())
            .put("stream", settings.stream() == null ? null : settings.stream().toString())
            .put("stream_subscribers", settings.streamSubscribers())
            .put("daemon_pid", settings.daemonPid());
        if (welcomeMaxFrame >= 0) {
            json.putObject("welcome")
                .put("max_frame", welcomeMaxFrame)
                .put("ack_interval_us", welcomeAckIntervalUs);
        }
        json.put("sent", sent)
            .put("acked", acked)
            .put("nacked", nacked)
            .put("duplicates_sent", duplicatesSent)
            .put("invalid_sent", invalidSent);
        codes(json.putObject("nacks_by_code"), nacksByCode);
        codes(json.putObject("invalid_sent_by_code"), invalidByCode);
        json.put("unexpected_nacks", unexpectedNacks)
            .put("missing_nacks", missingNacks)
            .put("window_stalls", windowStalls)
            .put("writes", writes);
        json.putObject("measured")
            .put("seconds", round(measuredSeconds(), 3))
            .put("sent", measuredSent)
            .put("acked", measuredAcked)
            .put("acked_per_s", round(measuredAcked / measuredSeconds(), 1))
            .put("sent_per_s", round(measuredSent / measuredSeconds(), 1));
        ObjectNode latency = json.putObject("latency_us");
        latency(latency.putObject("ack"), ackLatency);
        latency(latency.putObject("ack_from_send"), ackLatencyFromSend);
        if (settings.openLoop()) {
            latency(latency.putObject("send_lag"), sendLag);
        }
        if (stream != null) {
            latency(latency.putObject("e2e"), e2eLatency);
            ObjectNode streamed = json.putObject("stream")
                .put("url", stream.uri().toString())
                .put("expected", newSent)
                .put("received", stream.received())
                .put("missing", streamMissing())
                .put("measured_expected", measuredNewSent)
                .put("out_of_order", stream.outOfOrder())
                .put("seq_breaks", stream.seqBreaks())
                .put("without_send_time", stream.withoutSendTime())
                .put("foreign", stream.foreign())
                .put("receiver_cpu_s", round(stream.cpuSeconds(), 3))
                .put("receiver_open_s", round(stream.openSeconds(), 3))
                .put("error", stream.error())
                .put("subscribers", others.size() + 1);
            ArrayNode untimed = streamed.putArray("others");
            for (StreamReceiver other : others) {
                untimed.addObject()
                    .put("received", other.received())
                    .put("missing", missing(other))
                    .put("out_of_order", other.outOfOrder())
                    .put("seq_breaks", other.seqBreaks())
                    .put("error", other.error());
            }
        }
        if (sampler != null) {
            ObjectNode daemon = json.putObject("daemon");
            daemon.put("pid", sampler.pid())
                .put("clock_ticks_per_s", sampler.clockTicks())
                .put("cores", sampler.cores())
                .put("samples", sampler.samples())
                .put("seconds", round(sampler.seconds(), 3));
            if (sampler.samples() >= 2) {
                daemon.putObject("cpu_percent_of_core")
                    .put("mean", round(sampler.meanCorePercent(), 1))
                    .put("max_1s", round(sampler.maxCorePercent(), 1));
                daemon.putObject("cpu_percent_of_box")
                    .put("mean", round(sampler.meanCorePercent() / sampler.cores(), 1))
                    .put("max_1s", round(sampler.maxCorePercent() / sampler.cores(), 1));
            }
            if (sampler.samples() >= 1) {
                memory(daemon, "rss_kib", sampler.rssKib());
                memory(daemon, "rss_anon_kib", sampler.anonKib());
                memory(daemon, "rss_file_kib", sampler.fileKib());
            }
            daemon.put("error", sampler.error());
        }
        ArrayNode connections = json.putArray("connections");
        for (long[] c : perConnection) {
            connections.addObject()
                .put("index", c[0])
                .put("sent", c[1])
                .put("acked", c[2])
                .put("nacked", c[3]);
        }
        ArrayNode errorList = json.putArray("errors");
        errors.forEach(errorList::add);
        json.put("all_acked", allAcked());
        if (stream != null) {
            json.put("all_streamed", allStreamed());
        }
        json.put("exit_code", exitCode());
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private static double round(double value, int decimals) {
        return BigDecimal.valueOf(value).setScale(decimals, RoundingMode.HALF_UP).doubleValue();
    }

    private static void codes(ObjectNode json, long[] byCode) {
        for (int code = 0; code < byCode.length; code++) {
            if (byCode[code] != 0) {
                json.put(code == 0 ? "other" : Integer.toString(code), byCode[code]);
            }
        }
    }

    private static void latency(ObjectNode json, Histogram h) {
        json.put("count", h.getTotalCount());
        if (h.getTotalCount() > 0) {
            json.put("mean", round(h.getMean() / 1e3, 1));
            for (int i = 0; i < PERCENTILES.length; i++) {
                json.put(PERCENTILE_NAMES[i], round(micros(h.getValueAtPercentile(PERCENTILES[i])), 1));
            }
            json.put("max", round(micros(h.getMaxValue()), 1));
        }
    }

    private static void memory(ObjectNode json, String name, long[] kib) {
        if (kib[0] >= 0) {
            json.putObject(name).put("start", kib[0]).put("max", kib[1]).put("end", kib[2]);
        }
    }

    private static void row(PrintStream out, String name, long value) {
        out.printf(Locale.ROOT, "  %-44s %14d%n", name, value);
    }

    private static void rowIfAny(PrintStream out, String name, long value) {
        if (value != 0) {
            row(out, name, value);
        }
    }

    private static void latencyRow(PrintStream out, String name, Histogram h) {
        if (h.getTotalCount() == 0) {
            out.printf(Locale.ROOT, "  %-22s %9s%n", name, "-");
            return;
        }
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-22s", name));
        for (double p : PERCENTILES) {
            line.append(String.format(Locale.ROOT, " %9.1f", micros(h.getValueAtPercentile(p))));
        }
        line.append(String.format(Locale.ROOT, " %9.1f %11d", micros(h.getMaxValue()), h.getTotalCount()));
        out.println(line);
    }

    private static String codeName(int code) {
        if (code == 0) {
            return "other codes";
        }
        NackCode known = NackCode.of(code);
        return "code " + code + (known != null ? ": " + known.reason() : "");
    }

    /** A histogram value (ns, highest equivalent, as HdrHistogram reports) in µs. */
    static double micros(long nanos) {
        return nanos / 1e3;
    }

    private static String fmt(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15
            ? Long.toString((long) value)
            : String.format(Locale.ROOT, "%s", value);
    }
}
