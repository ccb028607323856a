package dev.watchpost.handlers;

import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventFrameEncoder;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * A detection for the window stage's tests, with the fields a content key is made of; each call of
 * {@link #into} writes it into a slot as a new, sequenced event (the dedup stage's verdict).
 */
final class Detection {
    static final UUID STORE = UUID.fromString("6f1f2b8e-3c4d-4e5f-8a9b-0c1d2e3f4a5b");
    static final UUID DOOR = UUID.fromString("0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a01");
    static final UUID TILL = UUID.fromString("0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a02");
    static final UUID ZONE_A = UUID.fromString("2c0d4b11-0000-4000-8000-00000000000a");
    static final UUID ZONE_B = UUID.fromString("2c0d4b11-0000-4000-8000-00000000000b");
    static final UUID ALICE = UUID.fromString("a11ce000-0000-4000-8000-000000000001");
    static final UUID BOB = UUID.fromString("b0b00000-0000-4000-8000-000000000002");
    /** A fixed event-time origin: 2026-11-23T07:00:00Z. */
    static final long T0 = 1_795_417_200_000_000L;

    private static long nextReceipt = 1;

    int type = EventTypeRegistry.OBJECT_DETECTED;
    long tsUs = T0;
    UUID camera = DOOR;
    UUID zone;
    Long track;
    UUID subject;
    String label = "person";
    float confidence = 0.9f;
    float[] bbox;

    static Detection at(double seconds) {
        Detection d = new Detection();
        d.tsUs = T0 + Math.round(seconds * 1_000_000);
        return d;
    }

    Detection type(int code) {
        this.type = code;
        return this;
    }

    Detection camera(UUID id) {
        this.camera = id;
        return this;
    }

    Detection zone(UUID id) {
        this.zone = id;
        return this;
    }

    Detection track(long id) {
        this.track = id;
        return this;
    }

    Detection subject(UUID id) {
        this.subject = id;
        return this;
    }

    Detection confidence(float value) {
        this.confidence = value;
        return this;
    }

    Detection bbox(float x, float y, float w, float h) {
        this.bbox = new float[] {x, y, w, h};
        return this;
    }

    Detection label(String text) {
        this.label = text;
        return this;
    }

    /** The EVENT frame, with a receipt_id of its own. */
    byte[] frame() {
        byte[] labelBytes = label.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(EventFrameEncoder.frameLength(labelBytes.length, 0)).order(ByteOrder.LITTLE_ENDIAN);
        EventFrameEncoder encoder = new EventFrameEncoder().wrap(buffer, 0)
                .receiptId(TestEvents.RECEIPT_MSB, nextReceipt())
                .tsUs(tsUs)
                .eventType(type)
                .source(EventFrame.SOURCE_EDGE)
                .confidence(confidence)
                .storeId(STORE)
                .label(labelBytes, 0, labelBytes.length);
        if (camera != null) {
            encoder.cameraId(camera);
        }
        if (zone != null) {
            encoder.zoneId(zone);
        }
        if (track != null) {
            encoder.trackId(track);
        }
        if (subject != null) {
            encoder.subjectId(subject);
        }
        if (bbox != null) {
            encoder.bbox(bbox[0], bbox[1], bbox[2], bbox[3]);
        }
        int length = encoder.finish();
        byte[] frame = new byte[length];
        buffer.get(0, frame);
        return frame;
    }

    /** Fills {@code slot} with this detection, received at {@code receivedAtUs}, stored under {@code seq}. */
    EventSlot into(EventSlot slot, long seq, long receivedAtUs) {
        TestEvents.fill(slot, frame(), null, seq, receivedAtUs);
        slot.sequence(seq);
        return slot;
    }

    private static synchronized long nextReceipt() {
        return nextReceipt++;
    }
}
