package dev.watchpost.ringbuffer.codec;

import static dev.watchpost.ringbuffer.codec.FuzzFrames.NOW_US;
import static dev.watchpost.ringbuffer.codec.FuzzFrames.assertObeysTheRules;
import static dev.watchpost.ringbuffer.codec.FuzzFrames.isEventBodyCode;
import static dev.watchpost.ringbuffer.codec.FuzzFrames.strictUtf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Fuzz tests of the frame decoder and validator: arbitrary bytes as an EVENT frame, a header, a
 * HELLO and a payload, and mutations of the worked example. Whatever the bytes, the codec answers
 * with a NACK code or accepts, never throws, and what it accepts obeys the rules of section 2.
 *
 * <p>Under {@code mvn verify} each method runs once per seed in
 * {@code src/test/resources/dev/watchpost/ringbuffer/codec/EventValidatorFuzzTestInputs/<method>/}
 * (written by {@link FuzzSeeds}); with {@code JAZZER_FUZZ=1} the selected method is fuzzed.
 * Buffers are sized to the frame exactly, so a read past the frame fails as an out-of-bounds access.
 */
class EventValidatorFuzzTest {
    private final EventValidator validator = new EventValidator(EventTypeRegistry.v1());
    private final EventFrame frame = new EventFrame();
    private final HelloFrame hello = new HelloFrame();
    private final JsonValidator json = new JsonValidator();

    @FuzzTest
    void eventFrameBytes(byte[] data) {
        int length = Math.min(data.length, Protocol.MAX_FRAME_LENGTH);
        ByteBuffer buffer = exactBuffer(data, 0, length);
        NackCode code = validator.validate(frame.wrap(buffer, 0), length, NOW_US);
        if (code == null) {
            assertObeysTheRules(buffer, 0, length, NOW_US);
        } else {
            assertTrue(isEventBodyCode(code), code::toString);
        }
    }

    /** Starts from the worked example of section 7 and rewrites fields, lengths and bytes at random. */
    @FuzzTest
    void mutatedWorkedExample(FuzzedDataProvider data) {
        byte[] label = data.consumeBoolean() ? data.consumeBytes(70) : FuzzFrames.utf8("person");
        byte[] payload = data.consumeBoolean() ? data.consumeBytes(400) : FuzzFrames.utf8("{\"hint\":\"a\"}");
        byte[] bytes = FuzzFrames.workedExample(label, payload);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int length = bytes.length;
        int mutations = data.consumeInt(0, 8);
        for (int i = 0; i < mutations; i++) {
            switch (data.consumeInt(0, 14)) {
                case 0 -> b.putLong(16, data.consumeBoolean() ? 0 : data.consumeLong()).putLong(24, data.consumeLong());
                case 1 -> b.putLong(32, data.pickValue(new long[] {0, -1, 1, NOW_US,
                    NOW_US + EventValidator.DEFAULT_MAX_CLOCK_SKEW_US, NOW_US + EventValidator.DEFAULT_MAX_CLOCK_SKEW_US + 1,
                    Long.MAX_VALUE, Long.MIN_VALUE, data.consumeLong()}));
                case 2 -> b.putShort(40, data.consumeShort());
                case 3 -> b.put(42, data.consumeByte());
                case 4 -> b.put(43, data.consumeByte());
                case 5 -> b.putFloat(44, interestingFloat(data));
                case 6 -> b.putLong(48, data.consumeBoolean() ? 0 : data.consumeLong()).putLong(56, data.consumeLong());
                case 7 -> b.putLong(64 + 16 * data.consumeInt(0, 2), data.consumeLong());
                case 8 -> b.putLong(112, data.consumeBoolean() ? 0 : data.consumeLong());
                case 9 -> b.putFloat(120 + 4 * data.consumeInt(0, 3), interestingFloat(data));
                case 10 -> b.putLong(136 + 8 * data.consumeInt(0, 1), data.consumeBoolean() ? 0 : data.consumeLong());
                case 11 -> b.putShort(152, data.consumeShort());
                case 12 -> b.putInt(154 + label.length, data.consumeInt());
                case 13 -> length = data.consumeInt(0, length);
                default -> b.put(data.consumeInt(0, bytes.length - 1), data.consumeByte());
            }
        }
        int at = data.consumeInt(0, 64);
        ByteBuffer buffer = ByteBuffer.allocate(at + length).order(ByteOrder.LITTLE_ENDIAN);
        buffer.put(at, bytes, 0, length);
        NackCode code = validator.validate(frame.wrap(buffer, at), length, NOW_US);
        if (code == null) {
            assertObeysTheRules(buffer, at, length, NOW_US);
        } else {
            assertTrue(isEventBodyCode(code), code::toString);
        }
    }

