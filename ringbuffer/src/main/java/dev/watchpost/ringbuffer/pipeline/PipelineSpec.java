package dev.watchpost.ringbuffer.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The shape of the pipeline: ring size, wait strategy, and which stages share a thread. Threads are
 * given as consecutive runs of stages in {@link Stage} order; each thread runs its stages one after
 * the other on every slot, and waits for the thread before it.
 *
 * @param ringSize       slots in the ring, a power of two
 * @param waitStrategy   how stage threads wait
 * @param threads        the stages of each thread, in order, covering every stage once
 * @param slotInitialCapacity bytes each slot's frame buffer starts with
 * @param tickInterval   how often the wall clock's tick is published into the ring
 * @param linger         how long the first stage thread, out of events, sleeps before it parks to be
 *                       woken, so that what arrives meanwhile makes one batch (blocking wait only)
 */
public record PipelineSpec(int ringSize, WaitStrategyKind waitStrategy, List<List<Stage>> threads, int slotInitialCapacity,
                           Duration tickInterval, Duration linger) {
    public static final int RING_SIZE_DEFAULT = 16384;
    private static final String STAGE_ORDER = Arrays.stream(Stage.values()).map(Stage::configName).collect(Collectors.joining(", "));
    public static final int SLOT_INITIAL_CAPACITY_DEFAULT = 512;
    /** The stages that take or use journal seqs, which must share a thread. */
    private static final List<Stage> SEQUENCED = List.of(Stage.DEDUP, Stage.WINDOW, Stage.FUSE, Stage.CORRELATE, Stage.ENRICH, Stage.ALERT, Stage.JOURNAL);
    private static final String SEQUENCED_NAMES = SEQUENCED.subList(0, SEQUENCED.size() - 1).stream().map(Stage::configName)
            .collect(Collectors.joining(", ")) + " and " + SEQUENCED.get(SEQUENCED.size() - 1).configName();
    /**
     * A tick moves the watermark while no event arrives; a tenth of a second is far finer than any
     * window or lateness (seconds), and ten wake-ups a second cost nothing on an idle box.
     */
    public static final Duration TICK_INTERVAL_DEFAULT = Duration.ofMillis(100);
    public static final Duration TICK_INTERVAL_MIN = Duration.ofMillis(1);
    public static final Duration TICK_INTERVAL_MAX = Duration.ofSeconds(10);
    /**
     * Chosen by measurement on 2 cores (docs/benchmarks.md, *Linger*): at 10,000 events/s it takes
     * about a quarter of a core off the daemon for about 75 µs more at the median ACK; it does not
     * move the p99. An eighth of the 2 ms ACK target at most, and only while events come faster than it.
     */
    public static final Duration LINGER_DEFAULT = Duration.ofNanos(250_000);
    public static final Duration LINGER_MAX = Duration.ofMillis(10);
    /** Chosen by measurement on a 2-core box: see docs/benchmarks.md. */
    public static final WaitStrategyKind WAIT_STRATEGY_DEFAULT = WaitStrategyKind.BLOCKING;
    /**
     * Every stage on one thread: the least CPU at ordinary rates (no second thread to wake per
     * batch), and group commit for free, since while the thread waits for an fsync the ring fills
     * and the next batch grows.
     */
    public static final List<List<Stage>> ONE_THREAD = List.of(
            List.of(Stage.VALIDATE, Stage.DEDUP, Stage.WINDOW, Stage.FUSE, Stage.CORRELATE, Stage.ENRICH, Stage.ALERT, Stage.JOURNAL, Stage.ACK, Stage.PUBLISH));
    /**
     * The pipelined group commit, chosen by measurement on 2 cores (docs/benchmarks.md): the ack
     * thread forces the journal and answers while the stage thread appends the next batch, which
     * raises the sustained rate by about a third under ParallelGC (to over 500,000 events/s) and
     * costs about a tenth of a core at 10,000 events/s. The second thread parks while it waits
     * (the blocking strategy's second monitor): it does not spin.
     */
    public static final List<List<Stage>> THREADS_DEFAULT = List.of(
            List.of(Stage.VALIDATE, Stage.DEDUP, Stage.WINDOW, Stage.FUSE, Stage.CORRELATE, Stage.ENRICH, Stage.ALERT, Stage.JOURNAL),
            List.of(Stage.ACK, Stage.PUBLISH));

    public PipelineSpec {
        threads = List.copyOf(threads.stream().map(List::copyOf).toList());
        String problem = problem(ringSize, threads, slotInitialCapacity);
        if (problem == null && (tickInterval == null || tickInterval.compareTo(TICK_INTERVAL_MIN) < 0
                || tickInterval.compareTo(TICK_INTERVAL_MAX) > 0)) {
            problem = "tick interval must be within 1ms..10s, was " + tickInterval;
        }
        if (problem == null && (linger == null || linger.isNegative() || linger.compareTo(LINGER_MAX) > 0)) {
            problem = "linger must be within 0..10ms, was " + linger;
        }
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /** A spec with the default tick interval and linger. */
    public PipelineSpec(int ringSize, WaitStrategyKind waitStrategy, List<List<Stage>> threads, int slotInitialCapacity) {
        this(ringSize, waitStrategy, threads, slotInitialCapacity, TICK_INTERVAL_DEFAULT, LINGER_DEFAULT);
    }

    public static PipelineSpec defaults() {
        return new PipelineSpec(RING_SIZE_DEFAULT, WAIT_STRATEGY_DEFAULT, THREADS_DEFAULT, SLOT_INITIAL_CAPACITY_DEFAULT, TICK_INTERVAL_DEFAULT,
                LINGER_DEFAULT);
    }

    /**
     * True when the ack stage starts a thread of its own, after the journal stage's: then the journal
     * stage only writes and the ack stage forces (a pipelined group commit), so the fsync of one batch
     * overlaps the work on the next.
     */
    public boolean pipelinedCommit() {
        return threads.stream().noneMatch(thread -> thread.contains(Stage.JOURNAL) && thread.contains(Stage.ACK));
    }

    /** What is wrong with these values, or {@code null}; configuration validation uses the same words. */
    public static String problem(int ringSize, List<List<Stage>> threads, int slotInitialCapacity) {
        if (ringSize < 2 || Integer.bitCount(ringSize) != 1 || ringSize > (1 << 22)) {
            return "ring size must be a power of two between 2 and 4194304, was " + ringSize;
        }
        if (slotInitialCapacity < 158 || slotInitialCapacity > 65536) {
            return "slot initial capacity must be 158..65536 bytes, was " + slotInitialCapacity;
        }
        List<Stage> flat = new ArrayList<>();
        for (List<Stage> thread : threads) {
            if (thread.isEmpty()) {
                return "a pipeline thread has no stages";
            }
            flat.addAll(thread);
        }
        if (!flat.equals(List.of(Stage.values()))) {
            return "pipeline threads must list every stage once, in the order " + STAGE_ORDER + "; was " + threads;
        }
        // The sequencer (dedup) and the fuse stage draw seqs from one allocator, slot by slot; the
        // journal must append them in that order, so the three and the window between them share a thread.
        // The enrich stage writes into the extras of the derived events the journal stores next.
        for (List<Stage> thread : threads) {
            if (thread.contains(Stage.DEDUP) && !thread.containsAll(SEQUENCED)) {
                return "stages " + SEQUENCED_NAMES + " must run on one thread (seq order is journal order); was " + threads;
            }
        }
        return null;
    }
}
