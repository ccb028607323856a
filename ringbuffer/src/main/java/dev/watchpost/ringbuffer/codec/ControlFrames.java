package dev.watchpost.ringbuffer.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes and reads the small frames of protocol v1, sections 1 and 3: ACK, NACK, WELCOME and
 * HEARTBEAT, and writes HELLO (read with {@link HelloFrame}). Each writer puts a whole frame,
 * header included, at an index of a little-endian buffer and returns its length; none allocates.
 *
 * <pre>
 *  ACK        header (type 0x81, seq = highest handled seq)                          16 bytes
 *  HEARTBEAT  header (type 2, seq 0)                                                 16 bytes
 *  NACK       header (type 0x82, seq) | code u16 | message_len u16 | message UTF-8  20 + M bytes
 *  WELCOME    header (type 0x83, seq 0) | max_frame u32 | ack_interval_us u32         24 bytes
 *  HELLO      header (type 3, seq 0) | token_len u16 | token | name_len u16 | name    20 + T + N bytes
 * </pre>
 */
public final class ControlFrames {
    private ControlFrames() {
    }

    public static final int ACK_LENGTH = Protocol.HEADER_LENGTH;
    public static final int HEARTBEAT_LENGTH = Protocol.HEADER_LENGTH;

    public static final int NACK_CODE_OFFSET = Protocol.HEADER_LENGTH;
    public static final int NACK_MESSAGE_LEN_OFFSET = NACK_CODE_OFFSET + 2;
    public static final int NACK_MESSAGE_OFFSET = NACK_MESSAGE_LEN_OFFSET + 2;
    /** The longest NACK message that keeps the frame within {@value Protocol#MAX_FRAME_LENGTH} bytes. */
    public static final int NACK_MAX_MESSAGE_LENGTH = Protocol.MAX_FRAME_LENGTH - NACK_MESSAGE_OFFSET;

    public static final int WELCOME_MAX_FRAME_OFFSET = Protocol.HEADER_LENGTH;
    public static final int WELCOME_ACK_INTERVAL_OFFSET = WELCOME_MAX_FRAME_OFFSET + 4;
    public static final int WELCOME_LENGTH = WELCOME_ACK_INTERVAL_OFFSET + 4;

    /** ACK: every EVENT with seq ≤ {@code seq} on this connection is handled. */
    public static int writeAck(ByteBuffer buffer, int index, long seq) {
        return writeHeader(buffer, index, ACK_LENGTH, Protocol.TYPE_ACK, seq);
    }

    public static int writeHeartbeat(ByteBuffer buffer, int index) {
        return writeHeader(buffer, index, HEARTBEAT_LENGTH, Protocol.TYPE_HEARTBEAT, 0);
    }

    /** NACK with the code's fixed reason as its message; {@code seq} is 0 when the frame was not an EVENT or its header was bad. */
    public static int writeNack(ByteBuffer buffer, int index, long seq, NackCode code) {
        byte[] reason = code.reasonUtf8();
        return writeNack(buffer, index, seq, code.code(), reason, 0, reason.length);
    }

    /** NACK with any code and message; the message must be UTF-8 and at most {@value #NACK_MAX_MESSAGE_LENGTH} bytes. */
    public static int writeNack(ByteBuffer buffer, int index, long seq, int code, byte[] message, int messageOffset, int messageLength) {
        if (code < 0 || code > 0xFFFF) {
            throw new IllegalArgumentException("NACK code must be a uint16, was " + code);
        }
        if (messageLength < 0 || messageLength > NACK_MAX_MESSAGE_LENGTH) {
            throw new IllegalArgumentException("NACK message must be 0.." + NACK_MAX_MESSAGE_LENGTH + " bytes, was " + messageLength);
        }
        int length = NACK_MESSAGE_OFFSET + messageLength;
        writeHeader(buffer, index, length, Protocol.TYPE_NACK, seq);
        buffer.putShort(index + NACK_CODE_OFFSET, (short) code);
        buffer.putShort(index + NACK_MESSAGE_LEN_OFFSET, (short) messageLength);
        buffer.put(index + NACK_MESSAGE_OFFSET, message, messageOffset, messageLength);
        return length;
    }

