package dev.watchpost.persistence.deadletter;

import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.JournalConfig;
import dev.watchpost.persistence.journal.JournalFormat;
import dev.watchpost.persistence.journal.JournalStats;
import dev.watchpost.persistence.journal.RecoveryReport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Every frame the daemon rejected, kept with its NACK code, the reason and where it came from. It is a
 * {@link Journal} of its own (same files, same recovery, same readers) in its own directory, usually
 * {@code <data>/deadletter/}, with its own seqs 1, 2, 3 … assigned here. Each record is of type
 * {@link JournalFormat#TYPE_DEAD_LETTER}; its frame is the raw frame as received (possibly malformed),
 * its tsUs the receive time (a rejected frame's own time cannot be trusted), and its extra:
 *
 * <pre>
 *  offset  size  field
 *       0     4  code            int32, the NACK code
 *       4     2  reason length   uint16 (R)
 *       6     2  origin length   uint16 (O)
 *       8     R  reason          UTF-8
 *     8+R     O  origin          UTF-8, e.g. "tcp 127.0.0.1:5000"
 * </pre>
 *
 * <p><b>Threads.</b> Like the journal: one writer thread for {@code append}, {@code flush},
 * {@code force}, {@code count} and {@code close}; readers on any thread. The journal stage appends to
 * both stores in a batch and calls {@code force()} on both at its end; a force with nothing new to
 * write makes no system call.
 */
public final class DeadLetterStore implements AutoCloseable {
    /** Conventional directory name under the data directory. */
    public static final String DIRECTORY_NAME = "deadletter";
    public static final int CODE_OFFSET = 0;
    public static final int REASON_LENGTH_OFFSET = 4;
    public static final int ORIGIN_LENGTH_OFFSET = 6;
    public static final int EXTRA_HEADER_LENGTH = 8;
    /** Longest reason or origin, in UTF-8 bytes. */
    public static final int MAX_TEXT_LENGTH = 0xFFFF;
    /** 16 MiB: rejects are rare; smaller files make retention finer. */
    public static final long SEGMENT_SIZE_DEFAULT = 16L << 20;
    /** 256 KiB: room for a few of the largest frames. */
    public static final int WRITE_BUFFER_SIZE_DEFAULT = 256 << 10;
    /** 64: dead letters are read by hand; seeks should be cheap. */
    public static final int INDEX_INTERVAL_DEFAULT = 64;

    private final Journal journal;
    private ByteBuffer extra = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);

    private DeadLetterStore(Journal journal) {
        this.journal = journal;
    }

    /** The defaults for a dead-letter store in {@code directory}; its few pages stay cached, for the operators who read them. */
    public static JournalConfig defaultConfig(Path directory) {
        return new JournalConfig(directory, SEGMENT_SIZE_DEFAULT, WRITE_BUFFER_SIZE_DEFAULT, INDEX_INTERVAL_DEFAULT, false);
    }

    /** Opens (creating when missing) the store in {@code directory} with {@link #defaultConfig}. */
    public static DeadLetterStore open(Path directory) throws IOException {
        return open(defaultConfig(directory));
    }

    /** Opens (creating when missing) the store, recovering a torn tail as {@link Journal#open} does. */
    public static DeadLetterStore open(JournalConfig config) throws IOException {
        return new DeadLetterStore(Journal.open(config));
    }

    /**
     * Appends a dead letter and returns its seq. Copies everything; no allocation once the scratch space
     * has grown to the longest reason and origin seen. Writer thread only.
     *
     * @param reasonUtf8 may be {@code null} for none
     * @param originUtf8 may be {@code null} for none
     */
    public long append(long receivedAtUs, int code, byte[] reasonUtf8, byte[] originUtf8,
                       ByteBuffer frame, int frameOffset, int frameLength) throws IOException {
        int reasonLength = reasonUtf8 == null ? 0 : reasonUtf8.length;
        int originLength = originUtf8 == null ? 0 : originUtf8.length;
        ByteBuffer e = claimExtra(code, reasonLength, originLength);
        if (reasonLength > 0) {
            e.put(EXTRA_HEADER_LENGTH, reasonUtf8, 0, reasonLength);
        }
        if (originLength > 0) {
            e.put(EXTRA_HEADER_LENGTH + reasonLength, originUtf8, 0, originLength);
        }
        return appendRecord(receivedAtUs, frame, frameOffset, frameLength, EXTRA_HEADER_LENGTH + reasonLength + originLength);
    }

    /** As {@link #append(long, int, byte[], byte[], ByteBuffer, int, int)}, with the texts in buffers. */
    public long append(long receivedAtUs, int code, ByteBuffer reason, int reasonOffset, int reasonLength,
                       ByteBuffer origin, int originOffset, int originLength,
                       ByteBuffer frame, int frameOffset, int frameLength) throws IOException {
        ByteBuffer e = claimExtra(code, reasonLength, originLength);
        if (reasonLength > 0) {
            e.put(EXTRA_HEADER_LENGTH, reason, reasonOffset, reasonLength);
        }
        if (originLength > 0) {
            e.put(EXTRA_HEADER_LENGTH + reasonLength, origin, originOffset, originLength);
        }
        return appendRecord(receivedAtUs, frame, frameOffset, frameLength, EXTRA_HEADER_LENGTH + reasonLength + originLength);
    }

    private ByteBuffer claimExtra(int code, int reasonLength, int originLength) {
        if (reasonLength < 0 || reasonLength > MAX_TEXT_LENGTH || originLength < 0 || originLength > MAX_TEXT_LENGTH) {
            throw new IllegalArgumentException("reason (" + reasonLength + " bytes) and origin (" + originLength
                    + " bytes) must each be at most " + MAX_TEXT_LENGTH + " bytes");
        }
        int need = EXTRA_HEADER_LENGTH + reasonLength + originLength;
        if (extra.capacity() < need) {
            extra = ByteBuffer.allocate(Integer.highestOneBit(need - 1) << 1).order(ByteOrder.LITTLE_ENDIAN);
        }
        extra.putInt(CODE_OFFSET, code);
        extra.putShort(REASON_LENGTH_OFFSET, (short) reasonLength);
        extra.putShort(ORIGIN_LENGTH_OFFSET, (short) originLength);
        return extra;
    }

    private long appendRecord(long receivedAtUs, ByteBuffer frame, int frameOffset, int frameLength, int extraLength)
            throws IOException {
        long seq = journal.lastSeq() + 1;
        journal.append(seq, receivedAtUs, receivedAtUs, JournalFormat.TYPE_DEAD_LETTER, frame, frameOffset, frameLength,
                extra, 0, extraLength);
        return seq;
    }

    /** Writes buffered dead letters to the operating system. Writer thread only. */
    public void flush() throws IOException {
        journal.flush();
    }

    /** Flushes and fsyncs; nothing to do when nothing was appended since the last force. Writer thread only. */
    public void force() throws IOException {
        journal.force();
    }

    /** Forces what is flushed; see {@link Journal#sync()}. Any thread. */
    public long sync() throws IOException {
        return journal.sync();
    }

    /** Dead letters held, buffered ones included. Writer thread only. */
    public long count() {
        return journal.lastSeq() - journal.firstSeq() + 1;
    }

    /** Seq of the last dead letter appended; 0 when none ever was. Writer thread only. */
    public long lastSeq() {
        return journal.lastSeq();
    }

    /** Seq of the last dead letter readers can see. Any thread. */
    public long flushedSeq() {
        return journal.flushedSeq();
    }

    /** Seq of the last dead letter forced to disk. Any thread. */
    public long durableSeq() {
        return journal.durableSeq();
    }

    /** Counts and sizes; any thread. */
    public JournalStats stats() {
        return journal.stats();
    }

    /** What opening found and did; see {@link Journal#recoveryReport()}. */
    public RecoveryReport recoveryReport() {
        return journal.recoveryReport();
    }

    /** A reader from {@code fromSeq} (or the first held) onwards. Any thread. */
    public DeadLetterReader reader(long fromSeq) {
        return new DeadLetterReader(journal.reader(fromSeq));
    }

    /** A reader of {@code fromSeq..toSeqInclusive}. Any thread. */
    public DeadLetterReader reader(long fromSeq, long toSeqInclusive) {
        return new DeadLetterReader(journal.reader(fromSeq, toSeqInclusive));
    }

    /** Flushes, forces and closes. Writer thread only. */
    @Override
    public void close() throws IOException {
        journal.close();
    }
}
