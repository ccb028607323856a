package dev.watchpost.daemon.json;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.Origin;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import dev.watchpost.ringbuffer.codec.EventValidator;
import dev.watchpost.ringbuffer.codec.FrameHeader;
import dev.watchpost.ringbuffer.codec.JsonValidator;
import dev.watchpost.ringbuffer.codec.NackCode;
import dev.watchpost.ringbuffer.codec.Protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzz tests of HTTP ingest's JSON reading: arbitrary bytes as a body, read both as JSON and as
 * NDJSON. Only {@link JsonBodyException} (a {@code 400}) may escape, and not one that merely wraps a
 * runtime exception; every event is either rejected with an EVENT body code or carries a frame that
 * goes into a ring slot and through the validator, and what the validator accepts has a payload
 * that Jackson, strict about duplicate names, reads as one object. HTTP ingest's own way of reading
 * ({@link JsonEventReader#check}, then each event straight into a slot, from direct memory in
 * pieces) must
 * refuse exactly the bodies {@link JsonEventReader#read} refuses, with the same message, and put
 * every event into its slot exactly as {@link ParsedEvent#copyInto} does.
 *
 * <p>Also a differential test of the payload validator: any text that Jackson refuses as a JSON
 * object, {@link JsonValidator} must refuse too (the converse does not hold: I-JSON is stricter).
 *
 * <p>Seeds live in {@code src/test/resources/dev/watchpost/daemon/json/JsonEventReaderFuzzTestInputs/<method>/};
 * with {@code JAZZER_FUZZ=1} the selected method is fuzzed.
 */
class JsonEventReaderFuzzTest {
    /** The message {@link JsonEventReader#read} gives a runtime exception it caught: a bug, not a bad body. */
    private static final Pattern WRAPPED_RUNTIME_EXCEPTION =
            Pattern.compile("^body could not be read: [a-z][\\w.]*\\.[A-Z]\\w*(Exception|Error)\\b.*", Pattern.DOTALL);
    private static final long NOW_US = 1_763_884_800_000_000L;
    private static final Origin NO_ORIGIN = new Origin() {
        @Override
        public boolean onHandled(EventSlot slot) {
            return true;
        }

        @Override
        public void flush() {
        }

        @Override
        public byte[] describeUtf8() {
            return new byte[0];
        }
    };

    /** Jackson as strict as it goes: duplicate names refused, no length limits that the validator lacks. */
    private static final JsonFactory STRICT = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNumberLength(Integer.MAX_VALUE)
                    .maxStringLength(Integer.MAX_VALUE)
                    .maxNameLength(Integer.MAX_VALUE)
                    .build())
            .build();

    private final JsonEventReader reader = new JsonEventReader(EventTypeRegistry.v1());
    private final EventValidator validator = new EventValidator(EventTypeRegistry.v1());
    private final JsonValidator jsonValidator = new JsonValidator();
    private final EventSlot slot = new EventSlot(64);

    @FuzzTest
    void body(byte[] data) {
        readAndCheck(data, false);
        readAndCheck(data, true);
    }

    @FuzzTest
    void payloadAgainstJackson(byte[] data) {
        boolean valid = jsonValidator.isValidObject(ByteBuffer.wrap(data), 0, data.length);
        if (valid) {
            assertTrue(isOneJacksonObject(data, 0, data.length), "the payload validator accepted what Jackson refuses");
        }
    }

    private void readAndCheck(byte[] data, boolean ndjson) {
        List<ParsedEvent> events;
        try {
            events = reader.read(data, 0, data.length, ndjson);
        } catch (JsonBodyException e) {
            assertFalse(WRAPPED_RUNTIME_EXCEPTION.matcher(e.getMessage()).matches(), e.getMessage());
            assertEquals(e.getMessage(), checkFails(Unpooled.wrappedBuffer(data), ndjson), "check must refuse what read refuses, alike");
            assertEquals(e.getMessage(), checkFails(inPieces(data), ndjson), "check must refuse what read refuses, alike (in pieces)");
            return;
        }
        assertNotNull(events);
        assertSameEventsIntoSlots(data, ndjson, events);
        for (ParsedEvent event : events) {
            assertNotNull(event.raw());
            slot.claimClose(NO_ORIGIN, null, 0, 0); // the previous event's verdict must not leak into this one
            event.copyInto(slot, NO_ORIGIN, 1, NOW_US);
            if (event.isRejected()) {
                NackCode code = event.rejection();
                assertTrue(code.code() >= 10 && code.code() <= 19, code::toString);
                assertNotNull(event.reason());
                assertEquals(code, slot.nack());
                continue;
            }
            int length = event.frameLength();
            assertTrue(length >= EventFrame.MIN_LENGTH && length <= Protocol.MAX_FRAME_LENGTH, () -> "frame length " + length);
            assertNull(slot.nack());
            assertEquals(length, slot.length());
            ByteBuffer frame = slot.buffer();
            assertNull(FrameHeader.checkHeader(frame, 0));
            assertEquals(length, frame.getInt(0));
            NackCode code = validator.validate(slot.frame(), length, NOW_US);
            if (code == null) {
                int labelLength = slot.frame().labelLength();
                int payloadLength = length - EventFrame.MIN_LENGTH - labelLength;
                if (payloadLength > 0) {
                    byte[] payload = new byte[payloadLength];
                    frame.get(slot.frame().payloadIndex(), payload);
                    assertTrue(isOneJacksonObject(payload, 0, payloadLength), "accepted a payload that Jackson refuses");
                }
            } else {
                assertTrue(code.code() >= 10 && code.code() <= 19, code::toString);
            }
        }
    }

    /** The message of the {@link JsonBodyException} {@link JsonEventReader#check} throws, or {@code null}. */
    private String checkFails(ByteBuf body, boolean ndjson) {
        try (JsonEventReader.Cursor ignored = reader.check(body, body.readerIndex(), body.readableBytes(), ndjson)) {
            return null;
        } catch (JsonBodyException e) {
            return e.getMessage();
        } finally {
            body.release();
        }
    }

    /** The bytes as an HTTP body may arrive: direct memory in pieces of 7 bytes, after one unused byte. */
    private static ByteBuf inPieces(byte[] data) {
        CompositeByteBuf body = Unpooled.compositeBuffer(Integer.MAX_VALUE);
        body.addComponent(true, Unpooled.directBuffer(1).writeByte('x'));
        for (int i = 0; i < data.length; i += 7) {
            int n = Math.min(7, data.length - i);
            body.addComponent(true, Unpooled.directBuffer(n).writeBytes(data, i, n));
        }
        return body.readerIndex(1);
    }

    /**
     * What HTTP ingest does (check the body, then read each event straight into a slot, from direct
     * memory) gives every event exactly as {@link ParsedEvent#copyInto} does for {@code events}.
     */
    private void assertSameEventsIntoSlots(byte[] data, boolean ndjson, List<ParsedEvent> events) {
        ByteBuf body = inPieces(data);
        EventSlot expected = new EventSlot(64);
        EventSlot actual = new EventSlot(64);
        try (JsonEventReader.Cursor cursor = reader.check(body, body.readerIndex(), body.readableBytes(), ndjson)) {
            assertEquals(events.size(), cursor.count());
            for (int i = 0; i < events.size(); i++) {
                assertTrue(cursor.hasNext());
                ParsedEvent event = events.get(i);
                event.copyInto(expected, NO_ORIGIN, i, NOW_US);
                NackCode rejected = cursor.next(actual, NO_ORIGIN, i, NOW_US);
                assertEquals(event.rejection(), rejected);
                assertEquals(event.reason(), rejected == null ? null : cursor.reason());
                assertEquals(expected.nack(), actual.nack());
                assertEquals(expected.length(), actual.length());
                assertEquals(expected.buffer().slice(0, expected.length()), actual.buffer().slice(0, actual.length()));
                assertEquals(expected.extra().slice(0, expected.extraLength()), actual.extra().slice(0, actual.extraLength()));
            }
            assertFalse(cursor.hasNext());
        } catch (JsonBodyException e) {
            throw new AssertionError("check refused what read accepted: " + e.getMessage(), e);
        } finally {
            body.release();
        }
    }

    /** True when Jackson reads the bytes as exactly one JSON object with no duplicate member names. */
    private static boolean isOneJacksonObject(byte[] bytes, int offset, int length) {
        try (JsonParser p = STRICT.createParser(bytes, offset, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            p.skipChildren();
            return p.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }
}
