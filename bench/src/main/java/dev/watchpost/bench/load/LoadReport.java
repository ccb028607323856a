package dev.watchpost.bench.load;

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
        JsonWriter json = new JsonWriter();
        json.beginObject(null);
        json.field("tool", "watchpost-load");
        json.beginObject("settings")
            .field("host", settings.host())
            .field("port", settings.port())
            .field("connections", settings.connections())
            .field("mode", settings.openLoop() ? "open" : "closed")
            .field("rate", settings.rate(), 1)
            .field("duration_s", settings.durationSeconds(), 3)
            .field("warmup_s", settings.warmupSeconds(), 3)
            .field("grace_s", settings.graceSeconds(), 3)
            .field("window", settings.window())
            .field("duplicates", settings.duplicates(), 6)
            .field("invalid", settings.invalid(), 6)
            .field("motion_share", settings.motionShare(), 6)
            .field("label_bytes", settings.labelBytes())
            .field("payload_bytes", settings.payloadBytes())
            .field("hello", settings.token() != null)
            .field("seed", settings.seed())
            .endObject();
        if (welcomeMaxFrame >= 0) {
            json.beginObject("welcome")
                .field("max_frame", welcomeMaxFrame)
                .field("ack_interval_us", welcomeAckIntervalUs)
                .endObject();
        }
        json.field("sent", sent)
            .field("acked", acked)
            .field("nacked", nacked)
            .field("duplicates_sent", duplicatesSent)
            .field("invalid_sent", invalidSent);
        codes(json, "nacks_by_code", nacksByCode);
        codes(json, "invalid_sent_by_code", invalidByCode);
        json.field("unexpected_nacks", unexpectedNacks)
            .field("missing_nacks", missingNacks)
            .field("window_stalls", windowStalls);
        json.beginObject("measured")
            .field("seconds", measuredSeconds(), 3)
            .field("sent", measuredSent)
            .field("acked", measuredAcked)
            .field("acked_per_s", measuredAcked / measuredSeconds(), 1)
            .field("sent_per_s", measuredSent / measuredSeconds(), 1)
            .endObject();
        json.beginObject("latency_us");
        latency(json, "ack", ackLatency);
        latency(json, "ack_from_send", ackLatencyFromSend);
        if (settings.openLoop()) {
            latency(json, "send_lag", sendLag);
        }
        json.endObject();
        json.beginArray("connections");
        for (long[] c : perConnection) {
            json.beginObject(null)
                .field("index", c[0])
                .field("sent", c[1])
                .field("acked", c[2])
                .field("nacked", c[3])
                .endObject();
        }
        json.endArray();
        json.beginArray("errors");
        for (String e : errors) {
            json.value(e);
        }
        json.endArray();
        json.field("all_acked", allAcked())
            .field("exit_code", exitCode());
        json.endObject();
        return json + "\n";
    }

    private static void codes(JsonWriter json, String name, long[] byCode) {
        json.beginObject(name);
        for (int code = 0; code < byCode.length; code++) {
            if (byCode[code] != 0) {
                json.field(code == 0 ? "other" : Integer.toString(code), byCode[code]);
            }
        }
        json.endObject();
    }

    private static void latency(JsonWriter json, String name, Histogram h) {
        json.beginObject(name).field("count", h.getTotalCount());
        if (h.getTotalCount() > 0) {
            json.field("mean", h.getMean() / 1e3, 1);
            for (int i = 0; i < PERCENTILES.length; i++) {
                json.field(PERCENTILE_NAMES[i], micros(h.getValueAtPercentile(PERCENTILES[i])), 1);
            }
            json.field("max", micros(h.getMaxValue()), 1);
        }
        json.endObject();
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