    /**
     * WELCOME, the daemon's answer to a HELLO.
     *
     * @param maxFrame the largest frame the daemon accepts, bytes
     * @param ackIntervalUs the longest the daemon waits before acknowledging handled frames, µs (uint32)
     */
    public static int writeWelcome(ByteBuffer buffer, int index, int maxFrame, long ackIntervalUs) {
        if (maxFrame < Protocol.MIN_FRAME_LENGTH || maxFrame > Protocol.MAX_FRAME_LENGTH) {
            throw new IllegalArgumentException("max_frame must be " + Protocol.MIN_FRAME_LENGTH + ".." + Protocol.MAX_FRAME_LENGTH + ", was " + maxFrame);
        }
        if (ackIntervalUs < 0 || ackIntervalUs > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("ack_interval_us must be a uint32, was " + ackIntervalUs);
        }
        writeHeader(buffer, index, WELCOME_LENGTH, Protocol.TYPE_WELCOME, 0);
        buffer.putInt(index + WELCOME_MAX_FRAME_OFFSET, maxFrame);
        buffer.putInt(index + WELCOME_ACK_INTERVAL_OFFSET, (int) ackIntervalUs);
        return WELCOME_LENGTH;
    }

    /**
     * HELLO, a detector's first frame; {@code token} and {@code name} are UTF-8 of at most
     * {@value HelloFrame#MAX_TOKEN_LENGTH} and {@value HelloFrame#MAX_NAME_LENGTH} bytes.
     */
    public static int writeHello(ByteBuffer buffer, int index, byte[] token, byte[] name) {
        if (token.length > HelloFrame.MAX_TOKEN_LENGTH) {
            throw new IllegalArgumentException("HELLO token must be at most " + HelloFrame.MAX_TOKEN_LENGTH + " bytes, was " + token.length);
        }
        if (name.length > HelloFrame.MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("HELLO name must be at most " + HelloFrame.MAX_NAME_LENGTH + " bytes, was " + name.length);
        }
        int length = HelloFrame.MIN_LENGTH + token.length + name.length;
        writeHeader(buffer, index, length, Protocol.TYPE_HELLO, 0);
        buffer.putShort(index + HelloFrame.TOKEN_LEN_OFFSET, (short) token.length);
        buffer.put(index + HelloFrame.TOKEN_OFFSET, token);
        int nameLenAt = index + HelloFrame.TOKEN_OFFSET + token.length;
        buffer.putShort(nameLenAt, (short) name.length);
        buffer.put(nameLenAt + 2, name);
        return length;
    }

    // readers, for detectors

    /** The frame type byte, unsigned: compare with {@code Protocol.TYPE_* & 0xFF}. */
    public static int frameType(ByteBuffer buffer, int index) {
        return buffer.get(index + Protocol.TYPE_OFFSET) & 0xFF;
    }

    public static long seq(ByteBuffer buffer, int index) {
        return buffer.getLong(index + Protocol.SEQ_OFFSET);
    }

    public static int nackCode(ByteBuffer buffer, int index) {
        return buffer.getShort(index + NACK_CODE_OFFSET) & 0xFFFF;
    }

    public static int nackMessageLength(ByteBuffer buffer, int index) {
        return buffer.getShort(index + NACK_MESSAGE_LEN_OFFSET) & 0xFFFF;
    }

    /** Absolute buffer index of the first NACK message byte. */
    public static int nackMessageIndex(int index) {
        return index + NACK_MESSAGE_OFFSET;
    }

    /** WELCOME's max_frame as an unsigned 32-bit value. */
    public static long welcomeMaxFrame(ByteBuffer buffer, int index) {
        return buffer.getInt(index + WELCOME_MAX_FRAME_OFFSET) & 0xFFFF_FFFFL;
    }

    /** WELCOME's ack_interval_us as an unsigned 32-bit value. */
    public static long welcomeAckIntervalUs(ByteBuffer buffer, int index) {
        return buffer.getInt(index + WELCOME_ACK_INTERVAL_OFFSET) & 0xFFFF_FFFFL;
    }

    private static int writeHeader(ByteBuffer buffer, int index, int length, byte type, long seq) {
        if (buffer.order() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalArgumentException("buffer must be little-endian, was " + buffer.order());
        }
        buffer.putInt(index + Protocol.LENGTH_OFFSET, length);
        buffer.putShort(index + Protocol.MAGIC_OFFSET, Protocol.MAGIC);
        buffer.put(index + Protocol.VERSION_OFFSET, Protocol.VERSION);
        buffer.put(index + Protocol.TYPE_OFFSET, type);
        buffer.putLong(index + Protocol.SEQ_OFFSET, seq);
        return length;
    }
}
