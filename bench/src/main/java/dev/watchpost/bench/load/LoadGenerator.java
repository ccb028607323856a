package dev.watchpost.bench.load;

import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.HelloFrame;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * End-to-end load generator: N simulated detectors speaking protocol v1 over TCP to a running
 * daemon, measuring the latency from an event's intended send time to the ACK that covers it and,
 * with {@code --stream}, to its arrival at a WebSocket subscriber of the daemon's stream; with
 * {@code --daemon-pid}, the daemon's CPU and memory.
 *
 * <pre>
 *   LoadGenerator ── connection 0: sender ──frames──► watchpostd ──ACK/NACK──► reader ─► Recorder
 *                 ── connection 1: …                     │                                 │
 *                                                        └──/v1/stream──► StreamReceiver ─► Recorder
 *                 ◄──────────────── interval histograms every second (log, progress, totals) ◄┘
 *                 ── ProcessSampler: /proc/PID/stat and status of the daemon, once a second
 * </pre>
 *
 * <p>Open loop ({@code --rate R}): events leave on a fixed schedule of R events/s in total, and
 * latency is taken from each event's scheduled time, which corrects for coordinated omission.
 * Closed loop ({@code --rate 0}): each connection sends as fast as its window of unacknowledged
 * events allows; this measures sustained throughput, and its latency is from the actual send.
 */
@Command(
    name = "watchpost-load",
    mixinStandardHelpOptions = true,
    version = "watchpost-load 0.1.0",
    sortOptions = false,
    description = "Simulates detectors sending protocol v1 EVENT frames over TCP to watchpostd and measures "
        + "ACK latency (corrected for coordinated omission in open loop) and throughput; optionally end-to-end "
        + "latency to a WebSocket subscriber of the daemon's stream, and the daemon's CPU and RSS.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:every event sent was acknowledged (cumulatively) within the grace period (with --stream: and every "
            + "event the daemon stores arrived on the stream, once, in order)",
        "1:an event stayed unacknowledged, a connection or the stream failed, a stored event did not arrive on "
            + "the stream, or results could not be written",
        "2:invalid options"})
public final class LoadGenerator implements Callable<Integer> {
    /** Time from the last connect to the first send, so that every sender thread is up. */
    private static final long START_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int PROGRESS_EVERY_INTERVALS = 5;
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    @Spec
    CommandSpec spec;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Daemon host (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "7700", description = "Daemon TCP port for detectors (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--connections", defaultValue = "4", paramLabel = "N",
        description = "Simulated detectors, one TCP connection each (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--rate", defaultValue = "0", paramLabel = "R",
        description = "Events/s over all connections, open loop; 0 = closed loop, as fast as the window allows (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--duration", defaultValue = "30", paramLabel = "S",
        description = "Seconds of measurement (default: ${DEFAULT-VALUE}).")
    double duration;

    @Option(names = "--warmup", defaultValue = "10", paramLabel = "S",
        description = "Seconds of load before the measurement, not recorded (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--ramp", defaultValue = "-1", paramLabel = "S",
        description = "Open loop: seconds at the start of the warm-up over which the rate rises linearly from 0, "
            + "so that neither the daemon nor the stream subscriber meets the full rate cold; at most --warmup "
            + "(default: half the warm-up).")
    double ramp;

    @Option(names = "--grace", defaultValue = "10", paramLabel = "S",
        description = "Seconds after the last send to wait for the last ACKs (default: ${DEFAULT-VALUE}).")
    double grace;

    @Option(names = "--window", defaultValue = "65536", paramLabel = "W",
        description = "Most unacknowledged events per connection; in open loop a safety bound (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--write-interval", defaultValue = "0", paramLabel = "US",
        description = "Open loop: each connection writes at most once per US microseconds, every event due by then in "
            + "one write, as a detector that sends a video frame's events together does; latency still counts from "
            + "each event's own intended send time (default: ${DEFAULT-VALUE}, each event as soon as it is due).")
    long writeInterval;

    @Option(names = "--duplicates", defaultValue = "0", paramLabel = "F",
        description = "Share of events (0..1) that resend an earlier receipt_id (default: ${DEFAULT-VALUE}).")
    double duplicates;

    @Option(names = "--invalid", defaultValue = "0", paramLabel = "F",
        description = "Share of events (0..1) made invalid, each must get its NACK: confidence 2.0 (12), zero store_id (14), "
            + "source 9 (15), bbox out of frame (16) (default: ${DEFAULT-VALUE}).")
    double invalid;

    @Option(names = "--motion-share", defaultValue = "0.6", paramLabel = "F",
        description = "Share of scenarios that are motion bursts; the rest are face tracks (default: ${DEFAULT-VALUE}).")
    double motionShare;

