package dev.watchpost.ringbuffer.pipeline;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.TimeoutException;
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
 *  producers (I/O threads, ticker) ─► ring ─► [validate dedup window fuse journal ack publish]       (the default)
 *  producers (I/O threads, ticker) ─► ring ─► [validate dedup window fuse journal ack] ─► [publish]  (two threads)
 * </pre>
 *
 * <p>A stage that throws stops the pipeline: {@code onFatal} is told, and nothing after the failing
 * slot is acknowledged. Stages are expected to catch what they can survive themselves.
 */
public final class Pipeline {
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
        this.disruptor = new Disruptor<>(
                () -> new EventSlot(spec.slotInitialCapacity()),
                spec.ringSize(),
                runnable -> {
                    Thread thread = new Thread(runnable, "watchpost-stage-" + threadNumber.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                },
                ProducerType.MULTI,
                spec.waitStrategy().create());
        disruptor.setDefaultExceptionHandler(new FatalHandler(error -> {
            failed = true;
            onFatal.accept(error);
        }));

        EventHandlerGroup<EventSlot> previous = null;
        EventHandler<EventSlot> handler = null;
        for (List<Stage> thread : spec.threads()) {
            // Derived events are read by every stage up to the last; when that runs on the thread that
            // derives them, the slot gives them back to their pools as it leaves, not a ring lap later.
            boolean lastOnDerivingThread = thread.contains(Stage.PUBLISH) && thread.contains(Stage.DEDUP);
            handler = thread.size() == 1 ? stages.get(thread.get(0)) : new StageGroup(thread, stages, lastOnDerivingThread);
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
     * Runs several stages on one thread, stage by stage for each slot; with {@code releaseDerived},
     * gives the slot's derived events back to their pools once the last stage has passed it.
     */
    private static final class StageGroup implements EventHandler<EventSlot> {
        private final EventHandler<EventSlot>[] handlers;
        private final boolean releaseDerived;

        @SuppressWarnings("unchecked")
        StageGroup(List<Stage> stages, Map<Stage, EventHandler<EventSlot>> all, boolean releaseDerived) {
            Map<Stage, EventHandler<EventSlot>> ordered = new EnumMap<>(Stage.class);
            stages.forEach(stage -> ordered.put(stage, all.get(stage)));
            this.handlers = ordered.values().toArray(new EventHandler[0]);
            this.releaseDerived = releaseDerived;
        }

        @Override
        public void onEvent(EventSlot slot, long sequence, boolean endOfBatch) throws Exception {
            for (EventHandler<EventSlot> handler : handlers) {
                handler.onEvent(slot, sequence, endOfBatch);
            }
            if (releaseDerived) {
                slot.giveBackDerived();
            }
        }

        @Override
        public void onBatchStart(long batchSize, long queueDepth) {
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
            for (EventHandler<EventSlot> handler : handlers) {
                handler.setSequenceCallback(sequenceCallback);
            }
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
