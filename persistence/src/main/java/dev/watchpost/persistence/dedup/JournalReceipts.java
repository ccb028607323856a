package dev.watchpost.persistence.dedup;

import java.io.IOException;

import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.JournalFormat;
import dev.watchpost.persistence.journal.JournalReader;
import dev.watchpost.persistence.journal.JournalRecord;
import dev.watchpost.ringbuffer.codec.EventFrame;

/**
 * The receipt_ids of the events in a journal, read one record at a time. Each call opens a reader,
 * so it suits the dedup store's rare confirmations (a fingerprint match on a receipt older than its
 * recent window), not a scan.
 */
public final class JournalReceipts implements ReceiptSource {
    private final Journal journal;
    private final JournalRecord record = new JournalRecord();
    private final EventFrame frame = new EventFrame();

    public JournalReceipts(Journal journal) {
        this.journal = journal;
    }

    @Override
    public boolean receiptAt(long seq, long[] out) throws IOException {
        try (JournalReader reader = journal.reader(seq, seq)) {
            if (!reader.next(record) || record.seq() != seq || record.type() != JournalFormat.TYPE_EVENT) {
                return false;
            }
            frame.wrap(record.buffer(), record.frameOffset());
            out[0] = frame.receiptIdMsb();
            out[1] = frame.receiptIdLsb();
            return true;
        }
    }
}
