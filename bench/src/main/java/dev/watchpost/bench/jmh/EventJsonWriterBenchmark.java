package dev.watchpost.bench.jmh;

import dev.watchpost.daemon.json.EventJsonWriter;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The JSON form of one stored event (protocol v1 section 8), as the stream fan-out writes it: one op
 * = {@link EventJsonWriter#write(EventSlot, ByteBuf)} of a face.recognized event (every UUID, bbox,
 * subject, label, RFC 3339 times) into a pooled direct {@link ByteBuf} that is cleared and reused.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class EventJsonWriterBenchmark {
    @Param({"0", "120"})
    int payloadBytes;

    private final EventJsonWriter writer = new EventJsonWriter(EventTypeRegistry.v1());
    private final EventSlot slot = new EventSlot(512);
    private ByteBuf out;

    @Setup
    public void setUp() {
        long nowUs = System.currentTimeMillis() * 1000;
        int length = BenchFrames.frameLength(payloadBytes);
        ByteBuffer frame = BenchFrames.faceRecognized(UUID.randomUUID(), nowUs, payloadBytes);
        slot.claimEvent(length, null, 1, nowUs + 250).put(0, frame, 0, length);
        slot.sequence(123_456_789L);
        out = PooledByteBufAllocator.DEFAULT.directBuffer(2048);
    }

    @TearDown
    public void tearDown() {
        out.release();
    }

    @Benchmark
    public int write() {
        ByteBuf b = out.clear();
        writer.write(slot, b);
        return b.writerIndex();
    }
}
