package dev.watchpost.ringbuffer.pipeline;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import dev.watchpost.ringbuffer.EventSlot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static dev.watchpost.ringbuffer.pipeline.Stage.ACK;
import static dev.watchpost.ringbuffer.pipeline.Stage.ALERT;
import static dev.watchpost.ringbuffer.pipeline.Stage.CORRELATE;
import static dev.watchpost.ringbuffer.pipeline.Stage.DEDUP;
import static dev.watchpost.ringbuffer.pipeline.Stage.ENRICH;
import static dev.watchpost.ringbuffer.pipeline.Stage.FUSE;
import static dev.watchpost.ringbuffer.pipeline.Stage.JOURNAL;
import static dev.watchpost.ringbuffer.pipeline.Stage.PUBLISH;
import static dev.watchpost.ringbuffer.pipeline.Stage.VALIDATE;
import static dev.watchpost.ringbuffer.pipeline.Stage.WINDOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How a stage thread has its {@link BatchPrefetch} stages prefetch a batch: every slot once, before
 * any stage of the thread handles it, never more than {@link Pipeline#PREFETCH_AHEAD} slots ahead,
 * and on whichever thread the stage runs.
 */
class PipelinePrefetchTest {
    private static final long WAIT_SECONDS = 30;
    private static final int SLOTS = 200;

    private final Map<Stage, EventHandler<EventSlot>> stages = new EnumMap<>(Stage.class);
    private final AtomicReference<Throwable> fatal = new AtomicReference<>();
    /** In the log: the slots noted since the last of these were loaded. */
    private static final long LOADED = Long.MAX_VALUE;
    /** What happened, in order, on the stage threads: +n for "slot n noted for prefetching", {@link #LOADED}, -n for "slot n handled by validate". */
    private final List<Long> log = new ArrayList<>();
    private final CountDownLatch allPublished = new CountDownLatch(1);
    private final CountDownLatch allPrefetched = new CountDownLatch(SLOTS);
    private final CountDownLatch allHandled = new CountDownLatch(SLOTS);
    private Pipeline pipeline;

    /** The dedup stage's stand-in: logs its prefetches and its events. */
    private final class Prefetching implements EventHandler<EventSlot>, BatchPrefetch {
        @Override
        public void prefetch(EventSlot slot) {
            record(slot.receivedAtUs());
            allPrefetched.countDown();
        }

        @Override
        public void prefetched() {
            record(LOADED);
        }

        @Override
        public void onEvent(EventSlot slot, long sequence, boolean endOfBatch) {
            allHandled.countDown();
        }
    }

    PipelinePrefetchTest() {
        for (Stage stage : Stage.values()) {
            stages.put(stage, (slot, sequence, endOfBatch) -> { });
        }
        stages.put(VALIDATE, (slot, sequence, endOfBatch) -> {
            if (slot.receivedAtUs() == 1) {
                allPublished.await(); // so that the rest arrive as one large batch
            }
            record(-slot.receivedAtUs());
        });
        stages.put(DEDUP, new Prefetching());
    }

    @AfterEach
    void stop() {
        if (pipeline != null) {
            pipeline.drainAndStop(WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldPrefetchEverySlotOnceBeforeItsThreadHandlesItAndAtMostABlockAhead() throws Exception {
        run(List.of(List.of(VALIDATE, DEDUP, WINDOW, FUSE, CORRELATE, ENRICH, ALERT, JOURNAL, ACK, PUBLISH)));

        List<Long> prefetched = new ArrayList<>();
        List<Long> noted = new ArrayList<>();
        long handled = 0;
        for (long entry : log) {
            if (entry == LOADED) {
                prefetched.addAll(noted);
                noted.clear();
            } else if (entry > 0) {
                assertTrue(entry <= handled + Pipeline.PREFETCH_AHEAD, "slot " + entry + " prefetched after only " + handled + " were handled");
                noted.add(entry);
            } else {
                handled++;
                assertEquals(handled, -entry, "handled in order");
                assertTrue(prefetched.contains(handled), "slot " + handled + " prefetched before it was handled");
            }
        }
        assertEquals(SLOTS, handled);
        assertEquals(SLOTS, prefetched.size(), "every slot prefetched once: " + prefetched);
        assertEquals(SLOTS, prefetched.stream().distinct().count());
    }

    @Test
    void shouldPrefetchOnTheThreadTheStageRunsOn() throws Exception {
        run(List.of(List.of(VALIDATE), List.of(DEDUP, WINDOW, FUSE, CORRELATE, ENRICH, ALERT, JOURNAL), List.of(ACK, PUBLISH)));

        assertEquals(SLOTS, log.stream().filter(entry -> entry > 0 && entry != LOADED).distinct().count());
    }

    private void run(List<List<Stage>> threads) throws InterruptedException {
        pipeline = new Pipeline(new PipelineSpec(256, WaitStrategyKind.BLOCKING, threads, 256), stages, fatal::set).start();
        RingBuffer<EventSlot> ring = pipeline.ring();
        for (int i = 1; i <= SLOTS; i++) {
            long sequence = ring.next();
            ring.get(sequence).claimTick(i); // the tick's time names the slot
            ring.publish(sequence);
        }
        allPublished.countDown();
        assertTrue(allPrefetched.await(WAIT_SECONDS, TimeUnit.SECONDS) && allHandled.await(WAIT_SECONDS, TimeUnit.SECONDS));
        assertTrue(pipeline.drainAndStop(WAIT_SECONDS, TimeUnit.SECONDS));
        pipeline = null;
        assertNull(fatal.get());
    }

    private void record(long entry) {
        synchronized (log) {
            log.add(entry);
        }
    }
}
