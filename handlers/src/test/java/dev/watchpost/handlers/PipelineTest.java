package dev.watchpost.handlers;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import dev.watchpost.persistence.deadletter.DeadLetterStore;
import dev.watchpost.persistence.dedup.DedupConfig;
import dev.watchpost.persistence.dedup.DedupStore;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.JournalReader;
import dev.watchpost.persistence.journal.JournalRecord;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.Origin;
import dev.watchpost.ringbuffer.WallClock;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import dev.watchpost.ringbuffer.codec.EventValidator;
import dev.watchpost.ringbuffer.codec.NackCode;
import dev.watchpost.ringbuffer.pipeline.Pipeline;
import dev.watchpost.ringbuffer.pipeline.PipelineSpec;
import dev.watchpost.ringbuffer.pipeline.Stage;
import dev.watchpost.ringbuffer.pipeline.WaitStrategyKind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static dev.watchpost.handlers.TestEvents.frame;
import static dev.watchpost.handlers.TestEvents.receiptOf;
import static dev.watchpost.ringbuffer.pipeline.Stage.ACK;
import static dev.watchpost.ringbuffer.pipeline.Stage.DEDUP;
import static dev.watchpost.ringbuffer.pipeline.Stage.ALERT;
import static dev.watchpost.ringbuffer.pipeline.Stage.CORRELATE;
import static dev.watchpost.ringbuffer.pipeline.Stage.FUSE;
import static dev.watchpost.ringbuffer.pipeline.Stage.ENRICH;
import static dev.watchpost.ringbuffer.pipeline.Stage.JOURNAL;
import static dev.watchpost.ringbuffer.pipeline.Stage.PUBLISH;
import static dev.watchpost.ringbuffer.pipeline.Stage.VALIDATE;
import static dev.watchpost.ringbuffer.pipeline.Stage.WINDOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real handlers assembled into a real pipeline over a journal, dedup store and dead-letter store
 * of the test's own.
 *
 * <pre>
 *  test thread ─► ring (64) ─► [validate dedup window journal ack] ─► [publish]  publish on its own
 *                          ─► [validate dedup window journal ack publish]         all in one (the default)
 *                          ─► [validate] ─► [dedup] ─► … ─► [publish]           one per stage
 * </pre>
 */
class PipelineTest {
    private static final int RING_SIZE = 64;
    private static final int SLOT_INITIAL_CAPACITY = 256;
    private static final String STAGE_THREAD_PREFIX = "watchpost-stage-";
    private static final long WAIT_SECONDS = 30;

    static final List<List<Stage>> ALL_IN_ONE = List.of(List.of(VALIDATE, DEDUP, WINDOW, FUSE, CORRELATE, ENRICH, ALERT, JOURNAL, ACK, PUBLISH));
    static final List<List<Stage>> ACK_ON_ITS_OWN_THREAD =
            List.of(List.of(VALIDATE, DEDUP, WINDOW, FUSE, CORRELATE, ENRICH, ALERT, JOURNAL), List.of(ACK), List.of(PUBLISH));
    static final List<List<Stage>> ACK_AND_PUBLISH_ON_THE_NEXT_THREAD =
            List.of(List.of(VALIDATE, DEDUP, WINDOW, FUSE, CORRELATE, ENRICH, ALERT, JOURNAL), List.of(ACK, PUBLISH));
    static final List<List<Stage>> ONE_PER_FREE_STAGE =
            List.of(List.of(VALIDATE), List.of(DEDUP, WINDOW, FUSE, CORRELATE, ENRICH, ALERT, JOURNAL), List.of(ACK), List.of(PUBLISH));

    @TempDir
    Path dir;

    private final Counters counters = new Counters();
    private final List<String> errorLog = new ArrayList<>();
    private final RecordingSink sink = new RecordingSink();
    private final AtomicReference<Throwable> fatal = new AtomicReference<>();
    private final CountDownLatch fatalSeen = new CountDownLatch(1);
    private Journal journal;
    private DedupStore dedup;
    private DeadLetterStore deadLetters;
    private Pipeline pipeline;
    private boolean stopped;

    static Stream<Arguments> threadShapes() {
        return Stream.of(
                Arguments.of("publish on its own thread", List.of(List.of(VALIDATE, DEDUP, WINDOW, FUSE, CORRELATE, ENRICH, ALERT, JOURNAL, ACK), List.of(PUBLISH))),
                Arguments.of("all in one", ALL_IN_ONE),
                Arguments.of("ack and publish on the next thread (pipelined commit)", ACK_AND_PUBLISH_ON_THE_NEXT_THREAD),
                Arguments.of("ack on its own thread (pipelined commit)", ACK_ON_ITS_OWN_THREAD),
                Arguments.of("one per stage that may run alone", ONE_PER_FREE_STAGE));
    }


