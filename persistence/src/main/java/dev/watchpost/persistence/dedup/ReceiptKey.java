package dev.watchpost.persistence.dedup;

/**
 * Key layout of the receipt map: a receipt_id as two longs, 16 bytes off-heap. Chronicle Values
 * generates its heap and off-heap forms; only {@link DedupStore} uses it.
 */
interface ReceiptKey {
    long getMsb();

    void setMsb(long msb);

    long getLsb();

    void setLsb(long lsb);
}
