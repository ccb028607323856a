package dev.watchpost.bench.jmh;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import dev.watchpost.handlers.AckHandler;
import dev.watchpost.handlers.AlertHandler;
import dev.watchpost.handlers.DedupHandler;
import dev.watchpost.handlers.ErrorLog;
import dev.watchpost.handlers.EventSink;
import dev.watchpost.handlers.FsyncPolicy;
import dev.watchpost.handlers.JournalHandler;
import dev.watchpost.handlers.PublishHandler;
import dev.watchpost.handlers.SeqAllocator;
import dev.watchpost.handlers.TrackFusionHandler;
import dev.watchpost.handlers.ValidateHandler;
import dev.watchpost.handlers.WindowDedupHandler;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.handlers.rules.TagTable;
import dev.watchpost.persistence.deadletter.DeadLetterStore;
import dev.watchpost.persistence.dedup.DedupConfig;
import dev.watchpost.persistence.dedup.DedupStore;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.Origin;
import dev.watchpost.ringbuffer.WallClock;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import dev.watchpost.ringbuffer.codec.EventValidator;
import dev.watchpost.ringbuffer.pipeline.Pipeline;
import dev.watchpost.ringbuffer.pipeline.PipelineSpec;
import dev.watchpost.ringbuffer.pipeline.Stage;
import dev.watchpost.ringbuffer.pipeline.WaitStrategyKind;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The whole pipeline in one process, sustained throughput: the real ring ({@link Pipeline}) with
 * every stage of the daemon, in the default layout (all stages on one thread, blocking wait).
 *
 * <pre>
 *  JMH thread (producer) ─► ring (16384 slots) ─► [validate dedup window journal ack publish] ─► no-op origin, no-op sink
 *        ▲                                              │
 *        └──────────── waits for the ACK of its last slot ┘
 * </pre>
 *
 * One op = one EVENT published into a slot (a 200-byte frame with a new receipt_id, copied in as
 * the TCP I/O thread does) and carried through validate, dedup (insert into the Chronicle Map),
 * window (the built-in rules: every frame has the same camera, subject and event time, so each
 * after the first is marked a repeat of it), journal (append, group commit with fsync {@code batch}),
 * ack and publish. An invocation publishes
 * {@value #BATCH} slots and then waits until the origin has been told (at the end of a stage batch,
 * after its fsync) that the last of them is handled, so the figure is sustained throughput, fsyncs
 * included, never a measure of how fast the ring fills.
 *
 * <p>Each iteration builds a fresh data directory (journal, dead letters, dedup store sized
 * {@value #DEDUP_CAPACITY} receipts, empty) and deletes it afterwards: inserts pile up at around a
 * million a second, and a full dedup store would change the path measured (the tear-down fails the
 * run if that happens).
 *
 * <p>So {@code -prof gc} does not measure the hot path here: its B/op is that per-iteration set-up
 * divided by the iteration's events, and the stage thread, stopped in the tear-down, is not counted
 * at all. {@link PipelineAllocation} reads each thread's allocated bytes instead.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class PipelineBenchmark {
    /** Slots published per invocation before waiting for the last one's ACK. */
    static final int BATCH = 4096;
    /** Receipts the per-iteration dedup store holds; well above one iteration's events. */
    static final long DEDUP_CAPACITY = 8_000_000L;
    /** The daemon's defaults: journal.batch_max_records and journal.batch_max_delay. */
    static final int BATCH_MAX_RECORDS = 8192;
    static final long BATCH_MAX_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    static final int PAYLOAD_BYTES = 36;

    @Param({"blocking"})
    String waitStrategy;

    private final BenchOrigin origin = new BenchOrigin();
    private final AtomicReference<Throwable> fatal = new AtomicReference<>();
    private ByteBuffer template;
    private int frameLength;
    private long receiptLsb;

    private Path directory;
    private Journal journal;
    private DeadLetterStore deadLetters;
    private DedupStore dedup;
    private Counters counters;
    private Pipeline pipeline;
    private RingBuffer<EventSlot> ring;
    private long originSeq;

    @Setup(Level.Trial)
    public void buildFrame() {
        template = BenchFrames.faceRecognized(UUID.randomUUID(), System.currentTimeMillis() * 1000, PAYLOAD_BYTES);
        frameLength = BenchFrames.frameLength(PAYLOAD_BYTES);
    }

    @Setup(Level.Iteration)
    public void start() throws IOException {
        directory = BenchFrames.tempDirectory("watchpost-bench-pipeline-");
        journal = Journal.open(directory.resolve("journal"));
        deadLetters = DeadLetterStore.open(directory.resolve("deadletter"));
        dedup = DedupStore.open(new DedupConfig(directory.resolve("dedup"), DEDUP_CAPACITY, DedupConfig.TTL_MILLIS_DEFAULT), journal);
        counters = new Counters();
        ErrorLog errors = new ErrorLog(counters, System.err::println);

        Map<Stage, EventHandler<EventSlot>> stages = new EnumMap<>(Stage.class);
        stages.put(Stage.VALIDATE, new ValidateHandler(new EventValidator(EventTypeRegistry.v1()), counters, errors));
        SeqAllocator seqs = new SeqAllocator(journal.lastSeq() + 1);
        stages.put(Stage.DEDUP, new DedupHandler(dedup, seqs, counters, errors));
        stages.put(Stage.WINDOW, new WindowDedupHandler(Rules.defaults(), counters, errors));
        stages.put(Stage.FUSE, new TrackFusionHandler(Rules.defaults(), seqs, counters, errors));
        stages.put(Stage.CORRELATE, new dev.watchpost.handlers.CorrelateHandler(Rules.defaults(), EventTypeRegistry.v1(), seqs, counters, errors));
        stages.put(Stage.ENRICH, new dev.watchpost.handlers.EnrichHandler(java.util.List.of(), Rules.defaults(), counters, errors));
        stages.put(Stage.ALERT, new AlertHandler(Rules.defaults(), new TagTable(), EventTypeRegistry.standard(), seqs, counters, errors));
        stages.put(Stage.JOURNAL, new JournalHandler(journal, deadLetters, FsyncPolicy.BATCH,
                BATCH_MAX_RECORDS, BATCH_MAX_DELAY_NANOS, counters));
        stages.put(Stage.ACK, new AckHandler(errors));
        stages.put(Stage.PUBLISH, new PublishHandler(NoOpSink.INSTANCE, errors));
        PipelineSpec spec = new PipelineSpec(PipelineSpec.RING_SIZE_DEFAULT, WaitStrategyKind.fromConfigName(waitStrategy),
                PipelineSpec.ONE_THREAD, PipelineSpec.SLOT_INITIAL_CAPACITY_DEFAULT);
        pipeline = new Pipeline(spec, stages, fatal::set).start();
        ring = pipeline.ring();
        originSeq = 0;
        origin.reset();
    }

    @TearDown(Level.Iteration)
    public void stop() throws IOException {
        boolean drained = pipeline.drainAndStop(30, TimeUnit.SECONDS);
        try {
            if (fatal.get() != null) {
                throw new IllegalStateException("pipeline failed", fatal.get());
            }
            if (!drained) {
                throw new IllegalStateException("pipeline did not drain");
            }
            if (counters.get(Counter.DEDUP_STORE_FULL) != 0 || counters.get(Counter.EVENTS_STORED) - counters.get(Counter.EVENTS_DERIVED) != originSeq) {
                throw new IllegalStateException("stored " + counters.get(Counter.EVENTS_STORED) + " of " + originSeq
                        + " events, " + counters.get(Counter.DEDUP_STORE_FULL) + " without dedup entry: not the path measured");
            }
        } finally {
            dedup.close();
            deadLetters.close();
            journal.close();
            BenchFrames.deleteRecursively(directory);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long publishAndAwaitAck() {
        RingBuffer<EventSlot> r = ring;
        for (int i = 0; i < BATCH; i++) {
            long sequence = r.next();
            try {
                EventSlot slot = r.get(sequence);
                ByteBuffer buffer = slot.claimEvent(frameLength, origin, ++originSeq, WallClock.nowMicros());
                buffer.put(0, template, 0, frameLength);
                buffer.putLong(EventFrame.RECEIPT_ID_OFFSET + 8, ++receiptLsb);
            } finally {
                r.publish(sequence);
            }
        }
        long acked;
        while ((acked = origin.acked) < originSeq) {
            if (fatal.get() != null) {
                throw new IllegalStateException("pipeline failed", fatal.get());
            }
            Thread.yield(); // 2 cores: leave the stage thread its core
        }
        return acked;
    }

    /** One detector connection whose ACKs go nowhere; the producer waits on its handled seq. */
    static final class BenchOrigin implements Origin {
        private static final byte[] DESCRIPTION = "bench".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        private long pending;
        private boolean dirty;
        /** Highest origin seq whose batch has been flushed: what a detector's cumulative ACK would say. */
        volatile long acked;

        void reset() {
            pending = 0;
            dirty = false;
            acked = 0;
        }

        @Override
        public boolean onHandled(EventSlot slot) {
            pending = slot.originSeq();
            boolean first = !dirty;
            dirty = true;
            return first;
        }

        @Override
        public void flush() {
            dirty = false;
            acked = pending;
        }

        @Override
        public byte[] describeUtf8() {
            return DESCRIPTION;
        }
    }

    /** The publish stage with no stream clients. */
    enum NoOpSink implements EventSink {
        INSTANCE;

        @Override
        public void publish(EventSlot slot) {
        }

        @Override
        public void publishDerived(dev.watchpost.ringbuffer.DerivedEvent event, long receivedAtUs) {
        }

        @Override
        public void endOfBatch() {
        }
    }
}