    // ------------------------------------------------------------------ delivery

    @ParameterizedTest(name = "{0}")
    @MethodSource("threadShapes")
    void shouldStoreEveryValidEventOnceInSeqOrderAndAckOnlyWhatIsDurable(String shape, List<List<Stage>> threads)
            throws Exception {
        Script script = new Script();
        Connection first = script.connection("tcp 10.0.0.7:51234");
        Connection second = script.connection("tcp 10.0.0.7:51300");
        int receipts = 300;
        for (long receipt = 1; receipt <= receipts; receipt++) {
            first.send(receipt, receipt % 7 == 0 ? 2.0f : 0.5f);
            if (receipt % 5 == 0) {
                first.send(receipt - 1, 0.5f); // a retry, its original often still in the ring
            }
            if (receipt > 10) {
                second.send(receipt - 10, 0.5f); // the same receipts again after a reconnect
            }
            if (receipt % 50 == 0) {
                script.tick(); // answered to no one, stored nowhere, published nowhere
            }
        }
        for (long receipt = receipts - 9; receipt <= receipts; receipt++) {
            second.send(receipt, 0.5f);
        }
        openStores();
        build(threads);
        pipeline.start();

        script.publishAll();

        assertTrue(script.latch().await(WAIT_SECONDS, TimeUnit.SECONDS), "every slot acknowledged by a flush");
        assertTrue(pipeline.drainAndStop(WAIT_SECONDS, TimeUnit.SECONDS));
        stopped = true;
        assertNull(fatal.get(), () -> String.valueOf(fatal.get()));

        for (Connection connection : script.connections) {
            assertEquals(connection.expected, connection.outcomes(), connection.name + ": what the ack stage reported, in order");
            assertEquals(List.of(), connection.violations, connection.name + ": flushes before the journal was durable");
            assertTrue(connection.flushes > 0);
        }
        assertEquals(script.storedReceipts, journalReceipts(), "each valid receipt stored once, in seq order");
        assertEquals(script.storedReceipts.size(), new HashSet<>(journalReceipts()).size());
        assertEquals(script.storedReceipts.size(), journal.durableSeq());
        assertEquals(LongStream.rangeClosed(1, script.storedReceipts.size()).boxed().toList(), sink.publishedSeqs(),
                "the live stream sees exactly the stored events, in seq order");
        assertTrue(sink.endsOfBatch() > 0);
        assertEquals(script.rejected, deadLetters.flushedSeq());
        assertEquals(script.storedReceipts.size(), counters.get(Counter.EVENTS_STORED));
        assertEquals(script.duplicates, counters.get(Counter.EVENTS_DUPLICATE));
        assertEquals(script.rejected, counters.get(Counter.EVENTS_REJECTED));
        assertEquals(script.storedReceipts.size() + script.duplicates, counters.get(Counter.EVENTS_VALID));
        assertEquals(script.rejected, counters.nackCount(NackCode.BAD_CONFIDENCE.code()));
        assertEquals(0, counters.get(Counter.HANDLER_ERRORS), () -> String.join("\n", errorLog));
        assertTrue(script.duplicates > 0 && script.rejected > 0, "the script exercises every outcome");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("threadShapes")
    void shouldJournalAndPublishDerivedEventsInSeqOrderBetweenTheDetections(String shape, List<List<Stage>> threads)
            throws Exception {
        openStores();
        build(threads);
        pipeline.start();
        com.lmax.disruptor.RingBuffer<EventSlot> ring = pipeline.ring();
        long t0 = WallClock.nowMicros() - 60_000_000L;
        for (int i = 1; i <= 200; i++) {
            byte[] frame = frame(i, t0 + i * 100_000L); // ten detections a second of event time
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(frame).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            b.put(EventFrame.FLAGS_OFFSET, (byte) (b.get(EventFrame.FLAGS_OFFSET) | EventFrame.FLAG_TRACK));
            b.putLong(EventFrame.TRACK_ID_OFFSET, i / 50); // five tracks, one after the other, 5 s each
            long sequence = ring.next();
            try {
                TestEvents.fill(ring.get(sequence), frame, null, i, WallClock.nowMicros());
            } finally {
                ring.publish(sequence);
            }
        }

        assertTrue(pipeline.drainAndStop(WAIT_SECONDS, TimeUnit.SECONDS));
        stopped = true;

        // tracks 0 and 1 end (idle) once the watermark passes their last detection + 5 s; 2, 3, 4 stay open
        assertEquals(5, counters.get(Counter.TRACKS_STARTED));
        assertEquals(2, counters.get(Counter.TRACKS_ENDED));
        assertEquals(207, journal.durableSeq(), "200 detections and 7 derived events, seqs without a gap");
        assertEquals(LongStream.rangeClosed(1, 207).boxed().toList(), sink.publishedSeqs(), "published in seq order");
        List<Long> derived = new ArrayList<>();
        dev.watchpost.persistence.journal.JournalRecord record = new dev.watchpost.persistence.journal.JournalRecord();
        EventFrame frame = new EventFrame();
        try (dev.watchpost.persistence.journal.JournalReader reader = journal.reader(1)) {
            while (reader.next(record)) {
                frame.wrap(record.buffer(), record.frameOffset());
                if (EventTypeRegistry.v1().isDerived(frame.eventType())) {
                    derived.add(record.seq());
                    long cause = dev.watchpost.ringbuffer.EventExtras.parent(record.buffer(), record.extraOffset(), record.extraLength(),
                            dev.watchpost.ringbuffer.EventExtras.parentCount(record.buffer(), record.extraOffset(), record.extraLength()) - 1);
                    assertTrue(cause < record.seq(), "a derived event follows what caused it");
                }
            }
        }
        assertEquals(7, derived.size());
        assertEquals(2, derived.get(0), "track.started right after the first detection");
        int held = 0;
        for (long s = 0; s < ring.getBufferSize(); s++) {
            held += ring.get(s).derivedCount();
        }
        assertEquals(0, held, "every derived event back in its pool as its slot left the last stage, on whichever thread");
        assertEquals(0, counters.get(Counter.HANDLER_ERRORS), () -> String.join("\n", errorLog));
    }

    // ------------------------------------------------------------------ failure and stop

    @Test
    void shouldAcknowledgeNothingOnceTheJournalStageHasFailed() throws Exception {
        Script script = new Script();
        Connection connection = script.connection("tcp 10.0.0.7:51234");
        for (long receipt = 1; receipt <= 3; receipt++) {
            connection.send(receipt, 0.5f);
        }
        openStores();
        build(PipelineSpec.THREADS_DEFAULT);
        script.publishAll();
        journal.close(); // every append now fails

        pipeline.start();

        assertTrue(fatalSeen.await(WAIT_SECONDS, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, fatal.get());
        pipeline.drainAndStop(100, TimeUnit.MILLISECONDS); // cannot drain: what it reports is another test's matter
        stopped = true;
        awaitStageThreadsGone();
        assertEquals(List.of(), connection.outcomes());
        assertEquals(0, connection.flushes);
        assertEquals(List.of(), sink.publishedSeqs());
    }

    @Test
    void shouldNotReportDrainedWhenTheLastStageThreadDiedWithSlotsLeft() throws Exception {
        Script script = new Script();
        Connection connection = script.connection("tcp 10.0.0.7:51234");
        for (long receipt = 1; receipt <= 3; receipt++) {
            connection.send(receipt, 0.5f);
        }
        openStores();
        build(ALL_IN_ONE);
        script.publishAll();
        journal.close(); // every append now fails
        pipeline.start();
        assertTrue(fatalSeen.await(WAIT_SECONDS, TimeUnit.SECONDS));
        awaitStageThreadsGone();

        boolean drained = pipeline.drainAndStop(100, TimeUnit.MILLISECONDS);
        stopped = true;

        assertEquals(List.of(), connection.outcomes(), "no slot passed every stage");
        assertFalse(drained, "drainAndStop must not report slots that never passed every stage as drained");
    }

    // ------------------------------------------------------------------ shape

    @Test
    void shouldAcceptEveryStageOnceInOrderHoweverGroupedIntoThreads() {
        for (List<List<Stage>> threads : List.of(PipelineSpec.THREADS_DEFAULT, ALL_IN_ONE, ACK_ON_ITS_OWN_THREAD, ONE_PER_FREE_STAGE)) {
            assertEquals(threads, spec(threads).threads());
        }
    }

    @Test
    void shouldRejectThreadsThatSkipAStage() {
        assertRejected(List.of(List.of(VALIDATE, DEDUP, WINDOW, FUSE, CORRELATE, ENRICH, ALERT, JOURNAL, PUBLISH)));
        assertRejected(List.of(List.of(DEDUP, WINDOW, FUSE, CORRELATE, ENRICH, ALERT, JOURNAL, ACK), List.of(PUBLISH)));
        assertRejected(List.of(List.of(VALIDATE, DEDUP, FUSE, CORRELATE, ENRICH, ALERT, JOURNAL, ACK), List.of(PUBLISH)));
    }

    @Test
    void shouldRejectThreadsThatReorderStages() {
        assertRejected(List.of(List.of(VALIDATE, WINDOW, FUSE, CORRELATE, ENRICH, ALERT, JOURNAL, DEDUP, ACK), List.of(PUBLISH)));
        assertRejected(List.of(List.of(PUBLISH), List.of(VALIDATE, DEDUP, WINDOW, FUSE, CORRELATE, ENRICH, ALERT, JOURNAL, ACK)));
        assertRejected(List.of(List.of(VALIDATE, DEDUP, WINDOW, FUSE, CORRELATE, ENRICH, ALERT, ACK), List.of(JOURNAL, PUBLISH)));
        assertRejected(List.of(List.of(VALIDATE, DEDUP, JOURNAL, WINDOW, FUSE, CORRELATE, ENRICH, ALERT, ACK, PUBLISH)));
    }

    @Test
    void shouldRejectSequencedStagesOnDifferentThreads() {
        for (List<List<Stage>> threads : List.of(
                List.of(List.of(VALIDATE, DEDUP, WINDOW, FUSE), List.of(CORRELATE, ENRICH, ALERT, JOURNAL, ACK, PUBLISH)),
                List.of(List.of(VALIDATE, DEDUP), List.of(WINDOW, FUSE, CORRELATE, ENRICH, ALERT, JOURNAL, ACK, PUBLISH)))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> spec(threads), threads::toString);
            assertTrue(e.getMessage().startsWith("stages dedup, window, fuse, correlate, enrich, alert and journal must run on one thread"), e.getMessage());
        }
    }

    @Test
    void shouldRejectAStageListedTwice() {
        assertRejected(List.of(List.of(VALIDATE, DEDUP, WINDOW, FUSE, CORRELATE, ENRICH, ALERT, JOURNAL, ACK), List.of(ACK, PUBLISH)));
    }

    @Test
    void shouldRejectAThreadWithoutStages() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> spec(List.of(List.of(VALIDATE, DEDUP, WINDOW, FUSE, CORRELATE, ENRICH, ALERT, JOURNAL, ACK), List.of(), List.of(PUBLISH))));

