package dev.watchpost.ringbuffer.pipeline;

import com.lmax.disruptor.DataProvider;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.TimeoutException;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.EventHandlerGroup;
import com.lmax.disruptor.dsl.ProducerType;
import dev.watchpost.ringbuffer.EventSlot;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Assembles the ring and its stage threads from a {@link PipelineSpec}: one Disruptor consumer per
 * thread of the spec, chained in stage order, each running its stages on every slot.
 *
 * <pre>
 *  producers (I/O threads, ticker) ─► ring ─► [validate dedup window fuse journal ack publish]       (one thread)
 *  producers (I/O threads, ticker) ─► ring ─► [validate dedup window fuse journal ack] ─► [publish]  (two threads)
 *  producers (I/O threads, ticker) ─► ring ─► [validate dedup window fuse journal] ─► [ack publish]  (pipelined commit: the default)
 * </pre>
 *
 * <p>A stage that throws stops the pipeline: {@code onFatal} is told, and nothing after the failing
 * slot is acknowledged. Stages are expected to catch what they can survive themselves.
 */
public final class Pipeline {
    /** Slots a thread prefetches at a time for its {@link BatchPrefetch} stages, within one batch. */
    public static final int PREFETCH_AHEAD = 32;

    private final Disruptor<EventSlot> disruptor;
    private final RingBuffer<EventSlot> ring;
    private final EventHandler<EventSlot> lastHandler;
    private volatile boolean failed;

