package dev.watchpost.bench.jmh;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.management.ManagementFactory;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * Bytes allocated per event by each thread of {@link PipelineBenchmark}'s pipeline, which JMH's
 * {@code -prof gc} cannot tell: on JDK 17 it adds up the threads alive at the end of an iteration,
 * so it counts the per-iteration set-up (a fresh ring, journal and dedup store) and misses the stage
 * thread, which has stopped by then. Here the same set-up runs once, then the stage thread's and the
 * producer's {@code getThreadAllocatedBytes} are read around a run of events after warm-up.
 *
 * <pre>
 *  producer (this thread) ─► ring ─► [validate dedup journal ack publish]   bytes read per thread
 * </pre>
 */
@Command(name = "pipeline-allocation", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Bytes allocated per event by PipelineBenchmark's producer and stage threads, after warm-up.")
public final class PipelineAllocation implements Callable<Integer> {
    @Option(names = "--warmup", defaultValue = "600000", description = "Events before measuring (default: ${DEFAULT-VALUE}).")
    long warmupEvents;

    @Option(names = "--events", defaultValue = "800000", description = "Events measured (default: ${DEFAULT-VALUE}).")
    long events;

    @Option(names = "--runs", defaultValue = "3", description = "Runs, each with a fresh pipeline (default: ${DEFAULT-VALUE}).")
    int runs;

    public static void main(String[] args) {
        System.exit(new CommandLine(new PipelineAllocation()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (events + warmupEvents > PipelineBenchmark.DEDUP_CAPACITY / 2) {
            throw new IllegalArgumentException("--warmup + --events must stay below half the dedup store's "
                    + PipelineBenchmark.DEDUP_CAPACITY + " receipts, was " + (events + warmupEvents));
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long producer = Thread.currentThread().getId();
        PipelineBenchmark benchmark = new PipelineBenchmark();
        benchmark.waitStrategy = "blocking";
        benchmark.buildFrame();
        for (int run = 1; run <= runs; run++) {
            Set<Thread> earlier = stageThreads();
            benchmark.start();
            Set<Thread> started = stageThreads();
            started.removeAll(earlier); // a previous run's stage thread may still be ending
            if (started.size() != 1) {
                throw new IllegalStateException(started.size() + " stage threads started: not the default layout");
            }
            long stage = started.iterator().next().getId();
            for (long n = 0; n < warmupEvents; n += PipelineBenchmark.BATCH) {
                benchmark.publishAndAwaitAck();
            }
            long stageBefore = threads.getThreadAllocatedBytes(stage);
            long producerBefore = threads.getThreadAllocatedBytes(producer);
            long measured = 0;
            long startNanos = System.nanoTime();
            for (; measured < events; measured += PipelineBenchmark.BATCH) {
                benchmark.publishAndAwaitAck();
            }
            long nanos = System.nanoTime() - startNanos;
            long stageBytes = threads.getThreadAllocatedBytes(stage) - stageBefore;
            long producerBytes = threads.getThreadAllocatedBytes(producer) - producerBefore;
            benchmark.stop();
            System.out.printf(Locale.ROOT, "run %d: %,d events at %,.0f/s; stage thread %,d B (%.3f B/event), producer %,d B (%.3f B/event)%n",
                    run, measured, measured * 1e9 / nanos, stageBytes, (double) stageBytes / measured,
                    producerBytes, (double) producerBytes / measured);
        }
        return 0;
    }

    private static Set<Thread> stageThreads() {
        Set<Thread> stage = new HashSet<>(Thread.getAllStackTraces().keySet());
        stage.removeIf(thread -> !thread.getName().startsWith("watchpost-stage-"));
        return stage;
    }
}
