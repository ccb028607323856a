package dev.watchpost.persistence.deadletter;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A reusable view of one dead letter, filled by {@link DeadLetterReader#next}. The bytes stay in the
 * reader's buffer, valid until its next call; read them with absolute gets and do not modify them.
 */
public final class DeadLetter {
    private long seq;
    private long receivedAtUs;
    private int code;
    private ByteBuffer buffer;
    private int reasonOffset;
    private int reasonLength;
    private int originOffset;
    private int originLength;
    private int frameOffset;
    private int frameLength;

    void set(long seq, long receivedAtUs, int code, ByteBuffer buffer, int reasonOffset, int reasonLength,
             int originOffset, int originLength, int frameOffset, int frameLength) {
        this.seq = seq;
        this.receivedAtUs = receivedAtUs;
        this.code = code;
        this.buffer = buffer;
        this.reasonOffset = reasonOffset;
        this.reasonLength = reasonLength;
        this.originOffset = originOffset;
        this.originLength = originLength;
        this.frameOffset = frameOffset;
        this.frameLength = frameLength;
    }

    /** The dead-letter store's own seq, 1, 2, 3 … (not a journal seq). */
    public long seq() {
        return seq;
    }

    public long receivedAtUs() {
        return receivedAtUs;
    }

    /** The NACK code (protocol v1, section 6). */
    public int code() {
        return code;
    }

    /** Buffer holding the reason, origin and frame bytes. Little-endian. */
    public ByteBuffer buffer() {
        return buffer;
    }

    public int reasonOffset() {
        return reasonOffset;
    }

    public int reasonLength() {
        return reasonLength;
    }

    public int originOffset() {
        return originOffset;
    }

    public int originLength() {
        return originLength;
    }

    /** Index of the raw frame, as received (possibly malformed). */
    public int frameOffset() {
        return frameOffset;
    }

    public int frameLength() {
        return frameLength;
    }

    /** The reason as a String; allocates, for tools and tests. */
    public String reason() {
        return utf8(reasonOffset, reasonLength);
    }

    /** The origin as a String, e.g. {@code tcp 127.0.0.1:5000}; allocates, for tools and tests. */
    public String origin() {
        return utf8(originOffset, originLength);
    }

    /** A copy of the raw frame; allocates, for tools and tests. */
    public byte[] frameToArray() {
        byte[] bytes = new byte[frameLength];
        buffer.get(frameOffset, bytes);
        return bytes;
    }

    private String utf8(int offset, int length) {
        byte[] bytes = new byte[length];
        buffer.get(offset, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
