package dev.watchpost.persistence.dedup;

/**
 * Value layout of the receipt map: the journal seq of the stored original and when the receipt was
 * recorded, 16 bytes off-heap. Chronicle Values generates its heap and off-heap forms; only
 * {@link DedupStore} uses it.
 */
interface ReceiptRecord {
    long getSeq();

    void setSeq(long seq);

    /** Epoch millis at which the receipt was recorded; the TTL counts from here. */
    long getInsertedAtMillis();

    void setInsertedAtMillis(long insertedAtMillis);
}
