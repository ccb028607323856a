package dev.watchpost.bench.load;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Samples another process's CPU time and resident memory from {@code /proc} once a second through
 * the measured period, on a thread of its own: the daemon's cost of the load, on the same box.
 *
 * <pre>
 *   measureStart        +1 s        +2 s    …    measureEnd
 *        |-------------|-----------|--- … ---|
 *     sample 0      sample 1    sample 2     last sample
 *   /proc/PID/stat:   utime + stime (fields 14, 15), in clock ticks (getconf CLK_TCK)
 *   /proc/PID/status: VmRSS, RssAnon, RssFile, in kB
 * </pre>
 *
 * <p>CPU is reported as a share of one core (100 % = one core busy the whole time) over the
 * samples' span and over each 1 s between samples; memory as the first, largest and last sample.
 * Linux only. The sampling thread writes the samples; read the results after {@link #stop}.
 */
final class ProcessSampler {
    /** {@code sysconf(_SC_CLK_TCK)} on Linux when {@code getconf} cannot say otherwise. */
    static final long DEFAULT_CLOCK_TICKS = 100;
    private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long JOIN_MILLIS = 5_000;
    /** Fields of /proc/PID/stat after the command's closing parenthesis, counted from 0 there: field 3 is 0. */
    private static final int UTIME_AFTER_COMM = 14 - 3;
    private static final int STIME_AFTER_COMM = 15 - 3;

    /** Resident memory in KiB, -1 for a line the kernel does not give. */
    record Memory(long rssKib, long anonKib, long fileKib) {
    }

    private final long pid;
    private final Path stat;
    private final Path status;
    private final Timeline timeline;
    private final long clockTicks;
    private final int cores;
    private final Thread thread;
    private volatile boolean stopping;

    // sampling thread until stop(), then the caller
    private final long[] atNanos;
    private final long[] cpuTicks;
    private final long[] rss;
    private final long[] anon;
    private final long[] file;
    private int samples;
    private String error;

    /** Samples {@code pid} from the {@code timeline}'s measurement start to its end; call {@link #start}. */
    ProcessSampler(long pid, Timeline timeline, long clockTicks, int cores) {
        this.pid = pid;
        this.stat = Path.of("/proc", Long.toString(pid), "stat");
        this.status = Path.of("/proc", Long.toString(pid), "status");
        this.timeline = timeline;
        this.clockTicks = clockTicks;
        this.cores = cores;
        int capacity = (int) Math.ceil(timeline.measuredSeconds()) + 2;
        this.atNanos = new long[capacity];
        this.cpuTicks = new long[capacity];
        this.rss = new long[capacity];
        this.anon = new long[capacity];
        this.file = new long[capacity];
        this.thread = new Thread(this::run, "load-proc");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /**
     * Ends sampling: waits for the last sample once the measurement's end has come; before it (the
     * run ended early), stops at once.
     */
    void stop() throws InterruptedException {
        if (System.nanoTime() - timeline.measureEndNanos() < 0) {
            stopping = true;
            LockSupport.unpark(thread);
        }
        thread.join(JOIN_MILLIS);
    }

    /** Waits for the last sample, at the measurement's end. */
    void awaitLastSample() throws InterruptedException {
        thread.join(TimeUnit.NANOSECONDS.toMillis(timeline.measureEndNanos() - System.nanoTime()) + JOIN_MILLIS);
    }

    private void run() {
        long end = timeline.measureEndNanos();
        for (int k = 0; samples < atNanos.length && !stopping; k++) {
            long at = Math.min(timeline.measureStartNanos() + k * INTERVAL_NANOS, end);
            long now;
            while ((now = System.nanoTime()) - at < 0 && !stopping) {
                LockSupport.parkNanos(this, at - now);
            }
            if (stopping) {
                return;
            }
            try {
                long ticks = cpuTicks(Files.readString(stat, StandardCharsets.US_ASCII));
                Memory memory = memory(Files.readString(status, StandardCharsets.UTF_8));
                atNanos[samples] = now;
                cpuTicks[samples] = ticks;
                rss[samples] = memory.rssKib();
                anon[samples] = memory.anonKib();
                file[samples] = memory.fileKib();
                samples++;
            } catch (IOException | RuntimeException e) {
                error = "sampling process " + pid + " stopped: " + e;
                return;
            }
            if (at == end) {
                return;
            }
        }
    }

    /**
     * utime + stime of a {@code /proc/PID/stat} line, in clock ticks. The command (field 2) may hold
     * spaces and parentheses, so fields are counted from its last closing parenthesis.
     */
    static long cpuTicks(String statLine) {
        int close = statLine.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc/PID/stat line: " + statLine);
        }
        String[] fields = statLine.substring(close + 1).trim().split(" +");
        if (fields.length <= STIME_AFTER_COMM) {
            throw new IllegalArgumentException("/proc/PID/stat line too short: " + statLine);
        }
        return Long.parseLong(fields[UTIME_AFTER_COMM]) + Long.parseLong(fields[STIME_AFTER_COMM]);
    }

    /** VmRSS, RssAnon and RssFile of a {@code /proc/PID/status} text (kB there, which is KiB). */
    static Memory memory(String statusText) {
        long rssKib = -1;
        long anonKib = -1;
        long fileKib = -1;
        for (String line : statusText.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                rssKib = kib(line);
            } else if (line.startsWith("RssAnon:")) {
                anonKib = kib(line);
            } else if (line.startsWith("RssFile:")) {
                fileKib = kib(line);
            }
        }
        if (rssKib < 0) {
            throw new IllegalArgumentException("no VmRSS line in /proc/PID/status (a kernel thread or a zombie?)");
        }
        return new Memory(rssKib, anonKib, fileKib);
    }

    private static long kib(String line) {
        String value = line.substring(line.indexOf(':') + 1).trim();
        int space = value.indexOf(' ');
        return Long.parseLong(space < 0 ? value : value.substring(0, space));
    }

    /** {@code getconf CLK_TCK}, or {@link #DEFAULT_CLOCK_TICKS} when it cannot be run. */
    static long clockTicksPerSecond() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            try (InputStream out = getconf.getInputStream()) {
                String text = new String(out.readAllBytes(), StandardCharsets.US_ASCII).trim();
                if (getconf.waitFor() == 0) {
                    long ticks = Long.parseLong(text);
                    if (ticks > 0) {
                        return ticks;
                    }
                }
            }
        } catch (IOException | NumberFormatException e) {
            // the Linux default below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return DEFAULT_CLOCK_TICKS;
    }

    // ------------------------------------------------------------------ results, after stop()

    long pid() {
        return pid;
    }

    long clockTicks() {
        return clockTicks;
    }

    int cores() {
        return cores;
    }

    int samples() {
        return samples;
    }

    /** Why sampling stopped early, or {@code null}. */
    String error() {
        return error;
    }

    /** Seconds from the first sample to the last. */
    double seconds() {
        return samples < 2 ? 0 : (atNanos[samples - 1] - atNanos[0]) / 1e9;
    }

    /** Mean CPU from the first sample to the last, in % of one core; NaN with fewer than two samples. */
    double meanCorePercent() {
        return samples < 2 ? Double.NaN : corePercent(0, samples - 1);
    }

    /** The busiest interval between two consecutive samples, in % of one core; NaN with fewer than two. */
    double maxCorePercent() {
        double max = Double.NaN;
        for (int i = 1; i < samples; i++) {
            double p = corePercent(i - 1, i);
            max = Double.isNaN(max) ? p : Math.max(max, p);
        }
        return max;
    }

    private double corePercent(int from, int to) {
        double cpuSeconds = (double) (cpuTicks[to] - cpuTicks[from]) / clockTicks;
        return 100 * cpuSeconds / ((atNanos[to] - atNanos[from]) / 1e9);
    }

    /** First, largest and last VmRSS sample in KiB ({@code {-1, -1, -1}} without samples). */
    long[] rssKib() {
        return firstMaxLast(rss);
    }

    long[] anonKib() {
        return firstMaxLast(anon);
    }

    long[] fileKib() {
        return firstMaxLast(file);
    }

    private long[] firstMaxLast(long[] values) {
        if (samples == 0) {
            return new long[] {-1, -1, -1};
        }
        long max = values[0];
        for (int i = 1; i < samples; i++) {
            max = Math.max(max, values[i]);
        }
        return new long[] {values[0], max, values[samples - 1]};
    }
}
