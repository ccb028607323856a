package dev.watchpost.persistence.dedup;

import java.nio.ByteBuffer;

/**
 * When each seq was received, to the granularity of a bucket, so that a receipt's age follows from
 * its seq alone and the table need not store a time per receipt. Seqs are noted in increasing order
 * with the time their event arrived; each bucket holds the first seq noted in it and the latest time
 * noted in it. Once a bucket's latest time is a TTL old, every seq below the next bucket's first is
 * expired: {@link #cutoff} is that seq.
 *
 * <p>A receipt is therefore remembered for the TTL and at most one bucket longer. Buckets are whole
 * seconds wide, and wide enough that a TTL needs at most {@value #MAX_BUCKETS} of them. A time
 * earlier than the newest bucket's (a clock stepped back) counts in the newest bucket: such receipts
 * are kept longer, never shorter.
 *
 * <p>Single writer; nothing here is thread-safe.
 */
final class SeqTimeline {
    static final int MAX_BUCKETS = 1 << 17;
    private static final int HEADROOM = 8;

    private final long ttlMillis;
    private final long bucketMillis;
    private final long[] firstSeq;
    private final long[] startMillis;
    private final long[] endMillis;
    private int head;
    private int count;
    private long lastSeq;
    private long cutoff;

    SeqTimeline(long ttlMillis) {
        this.ttlMillis = ttlMillis;
        long seconds = ((ttlMillis + MAX_BUCKETS - 1) / MAX_BUCKETS + 999) / 1_000;
        this.bucketMillis = Math.max(1, seconds) * 1_000;
        int capacity = (int) (ttlMillis / bucketMillis) + HEADROOM;
        this.firstSeq = new long[capacity];
        this.startMillis = new long[capacity];
        this.endMillis = new long[capacity];
    }

    long bucketMillis() {
        return bucketMillis;
    }

    /** Notes that {@code seq}, higher than any noted before, arrived at {@code millis}. */
    void note(long seq, long millis) {
        lastSeq = seq;
        if (count > 0) {
            int last = index(count - 1);
            if (millis < startMillis[last] + bucketMillis) {
                if (millis > endMillis[last]) {
                    endMillis[last] = millis;
                }
                return;
            }
        }
        if (count == firstSeq.length) {
            // More buckets within a TTL than fit: only a clock leaping forward does this. The oldest
            // bucket's seqs expire early rather than the table growing.
            cutoff = Math.max(cutoff, firstSeq[index(1)]);
            head = index(1);
            count--;
        }
        int slot = index(count);
        firstSeq[slot] = seq;
        startMillis[slot] = Math.floorDiv(millis, bucketMillis) * bucketMillis;
        endMillis[slot] = millis;
        count++;
    }

    /**
     * Every seq below the returned one was received at least a TTL before {@code nowMillis}; it never
     * decreases. Seqs at or above it may or may not be that old (see the class comment).
     */
    long cutoff(long nowMillis) {
        long expiredAtOrBefore = nowMillis - ttlMillis;
        while (count > 0 && endMillis[head] <= expiredAtOrBefore) {
            cutoff = count > 1 ? firstSeq[index(1)] : lastSeq + 1;
            head = index(1);
            count--;
        }
        return cutoff;
    }

    /** Forgets the buckets of seqs above {@code seq}, which are gone (the journal ends before them). */
    void truncateAbove(long seq) {
        while (count > 0 && firstSeq[index(count - 1)] > seq) {
            count--;
        }
        lastSeq = Math.min(lastSeq, seq);
        cutoff = Math.min(cutoff, seq + 1);
    }

    private int index(int i) {
        int at = head + i;
        return at >= firstSeq.length ? at - firstSeq.length : at;
    }

    /** Bytes {@link #writeTo} needs. */
    int serializedBytes() {
        return 8 * 3 + count * 24;
    }

    void writeTo(ByteBuffer out) {
        out.putLong(cutoff).putLong(lastSeq).putLong(count);
        for (int i = 0; i < count; i++) {
            int slot = index(i);
            out.putLong(firstSeq[slot]).putLong(startMillis[slot]).putLong(endMillis[slot]);
        }
    }

    /**
     * Reads what {@link #writeTo} wrote, possibly with another TTL: the buckets are re-noted, so a
     * wider bucket merges them.
     */
    void readFrom(ByteBuffer in) {
        head = 0;
        count = 0;
        long savedCutoff = in.getLong();
        long savedLastSeq = in.getLong();
        long buckets = in.getLong();
        if (buckets < 0 || buckets > in.remaining() / 24) {
            throw new IllegalArgumentException("bucket count out of range: " + buckets);
        }
        for (long i = 0; i < buckets; i++) {
            long seq = in.getLong();
            in.getLong();
            long end = in.getLong();
            note(seq, end);
        }
        lastSeq = savedLastSeq;
        cutoff = Math.max(cutoff, savedCutoff);
    }
}
