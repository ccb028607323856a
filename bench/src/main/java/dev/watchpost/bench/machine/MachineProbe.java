package dev.watchpost.bench.machine;

import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.concurrent.locks.LockSupport;

/**
 * What this box's cores cost the daemon, apart from the daemon: the prices that every batch pays
 * at any rate, and how often the box loses its cores altogether. Three readings, one after the other:
 *
 * <pre>
 *   clock      System.nanoTime, as the stages read it per batch (a vDSO call where the clock allows)
 *   syscall    FileChannel.size on an open file: one fstat, the cheapest system call a JVM makes at will
 *   hand-over  a round trip between two threads that each park until the other unparks them: two
 *              futex wakes of a sleeping thread, as the ring's blocking wait does between stages
 *   hiccups    threads that only read the clock, counting each gap between two reads longer than
 *              100 µs: time the thread did not run. First one thread, then one per core: with every
 *              core busy a gap is either another thread of this box taking the core, or the host
 *              taking the virtual CPU (which a guest's steal time may not show); and how many of the
 *              gaps of 1 ms or more end in the same 2 ms of a 100 ms period, which a host's CPU quota
 *              (CFS bandwidth control, period 100 ms) makes most of them do, chance about 2 %
 * </pre>
 *
 * The daemon's tail latency at moderate rates is made of these: each batch crosses three or four
 * threads, and a gap of the last kind stops every thread at once.
 */
