package dev.watchpost.persistence.dedup;

import java.io.IOException;

import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.JournalFormat;
import dev.watchpost.persistence.journal.JournalReader;
import dev.watchpost.persistence.journal.JournalRecord;
import dev.watchpost.ringbuffer.codec.EventFrame;

/**
 * The receipt_ids of the events in a journal, read one record at a time by seq. Confirmations land
 * anywhere in the dedup window, so it keeps up to {@value #READERS} {@linkplain Journal#lookupReader
 * lookup readers} open, each on its own segment: a confirmation in a segment one of them holds costs
 * at most one read of the file (none when the record is in that reader's window), instead of opening
 * the segment and its index again. The least recently used reader moves when none holds the segment.
 * Single thread.
 */
public final class JournalReceipts implements ReceiptSource, AutoCloseable {
    /** Segments kept open for confirmations: with 64 MiB segments, the newest quarter GiB or so of a busy window. */
    static final int READERS = 4;

    private final Journal journal;
    private final JournalRecord record = new JournalRecord();
    private final EventFrame frame = new EventFrame();
    /** Most recently used first; the first {@link #open} are in use. */
    private final JournalReader[] readers = new JournalReader[READERS];
    private int open;

    public JournalReceipts(Journal journal) {
        this.journal = journal;
    }

    @Override
    public boolean receiptAt(long seq, long[] out) throws IOException {
        JournalReader reader = readerFor(seq);
        reader.seek(seq);
        if (!reader.next(record) || record.seq() != seq || record.type() != JournalFormat.TYPE_EVENT) {
            return false;
        }
        frame.wrap(record.buffer(), record.frameOffset());
        out[0] = frame.receiptIdMsb();
        out[1] = frame.receiptIdLsb();
        return true;
    }

    /** The reader that has {@code seq}'s segment open, else a new one or the least recently used; moved to the front. */
    private JournalReader readerFor(long seq) {
        int found = 0;
        while (found < open && !readers[found].hasOpen(seq)) {
            found++;
        }
        if (found == open) {
            if (open < READERS) {
                readers[open++] = journal.lookupReader();
            }
            found = open - 1;
        }
        JournalReader reader = readers[found];
        System.arraycopy(readers, 0, readers, 1, found);
        readers[0] = reader;
        return reader;
    }

    /** Segments kept open now; for tests. */
    int openReaders() {
        return open;
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (int i = 0; i < open; i++) {
            try {
                readers[i].close();
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
            readers[i] = null;
        }
        open = 0;
        if (failure != null) {
            throw failure;
        }
    }
}
