package dev.watchpost.ringbuffer.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Flyweight over an EVENT frame (protocol v1, section 2) held in a little-endian {@link ByteBuffer}.
 * It decodes nothing up front: each accessor reads its field where it lies. Accessors do no bounds
 * checks beyond the buffer's own; call them only on a frame whose structure has been checked
 * ({@code EventValidator}) or where a wrong answer is harmless.
 *
 * <pre>
 *  offset  size  field
 *       0    16  frame header (length, magic, version, type, seq)
 *      16    16  receipt_id      UUID, RFC 4122 byte order
 *      32     8  ts_us           int64, microseconds since the epoch, UTC
 *      40     2  event_type      uint16
 *      42     1  source          1 edge, 2 backend, 3 system
 *      43     1  flags           bit 0 bbox, bit 1 track_id, bit 2 subject_id
 *      44     4  confidence      float32
 *      48    16  store_id        UUID
 *      64    16  org_id          UUID
 *      80    16  camera_id       UUID
 *      96    16  zone_id         UUID
 *     112     8  track_id        int64
 *     120    16  bbox            4 x float32: x, y, w, h
 *     136    16  subject_id      128-bit id
 *     152     2  label_len       uint16 (L)
 *     154     L  label           UTF-8
 *   154+L     4  payload_len     uint32 (P)
 *   158+L     P  payload         UTF-8 JSON object
 * </pre>
 */
public final class EventFrame {
    public static final int RECEIPT_ID_OFFSET = 16;
    public static final int TS_US_OFFSET = 32;
    public static final int EVENT_TYPE_OFFSET = 40;
    public static final int SOURCE_OFFSET = 42;
    public static final int FLAGS_OFFSET = 43;
    public static final int CONFIDENCE_OFFSET = 44;
    public static final int STORE_ID_OFFSET = 48;
    public static final int ORG_ID_OFFSET = 64;
    public static final int CAMERA_ID_OFFSET = 80;
    public static final int ZONE_ID_OFFSET = 96;
    public static final int TRACK_ID_OFFSET = 112;
    public static final int BBOX_OFFSET = 120;
    public static final int SUBJECT_ID_OFFSET = 136;
    public static final int LABEL_LEN_OFFSET = 152;
    public static final int LABEL_OFFSET = 154;
    /** Fixed part of an EVENT: everything but the label and payload bytes. */
    public static final int MIN_LENGTH = 158;
    public static final int MAX_LABEL_LENGTH = 64;

    public static final int FLAG_BBOX = 1;
    public static final int FLAG_TRACK = 1 << 1;
    public static final int FLAG_SUBJECT = 1 << 2;
    public static final int FLAGS_KNOWN = FLAG_BBOX | FLAG_TRACK | FLAG_SUBJECT;

    public static final int SOURCE_EDGE = 1;
    public static final int SOURCE_BACKEND = 2;
    public static final int SOURCE_SYSTEM = 3;

    private ByteBuffer buffer;
    private int offset;

    /** Points this flyweight at a frame starting at {@code offset}; the buffer must be little-endian. */
    public EventFrame wrap(ByteBuffer buffer, int offset) {
        if (buffer.order() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalArgumentException("buffer must be little-endian, was " + buffer.order());
        }
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public ByteBuffer buffer() {
        return buffer;
    }

    public int offset() {
        return offset;
    }

    // header

    /** Frame length as an unsigned 32-bit value. */
    public long frameLength() {
        return buffer.getInt(offset + Protocol.LENGTH_OFFSET) & 0xFFFF_FFFFL;
    }

    public int magic() {
        return buffer.getShort(offset + Protocol.MAGIC_OFFSET) & 0xFFFF;
    }

    public int version() {
        return buffer.get(offset + Protocol.VERSION_OFFSET) & 0xFF;
    }

    public int frameType() {
        return buffer.get(offset + Protocol.TYPE_OFFSET) & 0xFF;
    }

    public long seq() {
        return buffer.getLong(offset + Protocol.SEQ_OFFSET);
    }

    // body

    public long receiptIdMsb() {
        return uuidMsb(RECEIPT_ID_OFFSET);
    }

    public long receiptIdLsb() {
        return uuidLsb(RECEIPT_ID_OFFSET);
    }

    public long tsUs() {
        return buffer.getLong(offset + TS_US_OFFSET);
    }

    public int eventType() {
        return buffer.getShort(offset + EVENT_TYPE_OFFSET) & 0xFFFF;
    }

    public int source() {
        return buffer.get(offset + SOURCE_OFFSET) & 0xFF;
    }

    public int flags() {
        return buffer.get(offset + FLAGS_OFFSET) & 0xFF;
    }

    public boolean hasBbox() {
        return (flags() & FLAG_BBOX) != 0;
    }

    public boolean hasTrack() {
        return (flags() & FLAG_TRACK) != 0;
    }

    public boolean hasSubject() {
        return (flags() & FLAG_SUBJECT) != 0;
    }

    public float confidence() {
        return buffer.getFloat(offset + CONFIDENCE_OFFSET);
    }

    public long trackId() {
        return buffer.getLong(offset + TRACK_ID_OFFSET);
    }

    /** bbox component {@code i}: 0 x, 1 y, 2 w, 3 h. */
    public float bbox(int i) {
        return buffer.getFloat(offset + BBOX_OFFSET + 4 * i);
    }

    public int labelLength() {
        return buffer.getShort(offset + LABEL_LEN_OFFSET) & 0xFFFF;
    }

    /** Absolute buffer index of the first label byte. */
    public int labelIndex() {
        return offset + LABEL_OFFSET;
    }

    /** Payload length as an unsigned 32-bit value. */
    public long payloadLength() {
        return buffer.getInt(offset + LABEL_OFFSET + labelLength()) & 0xFFFF_FFFFL;
    }

    /** Absolute buffer index of the first payload byte. */
    public int payloadIndex() {
        return offset + MIN_LENGTH + labelLength();
    }

    /** Most significant 64 bits of the UUID at {@code fieldOffset}, as {@link java.util.UUID} holds them. */
    public long uuidMsb(int fieldOffset) {
        return Long.reverseBytes(buffer.getLong(offset + fieldOffset));
    }

    /** Least significant 64 bits of the UUID at {@code fieldOffset}. */
    public long uuidLsb(int fieldOffset) {
        return Long.reverseBytes(buffer.getLong(offset + fieldOffset + 8));
    }

    public boolean isZero16(int fieldOffset) {
        return buffer.getLong(offset + fieldOffset) == 0 && buffer.getLong(offset + fieldOffset + 8) == 0;
    }
}
