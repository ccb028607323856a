package dev.watchpost.persistence.dedup;

import java.io.IOException;

/**
 * Where {@link DedupStore} finds the exact receipt_id stored under a seq, to confirm a fingerprint
 * match older than the receipts it keeps whole: the journal ({@link JournalReceipts}) in the daemon.
 */
@FunctionalInterface
public interface ReceiptSource {
    /** A source that knows no seq: every match beyond the store's recent receipts counts as new. */
    ReceiptSource NONE = (seq, out) -> false;

    /**
     * Puts the receipt_id of the event stored under {@code seq} in {@code out[0]} (most significant
     * half) and {@code out[1]}, and returns true; returns false when no event is stored under it.
     */
    boolean receiptAt(long seq, long[] out) throws IOException;
}