@Command(name = "machine-probe", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Times a clock read, a system call and a hand-over between sleeping threads, and counts the gaps in spinning threads.")
public final class MachineProbe implements Callable<Integer> {
    private static final long GAP_NANOS = TimeUnit.MICROSECONDS.toNanos(100);
    /** The period of the kernel's CFS bandwidth control by default, in ms. */
    static final int QUOTA_PERIOD_MS = 100;

    @Option(names = "--calls", defaultValue = "2000000", description = "Clock reads and system calls timed (default: ${DEFAULT-VALUE}).")
    int calls;

    @Option(names = "--hand-overs", defaultValue = "100000", description = "Round trips between two parking threads (default: ${DEFAULT-VALUE}).")
    int handOvers;

    @Option(names = "--seconds", defaultValue = "20", description = "Seconds each hiccup reading spins (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--threads", defaultValue = "0", description = "Spinning threads in the second hiccup reading; 0 = one per core (default).")
    int threads;

    @Spec
    CommandSpec spec;

    private PrintWriter out;

    public static void main(String[] args) {
        System.exit(new CommandLine(new MachineProbe()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        int busy = threads > 0 ? threads : cores;
        if (calls < 1000 || handOvers < 1000 || seconds < 1 || busy > 64) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "need --calls ≥ 1000, --hand-overs ≥ 1000, --seconds ≥ 1, --threads ≤ 64");
        }
        out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "machine probe: %d cores, %s %s%n", cores,
            System.getProperty("java.vm.name"), System.getProperty("java.version"));
        out.printf(Locale.ROOT, "clock read      %8.1f ns (System.nanoTime, mean of %,d)%n", clockNanos(), calls);
        out.printf(Locale.ROOT, "system call     %8.1f ns (fstat through FileChannel.size, mean of %,d)%n", syscallNanos(), calls);
        Histogram roundTrips = handOvers();
        out.printf(Locale.ROOT, "hand-over       round trip between two parking threads, µs: p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f (%,d)%n",
            us(roundTrips.getValueAtPercentile(50)), us(roundTrips.getValueAtPercentile(90)), us(roundTrips.getValueAtPercentile(99)),
            us(roundTrips.getValueAtPercentile(99.9)), us(roundTrips.getMaxValue()), roundTrips.getTotalCount());
        out.println();
        out.printf(Locale.ROOT, "hiccups: gaps over 100 µs in threads that only read the clock, %d s each; on the grid: of the gaps of%n"
            + "≥ 1 ms, the share that end in the same 2 ms of a 100 ms period (about 2 %% by chance, most under a host's CPU quota)%n", seconds);
        out.printf(Locale.ROOT, "%-9s %9s %9s %9s %9s %9s %10s %9s %12s%n", "threads", "gaps/s", "≥ 1 ms", "≥ 2 ms", "≥ 5 ms", "≥ 10 ms", "max (ms)", "lost", "on the grid");
        hiccups(1);
        if (busy > 1) {
            hiccups(busy);
        }
        out.flush();
        return 0;
    }

    private double clockNanos() {
        return meanNanos(System::nanoTime);
    }

    private double syscallNanos() throws IOException {
        Path file = Files.createTempFile("watchpost-machine-probe", ".bin");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return meanNanos(() -> {
                try {
                    return channel.size();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** The mean time of {@code call} over {@link #calls} calls, after 100,000 to warm it up. */
    private double meanNanos(LongSupplier call) {
        long sink = 0;
        for (int i = 0; i < 100_000; i++) {
            sink += call.getAsLong();
        }
        long start = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            sink += call.getAsLong();
        }
        double mean = (double) (System.nanoTime() - start) / calls;
        return sink == 42 ? -mean : mean; // the sink is used, so the calls are not optimised away
    }

    /** Ping-pong: each side parks until its turn comes, and the other side unparks it when it does. */
    private Histogram handOvers() throws InterruptedException {
        Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        int warmup = Math.min(20_000, handOvers);
        Turn turn = new Turn();
        Thread pong = new Thread(() -> {
            for (int i = 0; i < warmup + handOvers; i++) {
                turn.await(1);
                turn.pass(0, turn.ping);
            }
        }, "probe-pong");
        turn.ping = Thread.currentThread();
        pong.start();
        for (int i = 0; i < warmup + handOvers; i++) {
            long start = System.nanoTime();
            turn.pass(1, pong);
            turn.await(0);
            if (i >= warmup) {
                histogram.recordValue(System.nanoTime() - start);
            }
        }
        pong.join();
        return histogram;
    }

    private static final class Turn {
        volatile int holder;
        volatile Thread ping;

        void pass(int to, Thread thread) {
            holder = to;
            LockSupport.unpark(thread);
        }

        void await(int me) {
            while (holder != me) {
                LockSupport.park(this);
            }
        }
    }

    private void hiccups(int count) throws InterruptedException {
        Spinner[] spinners = new Spinner[count];
        Thread[] started = new Thread[count];
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (int i = 0; i < count; i++) {
            spinners[i] = new Spinner(end);
            started[i] = new Thread(spinners[i], "probe-spin-" + i);
            started[i].start();
        }
        long gaps = 0, over1 = 0, over2 = 0, over5 = 0, over10 = 0, max = 0, lost = 0;
        long[] phases = new long[QUOTA_PERIOD_MS];
        for (int i = 0; i < count; i++) {
            started[i].join();
            Spinner s = spinners[i];
            for (int ms = 0; ms < QUOTA_PERIOD_MS; ms++) {
                phases[ms] += s.phases[ms];
            }
            gaps += s.gaps;
            over1 += s.over1;
            over2 += s.over2;
            over5 += s.over5;
            over10 += s.over10;
            max = Math.max(max, s.max);
            lost += s.lost;
        }
        double span = (double) TimeUnit.SECONDS.toNanos(seconds) * count;
        String grid = over1 == 0 ? "-" : String.format(Locale.ROOT, "%.0f%%", 100.0 * busiestTwoMillis(phases) / over1);
        out.printf(Locale.ROOT, "%-9d %9.1f %9d %9d %9d %9d %10.2f %8.2f%% %12s%n", count, (double) gaps / seconds / count,
            over1, over2, over5, over10, max / 1e6, 100 * lost / span, grid);
    }

    /**
     * Of moments counted by their millisecond within a {@link #QUOTA_PERIOD_MS} ms period, how many
     * fall in the busiest two consecutive milliseconds (the period wrapping around).
     */
    static long busiestTwoMillis(long[] phases) {
        long best = 0;
        for (int ms = 0; ms < phases.length; ms++) {
            best = Math.max(best, phases[ms] + phases[(ms + 1) % phases.length]);
        }
        return best;
    }

    /** Reads the clock until its end; counts and sizes the gaps between two reads. */
    private static final class Spinner implements Runnable {
        private final long end;
        long gaps, over1, over2, over5, over10, max, lost;
        /** Gaps of 1 ms or more by the millisecond within the quota period in which they ended. */
        final long[] phases = new long[QUOTA_PERIOD_MS];

        Spinner(long end) {
            this.end = end;
        }

        @Override
        public void run() {
            long last = System.nanoTime();
            while (last < end) {
                long now = System.nanoTime();
                long gap = now - last;
                last = now;
                if (gap > GAP_NANOS) {
                    gaps++;
                    lost += gap;
                    max = Math.max(max, gap);
                    if (gap >= 1_000_000) {
                        over1++;
                        phases[(int) Math.floorMod(now / 1_000_000, (long) QUOTA_PERIOD_MS)]++;
                    }
                    if (gap >= 2_000_000) over2++;
                    if (gap >= 5_000_000) over5++;
                    if (gap >= 10_000_000) over10++;
                }
            }
        }
    }

    private static double us(long nanos) {
        return nanos / 1000.0;
    }
}
