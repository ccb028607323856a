package dev.watchpost.handlers;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class SipHash128Test {
    /** The reference key 00 01 .. 0f. */
    private static final long K0 = 0x0706050403020100L;
    private static final long K1 = 0x0f0e0d0c0b0a0908L;

    private static String digest(SipHash128 hash, int length) {
        ByteBuffer message = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < length; i++) {
            message.put(i, (byte) i);
        }
        hash.hash(message, length);
        ByteBuffer out = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(0, hash.lo).putLong(8, hash.hi);
        return HexFormat.of().formatHex(out.array());
    }

    @Test
    void shouldMatchTheReferenceVectorsOfSipHash128() {
        SipHash128 hash = new SipHash128(K0, K1);
        // vectors_sip128[0] and [1] of the reference implementation: messages 00 and 00 01 .. (length 0 and 1)
        assertEquals("a3817f04ba25a8e66df67214c7550293", digest(hash, 0));
        assertEquals("da87c1d86b99af44347659119b22fc45", digest(hash, 1));
    }

    @Test
    void shouldGiveDistinctDigestsForEveryLengthAndKey() {
        Set<String> seen = new HashSet<>();
        for (int length = 0; length <= 64; length++) {
            seen.add(digest(new SipHash128(K0, K1), length));
            seen.add(digest(new SipHash128(K0 + 1, K1), length));
        }
        assertEquals(130, seen.size());
        assertNotEquals(digest(new SipHash128(K0, K1), 15), digest(new SipHash128(K1, K0), 15));
    }
}
