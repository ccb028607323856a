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
 * How a thread runs a {@link WholeBatchFirst} stage: first on its thread, over each whole batch before
 * the stages after it see the batch; elsewhere on a thread, slot by slot after the stage before it.
 */
class PipelineWholeBatchTest {
    private static final long WAIT_SECONDS = 30;
    private static final int SLOTS = 200;

    private final Map<Stage, EventHandler<EventSlot>> stages = new EnumMap<>(Stage.class);
    private final AtomicReference<Throwable> fatal = new AtomicReference<>();
    /** What the stand-ins did, in order: "journal n", "ack n" (with " end" at a batch's end), "publish n". */
    private final List<String> log = new ArrayList<>();
    private final CountDownLatch allPublished = new CountDownLatch(1);
    private final CountDownLatch allHandled = new CountDownLatch(SLOTS);
    private Pipeline pipeline;

    /** The ack stage's stand-in. */
    private final class Answering implements EventHandler<EventSlot>, WholeBatchFirst {
        @Override
        public void onEvent(EventSlot slot, long sequence, boolean endOfBatch) {
            record("ack " + slot.receivedAtUs() + (endOfBatch ? " end" : ""));
        }
    }

    PipelineWholeBatchTest() {
        for (Stage stage : Stage.values()) {
            stages.put(stage, (slot, sequence, endOfBatch) -> { });
        }
        stages.put(VALIDATE, (slot, sequence, endOfBatch) -> {
            if (slot.receivedAtUs() == 1) {
                allPublished.await(); // so that the rest arrive as one large batch
            }
        });
        stages.put(JOURNAL, (slot, sequence, endOfBatch) -> record("journal " + slot.receivedAtUs()));
        stages.put(ACK, new Answering());
        stages.put(PUBLISH, (slot, sequence, endOfBatch) -> {
            record("publish " + slot.receivedAtUs());
            allHandled.countDown();
        });
    }

    @AfterEach
    void stop() {
        if (pipeline != null) {
            pipeline.drainAndStop(WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldAnswerAWholeBatchBeforeTheStagesAfterItOnItsThreadSeeIt() throws Exception {
        run(List.of(List.of(VALIDATE, DEDUP, WINDOW, FUSE, CORRELATE, ENRICH, ALERT, JOURNAL), List.of(ACK, PUBLISH)));

        long answered = 0;
        List<Long> batchEnds = new ArrayList<>();
        for (String entry : log) {
            String[] words = entry.split(" ");
            long slot = Long.parseLong(words[1]);
            if (words[0].equals("ack")) {
                assertEquals(answered + 1, slot, "answered in order");
                answered = slot;
                if (words.length == 3) {
                    batchEnds.add(slot);
                }
            } else if (words[0].equals("publish")) {
                long batchEnd = batchEnds.stream().filter(end -> end >= slot).findFirst().orElse(Long.MAX_VALUE);
                assertEquals(batchEnd, answered, "slot " + slot + " published once its whole batch, to " + batchEnd + ", was answered");
            }
        }
        assertEquals(SLOTS, answered);
        assertTrue(batchEnds.size() < SLOTS, "some batch held more than one slot: " + batchEnds);
    }

    @Test
    void shouldAnswerSlotBySlotWhereAStageBeforeItSharesItsThread() throws Exception {
        run(List.of(List.of(VALIDATE, DEDUP, WINDOW, FUSE, CORRELATE, ENRICH, ALERT, JOURNAL, ACK, PUBLISH)));

        List<String> expected = new ArrayList<>();
        for (String entry : log) {
            String[] words = entry.split(" ");
            if (words[0].equals("journal")) {
                expected.add(entry);
                expected.add("ack " + words[1]);
                expected.add("publish " + words[1]);
            }
        }
        assertEquals(3 * SLOTS, expected.size());
        assertEquals(expected, log.stream().map(entry -> entry.replace(" end", "")).toList());
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
        assertTrue(allHandled.await(WAIT_SECONDS, TimeUnit.SECONDS));
        assertTrue(pipeline.drainAndStop(WAIT_SECONDS, TimeUnit.SECONDS));
        pipeline = null;
        assertNull(fatal.get());
    }

    private void record(String entry) {
        synchronized (log) {
            log.add(entry);
        }
    }
}