        assertEquals("a pipeline thread has no stages", e.getMessage());
    }

    @Test
    void shouldRejectARingSizeThatIsNotAPowerOfTwo() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PipelineSpec(100, WaitStrategyKind.BLOCKING, PipelineSpec.THREADS_DEFAULT, SLOT_INITIAL_CAPACITY));

        assertTrue(e.getMessage().contains("was 100"), e.getMessage());
    }

    @Test
    void shouldRefuseToBuildAPipelineWithoutAHandlerForEveryStage() {
        Map<Stage, EventHandler<EventSlot>> stages = new EnumMap<>(Stage.class);
        for (Stage stage : List.of(VALIDATE, DEDUP, WINDOW, FUSE, CORRELATE, ENRICH, ALERT, JOURNAL, PUBLISH)) {
            stages.put(stage, (slot, sequence, endOfBatch) -> { });
        }

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Pipeline(spec(PipelineSpec.THREADS_DEFAULT), stages, fatal::set));

        assertEquals("no handler for stage ack", e.getMessage());
    }

    private static void assertRejected(List<List<Stage>> threads) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> spec(threads), threads::toString);
        assertTrue(e.getMessage().startsWith("pipeline threads must list every stage once, in the order validate, dedup, window, fuse, correlate, enrich, alert, journal, ack, publish"),
                e.getMessage());
    }

    // ------------------------------------------------------------------ fixture

    private static PipelineSpec spec(List<List<Stage>> threads) {
        return new PipelineSpec(RING_SIZE, WaitStrategyKind.BLOCKING, threads, SLOT_INITIAL_CAPACITY);
    }

    private void openStores() throws IOException {
        journal = Journal.open(dir.resolve("journal"));
        dedup = DedupStore.open(new DedupConfig(dir.resolve("dedup"), 10_000, DedupConfig.TTL_MILLIS_DEFAULT), journal);
        deadLetters = DeadLetterStore.open(dir.resolve(DeadLetterStore.DIRECTORY_NAME));
    }

    private void build(List<List<Stage>> threads) {
        ErrorLog errors = new ErrorLog(counters, errorLog::add);
        Map<Stage, EventHandler<EventSlot>> stages = new EnumMap<>(Stage.class);
        stages.put(VALIDATE, new ValidateHandler(new EventValidator(EventTypeRegistry.v1()), counters, errors));
        SeqAllocator seqs = new SeqAllocator(journal.lastSeq() + 1);
        stages.put(DEDUP, new DedupHandler(dedup, seqs, counters, errors));
        stages.put(WINDOW, new WindowDedupHandler(dev.watchpost.handlers.rules.Rules.defaults(), counters, errors));
        stages.put(FUSE, new TrackFusionHandler(dev.watchpost.handlers.rules.Rules.defaults(), seqs, counters, errors));
        stages.put(CORRELATE, new CorrelateHandler(dev.watchpost.handlers.rules.Rules.defaults(), EventTypeRegistry.standard(), seqs,
                counters, errors));
        stages.put(ENRICH, new EnrichHandler(java.util.List.of(), dev.watchpost.handlers.rules.Rules.defaults(), counters, errors));
        stages.put(ALERT, new AlertHandler(dev.watchpost.handlers.rules.Rules.defaults(), new dev.watchpost.handlers.rules.TagTable(),
                EventTypeRegistry.v1(), seqs, counters, errors));
        PipelineSpec spec = spec(threads);
        GroupCommit groupCommit = spec.pipelinedCommit() ? new GroupCommit(journal, deadLetters, FsyncPolicy.BATCH, counters) : null;
        stages.put(JOURNAL, new JournalHandler(journal, deadLetters, FsyncPolicy.BATCH, 1000, 1_000_000, counters, groupCommit));
        stages.put(ACK, new AckHandler(errors, groupCommit));
        stages.put(PUBLISH, new PublishHandler(sink, errors));
        pipeline = new Pipeline(spec, stages, error -> {
            fatal.compareAndSet(null, error);
            fatalSeen.countDown();
        });
    }

    @AfterEach
    void stopAndClose() throws Exception {
        try {
            if (pipeline != null && !stopped) {
                pipeline.drainAndStop(WAIT_SECONDS, TimeUnit.SECONDS);
            }
            awaitStageThreadsGone();
        } finally {
            if (journal != null) {
                journal.close();
            }
            if (deadLetters != null) {
                deadLetters.close();
            }
            if (dedup != null) {
                dedup.close();
            }
        }
    }

    /** Fails when a stage thread outlives its pipeline. */
    private static void awaitStageThreadsGone() throws InterruptedException {
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().startsWith(STAGE_THREAD_PREFIX)) {
                thread.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
                assertFalse(thread.isAlive(), thread.getName() + " outlived its pipeline");
            }
        }
    }

    private List<Long> journalReceipts() throws IOException {
        List<Long> receipts = new ArrayList<>();
        JournalRecord record = new JournalRecord();
        try (JournalReader reader = journal.reader(1)) {
            while (reader.next(record)) {
                assertEquals(receipts.size() + 1, record.seq());
                receipts.add(receiptOf(record.buffer(), record.frameOffset()));
            }
        }
        return receipts;
    }

    // ------------------------------------------------------------------ doubles

    /**
     * What the test will publish, in ring order, and what protocol v1, section 5 says must come of
     * it, worked out as the frames are added: a rejected frame is NACKed whatever its receipt, a
     * valid one whose receipt was stored is a duplicate of that seq, any other valid one is stored
     * under the next seq.
     */
    private final class Script {
        final List<Connection> connections = new ArrayList<>();
        final List<Runnable> publishes = new ArrayList<>();
        final Map<Long, Long> seqByReceipt = new HashMap<>();
        final List<Long> storedReceipts = new ArrayList<>();
        long duplicates;
        long rejected;
        int ticks;
        private CountDownLatch latch;

        Connection connection(String name) {
            Connection connection = new Connection(this, name);
            connections.add(connection);
            return connection;
        }

        /** Counted down once per slot when its origin flushes. */
        CountDownLatch latch() {
            if (latch == null) {
                latch = new CountDownLatch(publishes.size() - ticks);
            }
            return latch;
        }

        String expect(long receipt, float confidence) {
            if (!(confidence >= 0f && confidence <= 1f)) {
                rejected++;
                return "rejected " + NackCode.BAD_CONFIDENCE;
            }
            Long original = seqByReceipt.get(receipt);
            if (original != null) {
                duplicates++;
                return "duplicate of " + original;
            }
            long seq = storedReceipts.size() + 1;
            storedReceipts.add(receipt);
            seqByReceipt.put(receipt, seq);
            return "stored as " + seq;
        }

        /** A tick of the wall clock, which every stage but the window stage passes by. */
        void tick() {
            ticks++;
            publishes.add(() -> {
                RingBuffer<EventSlot> ring = pipeline.ring();
                long sequence = ring.next();
                try {
                    ring.get(sequence).claimTick(WallClock.nowMicros());
                } finally {
                    ring.publish(sequence);
                }
            });
        }

        /** Publishes every slot from the calling thread, in script order. */
        void publishAll() {
            latch();
            for (Runnable publish : publishes) {
                publish.run();
            }
        }

        void publish(RingBuffer<EventSlot> ring, byte[] frame, Origin origin, long originSeq) {
            long sequence = ring.next();
            try {
                TestEvents.fill(ring.get(sequence), frame, origin, originSeq, WallClock.nowMicros());
            } finally {
                ring.publish(sequence);
            }
        }
    }

    private record Outcome(long originSeq, String verdict, long journalSeq, long durableSeqWhenHandled) {
    }

    /**
     * A detector's connection as the ack stage sees it: records each handled slot and, at each flush,
     * whether every stored slot it is about to acknowledge is already durable. Called on the ack
     * thread only; read after the pipeline has stopped.
     */
    private final class Connection implements Origin {
        final Script script;
        final String name;
        final byte[] description;
        final List<String> expected = new ArrayList<>();
        final List<Outcome> handled = new ArrayList<>();
        final List<String> violations = new ArrayList<>();
        long flushes;
        private long nextOriginSeq = 1;
        private long pendingSlots;
        private long highestPendingStoredSeq;

        Connection(Script script, String name) {
            this.script = script;
            this.name = name;
            this.description = name.getBytes(StandardCharsets.UTF_8);
        }

        void send(long receipt, float confidence) {
            long originSeq = nextOriginSeq++;
            expected.add(originSeq + " " + script.expect(receipt, confidence));
            byte[] frame = frame(receipt, WallClock.nowMicros(), confidence);
            script.publishes.add(() -> script.publish(pipeline.ring(), frame, this, originSeq));
        }

        List<String> outcomes() {
            return handled.stream().map(o -> o.originSeq() + " " + o.verdict()).toList();
        }

        @Override
        public boolean onHandled(EventSlot slot) {
            String verdict = slot.nack() != null ? "rejected " + slot.nack()
                    : slot.isDuplicate() ? "duplicate of " + slot.journalSeq()
                    : slot.isToStore() ? "stored as " + slot.journalSeq()
                    : "neither stored nor rejected";
            handled.add(new Outcome(slot.originSeq(), verdict, slot.journalSeq(), journal.durableSeq()));
            if (slot.isToStore()) {
                highestPendingStoredSeq = Math.max(highestPendingStoredSeq, slot.journalSeq());
            }
            return pendingSlots++ == 0;
        }

        @Override
        public void flush() {
            flushes++;
            long durable = journal.durableSeq();
            if (durable < highestPendingStoredSeq) {
                violations.add("flushed up to seq " + highestPendingStoredSeq + " while durable was " + durable);
            }
            for (; pendingSlots > 0; pendingSlots--) {
                script.latch().countDown();
            }
        }

        @Override
        public byte[] describeUtf8() {
            return description;
        }
    }

    /** The live streams: the seqs published, in order, and the ends of batches. Publish thread only. */
    private static final class RecordingSink implements EventSink {
        private final List<Long> published = new ArrayList<>();
        private long endsOfBatch;

        @Override
        public void publish(EventSlot slot) {
            published.add(slot.journalSeq());
        }

        @Override
        public void publishDerived(dev.watchpost.ringbuffer.DerivedEvent event, long receivedAtUs) {
            published.add(event.seq());
        }

        @Override
        public void endOfBatch() {
            endsOfBatch++;
        }

        List<Long> publishedSeqs() {
            return published;
        }

        long endsOfBatch() {
            return endsOfBatch;
        }
    }
}
