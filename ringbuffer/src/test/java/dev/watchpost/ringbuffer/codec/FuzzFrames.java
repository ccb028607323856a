package dev.watchpost.ringbuffer.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;

/**
 * Frames and rule checks shared by the codec fuzz tests: the worked example of protocol section 7,
 * and a re-statement of section 2's rules written without the validator's code, so that an accepted
 * frame can be checked against it.
 */
final class FuzzFrames {
    static final UUID RECEIPT = UUID.fromString("0f8fad5b-d9cb-469f-a165-70867728950e");
    static final UUID STORE = UUID.fromString("5d3c1f7a-2b4e-4c6d-8e9f-0a1b2c3d4e5f");
    static final UUID CAMERA = UUID.fromString("a0b1c2d3-e4f5-4a6b-8c7d-8e9fa0b1c2d3");
    static final UUID SUBJECT = UUID.fromString("11111111-2222-4333-8444-555555555555");
    static final long TS_US = 1_763_884_800_000_000L;
    /** The daemon clock used by the fuzz tests: the worked example's own time. */
    static final long NOW_US = TS_US;

    private FuzzFrames() {
    }

    /** The worked example of protocol section 7 with this label and payload, as a frame of exactly its length. */
    static byte[] workedExample(byte[] label, byte[] payload) {
        ByteBuffer buffer = ByteBuffer.allocate(EventFrameEncoder.frameLength(label.length, payload.length))
            .order(ByteOrder.LITTLE_ENDIAN);
        new EventFrameEncoder().wrap(buffer, 0)
            .seq(1)
            .receiptId(RECEIPT)
            .tsUs(TS_US)
            .eventType(EventTypeRegistry.FACE_RECOGNIZED)
            .source(EventFrame.SOURCE_EDGE)
            .confidence(0.93f)
            .storeId(STORE)
            .cameraId(CAMERA)
            .bbox(0.25f, 0.10f, 0.20f, 0.40f)
            .subjectId(SUBJECT)
            .label(label, 0, label.length)
            .payload(payload, 0, payload.length)
            .finish();
        return buffer.array();
    }

    static byte[] workedExample() {
        return workedExample(utf8("person"), utf8("{\"hint\":\"a\"}"));
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** True for the codes an EVENT body can be rejected with (section 6, 10–19). */
    static boolean isEventBodyCode(NackCode code) {
        return code.code() >= 10 && code.code() <= 19;
    }

    /**
     * Throws when a frame the validator accepted breaks a rule of section 2 that can be checked
     * independently of the validator.
     */
    static void assertObeysTheRules(ByteBuffer b, int at, int frameLength, long nowUs) {
        require(frameLength >= EventFrame.MIN_LENGTH, "length below 158", b, at, frameLength);
        int l = b.getShort(at + 152) & 0xFFFF;
        require(l <= 64, "label_len over 64", b, at, frameLength);
        long p = b.getInt(at + 154 + l) & 0xFFFF_FFFFL;
        require(frameLength == 158L + l + p, "length != 158 + L + P", b, at, frameLength);
        require(!isZero(b, at + 16), "zero receipt_id", b, at, frameLength);
        long ts = b.getLong(at + 32);
        require(ts > 0 && ts <= nowUs + EventValidator.DEFAULT_MAX_CLOCK_SKEW_US, "ts_us out of range", b, at, frameLength);
        int type = b.getShort(at + 40) & 0xFFFF;
        require(type >= 1 && type <= 11, "event_type not in the v1 registry", b, at, frameLength);
        int source = b.get(at + 42);
        require(source >= 1 && source <= 3, "bad source", b, at, frameLength);
        int flags = b.get(at + 43) & 0xFF;
        require((flags & 0xF8) == 0, "flag bits 3-7 set", b, at, frameLength);
        float c = b.getFloat(at + 44);
        require(c >= 0f && c <= 1f, "confidence outside [0, 1]", b, at, frameLength);
        require(!isZero(b, at + 48), "zero store_id", b, at, frameLength);
        require((flags & 2) != 0 || b.getLong(at + 112) == 0, "track_id without its flag", b, at, frameLength);
        require((flags & 4) != 0 || isZero(b, at + 136), "subject_id without its flag", b, at, frameLength);
        double x = b.getFloat(at + 120);
        double y = b.getFloat(at + 124);
        double w = b.getFloat(at + 128);
        double h = b.getFloat(at + 132);
        if ((flags & 1) == 0) {
            require(x == 0 && y == 0 && w == 0 && h == 0, "bbox without its flag", b, at, frameLength);
        } else {
            require(x >= 0 && x <= 1 && y >= 0 && y <= 1 && w > 0 && w <= 1 && h > 0 && h <= 1
                && x + w <= 1.000001 && y + h <= 1.000001, "bbox out of range", b, at, frameLength);
        }
        String label = strictUtf8(b, at + 154, l);
        require(label != null, "label not UTF-8", b, at, frameLength);
        require(label.chars().noneMatch(ch -> ch < 0x20 || ch == 0x7F), "control character in label", b, at, frameLength);
        if (p > 0) {
            String payload = strictUtf8(b, at + 158 + l, (int) p);
            require(payload != null, "payload not UTF-8", b, at, frameLength);
            String trimmed = payload.strip();
            require(!payload.startsWith("\uFEFF") && trimmed.startsWith("{") && trimmed.endsWith("}"),
                "payload not an object", b, at, frameLength);
        }
    }

    /** The text of {@code length} bytes at {@code index}, or {@code null} when they are not RFC 3629 UTF-8. */
    static String strictUtf8(ByteBuffer b, int index, int length) {
        byte[] bytes = new byte[length];
        b.get(index, bytes);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** The whole buffer's bytes. */
    static byte[] copy(ByteBuffer b) {
        byte[] bytes = new byte[b.capacity()];
        b.get(0, bytes);
        return bytes;
    }

    private static boolean isZero(ByteBuffer b, int index) {
        return b.getLong(index) == 0 && b.getLong(index + 8) == 0;
    }

    private static void require(boolean rule, String broken, ByteBuffer b, int at, int frameLength) {
        if (!rule) {
            byte[] frame = new byte[Math.min(frameLength, 512)];
            b.get(at, frame);
            throw new AssertionError("accepted a frame with " + broken + ": " + Arrays.toString(frame));
        }
    }
}