    @FuzzTest
    void frameHeader(byte[] data) {
        ByteBuffer buffer = exactBuffer(data, 0, Math.max(data.length, Protocol.HEADER_CHECK_BYTES));
        int length = buffer.getInt(0);
        int magic0 = buffer.get(4) & 0xFF;
        int magic1 = buffer.get(5) & 0xFF;
        int version = buffer.get(6);
        int type = buffer.get(7) & 0xFF;
        NackCode expected;
        if (magic0 != 'W' || magic1 != 'P') {
            expected = NackCode.BAD_MAGIC;
        } else if (version != 1) {
            expected = NackCode.UNSUPPORTED_VERSION;
        } else if (Integer.compareUnsigned(length, 16) < 0 || Integer.compareUnsigned(length, 65536) > 0) {
            expected = NackCode.BAD_LENGTH;
        } else if (type == 2) {
            expected = length == 16 ? null : NackCode.BAD_LENGTH;
        } else {
            expected = type == 1 || type == 3 ? null : NackCode.UNKNOWN_FRAME_TYPE;
        }
        assertEquals(expected, FrameHeader.checkHeader(buffer, 0));
    }

    @FuzzTest
    void helloFrame(byte[] data) {
        int length = Math.min(data.length, Protocol.MAX_FRAME_LENGTH);
        ByteBuffer buffer = exactBuffer(data, 0, length);
        hello.wrap(buffer, 0, length);

        boolean expected = false;
        String token = null;
        String name = null;
        if (length >= 20) {
            int t = buffer.getShort(16) & 0xFFFF;
            if (t <= 256 && 20 + t <= length) {
                int n = buffer.getShort(18 + t) & 0xFFFF;
                token = strictUtf8(buffer, 18, t);
                name = 20 + t + n == length ? strictUtf8(buffer, 20 + t, n) : null;
                expected = n <= 64 && 20 + t + n == length && token != null && name != null;
            }
        }
        assertEquals(expected, hello.isValid());
        if (expected) {
            assertEquals(null, hello.check());
            assertEquals(name, hello.name());
            assertTrue(hello.tokenEquals(token.getBytes(StandardCharsets.UTF_8)));
        } else {
            assertEquals(NackCode.BAD_HELLO, hello.check());
            assertFalse(hello.tokenEquals(new byte[0]));
        }
    }

    /** The payload validator alone: no throw, the same answer twice, and only UTF-8 text that is an object. */
    @FuzzTest
    void payloadJson(byte[] data) {
        ByteBuffer buffer = exactBuffer(data, 0, data.length);
        boolean valid = json.isValidObject(buffer, 0, data.length);
        assertEquals(valid, json.isValidObject(exactBuffer(data, 0, data.length), 0, data.length), "second answer differs");
        if (valid) {
            String text = strictUtf8(buffer, 0, data.length);
            assertTrue(text != null, "accepted a payload that is not UTF-8");
            String trimmed = text.strip();
            assertTrue(trimmed.startsWith("{") && trimmed.endsWith("}"), "accepted a payload that is not an object");
        }
        assertArrayEquals(data, FuzzFrames.copy(buffer), "the validator wrote to the buffer");
    }

    private static float interestingFloat(FuzzedDataProvider data) {
        return data.pickValue(new float[] {0f, -0f, 1f, Math.nextUp(1f), Math.nextDown(0f), 0.5f, 0.8f, 0.2000001f,
            Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, data.consumeFloat()});
    }

    /** A little-endian buffer of exactly {@code length} bytes holding {@code data} from {@code from}, zero-padded. */
    private static ByteBuffer exactBuffer(byte[] data, int from, int length) {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        buffer.put(0, data, from, Math.min(length, data.length - from));
        return buffer;
    }
}
