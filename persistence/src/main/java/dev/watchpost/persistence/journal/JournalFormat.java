package dev.watchpost.persistence.journal;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The on-disk layout of journal segments, records and sparse-index files. All integers are
 * little-endian; every position in a file is a 64-bit value.
 *
 * <p>A segment file is named for the first seq it holds, as 20 zero-padded decimal digits, so names
 * sort in seq order: {@code 00000000000000000001.wpj}. It starts with a header:
 *
 * <pre>
 *  offset  size  field
 *       0     4  magic           'W' 'P' 'J' 'S'
 *       4     2  version         1
 *       6     2  header length   32
 *       8     8  first seq       int64, equal to the number in the file name
 *      16     8  reserved        0
 *      24     4  crc32c          over bytes 0..23
 *      28     4  reserved        0
 * </pre>
 *
 * and continues with records, back to back, each aligned to {@link #RECORD_ALIGNMENT} bytes:
 *
 * <pre>
 *  offset  size  field
 *       0     4  length          int32, the whole record: header, frame, extra and padding
 *       4     4  crc32c          over bytes 8..length-1 (everything after this field, padding included)
 *       8     8  seq             int64, exactly one more than the previous record's, across segments
 *      16     8  receivedAtUs    int64, microseconds since the epoch
 *      24     8  tsUs            int64, event time in microseconds (the time index is built on it)
 *      32     2  type            {@link #TYPE_EVENT} or {@link #TYPE_DEAD_LETTER}
 *      34     2  flags           0, reserved
 *      36     4  frame length    int32 (F)
 *      40     4  extra length    int32 (E)
 *      44     4  reserved        0
 *      48     F  frame           the bytes as given to append
 *    48+F     E  extra           opaque bytes (HTTP meta and receipt text; a dead letter's code, reason, origin)
 *  48+F+E   0-7  padding         zero bytes up to the next multiple of 8
 * </pre>
 *
 * A segment never holds more than its configured size. A sealed segment's file is exactly as long as
 * its records. The active segment's file runs on past its records with zero bytes, written ahead of
 * them (up to 4 MiB) so that an fsync does not have to grow the file: a length field of 0 followed by
 * nothing but zero bytes to the end of the file (or fewer than a record header's bytes, all zero) is
 * the end of the data, not damage. The tail is cut off when the segment is sealed and when the
 * journal closes, so it is only found after a crash or in a journal that is open.
 *
 * <p>A sealed segment may have a sparse index beside it, {@code <name>.idx}: a summary and every Nth
 * record's seq, position and the largest tsUs of the records before it in the segment. It is written
 * once, when the segment is sealed, and is only a shortcut: when it is missing or does not match the
 * segment, readers scan the segment instead.
 *
 * <pre>
 *  offset  size  field
 *       0     4  magic           'W' 'P' 'J' 'X'
 *       4     2  version         1
 *       6     2  header length   56
 *       8     8  first seq       of the segment
 *      16     8  last seq        of the segment
 *      24     8  data length     the segment file's length when sealed
 *      32     8  max tsUs        largest tsUs in the segment
 *      40     4  interval        records between entries
 *      44     4  entry count     (n)
 *      48     8  reserved        0
 *      56  24*n  entries         seq int64, position int64, max tsUs before int64
 *  56+24n     4  crc32c          over everything before it
 * </pre>
 */
public final class JournalFormat {
    /** Suffix of segment files. */
    public static final String SEGMENT_SUFFIX = ".wpj";
    /** Suffix of sparse-index files, appended to the segment's base name. */
    public static final String INDEX_SUFFIX = ".idx";
    /** Suffix of a tail cut off by recovery and kept for inspection: {@code <segment>.wpj.<position>.cut}. */
    public static final String CUT_SUFFIX = ".cut";
    /** Digits in a segment's file name. */
    public static final int NAME_DIGITS = 20;

    /** "WPJS" read as a little-endian int. */
    public static final int SEGMENT_MAGIC = 'W' | 'P' << 8 | 'J' << 16 | 'S' << 24;
    /** "WPJX" read as a little-endian int. */
    public static final int INDEX_MAGIC = 'W' | 'P' << 8 | 'J' << 16 | 'X' << 24;
    public static final int VERSION = 1;

    public static final int SEGMENT_MAGIC_OFFSET = 0;
    public static final int SEGMENT_VERSION_OFFSET = 4;
    public static final int SEGMENT_HEADER_LENGTH_OFFSET = 6;
    public static final int SEGMENT_FIRST_SEQ_OFFSET = 8;
    public static final int SEGMENT_CRC_OFFSET = 24;
    public static final int SEGMENT_HEADER_LENGTH = 32;

    public static final int LENGTH_OFFSET = 0;
    public static final int CRC_OFFSET = 4;
    /** First byte covered by a record's CRC. */
    public static final int CRC_START_OFFSET = 8;
    public static final int SEQ_OFFSET = 8;
    public static final int RECEIVED_AT_US_OFFSET = 16;
    public static final int TS_US_OFFSET = 24;
    public static final int TYPE_OFFSET = 32;
    public static final int FLAGS_OFFSET = 34;
    public static final int FRAME_LENGTH_OFFSET = 36;
    public static final int EXTRA_LENGTH_OFFSET = 40;
    public static final int RECORD_HEADER_LENGTH = 48;
    public static final int RECORD_ALIGNMENT = 8;
    /** Largest record the format allows; a length field beyond it is damage. */
    public static final int MAX_RECORD_LENGTH = 1 << 30;

    /** A stored event: frame = the protocol v1 EVENT frame, extra = HTTP meta then receipt text. */
    public static final int TYPE_EVENT = 1;
    /** A rejected frame in the dead-letter store. */
    public static final int TYPE_DEAD_LETTER = 2;

    public static final int INDEX_FIRST_SEQ_OFFSET = 8;
    public static final int INDEX_LAST_SEQ_OFFSET = 16;
    public static final int INDEX_DATA_LENGTH_OFFSET = 24;
    public static final int INDEX_MAX_TS_OFFSET = 32;
    public static final int INDEX_INTERVAL_OFFSET = 40;
    public static final int INDEX_COUNT_OFFSET = 44;
    public static final int INDEX_HEADER_LENGTH = 56;
    public static final int INDEX_ENTRY_LENGTH = 24;

    private JournalFormat() {
    }

    /** Length of a record carrying {@code frameLength + extraLength} bytes, padding included; -1 when too long. */
    public static int recordLength(int frameLength, int extraLength) {
        long raw = (long) RECORD_HEADER_LENGTH + frameLength + extraLength;
        long aligned = (raw + RECORD_ALIGNMENT - 1) & -RECORD_ALIGNMENT;
        return aligned > MAX_RECORD_LENGTH ? -1 : (int) aligned;
    }

    /** File name of the segment whose first record is {@code firstSeq}. */
    public static String segmentFileName(long firstSeq) {
        String digits = Long.toString(firstSeq);
        return "0".repeat(NAME_DIGITS - digits.length()) + digits + SEGMENT_SUFFIX;
    }

    /** File name of the sparse index of the segment whose first record is {@code firstSeq}. */
    public static String indexFileName(long firstSeq) {
        String name = segmentFileName(firstSeq);
        return name.substring(0, NAME_DIGITS) + INDEX_SUFFIX;
    }

    /** The first seq a segment file name stands for, or -1 when the name is not a segment's. */
    public static long parseSegmentFileName(String name) {
        if (name.length() != NAME_DIGITS + SEGMENT_SUFFIX.length() || !name.endsWith(SEGMENT_SUFFIX)) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < NAME_DIGITS; i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            if (value > (Long.MAX_VALUE - (c - '0')) / 10) {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    /** Writes a segment header for {@code firstSeq} at index 0 of a little-endian {@code buffer}. */
    static void encodeSegmentHeader(ByteBuffer buffer, long firstSeq) {
        for (int i = 0; i < SEGMENT_HEADER_LENGTH; i++) {
            buffer.put(i, (byte) 0);
        }
        buffer.putInt(SEGMENT_MAGIC_OFFSET, SEGMENT_MAGIC);
        buffer.putShort(SEGMENT_VERSION_OFFSET, (short) VERSION);
        buffer.putShort(SEGMENT_HEADER_LENGTH_OFFSET, (short) SEGMENT_HEADER_LENGTH);
        buffer.putLong(SEGMENT_FIRST_SEQ_OFFSET, firstSeq);
        buffer.putInt(SEGMENT_CRC_OFFSET, crc32c(buffer, 0, SEGMENT_CRC_OFFSET));
    }

    /**
     * Checks the segment header at index 0 of a little-endian {@code buffer} holding at least
     * {@link #SEGMENT_HEADER_LENGTH} bytes; returns what is wrong with it, or {@code null} when it is
     * sound and names {@code expectedFirstSeq}.
     */
    static String checkSegmentHeader(ByteBuffer buffer, long expectedFirstSeq) {
        if (buffer.getInt(SEGMENT_MAGIC_OFFSET) != SEGMENT_MAGIC) {
            return "bad magic";
        }
        if (buffer.getInt(SEGMENT_CRC_OFFSET) != crc32c(buffer, 0, SEGMENT_CRC_OFFSET)) {
            return "header CRC32C mismatch";
        }
        int version = buffer.getShort(SEGMENT_VERSION_OFFSET) & 0xFFFF;
        if (version != VERSION) {
            return "unsupported version " + version;
        }
        int headerLength = buffer.getShort(SEGMENT_HEADER_LENGTH_OFFSET) & 0xFFFF;
        if (headerLength != SEGMENT_HEADER_LENGTH) {
            return "unexpected header length " + headerLength;
        }
        long firstSeq = buffer.getLong(SEGMENT_FIRST_SEQ_OFFSET);
        if (firstSeq != expectedFirstSeq) {
            return "header names first seq " + firstSeq + " but the file name " + expectedFirstSeq;
        }
        return null;
    }

    /** CRC32C of {@code buffer[from, to)}, for cold paths (headers, index files): it allocates a view. */
    static int crc32c(ByteBuffer buffer, int from, int to) {
        CRC32C crc = new CRC32C();
        ByteBuffer view = buffer.duplicate();
        view.limit(to).position(from);
        crc.update(view);
        return (int) crc.getValue();
    }

    /** CRC32C of {@code view[from, to)} through a reusable {@code crc} and a reusable view of the buffer. */
    static int crc32c(CRC32C crc, ByteBuffer view, int from, int to) {
        view.limit(view.capacity()).position(from);
        view.limit(to);
        crc.reset();
        crc.update(view);
        return (int) crc.getValue();
    }
}
