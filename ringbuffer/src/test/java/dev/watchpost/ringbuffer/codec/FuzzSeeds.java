package dev.watchpost.ringbuffer.codec;

import static dev.watchpost.ringbuffer.codec.FuzzFrames.utf8;
import static dev.watchpost.ringbuffer.codec.FuzzFrames.workedExample;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The seed corpus of {@link EventValidatorFuzzTest}: valid frames and one frame per rejection.
 * An EVENT seed is named {@code valid-…} or {@code nack-<code>-…}, and {@link FuzzSeedsTest} checks
 * that each still gets its code. Run {@link #main} from the ringbuffer module directory to rewrite
 * the files under {@code src/test/resources} after a change here.
 */
final class FuzzSeeds {
    static final String INPUTS = "src/test/resources/dev/watchpost/ringbuffer/codec/EventValidatorFuzzTestInputs/";

    private FuzzSeeds() {
    }

    /** EVENT frames by seed name. */
    static Map<String, byte[]> eventFrames() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("valid-worked-example", workedExample());
        seeds.put("valid-no-label-no-payload", minimal());
        seeds.put("valid-longest-label-nested-payload", workedExample(utf8("x".repeat(64)),
            utf8(" {\"a\":[1,-2.5e3,true,false,null,{\"b\":\"\\u00e9\\ud83d\\ude00\"}],\"c\":{}} ")));
        seeds.put("nack-10-unknown-event-type", with(workedExample(), b -> b.putShort(40, (short) 40000)));
        seeds.put("nack-11-zero-timestamp", with(workedExample(), b -> b.putLong(32, 0)));
        seeds.put("nack-12-nan-confidence", with(workedExample(), b -> b.putFloat(44, Float.NaN)));
        seeds.put("nack-13-zero-receipt-id", with(workedExample(), b -> b.putLong(16, 0).putLong(24, 0)));
        seeds.put("nack-14-zero-store-id", with(workedExample(), b -> b.putLong(48, 0).putLong(56, 0)));
        seeds.put("nack-15-bad-source", with(workedExample(), b -> b.put(42, (byte) 4)));
        seeds.put("nack-16-reserved-flag", with(workedExample(), b -> b.put(43, (byte) 0x0D)));
        seeds.put("nack-16-track-without-flag", with(workedExample(), b -> b.putLong(112, 7)));
        seeds.put("nack-16-bbox-past-edge", with(workedExample(), b -> b.putFloat(128, 0.9f)));
        seeds.put("nack-17-control-in-label", workedExample(utf8("per\u0007on"), utf8("{}")));
        seeds.put("nack-17-overlong-utf8-label", workedExample(new byte[] {'a', (byte) 0xC0, (byte) 0xAF}, utf8("{}")));
        seeds.put("nack-18-payload-array", workedExample(utf8("person"), utf8("[1]")));
        seeds.put("nack-18-duplicate-names", workedExample(utf8("person"), utf8("{\"a\":1,\"\\u0061\":2}")));
        seeds.put("nack-18-number-overflow", workedExample(utf8("person"), utf8("{\"a\":1.8e308}")));
        seeds.put("nack-18-too-deep", workedExample(utf8("person"), utf8("{\"a\":" + "[".repeat(16) + "]".repeat(16) + "}")));
        seeds.put("nack-19-payload-len-too-long", with(workedExample(), b -> b.putInt(160, 13)));
        seeds.put("nack-19-label-len-past-frame", with(workedExample(), b -> b.putShort(152, (short) 0xFFFF)));
        seeds.put("nack-19-shorter-than-158", java.util.Arrays.copyOf(workedExample(), 100));
        return seeds;
    }

    /** Frame headers by seed name. */
    static Map<String, byte[]> headers() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("valid-event", header(176, 'W', 'P', 1, 1));
        seeds.put("valid-heartbeat", header(16, 'W', 'P', 1, 2));
        seeds.put("valid-hello", header(30, 'W', 'P', 1, 3));
        seeds.put("nack-1-bad-magic", header(176, 'P', 'W', 1, 1));
        seeds.put("nack-2-version", header(176, 'W', 'P', 2, 1));
        seeds.put("nack-3-length-over-65536", header(65537, 'W', 'P', 1, 1));
        seeds.put("nack-3-long-heartbeat", header(17, 'W', 'P', 1, 2));
        seeds.put("nack-4-ack-from-detector", header(16, 'W', 'P', 1, 0x81));
        return seeds;
    }

    /** HELLO frames by seed name. */
    static Map<String, byte[]> hellos() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("valid-token-and-name", hello(utf8("s3cret"), utf8("cam-7 détecteur")));
        seeds.put("valid-empty", hello(new byte[0], new byte[0]));
        seeds.put("nack-5-name-too-long", hello(utf8("t"), utf8("n".repeat(65))));
        seeds.put("nack-5-token-not-utf8", hello(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, utf8("n")));
        seeds.put("nack-5-lengths-do-not-add-up", java.util.Arrays.copyOf(hello(utf8("tok"), utf8("name")), 30));
        return seeds;
    }

    /** Payloads by seed name. */
    static Map<String, byte[]> payloads() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("valid-hint", utf8("{\"hint\":\"a\"}"));
        seeds.put("valid-every-kind", utf8("\r\n{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\",\"n\":[0,-0.0,1E+2,1.7976931348623157e308],"
            + "\"o\":{\"t\":true,\"f\":false,\"z\":null},\"u\":\"\u00e9\u20ac\ud83d\ude00\"}\t"));
        seeds.put("valid-many-names", utf8(manyNames(40, false)));
        seeds.put("invalid-duplicate-among-many", utf8(manyNames(40, true)));
        seeds.put("invalid-lone-surrogate", utf8("{\"a\":\"\\ud800\"}"));
        seeds.put("invalid-noncharacter", utf8("{\"a\":\"\\uFFFE\"}"));
        seeds.put("invalid-bom", new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '}'});
        seeds.put("invalid-trailing-comma", utf8("{\"a\":1,}"));
        seeds.put("invalid-leading-zero", utf8("{\"a\":01}"));
        seeds.put("invalid-nan", utf8("{\"a\":NaN}"));
        return seeds;
    }

    private static String manyNames(int n, boolean duplicate) {
        StringBuilder s = new StringBuilder("{");
        for (int i = 0; i < n; i++) {
            s.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":").append(i);
        }
        if (duplicate) {
            s.append(",\"k\\u0031\":0");
        }
        return s.append('}').toString();
    }

    /** The smallest valid EVENT: 158 bytes, no optional field. */
    private static byte[] minimal() {
        ByteBuffer b = ByteBuffer.allocate(158).order(ByteOrder.LITTLE_ENDIAN);
        new EventFrameEncoder().wrap(b, 0).seq(1).receiptId(FuzzFrames.RECEIPT).tsUs(FuzzFrames.TS_US)
            .eventType(EventTypeRegistry.MOTION_DETECTED).source(EventFrame.SOURCE_SYSTEM).confidence(1f)
            .storeId(FuzzFrames.STORE).finish();
        return b.array();
    }

    private static byte[] header(int length, char m0, char m1, int version, int type) {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, length).put(4, (byte) m0).put(5, (byte) m1).put(6, (byte) version).put(7, (byte) type);
        return b.array();
    }

    private static byte[] hello(byte[] token, byte[] name) {
        ByteBuffer b = ByteBuffer.allocate(20 + token.length + name.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, b.capacity()).putShort(4, Protocol.MAGIC).put(6, Protocol.VERSION).put(7, Protocol.TYPE_HELLO);
        b.putShort(16, (short) token.length).put(18, token).putShort(18 + token.length, (short) name.length)
            .put(20 + token.length, name);
        return b.array();
    }

    private static byte[] with(byte[] frame, java.util.function.Consumer<ByteBuffer> change) {
        change.accept(ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN));
        return frame;
    }

    public static void main(String[] args) throws IOException {
        write("eventFrameBytes", eventFrames());
        write("frameHeader", headers());
        write("helloFrame", hellos());
        write("payloadJson", payloads());
    }

    private static void write(String method, Map<String, byte[]> seeds) throws IOException {
        Path dir = Path.of(INPUTS, method);
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> seed : seeds.entrySet()) {
            Files.write(dir.resolve(seed.getKey()), seed.getValue());
        }
    }
}
