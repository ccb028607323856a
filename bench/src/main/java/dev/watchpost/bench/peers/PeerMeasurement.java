package dev.watchpost.bench.peers;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Times a peer run as the load generator times its closed loop: load during the warm-up is not
 * counted, then events completed during the measured period / its length.
 */
final class PeerMeasurement {
    private PeerMeasurement() {
    }

    /**
     * Waits out the warm-up and the measured period while the run's own threads work.
     *
     * @param completed events completed end to end so far (read from this thread; must be thread-safe)
     * @return events completed per second of the measured period
     */
    static double eventsPerSecond(PeerOptions options, LongSupplier completed, PrintStream progress) throws InterruptedException {
        Thread.sleep((long) (options.warmup * 1000));
        long startCount = completed.getAsLong();
        long start = System.nanoTime();
        long end = start + (long) (options.duration * 1e9);
        long last = startCount;
        while (System.nanoTime() < end) {
            Thread.sleep(Math.min(5_000, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            long now = completed.getAsLong();
            progress.printf(Locale.ROOT, "  … %,d events completed (+%,d)%n", now - startCount, now - last);
            last = now;
        }
        long endCount = completed.getAsLong();
        double seconds = (System.nanoTime() - start) / 1e9;
        return (endCount - startCount) / seconds;
    }

    /** The line run-peers.sh reads: {@code events/s <value>}. */
    static void printResult(PrintStream out, double eventsPerSecond) {
        out.printf(Locale.ROOT, "events/s %.1f%n", eventsPerSecond);
    }
}
