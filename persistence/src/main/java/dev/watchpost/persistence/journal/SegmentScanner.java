package dev.watchpost.persistence.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads a segment from its header to the end, checking every record (length, CRC32C, seq +1), and
 * stops at the first one that does not check out, or at the zeroed tail of an active segment
 * ({@link JournalFormat}: a length of 0 with nothing but zero bytes after it ends the data cleanly).
 * Recovery, {@link Journal#verify} and a reader without an index file all use it; it builds the
 * sparse index on the way.
 */
final class SegmentScanner {
    static final int WINDOW_SIZE = 1 << 20;

    /** What a scan found. */
    static final class Result {
        /** Position just after the last good record: where the segment's good data ends. */
        long end;
        long records;
        /** Seq of the last good record; first seq - 1 when there is none. */
        long lastSeq;
        SegmentIndex index;
        /** The first problem, or null when the scan reached the end of the file cleanly. */
        Damage damage;
        long damagePosition = -1;
        /** The seq the damaged record should have carried. */
        long damageSeq;
        /** Bytes in the file. */
        long fileLength;
        /** True when the data ends at a zeroed tail, which runs from {@link #end} to the end of the file. */
        boolean zeroTail;
    }

    private SegmentScanner() {
    }

    /**
     * Scans the records of {@code channel} (whose header has been checked) from the header's end to
     * {@code fileLength}, expecting the first record to be {@code firstSeq}.
     */
    static Result scan(FileChannel channel, long fileLength, long firstSeq, int indexInterval) throws IOException {
        Result result = new Result();
        result.fileLength = fileLength;
        result.index = new SegmentIndex((int) Math.min(1 << 16, fileLength / (256L * indexInterval) + 1));
        FileWindow window = new FileWindow((int) Math.min(WINDOW_SIZE, Math.max(4096, fileLength)));
        long position = JournalFormat.SEGMENT_HEADER_LENGTH;
        long expected = firstSeq;
        long records = 0;
        long maxTs = Long.MIN_VALUE;
        while (position < fileLength) {
            long remaining = fileLength - position;
            if (remaining < JournalFormat.RECORD_HEADER_LENGTH) {
                if (zeroFrom(channel, window, position, fileLength)) {
                    result.zeroTail = true;
                } else {
                    damage(result, Damage.SHORT_RECORD, position, expected);
                }
                break;
            }
            int at = window.ensure(channel, position, JournalFormat.RECORD_HEADER_LENGTH);
            if (at < 0) {
                damage(result, Damage.SHORT_RECORD, position, expected);
                break;
            }
            ByteBuffer buffer = window.buffer();
            int length = buffer.getInt(at + JournalFormat.LENGTH_OFFSET);
            if (length == 0 && zeroFrom(channel, window, position, fileLength)) {
                result.zeroTail = true;
                break;
            }
            if (!FileWindow.plausibleLength(length)) {
                damage(result, Damage.BAD_LENGTH, position, expected);
                break;
            }
            if (length > remaining) {
                damage(result, Damage.SHORT_RECORD, position, expected);
                break;
            }
            at = window.ensure(channel, position, length);
            if (at < 0) {
                damage(result, Damage.SHORT_RECORD, position, expected);
                break;
            }
            buffer = window.buffer();
            Damage damage = window.check(at, length, expected);
            if (damage != null) {
                damage(result, damage, position, expected);
                break;
            }
            if (records % indexInterval == 0) {
                result.index.add(expected, position, maxTs);
            }
            long ts = buffer.getLong(at + JournalFormat.TS_US_OFFSET);
            if (ts > maxTs) {
                maxTs = ts;
            }
            records++;
            expected++;
            position += length;
        }
        result.end = position;
        result.records = records;
        result.lastSeq = expected - 1;
        result.index.maxTsUs(maxTs);
        return result;
    }

    /** True when every byte of the file from {@code position} to {@code fileLength} is zero. */
    private static boolean zeroFrom(FileChannel channel, FileWindow window, long position, long fileLength) throws IOException {
        int chunk = window.buffer().capacity();
        for (long p = position; p < fileLength; ) {
            int n = (int) Math.min(chunk, fileLength - p);
            int at = window.ensure(channel, p, n);
            if (at < 0) {
                return false; // the file shrank under the scan
            }
            ByteBuffer buffer = window.buffer();
            int i = at;
            for (int end = at + n - 7; i < end; i += 8) {
                if (buffer.getLong(i) != 0) {
                    return false;
                }
            }
            for (int end = at + n; i < end; i++) {
                if (buffer.get(i) != 0) {
                    return false;
                }
            }
            p += n;
        }
        return true;
    }

    /** Opens, checks the header of, and scans a sealed segment file. */
    static Result scanFile(Path path, long firstSeq, int indexInterval) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long length = channel.size();
            String problem = SegmentFiles.readHeaderProblem(channel, firstSeq);
            if (problem != null) {
                throw new JournalCorruptException(path + ": " + problem);
            }
            return scan(channel, length, firstSeq, indexInterval);
        }
    }

    private static void damage(Result result, Damage damage, long position, long seq) {
        result.damage = damage;
        result.damagePosition = position;
        result.damageSeq = seq;
    }
}
