package dev.watchpost.persistence.dedup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The receipts, off-heap: an open-addressing hash table of 12-byte slots, each holding a 48-bit
 * fingerprint of a receipt_id and the 48-bit journal seq of the event stored under it. Linear
 * probing; removal by backward shift, so there are no tombstones and a probe ends at the first
 * empty slot.
 *
 * <p>A fingerprint is not the receipt: two receipt_ids may share one, so a match is a candidate that
 * {@link DedupStore} confirms against the exact receipt_id. The fingerprint is a keyed hash (a
 * random seed per table, kept in the snapshot), so receipt_ids chosen to collide cannot pile up in
 * one probe sequence.
 *
 * <p>Slot layout, native byte order: a {@code long} of {@code fingerprint << 16 | seq >>> 32}, then
 * an {@code int} of the seq's low 32 bits. The long is 0 in an empty slot (fingerprints are never 0).
 *
 * <p>Single writer; nothing here is thread-safe.
 */
final class ReceiptTable {
    static final int SLOT_BYTES = 12;
    /** The largest seq a slot holds. */
    static final long MAX_SEQ = (1L << 48) - 1;
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

    /** The receipt_id's fingerprint: 48 bits of a seeded 128-to-64-bit hash, never 0. */
    long fingerprint(long msb, long lsb) {
        long fingerprint = mix(msb ^ mix(lsb ^ seed)) >>> 16;
        return fingerprint == 0 ? 1 : fingerprint;
    }

    /** The slot a fingerprint's probe starts at: its top 32 bits scaled to the slot count. */
    int home(long fingerprint) {
        return (int) (((fingerprint >>> 16) * slotCount) >>> 32);
    }

    int next(int slot) {
        return slot + 1 == slotCount ? 0 : slot + 1;
    }

    boolean isEmpty(int slot) {
        return slots.getLong(slot * SLOT_BYTES) == 0;
    }

    long fingerprintAt(int slot) {
        return slots.getLong(slot * SLOT_BYTES) >>> 16;
    }

    long seqAt(int slot) {
        int at = slot * SLOT_BYTES;
        return (slots.getLong(at) & 0xFFFF) << 32 | (slots.getInt(at + 8) & 0xFFFF_FFFFL);
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
        slots.putLong(at, fingerprint << 16 | seq >>> 32);
        slots.putInt(at + 8, (int) seq);
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
        slots.putInt(hole * SLOT_BYTES + 8, 0);
        size--;
    }

    private void copy(int from, int to) {
        slots.putLong(to * SLOT_BYTES, slots.getLong(from * SLOT_BYTES));
        slots.putInt(to * SLOT_BYTES + 8, slots.getInt(from * SLOT_BYTES + 8));
    }

    /** Empties every slot. */
    void clear() {
        for (int at = 0, end = slotCount * SLOT_BYTES; at < end; at += 4) {
            slots.putInt(at, 0);
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
