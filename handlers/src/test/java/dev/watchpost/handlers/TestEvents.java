package dev.watchpost.handlers;

import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.Origin;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventFrameEncoder;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** EVENT frames for the handler tests, built with the encoder a detector uses, and slots filled as an I/O thread fills them. */
final class TestEvents {
    /** High half of every test receipt_id; the low half is the receipt number, so no receipt is zero. */
    static final long RECEIPT_MSB = 0x5761_7463_6870_6f73L;
    static final UUID STORE_ID = UUID.fromString("6f1f2b8e-3c4d-4e5f-8a9b-0c1d2e3f4a5b");
    static final int EVENT_TYPE = EventTypeRegistry.FACE_DETECTED;
    static final byte[] LABEL = "person".getBytes(StandardCharsets.UTF_8);

    private TestEvents() {
    }

    /** A valid frame with this receipt number, event time {@code tsUs} and confidence 0.9. */
    static byte[] frame(long receipt, long tsUs) {
        return frame(receipt, tsUs, 0.9f);
    }

    /** A frame with this receipt number and confidence; valid when the confidence is in [0, 1]. */
    static byte[] frame(long receipt, long tsUs, float confidence) {
        byte[] payload = ("{\"n\":" + receipt + "}").getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(EventFrameEncoder.frameLength(LABEL.length, payload.length))
                .order(ByteOrder.LITTLE_ENDIAN);
        int length = new EventFrameEncoder().wrap(buffer, 0)
                .seq(receipt)
                .receiptId(RECEIPT_MSB, receipt)
                .tsUs(tsUs)
                .eventType(EVENT_TYPE)
                .source(EventFrame.SOURCE_EDGE)
                .confidence(confidence)
                .storeId(STORE_ID)
                .label(LABEL, 0, LABEL.length)
                .payload(payload, 0, payload.length)
                .finish();
        byte[] frame = new byte[length];
        buffer.get(0, frame);
        return frame;
    }

    /** Copies {@code frame} into {@code slot} as a producer does, and returns the slot. */
    static EventSlot fill(EventSlot slot, byte[] frame, Origin origin, long originSeq, long receivedAtUs) {
        ByteBuffer buffer = slot.claimEvent(frame.length, origin, originSeq, receivedAtUs);
        buffer.put(0, frame);
        return slot;
    }

    /** A new slot holding {@code frame}. */
    static EventSlot slot(byte[] frame, Origin origin, long originSeq, long receivedAtUs) {
        return fill(new EventSlot(256), frame, origin, originSeq, receivedAtUs);
    }

    /** The receipt number of the frame at {@code offset} of {@code buffer}. */
    static long receiptOf(ByteBuffer buffer, int offset) {
        return new EventFrame().wrap(buffer, offset).receiptIdLsb();
    }
}
