package dev.watchpost.persistence.dedup;

import java.io.IOException;

import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.JournalFormat;
import dev.watchpost.persistence.journal.JournalReader;
import dev.watchpost.persistence.journal.JournalRecord;
import dev.watchpost.ringbuffer.codec.EventFrame;

/**
 * The receipt_ids of the events in a journal, read one record at a time by seq through one reader
 * kept open: a confirmation near the last one (same segment) costs no system call. Single thread.
 */
public final class JournalReceipts implements ReceiptSource, AutoCloseable {
    private final Journal journal;
    private final JournalRecord record = new JournalRecord();
    private final EventFrame frame = new EventFrame();
    private JournalReader reader;

    public JournalReceipts(Journal journal) {
        this.journal = journal;
    }

    @Override
    public boolean receiptAt(long seq, long[] out) throws IOException {
        if (reader == null) {
            reader = journal.reader(seq);
        } else {
            reader.seek(seq);
        }
        if (!reader.next(record) || record.seq() != seq || record.type() != JournalFormat.TYPE_EVENT) {
            return false;
        }
        frame.wrap(record.buffer(), record.frameOffset());
        out[0] = frame.receiptIdMsb();
        out[1] = frame.receiptIdLsb();
        return true;
    }

    @Override
    public void close() throws IOException {
        if (reader != null) {
            reader.close();
            reader = null;
        }
    }
}
