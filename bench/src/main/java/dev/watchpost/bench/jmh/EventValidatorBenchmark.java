package dev.watchpost.bench.jmh;

import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventFrameEncoder;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import dev.watchpost.ringbuffer.codec.EventValidator;
import dev.watchpost.ringbuffer.codec.NackCode;
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
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The validate stage's work per event: every rule of protocol v1 section 2 over a frame in place,
 * for a frame with an empty payload and one with a typical detector payload. Run with
 * {@code -prof gc} to see the allocation per operation (the target is 0 B/op).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class EventValidatorBenchmark {
    @Param({"0", "120"})
    int payloadBytes;

    private final EventFrame frame = new EventFrame();
    private EventValidator validator;
    private int length;
    private long nowUs;

    @Setup
    public void setUp() {
        ByteBuffer buffer = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
        byte[] label = "person".getBytes(StandardCharsets.UTF_8);
        StringBuilder payload = new StringBuilder("{\"model\":\"yolo-v9\",\"track_age\":12,\"attrs\":{\"hat\":false,\"colour\":\"red\"}");
        while (payload.length() < payloadBytes - 1) {
            payload.append(",\"k").append(payload.length()).append("\":1");
        }
        byte[] body = payloadBytes == 0 ? new byte[0] : payload.append('}').toString().getBytes(StandardCharsets.UTF_8);
        nowUs = System.currentTimeMillis() * 1000;
        length = new EventFrameEncoder().wrap(buffer, 0)
                .receiptId(UUID.randomUUID())
                .tsUs(nowUs)
                .eventType(EventTypeRegistry.FACE_RECOGNIZED)
                .source(1)
                .confidence(0.93f)
                .storeId(UUID.randomUUID())
                .cameraId(UUID.randomUUID())
                .bbox(0.25f, 0.10f, 0.20f, 0.40f)
                .subjectId(UUID.randomUUID())
                .label(label, 0, label.length)
                .payload(body, 0, body.length)
                .finish();
        frame.wrap(buffer, 0);
        validator = new EventValidator(EventTypeRegistry.v1());
        if (validator.validate(frame, length, nowUs) != null) {
            throw new IllegalStateException("benchmark frame is invalid: " + validator.validate(frame, length, nowUs));
        }
    }

    @Benchmark
    public NackCode validate() {
        return validator.validate(frame, length, nowUs);
    }
}
