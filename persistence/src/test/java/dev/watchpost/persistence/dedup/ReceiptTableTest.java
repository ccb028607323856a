package dev.watchpost.persistence.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class ReceiptTableTest {
    /** Finds the slot holding {@code fingerprint}, probing from its home as the store does; -1 if absent. */
    private static int find(ReceiptTable table, long fingerprint) {
        for (int slot = table.home(fingerprint); !table.isEmpty(slot); slot = table.next(slot)) {
            if (table.fingerprintAt(slot) == fingerprint) {
                return slot;
            }
        }
        return -1;
    }

    private static void insert(ReceiptTable table, long fingerprint, long seq) {
        int slot = table.home(fingerprint);
        while (!table.isEmpty(slot)) {
            slot = table.next(slot);
        }
        table.insert(slot, fingerprint, seq);
    }

    @Test
    void shouldKeepEveryEntryReachableThroughRandomInsertsAndRemovals() {
        // 61 slots for up to 48 entries: long clusters that wrap around the end.
        ReceiptTable table = new ReceiptTable(61, 42);
        Map<Long, Long> model = new HashMap<>();
        SplittableRandom random = new SplittableRandom(7);
        for (int round = 0; round < 200_000; round++) {
            long fingerprint = table.fingerprint(random.nextInt(200), 0);
            int slot = find(table, fingerprint);
            if (slot >= 0) {
                assertEquals(model.get(fingerprint), table.seqAt(slot, round + 1L), "seq of " + fingerprint);
                if (random.nextBoolean()) {
                    table.remove(slot);
                    model.remove(fingerprint);
                }
            } else {
                assertTrue(!model.containsKey(fingerprint), "entry " + fingerprint + " became unreachable in round " + round);
                if (model.size() < 48) {
                    long seq = round + 1L;
                    insert(table, fingerprint, seq);
                    model.put(fingerprint, seq);
                }
            }
            assertEquals(model.size(), table.size());
        }
        for (Map.Entry<Long, Long> entry : model.entrySet()) {
            assertEquals(entry.getValue(), table.seqAt(find(table, entry.getKey()), 200_000L));
        }
    }

    @Test
    void shouldReadSeqsBackExactlyWithinTwoToTheThirtySixOfTheHighest() {
        ReceiptTable table = new ReceiptTable(16, 1);
        long fingerprint = (1L << 36) - 1;
        long seq = 0x0000_0001_2345_6789L + (5L << 36);
        insert(table, fingerprint, seq);
        int slot = find(table, fingerprint);
        assertEquals(fingerprint, table.fingerprintAt(slot));
        assertEquals(seq, table.seqAt(slot, seq));
        assertEquals(seq, table.seqAt(slot, seq + (1L << 36) - 1));
        // A receipt 2^36 seqs old reads as the later seq with the same low bits.
        assertEquals(seq + (1L << 36), table.seqAt(slot, seq + (1L << 36)));
        table.replace(slot, 1, 0x0000_0008_0000_0001L);
        assertEquals(1, table.fingerprintAt(slot));
        assertEquals(0x0000_0008_0000_0001L, table.seqAt(slot, 0x0000_0008_0000_0001L));
        assertEquals(9, ReceiptTable.SLOT_BYTES);
    }

    @Test
    void shouldNeverGiveAZeroFingerprintAndSpreadHomesOverTheTable() {
        ReceiptTable table = new ReceiptTable(1_000, 99);
        int[] perSlot = new int[1_000];
        for (long i = 0; i < 100_000; i++) {
            long fingerprint = table.fingerprint(i, 0);
            assertTrue(fingerprint > 0 && fingerprint < 1L << 40);
            perSlot[table.home(fingerprint)]++;
        }
        for (int count : perSlot) {
            // 100 expected per slot; a sound hash keeps every slot well within 50..150.
            assertTrue(count > 50 && count < 150, "slot count " + count);
        }
    }

    @Test
    void shouldGiveDifferentFingerprintsUnderDifferentSeeds() {
        assertTrue(new ReceiptTable(16, 1).fingerprint(5, 6) != new ReceiptTable(16, 2).fingerprint(5, 6));
    }
}