    @Option(names = "--label-bytes", defaultValue = "-1", paramLabel = "N",
        description = "Label size in bytes, 0..64; -1 = natural labels (motion, person) (default: ${DEFAULT-VALUE}).")
    int labelBytes;

    @Option(names = "--payload-bytes", defaultValue = "-1", paramLabel = "N",
        description = "JSON object payload of about N bytes; 0 = none, -1 = natural payloads of 44-70 bytes (default: ${DEFAULT-VALUE}).")
    int payloadBytes;

    @Option(names = "--token", paramLabel = "T",
        description = "Send HELLO with this token first and expect WELCOME.")
    String token;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the event mix (default: ${DEFAULT-VALUE}); receipt ids are random per run.")
    long seed;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON to FILE.")
    Path json;

    @Option(names = "--histogram-log", paramLabel = "FILE",
        description = "Write ACK latency (ns, from the intended send time) per 1 s interval as an HdrHistogram log; "
            + "with --stream, end-to-end latency too, tagged " + LatencyIntervals.E2E_TAG + ".")
    Path histogramLog;

    @Option(names = "--stream", paramLabel = "URL",
        description = "Hold one WebSocket subscriber on the daemon's stream, e.g. ws://127.0.0.1:7780/v1/stream, "
            + "and measure end-to-end latency from each event's send (intended send in open loop) to its arrival there "
            + "(default: off).")
    URI stream;

    @Option(names = "--stream-subscribers", defaultValue = "1", paramLabel = "N",
        description = "With --stream, hold N subscribers on it, as N dashboards would: the first times end-to-end "
            + "latency, the others only take the stream; every one must receive every stored event (default: ${DEFAULT-VALUE}).")
    int streamSubscribers;

    @Option(names = "--daemon-pid", defaultValue = "0", paramLabel = "PID",
        description = "Sample this process (the daemon, on this box) from /proc once a second during the measurement: "
            + "CPU (utime + stime) and RSS; 0 = off (default: ${DEFAULT-VALUE}).")
    long daemonPid;

    public static void main(String[] args) {
        System.exit(new CommandLine(new LoadGenerator()).execute(args));
    }

