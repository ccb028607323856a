package dev.watchpost.handlers.correlate;

/** A set of non-zero longs, open addressing, sized once: the receipt ids a restart found already stored. */
final class LongSet {
    private final long[] table;
    private final int mask;
    private int size;

    LongSet(int expected) {
        int buckets = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        table = new long[buckets];
        mask = buckets - 1;
    }

    /** Adds {@code value}; false when already there or the set is full. */
    boolean add(long value) {
        long v = value == 0 ? 1 : value;
        if (size >= table.length - 1) {
            return false;
        }
        int i = home(v);
        while (table[i] != 0) {
            if (table[i] == v) {
                return false;
            }
            i = (i + 1) & mask;
        }
        table[i] = v;
        size++;
        return true;
    }

    boolean contains(long value) {
        long v = value == 0 ? 1 : value;
        int i = home(v);
        while (table[i] != 0) {
            if (table[i] == v) {
                return true;
            }
            i = (i + 1) & mask;
        }
        return false;
    }

    int size() {
        return size;
    }

    private int home(long v) {
        long h = v * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h >>> 40) & mask;
    }
}
