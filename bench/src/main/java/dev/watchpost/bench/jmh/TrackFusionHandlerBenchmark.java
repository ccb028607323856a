package dev.watchpost.bench.jmh;

import dev.watchpost.handlers.ErrorLog;
import dev.watchpost.handlers.SeqAllocator;
import dev.watchpost.handlers.TrackFusionHandler;
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
 * The fuse stage's work per detection with the built-in rules (idle 5 s, updates at most once a
 * second), behind the window stage that stamps the watermark: key digest, table lookup, the track's
 * state, and now and then a derived event encoded and moved into the slot. Detections cycle through
 * {@code tracks} track ids at 1,000 a second of event time with a confidence that changes, so every
 * track sends a track.updated about once a second; every 20 s of event time a quiet spell (a tick
 * far ahead) ends them all and the next detections start them again. The figure includes the window
 * stage. Run with {@code -prof gc}: the target is 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TrackFusionHandlerBenchmark {
    static final int PAYLOAD_BYTES = 36;

    @Param({"100"})
    int tracks;

    private WindowDedupHandler window;
    private TrackFusionHandler fuse;
    private SeqAllocator seqs;
    private final EventSlot slot = new EventSlot(512);
    private final EventSlot tick = new EventSlot(256);
    private ByteBuffer template;
    private int frameLength;
    private long tsUs;
    private long n;

    @Setup
    public void setUp() {
        Counters counters = new Counters();
        ErrorLog errors = new ErrorLog(counters, System.err::println);
        seqs = new SeqAllocator(1);
        window = new WindowDedupHandler(Rules.defaults(), counters, errors);
        fuse = new TrackFusionHandler(Rules.defaults(), seqs, counters, errors);
        tsUs = System.currentTimeMillis() * 1000;
        template = BenchFrames.faceRecognized(UUID.randomUUID(), tsUs, PAYLOAD_BYTES);
        template.put(EventFrame.FLAGS_OFFSET, (byte) (template.get(EventFrame.FLAGS_OFFSET) | EventFrame.FLAG_TRACK));
        frameLength = BenchFrames.frameLength(PAYLOAD_BYTES);
    }

    @Benchmark
    public int onEvent() {
        long i = ++n;
        tsUs += 1_000;
        ByteBuffer buffer = slot.claimEvent(frameLength, null, i, tsUs);
        buffer.put(0, template, 0, frameLength);
        buffer.putLong(EventFrame.TS_US_OFFSET, tsUs);
        buffer.putLong(EventFrame.TRACK_ID_OFFSET, i % tracks);
        buffer.putFloat(EventFrame.CONFIDENCE_OFFSET, (i % 97) / 100f);
        slot.sequence(seqs.next());
        boolean end = (i & 63) == 0;
        window.onEvent(slot, i, end);
        fuse.onEvent(slot, i, end);
        if (i % 20_000 == 0) {
            tick.claimTick(tsUs + 20_000_000);
            window.onEvent(tick, i, true);
            fuse.onEvent(tick, i, true);
        }
        return slot.derivedCount();
    }
}
