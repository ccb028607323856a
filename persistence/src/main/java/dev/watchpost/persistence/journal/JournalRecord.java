package dev.watchpost.persistence.journal;

import java.nio.ByteBuffer;

/**
 * A reusable view of one journal record, filled by {@link JournalReader#next}. The frame and extra
 * bytes stay in the reader's buffer: they are valid until the reader's next call to {@code next} (or
 * its close), and must not be modified. {@link #buffer()} is little-endian, so an
 * {@code EventFrame} can wrap it at {@link #frameOffset()} directly.
 */
public final class JournalRecord {
    private long seq;
    private long receivedAtUs;
    private long tsUs;
    private int type;
    private ByteBuffer buffer;
    private int frameOffset;
    private int frameLength;
    private int extraOffset;
    private int extraLength;
    private long position;

    void set(long seq, long receivedAtUs, long tsUs, int type, ByteBuffer buffer, int frameOffset, int frameLength,
             int extraLength, long position) {
        this.seq = seq;
        this.receivedAtUs = receivedAtUs;
        this.tsUs = tsUs;
        this.type = type;
        this.buffer = buffer;
        this.frameOffset = frameOffset;
        this.frameLength = frameLength;
        this.extraOffset = frameOffset + frameLength;
        this.extraLength = extraLength;
        this.position = position;
    }

    public long seq() {
        return seq;
    }

    /** When the daemon received it, microseconds since the epoch. */
    public long receivedAtUs() {
        return receivedAtUs;
    }

    /** Event time, microseconds since the epoch. */
    public long tsUs() {
        return tsUs;
    }

    /** {@link JournalFormat#TYPE_EVENT} or {@link JournalFormat#TYPE_DEAD_LETTER}. */
    public int type() {
        return type;
    }

    /** The buffer holding the frame and extra bytes; read it with absolute gets only. */
    public ByteBuffer buffer() {
        return buffer;
    }

    public int frameOffset() {
        return frameOffset;
    }

    public int frameLength() {
        return frameLength;
    }

    public int extraOffset() {
        return extraOffset;
    }

    public int extraLength() {
        return extraLength;
    }

    /** Byte position of the record in its segment file. */
    public long position() {
        return position;
    }

    /** A copy of the frame bytes; allocates, for tools and tests. */
    public byte[] frameToArray() {
        byte[] bytes = new byte[frameLength];
        buffer.get(frameOffset, bytes);
        return bytes;
    }

    /** A copy of the extra bytes; allocates, for tools and tests. */
    public byte[] extraToArray() {
        byte[] bytes = new byte[extraLength];
        buffer.get(extraOffset, bytes);
        return bytes;
    }
}