    @Override
    public Integer call() throws InterruptedException {
        LoadSettings settings = settings();
        PrintStream err = System.err;

        List<DetectorConnection> open = new ArrayList<>(settings.connections());
        long runMsb = new SecureRandom().nextLong();
        try {
            for (int i = 0; i < settings.connections(); i++) {
                open.add(DetectorConnection.open(i, settings, runMsb));
            }
        } catch (IOException e) {
            err.printf("watchpost-load: connection %d to %s:%d failed: %s%n", open.size(), settings.host(), settings.port(), e.getMessage());
            for (DetectorConnection c : open) {
                c.close();
            }
            return 1;
        }

        HistogramLogWriter log = null;
        if (settings.histogramLog() != null) {
            try {
                log = new HistogramLogWriter(settings.histogramLog().toFile());
            } catch (IOException e) {
                err.println("watchpost-load: cannot write " + settings.histogramLog() + ": " + e.getMessage());
                for (DetectorConnection c : open) {
                    c.close();
                }
                return 1;
            }
        }

        // The stream's subscribers, none without a stream; the first one times end-to-end latency.
        List<StreamReceiver> subscribers = new ArrayList<>();
        if (settings.stream() != null) {
            try {
                while (subscribers.size() < settings.streamSubscribers()) {
                    subscribers.add(StreamReceiver.open(settings.stream(), runMsb, open));
                }
            } catch (IOException e) {
                err.println("watchpost-load: " + e.getMessage());
                for (DetectorConnection c : open) {
                    c.close();
                }
                for (StreamReceiver subscriber : subscribers) {
                    subscriber.close();
                }
                if (log != null) {
                    log.close();
                }
                return 1;
            }
        }
        long clockTicks = settings.daemonPid() > 0 ? ProcessSampler.clockTicksPerSecond() : 0;

        Timeline timeline = Timeline.starting(System.nanoTime() + START_DELAY_NANOS, settings.warmupSeconds(), settings.durationSeconds());
        ProcessSampler sampler = null;
        if (settings.daemonPid() > 0) {
            sampler = new ProcessSampler(settings.daemonPid(), timeline, clockTicks, Runtime.getRuntime().availableProcessors());
            sampler.start();
        }
        StreamReceiver receiver = subscribers.isEmpty() ? null : subscribers.get(0);
        for (StreamReceiver subscriber : subscribers) {
            subscriber.start(timeline);
        }
        LatencyIntervals intervals = new LatencyIntervals(open, receiver, timeline, log, describe(settings));
        err.printf(Locale.ROOT, "watchpost-load: %d connection%s to %s:%d, %s, %s s warm-up, %s s measured%n",
            settings.connections(), settings.connections() == 1 ? "" : "s", settings.host(), settings.port(),
            settings.openLoop() ? String.format(Locale.ROOT, "open loop at %,.0f events/s", settings.rate()) : "closed loop",
            settings.warmupSeconds(), settings.durationSeconds());
        for (DetectorConnection c : open) {
            c.start(timeline);
        }

        long end = run(open, subscribers, timeline, intervals, settings, err);
        for (DetectorConnection c : open) {
            c.close();
        }
        for (StreamReceiver subscriber : subscribers) {
            subscriber.close();
        }
        if (sampler != null) {
            sampler.stop();
        }
        intervals.collect(end, System.nanoTime());
        if (log != null) {
            log.close();
        }

        LoadReport report = new LoadReport(settings, timeline, open, intervals, subscribers, sampler);
        report.printTable(System.out);
        int exit = report.exitCode();
        if (settings.json() != null) {
            try {
                Files.writeString(settings.json(), report.toJson(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                err.println("watchpost-load: cannot write " + settings.json() + ": " + e.getMessage());
                exit = 1;
            }
        }
        return exit;
    }

    /**
     * Collects an interval every second (aligned to the measurement's start) until every connection
     * is finished (and every stored event has arrived on the stream) or the grace period after the
     * measurement is over; prints progress on stderr.
     *
     * @param subscribers the stream's subscribers, the first timed (none without a stream)
     * @return the end of the last collected interval
     */
    private static long run(List<DetectorConnection> connections, List<StreamReceiver> subscribers, Timeline timeline,
                            LatencyIntervals intervals, LoadSettings settings, PrintStream err) {
        long graceEnd = timeline.measureEndNanos() + Timeline.secondsToNanos(settings.graceSeconds());
        // Ticks fall on measureStart + k seconds; the first is the first one after runStart.
        long tick = timeline.measureStartNanos();
        while (tick - INTERVAL_NANOS - timeline.runStartNanos() >= 0) {
            tick -= INTERVAL_NANOS;
        }
        if (tick - timeline.runStartNanos() <= 0) {
            tick += INTERVAL_NANOS;
        }
        long lastTick = timeline.runStartNanos();
        int ticks = 0;
        long lastAcked = 0;
        long lastProgress = timeline.runStartNanos();
        Histogram progress = LatencyIntervals.newHistogram();
        Histogram e2eProgress = LatencyIntervals.newHistogram();
        while (true) {
            long now = System.nanoTime();
            if (now - graceEnd >= 0
                || (now - timeline.measureEndNanos() >= 0 && allFinished(connections) && streamComplete(subscribers, connections))
                || allFailed(connections)) {
                return lastTick;
            }
            if (now - tick < 0) {
                LockSupport.parkNanos(Math.min(tick - now, POLL_NANOS));
                continue;
            }
            intervals.collect(lastTick, tick);
            lastTick = tick;
            tick += INTERVAL_NANOS;
            if (++ticks % PROGRESS_EVERY_INTERVALS == 0) {
                long acked = 0;
                long sent = 0;
                long nacked = 0;
                for (DetectorConnection c : connections) {
                    acked += c.acked();
                    sent += c.sent();
                    nacked += c.nacks();
                }
                Histogram h = intervals.takeSinceProgress(progress);
                double seconds = (lastTick - lastProgress) / 1e9;
                double at = (lastTick - timeline.measureStartNanos()) / 1e9;
                String e2e = "";
                if (!subscribers.isEmpty()) {
                    Histogram e = intervals.takeE2eSinceProgress(e2eProgress);
                    e2e = String.format(Locale.ROOT, " | e2e µs p50 %.0f p99 %.0f max %.0f",
                        LoadReport.micros(e.getValueAtPercentile(50)), LoadReport.micros(e.getValueAtPercentile(99)),
                        LoadReport.micros(e.getMaxValue()));
                }
                err.printf(Locale.ROOT, "%s %6.0f s  sent %,d  acked %,d  nacked %,d  | %,.0f acks/s | ACK µs p50 %.0f p99 %.0f max %.0f%s%n",
                    at < 0 ? "warm-up" : "       ", at, sent, acked, nacked, (acked - lastAcked) / seconds,
                    LoadReport.micros(h.getValueAtPercentile(50)), LoadReport.micros(h.getValueAtPercentile(99)),
                    LoadReport.micros(h.getMaxValue()), e2e);
                lastAcked = acked;
                lastProgress = lastTick;
            }
        }
    }

    private static boolean allFinished(List<DetectorConnection> connections) {
        for (DetectorConnection c : connections) {
            if (!c.finished()) {
                return false;
            }
        }
        return true;
    }

    /** True without a stream, or when every event sent that the daemon stores has arrived at every subscriber (or its stream failed). */
    private static boolean streamComplete(List<StreamReceiver> subscribers, List<DetectorConnection> connections) {
        long expected = 0;
        for (DetectorConnection c : connections) {
            expected += c.newSent();
        }
        for (StreamReceiver subscriber : subscribers) {
            if (!subscriber.complete(expected)) {
                return false;
            }
        }
        return true;
    }

    private static boolean allFailed(List<DetectorConnection> connections) {
        for (DetectorConnection c : connections) {
            if (c.error() == null) {
                return false;
            }
        }
        return true;
    }

    /** The options, checked; a bad one ends the command with usage and exit code 2. */
    LoadSettings settings() {
        check(port >= 1 && port <= 65535, "--port must be 1..65535, was " + port);
        check(connections >= 1 && connections <= 1024, "--connections must be 1..1024, was " + connections);
        check(rate >= 0 && Double.isFinite(rate), "--rate must be >= 0, was " + rate);
        check(duration > 0 && Double.isFinite(duration), "--duration must be > 0, was " + duration);
        check(warmup >= 0 && Double.isFinite(warmup), "--warmup must be >= 0, was " + warmup);
        check(ramp == -1 || (ramp >= 0 && ramp <= warmup), "--ramp must be 0..--warmup (" + warmup + "), was " + ramp);
        check(grace >= 0 && Double.isFinite(grace), "--grace must be >= 0, was " + grace);
        check(window >= 1 && window <= DetectorConnection.MAX_WINDOW,
            "--window must be 1.." + DetectorConnection.MAX_WINDOW + ", was " + window);
        check(writeInterval >= 0 && writeInterval <= 1_000_000, "--write-interval must be 0..1000000 µs, was " + writeInterval);
        check(writeInterval == 0 || rate > 0, "--write-interval paces the open loop: give a --rate above 0");
        check(duplicates >= 0 && duplicates <= 1, "--duplicates must be 0..1, was " + duplicates);
        check(invalid >= 0 && invalid <= 1, "--invalid must be 0..1, was " + invalid);
        check(duplicates + invalid <= 1, "--duplicates plus --invalid must be at most 1, was " + (duplicates + invalid));
        check(motionShare >= 0 && motionShare <= 1, "--motion-share must be 0..1, was " + motionShare);
        check(labelBytes >= -1 && labelBytes <= EventFrame.MAX_LABEL_LENGTH,
            "--label-bytes must be -1.." + EventFrame.MAX_LABEL_LENGTH + ", was " + labelBytes);
        int maxPayload = EventMix.maxPayloadBytes(labelBytes);
        check(payloadBytes >= -1 && payloadBytes <= maxPayload,
            "--payload-bytes must be -1.." + maxPayload + " with this label size, was " + payloadBytes);
        check(token == null || token.getBytes(StandardCharsets.UTF_8).length <= HelloFrame.MAX_TOKEN_LENGTH,
            "--token must be at most " + HelloFrame.MAX_TOKEN_LENGTH + " bytes of UTF-8");
        check(stream == null || ("ws".equalsIgnoreCase(stream.getScheme()) && stream.getHost() != null),
            "--stream must be a ws:// URL such as ws://127.0.0.1:7780/v1/stream, was " + stream);
        check(streamSubscribers >= 1 && streamSubscribers <= 64, "--stream-subscribers must be 1..64, was " + streamSubscribers);
        check(streamSubscribers == 1 || stream != null, "--stream-subscribers needs --stream");
        check(daemonPid == 0 || (daemonPid > 0 && Files.isReadable(Path.of("/proc", Long.toString(daemonPid), "stat"))),
            "--daemon-pid: no process " + daemonPid + " to sample (/proc/" + daemonPid + "/stat is not readable)");
        return new LoadSettings(host, port, connections, rate, duration, warmup, ramp == -1 ? warmup / 2 : ramp, grace,
            window, writeInterval, duplicates, invalid, motionShare, labelBytes, payloadBytes, token, seed, json, histogramLog,
            stream, streamSubscribers, daemonPid);
    }

    private void check(boolean ok, String message) {
        if (!ok) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }

    private static String describe(LoadSettings s) {
        return String.format(Locale.ROOT,
            "watchpost-load ACK latency in ns from the intended send time%s: %s, %d connections to %s:%d, window %d, "
                + "duplicates %s, invalid %s, label_bytes %d, payload_bytes %d",
            s.stream() == null ? "" : " (untagged) and end-to-end latency to " + s.stream() + " (tagged " + LatencyIntervals.E2E_TAG + ")",
            s.openLoop() ? "open loop " + s.rate() + " events/s" : "closed loop", s.connections(), s.host(), s.port(),
            s.window(), s.duplicates(), s.invalid(), s.labelBytes(), s.payloadBytes());
    }
}
