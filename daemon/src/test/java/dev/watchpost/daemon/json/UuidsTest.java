package dev.watchpost.daemon.json;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UuidsTest {
    @Test
    void shouldWriteTheTextJavaWritesForAnyBytesInEitherByteOrder() {
        long[][] edges = {{0, 0}, {-1, -1}, {0x0123456789abcdefL, 0xfedcba9876543210L}, {0x9a9a9a9a9a9a9a9aL, 0xa9a9a9a9a9a9a9a9L},
                {0x0f0f0f0f0f0f0f0fL, 0xf0f0f0f0f0f0f0f0L}, {Long.MIN_VALUE, Long.MAX_VALUE}};
        for (long[] edge : edges) {
            assertTextOf(new UUID(edge[0], edge[1]));
        }
        SplittableRandom random = new SplittableRandom(20261206);
        for (int i = 0; i < 10_000; i++) {
            assertTextOf(new UUID(random.nextLong(), random.nextLong()));
        }
    }

    @Test
    void shouldGiveEightHexDigitsMostSignificantFirst() {
        SplittableRandom random = new SplittableRandom(8);
        for (int i = 0; i < 10_000; i++) {
            int value = i < 16 ? 0x11111111 * i : random.nextInt();
            long digits = Uuids.hexDigits(value);
            String text = new String(ByteBuffer.allocate(8).putLong(0, digits).array(), StandardCharsets.US_ASCII);
            assertEquals(String.format("%08x", value), text);
        }
    }

    @Test
    void shouldReadBackWhatItWrites() {
        UUID uuid = UUID.fromString("0192f3a4-7b1c-4d2e-9f00-aabbccddeeff");
        String text = uuid.toString();
        assertTrue(Uuids.isCanonical(text));
        assertTrue(Uuids.isCanonical(text.toUpperCase()));
        assertFalse(Uuids.isCanonical(text.replace('-', '_')));
        assertEquals(uuid.getMostSignificantBits(), Uuids.msb(text));
        assertEquals(uuid.getLeastSignificantBits(), Uuids.lsb(text));
    }

    /** Writes the UUID's 16 bytes, in their order, at an offset into buffers of both byte orders, and their text after other text. */
    private static void assertTextOf(UUID uuid) {
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            ByteBuffer bytes = ByteBuffer.allocate(21).order(order);
            for (int i = 0; i < 8; i++) {
                bytes.put(5 + i, (byte) (uuid.getMostSignificantBits() >>> (56 - 8 * i)));
                bytes.put(13 + i, (byte) (uuid.getLeastSignificantBits() >>> (56 - 8 * i)));
            }
            ByteBuf out = Unpooled.buffer(4).writeByte('"');
            Uuids.appendText(bytes, 5, out);
            assertEquals('"' + uuid.toString(), out.toString(StandardCharsets.US_ASCII), order.toString());
        }
    }
}
