package dev.watchpost.ringbuffer.pipeline;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import dev.watchpost.ringbuffer.EventSlot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
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
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the stage threads hand slots to one another under the blocking wait strategy: a thread waiting
 * on the thread before it parks, and wakes when that thread releases slots, at the end of a batch or
 * early, from inside a stage.
 *
 * <pre>
 *  test thread ─► ring (64) ─► [validate … journal] ─► [ack publish]
 * </pre>
 */
class PipelineThreadsTest {
    private static final long WAIT_SECONDS = 30;
    private static final List<List<Stage>> TWO_THREADS =
            List.of(List.of(VALIDATE, DEDUP, WINDOW, FUSE, CORRELATE, ENRICH, ALERT, JOURNAL), List.of(ACK, PUBLISH));

    private final Map<Stage, EventHandler<EventSlot>> stages = new EnumMap<>(Stage.class);
    private final AtomicReference<Throwable> fatal = new AtomicReference<>();
    private final List<Long> acked = new CopyOnWriteArrayList<>();
    private final AtomicReference<Thread> ackThread = new AtomicReference<>();
    private Pipeline pipeline;

    PipelineThreadsTest() {
        for (Stage stage : Stage.values()) {
            stages.put(stage, (slot, sequence, endOfBatch) -> { });
        }
        stages.put(ACK, new EventHandler<>() {
            @Override
            public void onStart() {
                ackThread.set(Thread.currentThread());
            }

            @Override
            public void onEvent(EventSlot slot, long sequence, boolean endOfBatch) {
                acked.add(sequence);
            }
        });
    }

    @AfterEach
    void stop() {
        if (pipeline != null) {
            pipeline.drainAndStop(WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldParkTheNextThreadWhileAStageBeforeItWorksAndWakeItWhenTheSlotIsReleased() throws Exception {
        CountDownLatch inJournalStage = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        stages.put(JOURNAL, (slot, sequence, endOfBatch) -> {
            if (sequence == 0) {
                inJournalStage.countDown();
                letGo.await();
            }
        });
        start();

        publish(1);
        assertTrue(inJournalStage.await(WAIT_SECONDS, TimeUnit.SECONDS));
        Thread.State waiting = awaitParked(awaitAckThread());

        assertTrue(waiting == Thread.State.WAITING || waiting == Thread.State.TIMED_WAITING,
                "the ack thread parks while the journal stage holds the slot it wants, was " + waiting);
        assertEquals(List.of(), acked);

        letGo.countDown();
        publish(99);

        assertTrue(pipeline.drainAndStop(WAIT_SECONDS, TimeUnit.SECONDS));
        pipeline = null;
        assertEquals(100, acked.size(), "every slot reached the ack stage once, in order");
        for (int i = 0; i < acked.size(); i++) {
            assertEquals(i, acked.get(i));
        }
        assertNull(fatal.get());
    }

    @Test
    void shouldWakeTheNextThreadWhenAStageReleasesPartOfABatchEarly() throws Exception {
        CountDownLatch letGo = new CountDownLatch(1);
        stages.put(JOURNAL, new EventHandler<>() {
            private Sequence released;

            @Override
            public void setSequenceCallback(Sequence sequenceCallback) {
                released = sequenceCallback;
            }

            @Override
            public void onEvent(EventSlot slot, long sequence, boolean endOfBatch) throws InterruptedException {
                if (sequence == 9) {
                    released.set(sequence); // slots 0..9 may go on
                    letGo.await(); // while this one is held in the middle of its batch
                }
            }
        });
        RingBuffer<EventSlot> ring = start().ring();
        long last = ring.next(20); // one batch of 20 slots for the journal stage
        ring.publish(last - 19, last);

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (acked.size() < 10 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }

        assertEquals(10, acked.size(), "the slots released early reach the ack stage while the batch is held");
        letGo.countDown();
        assertTrue(pipeline.drainAndStop(WAIT_SECONDS, TimeUnit.SECONDS));
        pipeline = null;
        assertEquals(20, acked.size());
        assertNull(fatal.get());
    }

    private Pipeline start() {
        pipeline = new Pipeline(new PipelineSpec(64, WaitStrategyKind.BLOCKING, TWO_THREADS, 256), stages, fatal::set).start();
        return pipeline;
    }

    private void publish(int count) {
        RingBuffer<EventSlot> ring = pipeline.ring();
        for (int i = 0; i < count; i++) {
            long sequence = ring.next();
            ring.get(sequence).claimTick(0);
            ring.publish(sequence);
        }
    }

    /** The ack stage's thread, once it has started. */
    private Thread awaitAckThread() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (ackThread.get() == null && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertNotNull(ackThread.get(), "the ack stage's thread started");
        return ackThread.get();
    }

    /** The thread's state once it has stopped running, or RUNNABLE if it never stops within the wait. */
    private static Thread.State awaitParked(Thread thread) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        Thread.State state;
        int parkedInARow = 0;
        do {
            state = thread.getState();
            parkedInARow = state == Thread.State.RUNNABLE ? 0 : parkedInARow + 1;
            Thread.sleep(1);
        } while (parkedInARow < 50 && System.nanoTime() < deadline);
        return state;
    }
}
