package dev.watchpost.bench.jmh;

import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventFrameEncoder;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/** Valid EVENT frames and temp directories shared by the benchmarks; set-up only, never in a measured method. */
final class BenchFrames {
    /** Label of every benchmark frame. */
    static final byte[] LABEL = "person".getBytes(StandardCharsets.UTF_8);

    private BenchFrames() {
    }

    /**
     * A face.recognized EVENT frame (bbox and subject present, label {@code person}) with a JSON object
     * payload of exactly {@code payloadBytes} bytes (0 for none, else at least 2), written at index 0
     * of a new little-endian heap buffer.
     */
    static ByteBuffer faceRecognized(UUID receiptId, long tsUs, int payloadBytes) {
        byte[] payload = payload(payloadBytes);
        ByteBuffer buffer = ByteBuffer.allocate(EventFrameEncoder.frameLength(LABEL.length, payload.length))
                .order(ByteOrder.LITTLE_ENDIAN);
        new EventFrameEncoder().wrap(buffer, 0)
                .receiptId(receiptId)
                .tsUs(tsUs)
                .eventType(EventTypeRegistry.FACE_RECOGNIZED)
                .source(1)
                .confidence(0.93f)
                .storeId(UUID.fromString("6f1c2a3e-1111-4222-8333-444455556666"))
                .cameraId(UUID.fromString("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"))
                .bbox(0.25f, 0.10f, 0.20f, 0.40f)
                .subjectId(UUID.fromString("0f8fad5b-d9cb-469f-a165-70867728950e"))
                .label(LABEL, 0, LABEL.length)
                .payload(payload, 0, payload.length)
                .finish();
        return buffer;
    }

    /** Frame length of {@link #faceRecognized} for this payload size. */
    static int frameLength(int payloadBytes) {
        return EventFrame.MIN_LENGTH + LABEL.length + payloadBytes;
    }

    /** A JSON object of exactly {@code bytes} bytes: a detector's typical members, padded with a string. */
    static byte[] payload(int bytes) {
        if (bytes == 0) {
            return new byte[0];
        }
        if (bytes < 2) {
            throw new IllegalArgumentException("a JSON object payload is at least 2 bytes, asked for " + bytes);
        }
        String base = "{\"model\":\"yolo-v9\",\"track_age\":12";
        String json;
        if (bytes < 8) {
            json = "{}" + " ".repeat(bytes - 2);
        } else if (bytes < base.length() + 10) {
            json = "{\"p\":\"" + "x".repeat(bytes - 8) + "\"}";
        } else {
            json = base + ",\"pad\":\"" + "x".repeat(bytes - base.length() - 10) + "\"}";
        }
        byte[] utf8 = json.getBytes(StandardCharsets.UTF_8);
        if (utf8.length != bytes) {
            throw new IllegalStateException("payload of " + utf8.length + " bytes, wanted " + bytes);
        }
        return utf8;
    }

    static Path tempDirectory(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteRecursively(Path directory) {
        if (directory == null || !Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
