package dev.watchpost.persistence.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;

/**
 * Reads a journal in seq order from a starting seq, across segments, with its own file channels and
 * buffer. {@link #next} returns false when every record up to the journal's {@link Journal#flushedSeq()}
 * (or the reader's last seq) has been read; call it again later to follow the live tail.
 *
 * <p>It seeks through the segment names and the sparse index, so it reads at most an index interval of
 * records before the first one it returns. A reader belongs to one thread at a time; open as many as
 * needed. Every record is checked (length, CRC32C, seq) as it is read.
 */
public final class JournalReader implements AutoCloseable {
    /** Read window of a reader that follows the journal: one read per this many bytes of records. */
    static final int WINDOW_SIZE = 256 * 1024;
    /**
     * Read window of a reader that looks records up one by one ({@link Journal#lookupReader}): enough
     * for the records between two index entries at the default interval and usual event sizes.
     */
    static final int LOOKUP_WINDOW_SIZE = 64 * 1024;

    private final Journal journal;
    private final long toSeq;
    private final FileWindow window;

    private long nextSeq;
    private Segment[] segments;
    private int segmentIndex = -1;
    private Segment segment;
    /** The open segment's index, kept while the segment stays open; null until first needed. */
    private SegmentIndex openIndex;
    private FileChannel channel;
    private long position;
    private long nextSegmentFirstSeq = Long.MAX_VALUE;
    /** Window bytes of records up to this seq were whole when read. */
    private long windowValidSeq = -1;
    private long skipped;
    private boolean closed;

    JournalReader(Journal journal, long fromSeq, long toSeqInclusive, int windowSize) {
        this.journal = journal;
        this.nextSeq = fromSeq;
        this.toSeq = toSeqInclusive;
        this.window = new FileWindow(windowSize);
    }

    /** Seq of the record the next successful {@link #next} returns. */
    public long nextSeq() {
        return nextSeq;
    }

    /**
     * Fills {@code view} with the next record and returns true, or returns false when there is none
     * yet (or the reader is past its last seq). The view's bytes are valid until the next call.
     *
     * @throws JournalCorruptException when a record that was written whole no longer checks out
     */
    public boolean next(JournalRecord view) throws IOException {
        if (closed) {
            throw new IllegalStateException("reader is closed");
        }
        long flushed = journal.flushedSeq();
        long limit = Math.min(toSeq, flushed);
        if (nextSeq > limit) {
            return false;
        }
        Segment[] current = journal.segments();
        if (current != segments) {
            refresh(current);
        }
        if (channel == null) {
            seekFromScratch(flushed);
            if (nextSeq > limit) {
                return false;
            }
        }
        while (nextSeq >= nextSegmentFirstSeq) {
            openSegment(segmentIndex + 1);
            position = JournalFormat.SEGMENT_HEADER_LENGTH;
        }
        int at = readRecord(nextSeq, flushed);
        ByteBuffer buffer = window.buffer();
        int length = buffer.getInt(at + JournalFormat.LENGTH_OFFSET);
        view.set(nextSeq,
                buffer.getLong(at + JournalFormat.RECEIVED_AT_US_OFFSET),
                buffer.getLong(at + JournalFormat.TS_US_OFFSET),
                buffer.getShort(at + JournalFormat.TYPE_OFFSET) & 0xFFFF,
                buffer,
                at + JournalFormat.RECORD_HEADER_LENGTH,
                buffer.getInt(at + JournalFormat.FRAME_LENGTH_OFFSET),
                buffer.getInt(at + JournalFormat.EXTRA_LENGTH_OFFSET),
                position);
        position += length;
        nextSeq++;
        return true;
    }

    /** Records read and passed over to reach the first requested seq; for tests of the index. */
    long skipped() {
        return skipped;
    }

    private void refresh(Segment[] current) {
        segments = current;
        if (segment != null) {
            segmentIndex = Segment.find(current, segment.firstSeq);
            nextSegmentFirstSeq = segmentIndex + 1 < current.length ? current[segmentIndex + 1].firstSeq : Long.MAX_VALUE;
        }
    }

