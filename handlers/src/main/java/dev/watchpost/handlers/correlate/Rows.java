package dev.watchpost.handlers.correlate;

/**
 * Which rows of a matcher's pre-sized arrays are in use: a dense list of the open rows (so scans
 * cost what is open, not the capacity) and a stack of free ones. Allocates nothing after construction.
 */
final class Rows {
    /** The open rows, in {@code [0, size)}. */
    final int[] list;
    private final int[] position;
    private final int[] free;
    private int freeCount;
    int size;

    Rows(int capacity) {
        list = new int[capacity];
        position = new int[capacity];
        free = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            free[i] = capacity - 1 - i;
        }
        freeCount = capacity;
    }

    boolean isFull() {
        return freeCount == 0;
    }

    /** Takes a free row; the rows must not be full. */
    int open() {
        int row = free[--freeCount];
        position[row] = size;
        list[size++] = row;
        return row;
    }

    void close(int row) {
        int at = position[row];
        int last = list[--size];
        list[at] = last;
        position[last] = at;
        free[freeCount++] = row;
    }

    /** The open row whose key, in these per-row key arrays, is ({@code hi}, {@code lo}); -1 when none is. */
    int find(long[] keyHi, long[] keyLo, long hi, long lo) {
        for (int k = 0; k < size; k++) {
            int i = list[k];
            if (keyHi[i] == hi && keyLo[i] == lo) {
                return i;
            }
        }
        return -1;
    }
}
