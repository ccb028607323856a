package dev.watchpost.bench.load;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReceiptIdsTest {
    @Test
    void shouldGiveBackTheConnectionAndSeqAnLsbWasMadeFrom() {
        int[] connections = {0, 1, 7, 1023};
        long[] seqs = {0, 1, 2, 65_535, 1L << 32, ReceiptIds.SEQ_MASK};
        for (int c : connections) {
            for (long seq : seqs) {
                long lsb = ReceiptIds.lsb(c, seq);

                assertTrue(ReceiptIds.isOurs(lsb));
                assertEquals(c, ReceiptIds.connection(lsb));
                assertEquals(seq, ReceiptIds.seq(lsb));
            }
        }
    }

    @Test
    void shouldMakeNonZeroVersion4UuidsWithTheRfc4122Variant() {
        for (long random : new long[] {0, -1, 0x1234_5678_9ABC_DEF0L}) {
            UUID id = new UUID(ReceiptIds.msb(random), ReceiptIds.lsb(3, 42));

            assertEquals(4, id.version());
            assertEquals(2, id.variant());
            assertNotEquals(new UUID(0, 0), id);
        }
    }

    @Test
    void shouldMakeADistinctIdForEveryConnectionAndSeq() {
        Set<Long> lsbs = new HashSet<>();
        for (int c = 0; c < ReceiptIds.MAX_CONNECTIONS; c += 17) {
            for (long seq = 1; seq <= 500; seq++) {
                assertTrue(lsbs.add(ReceiptIds.lsb(c, seq)), () -> "duplicate id");
            }
        }
    }

    @Test
    void shouldNotTakeOtherUuidsForOurs() {
        assertFalse(ReceiptIds.isOurs(UUID.fromString("0f8fad5b-d9cb-469f-a165-70867728950e").getLeastSignificantBits()));
        assertFalse(ReceiptIds.isOurs(0), "variant 0");
        assertFalse(ReceiptIds.isOurs(0xC000_0000_0000_0001L), "variant 110");
    }

    @Test
    void shouldRefuseAConnectionItCannotName() {
        assertThrows(IllegalArgumentException.class, () -> ReceiptIds.lsb(ReceiptIds.MAX_CONNECTIONS, 1));
        assertThrows(IllegalArgumentException.class, () -> ReceiptIds.lsb(-1, 1));
    }
}