    /**
     * Moves the reader so that the next successful {@link #next} returns {@code seq} (or the first seq
     * held, when earlier). When {@code seq} is in the segment already open, the reader keeps its file
     * and read window, so that reads near one another cost no system call: random access by seq.
     */
    public void seek(long seq) throws IOException {
        if (closed) {
            throw new IllegalStateException("reader is closed");
        }
        nextSeq = seq;
        if (channel == null) {
            return; // next() positions on first use
        }
        long flushed = journal.flushedSeq();
        if (seq > flushed || !hasOpen(seq)) {
            channel.close();
            channel = null; // next() positions from scratch
            return;
        }
        positionInSegment(flushed);
    }

    /**
     * True when {@code seq} is in the segment this reader has open, so that {@link #seek} to it keeps
     * the file and the read window. For a caller that keeps several readers, one per segment.
     */
    public boolean hasOpen(long seq) {
        if (channel == null || seq < segment.firstSeq) {
            return false;
        }
        Segment[] current = journal.segments();
        if (current != segments) {
            refresh(current); // a roll since: the open segment may have a successor now (segments only ever grow)
        }
        return seq < nextSegmentFirstSeq;
    }

    /** Positions at {@link #nextSeq} (raised to the first seq held when earlier): segment by name, then index. */
    private void seekFromScratch(long flushed) throws IOException {
        int i = Segment.find(segments, nextSeq);
        if (i < 0) {
            i = 0;
            nextSeq = segments[0].firstSeq;
        }
        openSegment(i);
        positionInSegment(flushed);
    }

    /** Positions at {@link #nextSeq} within the open segment: from the index entry at or before it, then record by record. */
    private void positionInSegment(long flushed) throws IOException {
        position = JournalFormat.SEGMENT_HEADER_LENGTH;
        long at = segment.firstSeq;
        if (nextSeq > flushed) {
            return;
        }
        if (nextSeq > at) {
            if (openIndex == null) {
                // A sealed segment's index is read from its file once per opening, not once per seek;
                // the active one's is the writer's live index, which grows as the reader goes.
                openIndex = segment.indexForReading();
            }
            SegmentIndex index = openIndex;
            if (index != null) {
                int entry = index.floor(nextSeq);
                if (entry >= 0) {
                    at = index.seq(entry);
                    position = index.position(entry);
                }
            }
        }
        while (at < nextSeq) {
            int idx = readRecord(at, flushed);
            position += window.buffer().getInt(idx + JournalFormat.LENGTH_OFFSET);
            at++;
            skipped++;
        }
    }

    private void openSegment(int i) throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
        segmentIndex = i;
        segment = segments[i];
        openIndex = null;
        nextSegmentFirstSeq = i + 1 < segments.length ? segments[i + 1].firstSeq : Long.MAX_VALUE;
        channel = FileChannel.open(segment.path, StandardOpenOption.READ);
        window.invalidate();
        windowValidSeq = -1;
    }

    /**
     * Reads and checks the record {@code seq} at {@link #position}, which must be at most
     * {@code flushed}; returns its buffer index in the window.
     */
    private int readRecord(long seq, long flushed) throws IOException {
        int at = load(seq, flushed, JournalFormat.RECORD_HEADER_LENGTH);
        int length = window.buffer().getInt(at + JournalFormat.LENGTH_OFFSET);
        if (!FileWindow.plausibleLength(length)) {
            throw damaged(Damage.BAD_LENGTH, seq);
        }
        at = load(seq, flushed, length);
        Damage damage = window.check(at, length, seq);
        if (damage != null) {
            throw damaged(damage, seq);
        }
        return at;
    }

    private int load(long seq, long flushed, int n) throws IOException {
        if (seq <= windowValidSeq && window.holds(position, n)) {
            return (int) (position - window.start());
        }
        window.invalidate();
        int at = window.ensure(channel, position, n);
        if (at < 0) {
            throw damaged(Damage.SHORT_RECORD, seq);
        }
        windowValidSeq = flushed;
        return at;
    }

    private JournalCorruptException damaged(Damage damage, long seq) {
        return new JournalCorruptException(segment.path + " at position " + position + ": " + damage.description()
                + " (reading seq " + seq + ")");
    }

    @Override
    public void close() throws IOException {
        closed = true;
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }
}
