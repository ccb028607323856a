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
 * over the measured period and latency percentiles (µs), as a table for people and as JSON.
 */
final class LoadReport {
    private static final double[] PERCENTILES = {50, 90, 99, 99.9, 99.99};
    private static final String[] PERCENTILE_NAMES = {"p50", "p90", "p99", "p99_9", "p99_99"};

    private final LoadSettings settings;
    private final Timeline timeline;
    private final Histogram ackLatency;
    private final Histogram ackLatencyFromSend;
    private final Histogram sendLag;

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
    private long welcomeMaxFrame = -1;
    private long welcomeAckIntervalUs = -1;
    private final List<String> errors = new ArrayList<>();
    private final List<long[]> perConnection = new ArrayList<>();

    /** Call after every connection has been closed. */
    LoadReport(LoadSettings settings, Timeline timeline, List<DetectorConnection> connections, LatencyIntervals latency) {
        this.settings = settings;
        this.timeline = timeline;
        this.ackLatency = latency.totalAck();
        this.ackLatencyFromSend = latency.totalFromSend();
        this.sendLag = latency.totalSendLag();
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

    int exitCode() {
        return allAcked() ? 0 : 1;
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
        out.printf(Locale.ROOT, "measured %s s after %s s warm-up; duplicates %s, invalid %s%s%n",
            fmt(settings.durationSeconds()), fmt(settings.warmupSeconds()), fmt(settings.duplicates()),
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
        out.println();
        if (allAcked()) {
            out.printf(Locale.ROOT, "OK: all %d events sent were acknowledged%n", sent);
        } else {
            out.printf(Locale.ROOT, "FAILED: %d of %d events sent were acknowledged%n", acked, sent);
            for (String e : errors) {
                out.println("  " + e);
            }
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
            .put("grace_s", round(settings.graceSeconds(), 3))
            .put("window", settings.window())
            .put("duplicates", round(settings.duplicates(), 6))
            .put("invalid", round(settings.invalid(), 6))
            .put("motion_share", round(settings.motionShare(), 6))
            .put("label_bytes", settings.labelBytes())
            .put("payload_bytes", settings.payloadBytes())
            .put("hello", settings.token() != null)
            .put("seed", settings.seed());
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
            .put("window_stalls", windowStalls);
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
        json.put("all_acked", allAcked())
            .put("exit_code", exitCode());
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

    private static void row(PrintStream out, String name, long value) {
        out.printf(Locale.ROOT, "  %-44s %14d%n", name, value);
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
