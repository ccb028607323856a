package dev.watchpost.persistence.dedup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The receipts, off-heap: an open-addressing hash table of 9-byte slots, each holding a 36-bit
 * fingerprint of a receipt_id and the low 36 bits of the journal seq of the event stored under it.
 * Linear probing; removal by backward shift, so there are no tombstones and a probe ends at the
 * first empty slot.
 *
 * <p>A fingerprint is not the receipt: two receipt_ids may share one, so a match is a candidate that
 * {@link DedupStore} confirms against the exact receipt_id. The fingerprint is a keyed hash (a
 * random seed per table, kept in the snapshot), so receipt_ids chosen to collide cannot pile up in
 * one probe sequence.
 *
 * <p>A seq is read back as the latest seq at or below the highest one recorded with those low 36
 * bits: exact for every seq less than 2^36 (6.9 × 10^10) below the highest, which any receipt within
 * its TTL is — 24 hours at 795,000 events a second (a receipt 2^36 events old would read as a later
 * seq, whose confirmation then fails).
 *
 * <p>Why 36 and 36: the false matches a lookup meets are about the receipts held divided by 2^36
 * (1.5 × 10^-4 at 10 M), each costing one confirmation; 9 bytes a slot instead of 10 keep 10 M
 * receipts in 106 MB instead of 118.
 *
 * <p>Slot layout, native byte order: a {@code long} of {@code fingerprint << 28 | seq36 >>> 8},
 * then a {@code byte} of the seq's low 8 bits. The long is 0 in an empty slot (fingerprints are
 * never 0).
 *
 * <p>Single writer; nothing here is thread-safe.
 */
final class ReceiptTable {
    static final int SLOT_BYTES = 9;
    private static final int SEQ_BITS = 36;
    private static final long SEQ_MASK = (1L << SEQ_BITS) - 1;
    /** Slots a table may have: its bytes stay addressable by an int. */
    static final int MAX_SLOTS = Integer.MAX_VALUE / SLOT_BYTES;

    private final ByteBuffer slots;
    private final int slotCount;
    private final long seed;
    private int size;

    ReceiptTable(int slotCount, long seed) {
        if (slotCount < 2 || slotCount > MAX_SLOTS) {
            throw new IllegalArgumentException("slot count must be in 2.." + MAX_SLOTS + ": " + slotCount);
        }
        this.slotCount = slotCount;
        this.seed = seed;
        this.slots = ByteBuffer.allocateDirect(slotCount * SLOT_BYTES).order(ByteOrder.nativeOrder());
    }

    /** The slots' bytes (position 0, limit the end), for writing or reading a snapshot; the same memory. */
    ByteBuffer bytes() {
        return slots.duplicate().order(ByteOrder.nativeOrder()).clear();
    }

    /** After the bytes were filled from a snapshot: counts the occupied slots. */
    void recount() {
        int n = 0;
        for (int i = 0; i < slotCount; i++) {
            if (!isEmpty(i)) {
                n++;
            }
        }
        size = n;
    }

    int slotCount() {
        return slotCount;
    }

    long seed() {
        return seed;
    }

    /** Occupied slots. */
    int size() {
        return size;
    }

    /** The receipt_id's fingerprint: 36 bits of a seeded 128-to-64-bit hash, never 0. */
    long fingerprint(long msb, long lsb) {
        long fingerprint = mix(msb ^ mix(lsb ^ seed)) >>> 28;
        return fingerprint == 0 ? 1 : fingerprint;
    }

    /** The slot a fingerprint's probe starts at: its top 32 bits scaled to the slot count. */
    int home(long fingerprint) {
        return (int) (((fingerprint >>> 4) * slotCount) >>> 32);
    }

    int next(int slot) {
        return slot + 1 == slotCount ? 0 : slot + 1;
    }

    /**
     * Reads the first word of a slot and returns it: a load whose only purpose is to bring the slot
     * into the cache ({@link DedupStore#touch}).
     */
    long touch(int slot) {
        return slots.getLong(slot * SLOT_BYTES);
    }

    boolean isEmpty(int slot) {
        return slots.getLong(slot * SLOT_BYTES) == 0;
    }

    long fingerprintAt(int slot) {
        return slots.getLong(slot * SLOT_BYTES) >>> 28;
    }

    /** The seq in a slot: the latest at or below {@code highestSeq} with the low 36 bits stored. */
    long seqAt(int slot, long highestSeq) {
        int at = slot * SLOT_BYTES;
        long low = (slots.getLong(at) & 0xFFF_FFFFL) << 8 | (slots.get(at + 8) & 0xFFL);
        return highestSeq - ((highestSeq - low) & SEQ_MASK);
    }

    /** Fills an empty slot. */
    void insert(int slot, long fingerprint, long seq) {
        write(slot, fingerprint, seq);
        size++;
    }

    /** Gives an occupied slot a new fingerprint and seq (an expired receipt's slot, reused). */
    void replace(int slot, long fingerprint, long seq) {
        write(slot, fingerprint, seq);
    }

    private void write(int slot, long fingerprint, long seq) {
        int at = slot * SLOT_BYTES;
        long low = seq & SEQ_MASK;
        slots.putLong(at, fingerprint << 28 | low >>> 8);
        slots.put(at + 8, (byte) low);
    }

    /**
     * Empties a slot and shifts back the entries after it whose probe started at or before it, so
     * that every remaining entry is still reachable from its home. Afterwards the slot holds the next
     * entry that needs looking at, if any: a caller sweeping the table revisits it.
     */
    void remove(int slot) {
        int hole = slot;
        int i = next(hole);
        while (!isEmpty(i)) {
            int home = home(fingerprintAt(i));
            // The entry at i may move into the hole unless its home lies cyclically in (hole, i].
            boolean homeBetween = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
            if (!homeBetween) {
                copy(i, hole);
                hole = i;
            }
            i = next(i);
        }
        slots.putLong(hole * SLOT_BYTES, 0);
        slots.put(hole * SLOT_BYTES + 8, (byte) 0);
        size--;
    }

    private void copy(int from, int to) {
        slots.putLong(to * SLOT_BYTES, slots.getLong(from * SLOT_BYTES));
        slots.put(to * SLOT_BYTES + 8, slots.get(from * SLOT_BYTES + 8));
    }

    /** Empties every slot. */
    void clear() {
        for (int at = 0, end = slotCount * SLOT_BYTES; at < end; at++) {
            slots.put(at, (byte) 0);
        }
        size = 0;
    }

    /** MurmurHash3's 64-bit finaliser. */
    private static long mix(long x) {
        x = (x ^ (x >>> 33)) * 0xFF51AFD7ED558CCDL;
        x = (x ^ (x >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return x ^ (x >>> 33);
    }
}
