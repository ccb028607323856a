package dev.watchpost.daemon;

import dev.watchpost.ringbuffer.WallClock;
import dev.watchpost.ringbuffer.codec.EventFrameEncoder;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;

/** Builds protocol v1 EVENT frames for tests. */
public final class TestEvents {
    public static final UUID STORE = UUID.fromString("6f1c2a3e-1111-4222-8333-444455556666");
    public static final UUID CAMERA = UUID.fromString("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");

    private TestEvents() {
    }

    /** A valid face.detected frame with this receipt_id, seq 0 (the client numbers it). */
    public static byte[] valid(UUID receipt) {
        return frame(receipt, 0.9f, CAMERA);
    }

    public static byte[] frame(UUID receipt, float confidence, UUID camera) {
        ByteBuffer buf = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
        byte[] label = "person".getBytes(StandardCharsets.UTF_8);
        byte[] payload = "{\"n\":1}".getBytes(StandardCharsets.UTF_8);
        int length = new EventFrameEncoder().wrap(buf, 0)
                .receiptId(receipt)
                .tsUs(WallClock.nowMicros())
                .eventType(3)
                .source(1)
                .confidence(confidence)
                .storeId(STORE)
                .cameraId(camera)
                .bbox(0.25f, 0.1f, 0.2f, 0.4f)
                .label(label, 0, label.length)
                .payload(payload, 0, payload.length)
                .finish();
        return Arrays.copyOf(buf.array(), length);
    }
}
