package dev.watchpost.handlers.enrich;

/**
 * An immutable map from a UUID (its two halves) to an int, by open addressing over primitive arrays:
 * looking up never allocates. Built once; the nil UUID is not a key.
 */
final class UuidTable {
    static final int NOT_FOUND = -1;

    private final long[] msb;
    private final long[] lsb;
    private final int[] values;
    private final int mask;
    private int size;

    /** A table with room for {@code capacity} keys. */
    UuidTable(int capacity) {
        int slots = Integer.highestOneBit(Math.max(4, capacity * 2 - 1)) << 1;
        msb = new long[slots];
        lsb = new long[slots];
        values = new int[slots];
        mask = slots - 1;
    }

    /** Adds or replaces a key; configuration time only. */
    void put(long m, long l, int value) {
        if (m == 0 && l == 0) {
            throw new IllegalArgumentException("the nil UUID is not a key");
        }
        int i = index(m, l);
        while (msb[i] != 0 || lsb[i] != 0) {
            if (msb[i] == m && lsb[i] == l) {
                values[i] = value;
                return;
            }
            i = (i + 1) & mask;
        }
        if (size + 1 > (mask + 1) / 2) {
            throw new IllegalStateException("table full: " + size);
        }
        msb[i] = m;
        lsb[i] = l;
        values[i] = value;
        size++;
    }

    /** The value of the key, or {@link #NOT_FOUND}. */
    int get(long m, long l) {
        if (m == 0 && l == 0) {
            return NOT_FOUND;
        }
        int i = index(m, l);
        while (msb[i] != 0 || lsb[i] != 0) {
            if (msb[i] == m && lsb[i] == l) {
                return values[i];
            }
            i = (i + 1) & mask;
        }
        return NOT_FOUND;
    }

    int size() {
        return size;
    }

    private int index(long m, long l) {
        long h = (m ^ Long.rotateLeft(l, 31)) * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }
}
