package dev.watchpost.bench.jmh;

import dev.watchpost.handlers.ErrorLog;
import dev.watchpost.handlers.WindowDedupHandler;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventFrame;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The window stage's work per event with the built-in rules (5 s fixed window, key camera, type and
 * subject): watermark, key digest, table lookup, and either a repeat's marking or a new burst (with
 * the expiry of an old one). Events cycle through {@code keys} subjects at 1,000 events a second of
 * event time, so most are repeats and a new burst opens for each key every 5 s of event time. Run with
 * {@code -prof gc}: the target is 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class WindowDedupHandlerBenchmark {
    static final int PAYLOAD_BYTES = 36;

    @Param({"1000"})
    int keys;

    private WindowDedupHandler handler;
    private final EventSlot slot = new EventSlot(512);
    private ByteBuffer template;
    private int frameLength;
    private long tsUs;
    private long seq;

    @Setup
    public void setUp() {
        Counters counters = new Counters();
        handler = new WindowDedupHandler(Rules.defaults(), counters, new ErrorLog(counters, System.err::println));
        tsUs = System.currentTimeMillis() * 1000;
        template = BenchFrames.faceRecognized(UUID.randomUUID(), tsUs, PAYLOAD_BYTES);
        frameLength = BenchFrames.frameLength(PAYLOAD_BYTES);
    }

    @Benchmark
    public long onEvent() {
        long n = ++seq;
        tsUs += 1_000;
        ByteBuffer buffer = slot.claimEvent(frameLength, null, n, tsUs);
        buffer.put(0, template, 0, frameLength);
        buffer.putLong(EventFrame.TS_US_OFFSET, tsUs);
        buffer.putLong(EventFrame.SUBJECT_ID_OFFSET, n % keys);
        slot.sequence(n);
        handler.onEvent(slot, n, (n & 63) == 0);
        return slot.repeatOf();
    }
}
