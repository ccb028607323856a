package dev.watchpost.ringbuffer.codec;

import static dev.watchpost.ringbuffer.codec.TestBytes.bufferWith;
import static dev.watchpost.ringbuffer.codec.TestBytes.hex;
import static dev.watchpost.ringbuffer.codec.TestBytes.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class Utf8Test {
    private static boolean valid(byte[] bytes) {
        return Utf8.isValid(bufferWith(bytes, 3), 3, bytes.length);
    }

    private static boolean validWithoutControls(byte[] bytes) {
        return Utf8.isValidWithoutControls(bufferWith(bytes, 3), 3, bytes.length);
    }

    @Test
    void shouldAcceptOneToFourByteSequencesUpToTheLastCodePoint() {
        assertTrue(valid(utf8("person café € 😀")));
        assertTrue(valid(hex("f4 8f bf bf")));
        assertTrue(valid(hex("ef bf bd")));
        assertTrue(valid(new byte[0]));
    }

    @Test
    void shouldRejectOverlongForms() {
        assertFalse(valid(hex("c0 af")));
        assertFalse(valid(hex("c1 bf")));
        assertFalse(valid(hex("e0 80 af")));
        assertFalse(valid(hex("e0 9f bf")));
        assertFalse(valid(hex("f0 80 80 af")));
        assertFalse(valid(hex("f0 8f bf bf")));
    }

    @Test
    void shouldRejectEncodedSurrogates() {
        assertFalse(valid(hex("ed a0 80")));
        assertFalse(valid(hex("ed bf bf")));
        assertTrue(valid(hex("ed 9f bf")));
    }

    @Test
    void shouldRejectCodePointsAboveTheUnicodeRange() {
        assertFalse(valid(hex("f4 90 80 80")));
        assertFalse(valid(hex("f5 80 80 80")));
        assertFalse(valid(hex("ff")));
    }

    @Test
    void shouldRejectStrayContinuationsAndTruncatedSequences() {
        assertFalse(valid(hex("80")));
        assertFalse(valid(hex("41 bf")));
        assertFalse(valid(hex("c3")));
        assertFalse(valid(hex("e2 82")));
        assertFalse(valid(hex("f0 9f 98")));
        assertFalse(valid(hex("c3 41")));
    }

    @Test
    void shouldNotReadPastTheGivenRange() {
        byte[] bytes = hex("41 e2 82 ac");
        assertFalse(Utf8.isValid(bufferWith(bytes, 0), 0, 3));
        assertTrue(Utf8.isValid(bufferWith(bytes, 0), 0, 4));
    }

    @Test
    void shouldRejectControlCharactersOnlyInTheLabelVariant() {
        for (byte[] control : new byte[][] {hex("00"), hex("09"), hex("0a"), hex("1f"), hex("7f")}) {
            assertTrue(valid(control));
            assertFalse(validWithoutControls(control));
        }
        assertTrue(validWithoutControls(utf8("wave ü 😀 ~")));
        assertFalse(validWithoutControls(hex("c0 af")));
    }

    @Test
    void shouldJudgeAlikeWhateverBufferHoldsTheBytes() {
        byte[][] samples = {utf8("person café € 😀"), hex("c0 af"), hex("ed a0 80"), hex("41 e2 82"), hex("41 09 42")};
        for (byte[] bytes : samples) {
            ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length + 5);
            direct.put(5, bytes);
            ByteBuffer sliced = bufferWith(bytes, 7).slice(2, bytes.length + 7);
            assertEquals(valid(bytes), Utf8.isValid(direct, 5, bytes.length));
            assertEquals(valid(bytes), Utf8.isValid(bufferWith(bytes, 3).asReadOnlyBuffer(), 3, bytes.length));
            assertEquals(valid(bytes), Utf8.isValid(sliced, 5, bytes.length));
            assertEquals(validWithoutControls(bytes), Utf8.isValidWithoutControls(direct, 5, bytes.length));
            assertEquals(validWithoutControls(bytes), Utf8.isValidWithoutControls(sliced, 5, bytes.length));
        }
        assertTrue(valid(samples[0]));
        assertFalse(valid(samples[1]));
        assertFalse(validWithoutControls(samples[4]));
    }
}
