package dev.watchpost.ringbuffer.codec;

import java.nio.ByteBuffer;

/**
 * The header checks of protocol v1, section 1, in the protocol's order: magic (1), version (2),
 * length within {@value Protocol#MIN_FRAME_LENGTH}–{@value Protocol#MAX_FRAME_LENGTH} (3), a type a
 * detector may send — EVENT, HEARTBEAT or HELLO (4) — and a HEARTBEAT of exactly
 * {@value Protocol#HEADER_LENGTH} bytes (3). Needs only the first
 * {@value Protocol#HEADER_CHECK_BYTES} bytes of a frame, so the I/O layer can decide before the rest
 * has arrived. A frame that fails here cannot be resynchronised: NACK with seq 0 and close.
 */
public final class FrameHeader {
    private FrameHeader() {
    }

    /**
     * The first header rule broken by the frame at {@code index}, or {@code null} when the header is
     * sound. The buffer must be little-endian and hold at least {@value Protocol#HEADER_CHECK_BYTES}
     * bytes from {@code index}.
     */
    public static NackCode checkHeader(ByteBuffer buffer, int index) {
        return checkHeader(
            buffer.getInt(index + Protocol.LENGTH_OFFSET) & 0xFFFF_FFFFL,
            buffer.getShort(index + Protocol.MAGIC_OFFSET) & 0xFFFF,
            buffer.get(index + Protocol.VERSION_OFFSET) & 0xFF,
            buffer.get(index + Protocol.TYPE_OFFSET) & 0xFF);
    }

    /**
     * The same checks on fields already read, for callers holding another buffer type.
     *
     * @param length the length field as an unsigned 32-bit value
     * @param magic the magic field as a little-endian unsigned 16-bit value
     * @param version the version byte, unsigned
     * @param type the type byte, unsigned
     */
    public static NackCode checkHeader(long length, int magic, int version, int type) {
        if (magic != Protocol.MAGIC) {
            return NackCode.BAD_MAGIC;
        }
        if (version != Protocol.VERSION) {
            return NackCode.UNSUPPORTED_VERSION;
        }
        if (length < Protocol.MIN_FRAME_LENGTH || length > Protocol.MAX_FRAME_LENGTH) {
            return NackCode.BAD_LENGTH;
        }
        switch (type) {
            case Protocol.TYPE_EVENT:
            case Protocol.TYPE_HELLO:
                return null;
            case Protocol.TYPE_HEARTBEAT:
                return length == Protocol.HEADER_LENGTH ? null : NackCode.BAD_LENGTH;
            default:
                return NackCode.UNKNOWN_FRAME_TYPE;
        }
    }
}
