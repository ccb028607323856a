package dev.watchpost.handlers;

/**
 * The content-window dedup's open keys: a bounded open-addressing hash table from a key's 128-bit
 * digest to its burst (the original's seq, the burst's earliest and latest event times, the repeat
 * count, the window's end), plus a binary min-heap of the entries by window end, which gives both
 * the next to expire and the one to evict when the table is full.
 *
 * <pre>
 *  table (int, 2^k >= 2 x capacity, linear probing) ─► entry index ─► parallel arrays (keyHi, keyLo,
 *                                                                      originalSeq, minTs, maxTs, end,
 *                                                                      repeats, heapPos)
 *  heap  (int, by end) ─────────────────────────────┘
 * </pre>
 *
 * <p>Everything is allocated up front: no operation allocates. Removal uses backward-shift deletion,
 * so there are no tombstones and lookups stay short. Single writer: the window stage.
 */
final class WindowTable {
    static final int NOT_FOUND = -1;

    private final int capacity;
    private final long[] keyHi;
    private final long[] keyLo;
    private final long[] originalSeq;
    private final long[] minTs;
    private final long[] maxTs;
    private final long[] end;
    private final int[] repeats;
    private final int[] heapPos;
    private final int[] free;
    private int freeCount;
    /** Entry index + 1 per bucket; 0 = empty. */
    private final int[] table;
    private final int mask;
    private final int[] heap;
    private int size;

    WindowTable(int capacity) {
        if (capacity < 1 || capacity > 1 << 28) {
            throw new IllegalArgumentException("capacity must be within 1..2^28, was " + capacity);
        }
        this.capacity = capacity;
        keyHi = new long[capacity];
        keyLo = new long[capacity];
        originalSeq = new long[capacity];
        minTs = new long[capacity];
        maxTs = new long[capacity];
        end = new long[capacity];
        repeats = new int[capacity];
        heapPos = new int[capacity];
        free = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            free[i] = capacity - 1 - i;
        }
        freeCount = capacity;
        int buckets = Integer.highestOneBit(Math.max(2, capacity * 2 - 1)) << 1;
        table = new int[buckets];
        mask = buckets - 1;
        heap = new int[capacity];
    }

    int size() {
        return size;
    }

    int capacity() {
        return capacity;
    }

    boolean isFull() {
        return size == capacity;
    }

    /** The entry of this digest, or {@link #NOT_FOUND}. */
    int find(long hi, long lo) {
        int bucket = home(lo);
        int at;
        while ((at = table[bucket]) != 0) {
            int entry = at - 1;
            if (keyLo[entry] == lo && keyHi[entry] == hi) {
                return entry;
            }
            bucket = (bucket + 1) & mask;
        }
        return NOT_FOUND;
    }

    /** Adds a new burst; the table must not be full and must not hold the digest. */
    int insert(long hi, long lo, long seq, long tsUs, long endUs) {
        if (freeCount == 0) {
            throw new IllegalStateException("window table full");
        }
        int entry = free[--freeCount];
        keyHi[entry] = hi;
        keyLo[entry] = lo;
        originalSeq[entry] = seq;
        minTs[entry] = tsUs;
        maxTs[entry] = tsUs;
        end[entry] = endUs;
        repeats[entry] = 0;
        int bucket = home(lo);
        while (table[bucket] != 0) {
            bucket = (bucket + 1) & mask;
        }
        table[bucket] = entry + 1;
        heap[size] = entry;
        heapPos[entry] = size;
        size++;
        siftUp(size - 1);
        return entry;
    }

    /** Starts a new burst under an existing entry's key. */
    void restart(int entry, long seq, long tsUs, long endUs) {
        originalSeq[entry] = seq;
        minTs[entry] = tsUs;
        maxTs[entry] = tsUs;
        repeats[entry] = 0;
        setEnd(entry, endUs);
    }

    /** Counts one more repeat and returns its ordinal (1 for the first). */
    int addRepeat(int entry) {
        return ++repeats[entry];
    }

    /** Sets the repeat count (rebuilding from the journal). */
    void setRepeats(int entry, int count) {
        repeats[entry] = count;
    }

    /** Widens the burst's event-time span to include {@code tsUs}. */
    void include(int entry, long tsUs) {
        if (tsUs < minTs[entry]) {
            minTs[entry] = tsUs;
        }
        if (tsUs > maxTs[entry]) {
            maxTs[entry] = tsUs;
        }
    }

    /** Moves the window's end (either way). */
    void setEnd(int entry, long endUs) {
        long previous = end[entry];
        end[entry] = endUs;
        if (endUs < previous) {
            siftUp(heapPos[entry]);
        } else if (endUs > previous) {
            siftDown(heapPos[entry]);
        }
    }

    long originalSeq(int entry) {
        return originalSeq[entry];
    }

    long minTs(int entry) {
        return minTs[entry];
    }

    long maxTs(int entry) {
        return maxTs[entry];
    }

    long end(int entry) {
        return end[entry];
    }

    int repeats(int entry) {
        return repeats[entry];
    }

    /** True when {@code entry} holds a key now. */
    boolean isOpen(int entry) {
        int pos = heapPos[entry];
        return pos < size && heap[pos] == entry;
    }

    /** The entry whose window ends first; the table must not be empty. */
    int earliestEnding() {
        return heap[0];
    }

    /** Removes an entry. */
    void remove(int entry) {
        removeFromTable(entry);
        int pos = heapPos[entry];
        size--;
        if (pos != size) {
            int last = heap[size];
            heap[pos] = last;
            heapPos[last] = pos;
            siftDown(pos);
            siftUp(heapPos[last]);
        }
        free[freeCount++] = entry;
    }

    private void removeFromTable(int entry) {
        int bucket = home(keyLo[entry]);
        while (table[bucket] != entry + 1) {
            bucket = (bucket + 1) & mask;
        }
        // Backward-shift deletion: pull later members of the probe run into the hole where their home allows.
        int hole = bucket;
        int next = hole;
        for (;;) {
            next = (next + 1) & mask;
            int at = table[next];
            if (at == 0) {
                break;
            }
            int home = home(keyLo[at - 1]);
            boolean homeInRange = hole <= next ? hole < home && home <= next : hole < home || home <= next;
            if (!homeInRange) {
                table[hole] = at;
                hole = next;
            }
        }
        table[hole] = 0;
    }

    private int home(long lo) {
        return (int) (lo ^ (lo >>> 32)) & mask;
    }

    private void siftUp(int pos) {
        int entry = heap[pos];
        long key = end[entry];
        while (pos > 0) {
            int parent = (pos - 1) >>> 1;
            int p = heap[parent];
            if (end[p] <= key) {
                break;
            }
            heap[pos] = p;
            heapPos[p] = pos;
            pos = parent;
        }
        heap[pos] = entry;
        heapPos[entry] = pos;
    }

    private void siftDown(int pos) {
        int entry = heap[pos];
        long key = end[entry];
        int half = size >>> 1;
        while (pos < half) {
            int child = 2 * pos + 1;
            int c = heap[child];
            int right = child + 1;
            if (right < size && end[heap[right]] < end[c]) {
                child = right;
                c = heap[child];
            }
            if (key <= end[c]) {
                break;
            }
            heap[pos] = c;
            heapPos[c] = pos;
            pos = child;
        }
        heap[pos] = entry;
        heapPos[entry] = pos;
    }
}
