package dev.watchpost.persistence.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * The sparse index of one segment: every Nth record's seq, file position and the largest tsUs of the
 * records before it in the segment (so that "every record from here on may be at or after time T" can
 * be answered by binary search even though event times arrive out of order).
 *
 * <p>One writer (the journal's writer thread, or the thread that scans a segment) adds entries; any
 * number of threads may look them up at the same time. An entry may be visible before its record has
 * been written to the operating system; readers only ever seek to seqs that have been.
 */
final class SegmentIndex {
    private static final int STRIDE = 3;

    private volatile long[] entries;
    private volatile int count;
    private volatile long maxTsUs = Long.MIN_VALUE;

    SegmentIndex(int initialEntries) {
        this.entries = new long[Math.max(16, initialEntries) * STRIDE];
    }

    /** Adds an entry; seqs must increase. Writer only. Grows by doubling, so it rarely allocates. */
    void add(long seq, long position, long maxTsBefore) {
        int n = count;
        long[] e = entries;
        if ((n + 1) * STRIDE > e.length) {
            e = Arrays.copyOf(e, e.length * 2);
            entries = e;
        }
        int i = n * STRIDE;
        e[i] = seq;
        e[i + 1] = position;
        e[i + 2] = maxTsBefore;
        count = n + 1;
    }

    /** Notes a record's tsUs. Writer only. */
    void noteTs(long tsUs) {
        if (tsUs > maxTsUs) {
            maxTsUs = tsUs;
        }
    }

    /** Largest tsUs of the records noted so far; {@link Long#MIN_VALUE} for none. */
    long maxTsUs() {
        return maxTsUs;
    }

    void maxTsUs(long value) {
        maxTsUs = value;
    }

    int count() {
        return count;
    }

    long seq(int entry) {
        return entries[entry * STRIDE];
    }

    long position(int entry) {
        return entries[entry * STRIDE + 1];
    }

    /** The entry with the greatest seq at or below {@code seq}, or -1 when every entry is above it. */
    int floor(long seq) {
        int n = count;
        long[] e = entries;
        int lo = 0;
        int hi = n - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (e[mid * STRIDE] <= seq) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /**
     * The last entry such that every record of the segment before it has a tsUs below {@code tsUs},
     * or -1 when there is no entry.
     */
    int lastBeforeTime(long tsUs) {
        int n = count;
        long[] e = entries;
        int lo = 0;
        int hi = n - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (e[mid * STRIDE + 2] < tsUs) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /**
     * Writes this index beside a sealed segment. Not forced: the file is a shortcut that readers check
     * against the segment, and rebuild from it when it is missing or stale.
     */
    void write(Path file, long firstSeq, long lastSeq, long dataLength, int interval) throws IOException {
        int n = count;
        long[] e = entries;
        int length = JournalFormat.INDEX_HEADER_LENGTH + n * JournalFormat.INDEX_ENTRY_LENGTH + 4;
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(0, JournalFormat.INDEX_MAGIC);
        buffer.putShort(4, (short) JournalFormat.VERSION);
        buffer.putShort(6, (short) JournalFormat.INDEX_HEADER_LENGTH);
        buffer.putLong(JournalFormat.INDEX_FIRST_SEQ_OFFSET, firstSeq);
        buffer.putLong(JournalFormat.INDEX_LAST_SEQ_OFFSET, lastSeq);
        buffer.putLong(JournalFormat.INDEX_DATA_LENGTH_OFFSET, dataLength);
        buffer.putLong(JournalFormat.INDEX_MAX_TS_OFFSET, maxTsUs);
        buffer.putInt(JournalFormat.INDEX_INTERVAL_OFFSET, interval);
        buffer.putInt(JournalFormat.INDEX_COUNT_OFFSET, n);
        int p = JournalFormat.INDEX_HEADER_LENGTH;
        for (int i = 0; i < n * STRIDE; i++, p += 8) {
            buffer.putLong(p, e[i]);
        }
        buffer.putInt(p, JournalFormat.crc32c(buffer, 0, p));
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }
    }

    /**
     * Reads the index file of a sealed segment, or returns {@code null} when it is missing, damaged or
     * does not match the segment ({@code firstSeq}, {@code dataLength}).
     */
    static SegmentIndex read(Path file, long firstSeq, long dataLength) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < JournalFormat.INDEX_HEADER_LENGTH + 4
                || buffer.getInt(0) != JournalFormat.INDEX_MAGIC
                || (buffer.getShort(4) & 0xFFFF) != JournalFormat.VERSION
                || (buffer.getShort(6) & 0xFFFF) != JournalFormat.INDEX_HEADER_LENGTH
                || buffer.getLong(JournalFormat.INDEX_FIRST_SEQ_OFFSET) != firstSeq
                || buffer.getLong(JournalFormat.INDEX_DATA_LENGTH_OFFSET) != dataLength) {
            return null;
        }
        int n = buffer.getInt(JournalFormat.INDEX_COUNT_OFFSET);
        if (n < 0 || (long) JournalFormat.INDEX_HEADER_LENGTH + (long) n * JournalFormat.INDEX_ENTRY_LENGTH + 4 != bytes.length) {
            return null;
        }
        int crcAt = bytes.length - 4;
        if (buffer.getInt(crcAt) != JournalFormat.crc32c(buffer, 0, crcAt)) {
            return null;
        }
        SegmentIndex index = new SegmentIndex(n);
        int p = JournalFormat.INDEX_HEADER_LENGTH;
        for (int i = 0; i < n; i++, p += JournalFormat.INDEX_ENTRY_LENGTH) {
            index.add(buffer.getLong(p), buffer.getLong(p + 8), buffer.getLong(p + 16));
        }
        index.maxTsUs(buffer.getLong(JournalFormat.INDEX_MAX_TS_OFFSET));
        return index;
    }
}
