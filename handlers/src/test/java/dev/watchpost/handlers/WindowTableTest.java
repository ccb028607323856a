package dev.watchpost.handlers;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WindowTableTest {
    @Test
    void shouldFindWhatWasInsertedAndForgetWhatWasRemoved() {
        WindowTable table = new WindowTable(4);
        int a = table.insert(1, 10, 100, 5, 50);
        int b = table.insert(2, 10, 101, 6, 40);

        assertEquals(a, table.find(1, 10));
        assertEquals(b, table.find(2, 10));
        assertEquals(WindowTable.NOT_FOUND, table.find(1, 11));
        assertEquals(b, table.earliestEnding());
        table.remove(b);
        assertEquals(WindowTable.NOT_FOUND, table.find(2, 10));
        assertEquals(a, table.find(1, 10));
        assertEquals(a, table.earliestEnding());
        assertEquals(100, table.originalSeq(a));
    }

    @Test
    void shouldRefuseAnInsertWhenFull() {
        WindowTable table = new WindowTable(1);
        table.insert(1, 1, 1, 1, 1);
        assertTrue(table.isFull());
        assertThrows(IllegalStateException.class, () -> table.insert(2, 2, 2, 2, 2));
    }

    /** Random inserts, removals and end changes against a map, with keys crowded onto few buckets. */
    @Test
    void shouldAgreeWithAMapThroughRandomChurn() {
        Random random = new Random(42);
        WindowTable table = new WindowTable(256);
        Map<Long, Long> ends = new HashMap<>(); // lo -> end; hi is always lo * 31
        for (int step = 0; step < 20_000; step++) {
            long lo = random.nextInt(600) * 1024L; // many share a home bucket
            long hi = lo * 31;
            int entry = table.find(hi, lo);
            assertEquals(ends.containsKey(lo), entry != WindowTable.NOT_FOUND, "step " + step);
            int op = random.nextInt(4);
            if (entry == WindowTable.NOT_FOUND) {
                if (table.isFull()) {
                    int earliest = table.earliestEnding();
                    long min = ends.values().stream().mapToLong(Long::longValue).min().orElseThrow();
                    assertEquals(min, table.end(earliest), "the heap gives the earliest end");
                    table.remove(earliest);
                    ends.clear();
                    rebuild(table, ends);
                    assertEquals(255, ends.size());
                }
                long end = random.nextInt(1_000_000);
                table.insert(hi, lo, step, 0, end);
                ends.put(lo, end);
            } else if (op == 0) {
                table.remove(entry);
                ends.remove(lo);
            } else {
                long end = random.nextInt(1_000_000);
                table.setEnd(entry, end);
                ends.put(lo, end);
            }
            assertEquals(ends.size(), table.size());
        }
    }

    /** Reads back every entry the table holds into {@code ends}, by probing all keys used. */
    private static void rebuild(WindowTable table, Map<Long, Long> ends) {
        for (int k = 0; k < 600; k++) {
            long lo = k * 1024L;
            int entry = table.find(lo * 31, lo);
            if (entry != WindowTable.NOT_FOUND) {
                ends.put(lo, table.end(entry));
            }
        }
    }
}