    public Pipeline(PipelineSpec spec, Map<Stage, EventHandler<EventSlot>> stages, Consumer<Throwable> onFatal) {
        for (Stage stage : Stage.values()) {
            if (!stages.containsKey(stage)) {
                throw new IllegalArgumentException("no handler for stage " + stage.configName());
            }
        }
        AtomicInteger threadNumber = new AtomicInteger();
        WaitStrategy waitStrategy = spec.waitStrategy().create(spec.linger());
        this.disruptor = new Disruptor<>(
                () -> new EventSlot(spec.slotInitialCapacity()),
                spec.ringSize(),
                runnable -> {
                    Thread thread = new Thread(runnable, "watchpost-stage-" + threadNumber.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                },
                ProducerType.MULTI,
                waitStrategy);
        disruptor.setDefaultExceptionHandler(new FatalHandler(error -> {
            failed = true;
            onFatal.accept(error);
        }));

        EventHandlerGroup<EventSlot> previous = null;
        EventHandler<EventSlot> handler = null;
        List<List<Stage>> threads = spec.threads();
        for (int i = 0; i < threads.size(); i++) {
            List<Stage> thread = threads.get(i);
            // Derived events are read by every stage up to the last; as the slot leaves that, it gives
            // them back to their pools, not a ring lap later.
            boolean last = thread.contains(Stage.PUBLISH);
            // A thread after this one parks until this one releases slots; it is woken when they are.
            StageBlockingWaitStrategy wakes = i + 1 < threads.size() && waitStrategy instanceof StageBlockingWaitStrategy blocking ? blocking : null;
            handler = thread.size() == 1 && !last && wakes == null
                    ? stages.get(thread.get(0))
                    : new StageGroup(thread, stages, last, wakes, disruptor.getRingBuffer());
            previous = previous == null ? disruptor.handleEventsWith(handler) : previous.then(handler);
        }
        this.lastHandler = handler;
        this.ring = disruptor.getRingBuffer();
    }

    public Pipeline start() {
        disruptor.start();
        return this;
    }

    /** The ring sequence of the last slot every stage has passed. */
    public long processedSequence() {
        return disruptor.getSequenceValueFor(lastHandler);
    }

    /** True once a stage has thrown: the pipeline goes no further. */
    public boolean hasFailed() {
        return failed;
    }

    /** The ring producers publish into. */
    public RingBuffer<EventSlot> ring() {
        return ring;
    }

    /**
     * Waits until every slot published so far has passed every stage, then stops the stage threads.
     * Producers must have stopped publishing.
     *
     * @return false when some published slot has not passed every stage: a stage failed, or the
     *         stages did not drain within the timeout (they are halted anyway)
     */
    public boolean drainAndStop(long timeout, TimeUnit unit) {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        long published = ring.getCursor();
        // Disruptor's own shutdown skips stage threads that are not running; wait on the last stage.
        while (!failed && disruptor.getSequenceValueFor(lastHandler) < published && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
        boolean drained = !failed && disruptor.getSequenceValueFor(lastHandler) >= published;
        try {
            disruptor.shutdown(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            disruptor.halt();
            return false;
        }
        return drained;
    }

    /**
     * Runs a thread's stages, stage by stage for each slot; with {@code releaseDerived} (the last
     * thread), gives the slot's derived events back to their pools once the last stage has passed it;
     * with {@code wakes} (a thread after it), releases each batch itself and wakes the thread after it,
     * and lets a stage release part of a batch early the same way; with {@link BatchPrefetch} stages,
     * has them prefetch the batch's slots {@link #PREFETCH_AHEAD} at a time, each slot once, before
     * any stage handles it; with a {@link WholeBatchFirst} stage first, has that stage handle each
     * whole batch before the others see its first slot.
     */
    private static final class StageGroup implements EventHandler<EventSlot> {
        private final EventHandler<EventSlot>[] handlers;
        private final BatchPrefetch[] prefetchers;
        /** The first stage, when it handles whole batches before the others ({@link WholeBatchFirst}); else {@code null}. */
        private final EventHandler<EventSlot> wholeBatchFirst;
        /** The index in {@link #handlers} of the first stage that goes slot by slot. */
        private final int slotBySlotFrom;
        private final DataProvider<EventSlot> ring;
        private final boolean releaseDerived;
        private final StageBlockingWaitStrategy wakes;
        private Sequence sequence;
        /** The size of the batch that starts at the next slot, as its start announced it; 0 once the batch is under way. */
        private long startingBatch;
        /** The ring sequence of the current batch's last slot. */
        private long batchLast = -1;
        /** The ring sequence of the first slot not prefetched yet. */
        private long prefetchedTo;

        @SuppressWarnings("unchecked")
        StageGroup(List<Stage> stages, Map<Stage, EventHandler<EventSlot>> all, boolean releaseDerived, StageBlockingWaitStrategy wakes,
                   DataProvider<EventSlot> ring) {
            Map<Stage, EventHandler<EventSlot>> ordered = new EnumMap<>(Stage.class);
            stages.forEach(stage -> ordered.put(stage, all.get(stage)));
            this.handlers = ordered.values().toArray(new EventHandler[0]);
            this.prefetchers = ordered.values().stream()
                    .filter(BatchPrefetch.class::isInstance).map(BatchPrefetch.class::cast).toArray(BatchPrefetch[]::new);
            this.wholeBatchFirst = handlers.length > 1 && handlers[0] instanceof WholeBatchFirst ? handlers[0] : null;
            this.slotBySlotFrom = wholeBatchFirst == null ? 0 : 1;
            this.ring = ring;
            this.releaseDerived = releaseDerived;
            this.wakes = wakes;
        }

        @Override
        public void onEvent(EventSlot slot, long sequence, boolean endOfBatch) throws Exception {
            if (startingBatch > 0) {
                batchLast = sequence + startingBatch - 1;
                startingBatch = 0;
                prefetchedTo = sequence;
                if (wholeBatchFirst != null) {
                    for (long s = sequence; s <= batchLast; s++) {
                        wholeBatchFirst.onEvent(ring.get(s), s, s == batchLast);
                    }
                }
            }
            if (prefetchers.length > 0 && sequence >= prefetchedTo) {
                prefetch(sequence);
            }
            for (int i = slotBySlotFrom; i < handlers.length; i++) {
                handlers[i].onEvent(slot, sequence, endOfBatch);
            }
            if (releaseDerived) {
                slot.giveBackDerived();
            }
            if (endOfBatch && wakes != null) {
                this.sequence.set(sequence); // what the processor does after this call, done before the wake-up
                wakes.signalStages();
            }
        }

        /** Prefetches from the slot at {@code from} up to {@link #PREFETCH_AHEAD} slots, never past the batch's last. */
        private void prefetch(long from) {
            long to = Math.min(batchLast, from + PREFETCH_AHEAD - 1);
            for (long s = from; s <= to; s++) {
                EventSlot slot = ring.get(s);
                for (BatchPrefetch prefetcher : prefetchers) {
                    prefetcher.prefetch(slot);
                }
            }
            for (BatchPrefetch prefetcher : prefetchers) {
                prefetcher.prefetched();
            }
            prefetchedTo = Math.max(to, from) + 1;
        }

        @Override
        public void onBatchStart(long batchSize, long queueDepth) {
            startingBatch = batchSize;
            for (EventHandler<EventSlot> handler : handlers) {
                handler.onBatchStart(batchSize, queueDepth);
            }
        }

        @Override
        public void onStart() {
            for (EventHandler<EventSlot> handler : handlers) {
                handler.onStart();
            }
        }

        @Override
        public void onShutdown() {
            for (EventHandler<EventSlot> handler : handlers) {
                handler.onShutdown();
            }
        }

        @Override
        public void setSequenceCallback(Sequence sequenceCallback) {
            this.sequence = sequenceCallback;
            Sequence forStages = wakes == null ? sequenceCallback : new WakingSequence(sequenceCallback, wakes);
            for (EventHandler<EventSlot> handler : handlers) {
                handler.setSequenceCallback(forStages);
            }
        }
    }

    /** A thread's sequence as its stages see it: a stage that releases slots early also wakes the thread after it. */
    private static final class WakingSequence extends Sequence {
        private final Sequence sequence;
        private final StageBlockingWaitStrategy wakes;

        WakingSequence(Sequence sequence, StageBlockingWaitStrategy wakes) {
            this.sequence = sequence;
            this.wakes = wakes;
        }

        @Override
        public long get() {
            return sequence.get();
        }

        @Override
        public void set(long value) {
            sequence.set(value);
            wakes.signalStages();
        }

        @Override
        public void setVolatile(long value) {
            sequence.setVolatile(value);
            wakes.signalStages();
        }

        @Override
        public boolean compareAndSet(long expectedValue, long newValue) {
            throw new UnsupportedOperationException("a stage only sets its thread's sequence");
        }

        @Override
        public long addAndGet(long increment) {
            throw new UnsupportedOperationException("a stage only sets its thread's sequence");
        }
    }

    private static final class FatalHandler implements ExceptionHandler<EventSlot> {
        private final Consumer<Throwable> onFatal;

        FatalHandler(Consumer<Throwable> onFatal) {
            this.onFatal = onFatal;
        }

        @Override
        public void handleEventException(Throwable ex, long sequence, EventSlot event) {
            onFatal.accept(ex);
            throw new IllegalStateException("pipeline stopped at ring sequence " + sequence, ex);
        }

        @Override
        public void handleOnStartException(Throwable ex) {
            onFatal.accept(ex);
        }

        @Override
        public void handleOnShutdownException(Throwable ex) {
            onFatal.accept(ex);
        }
    }
}
