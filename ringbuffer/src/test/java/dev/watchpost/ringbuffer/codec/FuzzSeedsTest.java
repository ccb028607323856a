package dev.watchpost.ringbuffer.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Keeps the fuzz seed corpus honest: each checked-in seed is what {@link FuzzSeeds} writes and gets the code its name says. */
class FuzzSeedsTest {
    @Test
    void shouldGiveEachEventSeedTheCodeInItsName() throws IOException {
        EventValidator validator = new EventValidator(EventTypeRegistry.v1());
        for (Map.Entry<String, byte[]> seed : FuzzSeeds.eventFrames().entrySet()) {
            byte[] bytes = seed.getValue();
            NackCode code = validator.validate(new EventFrame().wrap(buffer(bytes), 0), bytes.length, FuzzFrames.NOW_US);
            assertEquals(expectedCode(seed.getKey()), code == null ? 0 : code.code(), seed.getKey());
            assertArrayEquals(bytes, checkedIn("eventFrameBytes", seed.getKey()), seed.getKey());
        }
    }

    @Test
    void shouldGiveEachHeaderAndHelloSeedTheCodeInItsName() throws IOException {
        for (Map.Entry<String, byte[]> seed : FuzzSeeds.headers().entrySet()) {
            NackCode code = FrameHeader.checkHeader(buffer(seed.getValue()), 0);
            assertEquals(expectedCode(seed.getKey()), code == null ? 0 : code.code(), seed.getKey());
            assertArrayEquals(seed.getValue(), checkedIn("frameHeader", seed.getKey()), seed.getKey());
        }
        for (Map.Entry<String, byte[]> seed : FuzzSeeds.hellos().entrySet()) {
            byte[] bytes = seed.getValue();
            NackCode code = new HelloFrame().wrap(buffer(bytes), 0, bytes.length).check();
            assertEquals(expectedCode(seed.getKey()), code == null ? 0 : code.code(), seed.getKey());
            assertArrayEquals(bytes, checkedIn("helloFrame", seed.getKey()), seed.getKey());
        }
    }

    @Test
    void shouldJudgeEachPayloadSeedAsItsNameSays() throws IOException {
        JsonValidator json = new JsonValidator();
        for (Map.Entry<String, byte[]> seed : FuzzSeeds.payloads().entrySet()) {
            byte[] bytes = seed.getValue();
            assertEquals(seed.getKey().startsWith("valid-"), json.isValidObject(buffer(bytes), 0, bytes.length), seed.getKey());
            assertArrayEquals(bytes, checkedIn("payloadJson", seed.getKey()), seed.getKey());
        }
    }

    /** 0 for a {@code valid-…} seed, else the code of {@code nack-<code>-…}. */
    private static int expectedCode(String name) {
        if (name.startsWith("valid-")) {
            return 0;
        }
        assertTrue(name.startsWith("nack-"), name);
        return Integer.parseInt(name.substring(5, name.indexOf('-', 5)));
    }

    private static ByteBuffer buffer(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static byte[] checkedIn(String method, String name) throws IOException {
        String path = "EventValidatorFuzzTestInputs/" + method + "/" + name;
        try (InputStream in = FuzzSeedsTest.class.getResourceAsStream(path)) {
            assertTrue(in != null, "missing seed " + path + ": run FuzzSeeds.main");
            return in.readAllBytes();
        }
    }
}
