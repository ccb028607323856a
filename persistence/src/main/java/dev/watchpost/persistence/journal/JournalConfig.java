package dev.watchpost.persistence.journal;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a journal lives and how its files are cut.
 *
 * @param directory       the segment directory; created when missing; one writer at a time (locked)
 * @param segmentSize     largest size of a segment file in bytes; a segment rolls when the next record
 *                        would not fit. Every record must fit in an empty segment.
 * @param writeBufferSize bytes the writer gathers before a write to the operating system; grows, once,
 *                        when a single record is bigger
 * @param indexInterval   every Nth record of a segment goes into its sparse index (seq, position, time);
 *                        a reader seeking into a segment skips at most N - 1 records
 * @param dropBehind      drop the page cache's copy of durable records older than the newest few MiB
 *                        (see {@link Journal}); false leaves the page cache to the kernel
 */
public record JournalConfig(Path directory, long segmentSize, int writeBufferSize, int indexInterval, boolean dropBehind) {
    /** 64 MiB: a few seconds of a heavy stream, small enough to delete by age without losing much. */
    public static final long SEGMENT_SIZE_DEFAULT = 64L << 20;
    /** 1 MiB: some thousands of typical records per write; a flush at batch end writes less. */
    public static final int WRITE_BUFFER_SIZE_DEFAULT = 1 << 20;
    /** 256: with ~250-byte records an entry every ~64 KiB, one read to seek, ~24 KiB of index per 64 MiB segment. */
    public static final int INDEX_INTERVAL_DEFAULT = 256;
    /** Smallest segment allowed: room for the header and one small record. */
    public static final long SEGMENT_SIZE_MIN = 256;
    /** Largest segment allowed, 1 TiB; positions are 64-bit throughout. */
    public static final long SEGMENT_SIZE_MAX = 1L << 40;
    public static final int WRITE_BUFFER_SIZE_MIN = 4096;

    public JournalConfig {
        Objects.requireNonNull(directory, "directory");
        if (segmentSize < SEGMENT_SIZE_MIN || segmentSize > SEGMENT_SIZE_MAX) {
            throw new IllegalArgumentException("segmentSize must be within " + SEGMENT_SIZE_MIN + ".." + SEGMENT_SIZE_MAX
                    + ", was " + segmentSize);
        }
        if (writeBufferSize < WRITE_BUFFER_SIZE_MIN) {
            throw new IllegalArgumentException("writeBufferSize must be at least " + WRITE_BUFFER_SIZE_MIN
                    + ", was " + writeBufferSize);
        }
        if (indexInterval < 1) {
            throw new IllegalArgumentException("indexInterval must be at least 1, was " + indexInterval);
        }
    }

    /** The defaults, in {@code directory}. */
    public static JournalConfig of(Path directory) {
        return new JournalConfig(directory, SEGMENT_SIZE_DEFAULT, WRITE_BUFFER_SIZE_DEFAULT, INDEX_INTERVAL_DEFAULT, true);
    }

    public JournalConfig withSegmentSize(long segmentSize) {
        return new JournalConfig(directory, segmentSize, writeBufferSize, indexInterval, dropBehind);
    }

    public JournalConfig withWriteBufferSize(int writeBufferSize) {
        return new JournalConfig(directory, segmentSize, writeBufferSize, indexInterval, dropBehind);
    }

    public JournalConfig withIndexInterval(int indexInterval) {
        return new JournalConfig(directory, segmentSize, writeBufferSize, indexInterval, dropBehind);
    }

    public JournalConfig withDropBehind(boolean dropBehind) {
        return new JournalConfig(directory, segmentSize, writeBufferSize, indexInterval, dropBehind);
    }

    /** Largest record this configuration can store: one that fills an empty segment. */
    public int maxRecordLength() {
        return (int) Math.min(JournalFormat.MAX_RECORD_LENGTH, segmentSize - JournalFormat.SEGMENT_HEADER_LENGTH);
    }
}
