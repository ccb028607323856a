package dev.watchpost.ringbuffer.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.UUID;

/**
 * Writes an EVENT frame (layout in {@link EventFrame}) into a little-endian buffer, field by field.
 * Used by detectors (the CLI's sender, the load generator, tests) and by HTTP ingest, which turns
 * JSON into the same bytes a detector would send so that one validator judges both.
 *
 * <p>Call {@link #wrap}, the setters in any order, then {@link #label} and {@link #payload} (in that
 * order: the payload's position depends on the label's length), then {@link #finish}, which writes
 * the header and returns the frame length. Values are written as given; nothing is checked here.
 */
public final class EventFrameEncoder {
    private ByteBuffer buffer;
    private int offset;
    private int labelLength;
    private int payloadLength;

    /** Starts a frame at {@code offset}; zeroes the fixed part so that absent fields read as zero. */
    public EventFrameEncoder wrap(ByteBuffer buffer, int offset) {
        if (buffer.order() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalArgumentException("buffer must be little-endian, was " + buffer.order());
        }
        this.buffer = buffer;
        this.offset = offset;
        this.labelLength = 0;
        this.payloadLength = 0;
        for (int i = 0; i < EventFrame.MIN_LENGTH; i += 2) {
            buffer.putShort(offset + i, (short) 0);
        }
        return this;
    }

    public EventFrameEncoder seq(long seq) {
        buffer.putLong(offset + Protocol.SEQ_OFFSET, seq);
        return this;
    }

    public EventFrameEncoder receiptId(long msb, long lsb) {
        return uuid(EventFrame.RECEIPT_ID_OFFSET, msb, lsb);
    }

    public EventFrameEncoder receiptId(UUID id) {
        return uuid(EventFrame.RECEIPT_ID_OFFSET, id);
    }

    public EventFrameEncoder tsUs(long tsUs) {
        buffer.putLong(offset + EventFrame.TS_US_OFFSET, tsUs);
        return this;
    }

    public EventFrameEncoder eventType(int code) {
        buffer.putShort(offset + EventFrame.EVENT_TYPE_OFFSET, (short) code);
        return this;
    }

    public EventFrameEncoder source(int source) {
        buffer.put(offset + EventFrame.SOURCE_OFFSET, (byte) source);
        return this;
    }

    /** Sets the flags byte as given; the bbox, track and subject setters also set their bit. */
    public EventFrameEncoder flags(int flags) {
        buffer.put(offset + EventFrame.FLAGS_OFFSET, (byte) flags);
        return this;
    }

    public EventFrameEncoder confidence(float confidence) {
        buffer.putFloat(offset + EventFrame.CONFIDENCE_OFFSET, confidence);
        return this;
    }

    public EventFrameEncoder storeId(UUID id) {
        return uuid(EventFrame.STORE_ID_OFFSET, id);
    }

    public EventFrameEncoder orgId(UUID id) {
        return uuid(EventFrame.ORG_ID_OFFSET, id);
    }

    public EventFrameEncoder cameraId(UUID id) {
        return uuid(EventFrame.CAMERA_ID_OFFSET, id);
    }

    public EventFrameEncoder zoneId(UUID id) {
        return uuid(EventFrame.ZONE_ID_OFFSET, id);
    }

    public EventFrameEncoder trackId(long trackId) {
        buffer.putLong(offset + EventFrame.TRACK_ID_OFFSET, trackId);
        return setFlag(EventFrame.FLAG_TRACK);
    }

    public EventFrameEncoder bbox(float x, float y, float w, float h) {
        int at = offset + EventFrame.BBOX_OFFSET;
        buffer.putFloat(at, x).putFloat(at + 4, y).putFloat(at + 8, w).putFloat(at + 12, h);
        return setFlag(EventFrame.FLAG_BBOX);
    }

    public EventFrameEncoder subjectId(UUID id) {
        uuid(EventFrame.SUBJECT_ID_OFFSET, id);
        return setFlag(EventFrame.FLAG_SUBJECT);
    }

    /** Writes the UUID's 16 bytes in RFC 4122 order at a body field; {@code null} writes zero. */
    public EventFrameEncoder uuid(int fieldOffset, UUID id) {
        return id == null ? uuid(fieldOffset, 0, 0) : uuid(fieldOffset, id.getMostSignificantBits(), id.getLeastSignificantBits());
    }

    public EventFrameEncoder uuid(int fieldOffset, long msb, long lsb) {
        buffer.putLong(offset + fieldOffset, Long.reverseBytes(msb));
        buffer.putLong(offset + fieldOffset + 8, Long.reverseBytes(lsb));
        return this;
    }

    /** Copies {@code length} label bytes; the label length field is written as given (uint16). */
    public EventFrameEncoder label(byte[] src, int srcOffset, int length) {
        buffer.putShort(offset + EventFrame.LABEL_LEN_OFFSET, (short) length);
        buffer.put(offset + EventFrame.LABEL_OFFSET, src, srcOffset, length);
        labelLength = length;
        return this;
    }

    /** Copies the payload after the label; call after {@link #label}, or not at all for an empty one. */
    public EventFrameEncoder payload(byte[] src, int srcOffset, int length) {
        int at = offset + EventFrame.LABEL_OFFSET + labelLength;
        buffer.putInt(at, length);
        buffer.put(at + 4, src, srcOffset, length);
        payloadLength = length;
        return this;
    }

    /** Writes the header (length, magic, version, type EVENT) and returns the frame length. */
    public int finish() {
        int length = EventFrame.MIN_LENGTH + labelLength + payloadLength;
        buffer.putInt(offset + EventFrame.LABEL_OFFSET + labelLength, payloadLength);
        buffer.putInt(offset + Protocol.LENGTH_OFFSET, length);
        buffer.putShort(offset + Protocol.MAGIC_OFFSET, Protocol.MAGIC);
        buffer.put(offset + Protocol.VERSION_OFFSET, Protocol.VERSION);
        buffer.put(offset + Protocol.TYPE_OFFSET, Protocol.TYPE_EVENT);
        return length;
    }

    /** The largest frame {@link #finish} can produce for these lengths; size buffers with it. */
    public static int frameLength(int labelLength, int payloadLength) {
        return EventFrame.MIN_LENGTH + labelLength + payloadLength;
    }

    private EventFrameEncoder setFlag(int flag) {
        int at = offset + EventFrame.FLAGS_OFFSET;
        buffer.put(at, (byte) (buffer.get(at) | flag));
        return this;
    }
}
