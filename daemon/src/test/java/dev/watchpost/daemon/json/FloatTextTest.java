package dev.watchpost.daemon.json;

import com.fasterxml.jackson.core.io.NumberOutput;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FloatTextTest {
    /** Random bit patterns compared with Jackson on every build: about three seconds. */
    private static final int RANDOM_PATTERNS = 1 << 24;

    private final ByteBuf out = Unpooled.buffer(64);

    @AfterEach
    void release() {
        out.release();
    }

    @Test
    void shouldWriteZeroesWithTheirSign() {
        assertEquals("0.0", text(0f));
        assertEquals("-0.0", text(-0f));
    }

    @Test
    void shouldWriteTheShortestDecimalThatReadsBack() {
        assertEquals("0.93", text(0.93f));
        assertEquals("0.1", text(0.1f));
        assertEquals("0.3", text(0.3f));
        assertEquals("123456.7", text(123456.7f));
        assertEquals("1000.0", text(1000f));
        assertEquals("1234567.0", text(1_234_567f));
        assertEquals("-2.5E-10", text(-2.5e-10f));
    }

    @Test
    void shouldSwitchToExponentBelowOneThousandthAndFromTenMillion() {
        assertEquals("0.001", text(0.001f));
        assertEquals("9.999999E-4", text(Math.nextDown(0.001f)));
        assertEquals("9999999.0", text(9_999_999f));
        assertEquals("1.0E7", text(10_000_000f));
        assertEquals("1.0000001E7", text(Math.nextUp(1e7f)));
        assertEquals("-1.0E7", text(-1e7f));
    }

    @Test
    void shouldWriteTheExtremesAndSubnormals() {
        assertEquals("1.4E-45", text(Float.MIN_VALUE));
        assertEquals("2.8E-45", text(2 * Float.MIN_VALUE));
        assertEquals("1.1754942E-38", text(Math.nextDown(Float.MIN_NORMAL)));
        assertEquals("1.1754944E-38", text(Float.MIN_NORMAL)); // Float.toString on Java 17: 1.17549435E-38
        assertEquals("3.4028235E38", text(Float.MAX_VALUE));
        assertEquals("-3.4028235E38", text(-Float.MAX_VALUE));
    }

    @Test
    void shouldWriteWhatJavaWritesForNonFiniteValues() {
        assertEquals("NaN", text(Float.NaN));
        assertEquals("NaN", text(Float.intBitsToFloat(0xFFC0_0001)));
        assertEquals("Infinity", text(Float.POSITIVE_INFINITY));
        assertEquals("-Infinity", text(Float.NEGATIVE_INFINITY));
    }

    @Test
    void shouldMatchJacksonOnEdgeCases() {
        for (int i = -45; i <= 38; i++) {
            float power = Float.parseFloat("1e" + i);
            for (float v : new float[] {power, Math.nextUp(power), Math.nextDown(power), 3 * power, 5.5f * power}) {
                assertSameAsJackson(v);
                assertSameAsJackson(-v);
            }
        }
        for (int tenths = 1; tenths <= 9; tenths++) {
            assertSameAsJackson(tenths / 10f);
            assertSameAsJackson(tenths / 100f + 0.9f);
        }
        for (int t = 1; t < 1 << 10; t++) { // the smallest subnormals, and the largest
            assertSameAsJackson(Float.intBitsToFloat(t));
            assertSameAsJackson(Float.intBitsToFloat(0x007F_FFFF - t));
        }
        for (int e = 1; e < 255; e++) { // every power of two and its neighbours
            int bits = e << 23;
            assertSameAsJackson(Float.intBitsToFloat(bits));
            assertSameAsJackson(Float.intBitsToFloat(bits + 1));
            assertSameAsJackson(Float.intBitsToFloat(bits - 1));
        }
    }

    @Test
    void shouldMatchJacksonOnRandomBitPatterns() {
        SplittableRandom random = new SplittableRandom(0x5EED_F10A7L);
        for (int i = 0; i < RANDOM_PATTERNS; i++) {
            float v = Float.intBitsToFloat(random.nextInt());
            out.clear();
            FloatText.appendShortest(v, out);
            if (!sameText(NumberOutput.toString(v, true), out)) {
                assertSameAsJackson(v);
            }
        }
    }

    /**
     * Every one of the 2^32 bit patterns against Jackson: about 6.5 minutes on 2 cores, so only with
     * {@code -Dwatchpost.float.exhaustive=true}.
     */
    @Test
    @EnabledIfSystemProperty(named = "watchpost.float.exhaustive", matches = "true")
    void shouldMatchJacksonOnEveryFloat() {
        AtomicLong mismatches = new AtomicLong();
        AtomicLong firstMismatch = new AtomicLong(-1);
        IntStream.range(0, 1 << 16).parallel().forEach(high -> {
            ByteBuf text = Unpooled.buffer(64);
            for (int low = 0; low < 1 << 16; low++) {
                int bits = high << 16 | low;
                float v = Float.intBitsToFloat(bits);
                text.clear();
                FloatText.appendShortest(v, text);
                if (!sameText(NumberOutput.toString(v, true), text)) {
                    mismatches.incrementAndGet();
                    firstMismatch.compareAndSet(-1, bits & 0xFFFF_FFFFL);
                }
            }
            text.release();
        });
        assertEquals(0, mismatches.get(), () -> "first mismatch: bits 0x" + Long.toHexString(firstMismatch.get()));
    }

    private void assertSameAsJackson(float v) {
        assertEquals(NumberOutput.toString(v, true), text(v), () -> "bits 0x" + Integer.toHexString(Float.floatToRawIntBits(v)));
    }

    private String text(float v) {
        out.clear();
        FloatText.appendShortest(v, out);
        assertTrue(out.readableBytes() <= FloatText.MAX_LENGTH);
        return out.toString(StandardCharsets.US_ASCII);
    }

    private static boolean sameText(String expected, ByteBuf actual) {
        if (expected.length() != actual.readableBytes()) {
            return false;
        }
        for (int i = 0; i < expected.length(); i++) {
            if (expected.charAt(i) != actual.getByte(actual.readerIndex() + i)) {
                return false;
            }
        }
        return true;
    }
}
