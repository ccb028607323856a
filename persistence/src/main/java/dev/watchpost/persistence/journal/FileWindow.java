package dev.watchpost.persistence.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * A reusable read window over a file: a direct buffer holding the bytes from {@link #start()}, filled
 * by positional reads, so a reader or a scan makes one read per window rather than one per record.
 * Grows (allocates) only when a single record is bigger than the window. One thread at a time.
 */
final class FileWindow {
    private ByteBuffer buffer;
    private ByteBuffer crcView;
    private final CRC32C crc = new CRC32C();
    private long start;
    private int length;

    FileWindow(int capacity) {
        allocate(capacity);
    }

    private void allocate(int capacity) {
        buffer = ByteBuffer.allocateDirect(capacity).order(ByteOrder.LITTLE_ENDIAN);
        crcView = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        start = 0;
        length = 0;
    }

    ByteBuffer buffer() {
        return buffer;
    }

    /** File position of buffer index 0. */
    long start() {
        return start;
    }

    /** Forgets what the window holds, so the next {@link #ensure} reads the file again. */
    void invalidate() {
        length = 0;
    }

    /** True when {@code [position, position + n)} is already in the window. */
    boolean holds(long position, int n) {
        return position >= start && position + n <= start + length;
    }

    /**
     * Makes {@code [position, position + n)} of the file available and returns its buffer index, or -1
     * when the file ends before {@code position + n}. Reads from {@code position} as much as fits.
     */
    int ensure(FileChannel channel, long position, int n) throws IOException {
        if (holds(position, n)) {
            return (int) (position - start);
        }
        if (n > buffer.capacity()) {
            allocate(Integer.highestOneBit(n - 1) << 1);
        }
        start = position;
        buffer.clear();
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, position + buffer.position());
            if (read <= 0) {
                break;
            }
        }
        length = buffer.position();
        return length >= n ? 0 : -1;
    }

    /**
     * Checks the record of {@code recordLength} bytes at buffer index {@code index}, whose length field
     * is plausible and whose bytes are all in the window; returns what is wrong, or {@code null}.
     */
    Damage check(int index, int recordLength, long expectedSeq) {
        int stored = buffer.getInt(index + JournalFormat.CRC_OFFSET);
        int actual = JournalFormat.crc32c(crc, crcView, index + JournalFormat.CRC_START_OFFSET, index + recordLength);
        if (stored != actual) {
            return Damage.CRC_MISMATCH;
        }
        int frameLength = buffer.getInt(index + JournalFormat.FRAME_LENGTH_OFFSET);
        int extraLength = buffer.getInt(index + JournalFormat.EXTRA_LENGTH_OFFSET);
        if (frameLength < 0 || extraLength < 0 || JournalFormat.recordLength(frameLength, extraLength) != recordLength) {
            return Damage.BAD_LENGTH;
        }
        if (buffer.getLong(index + JournalFormat.SEQ_OFFSET) != expectedSeq) {
            return Damage.SEQ_GAP;
        }
        return null;
    }

    /** True when a record length field can be right at all, before its bytes are read. */
    static boolean plausibleLength(int recordLength) {
        return recordLength >= JournalFormat.RECORD_HEADER_LENGTH
                && (recordLength & (JournalFormat.RECORD_ALIGNMENT - 1)) == 0
                && recordLength <= JournalFormat.MAX_RECORD_LENGTH;
    }
}
