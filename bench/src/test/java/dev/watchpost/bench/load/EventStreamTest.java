package dev.watchpost.bench.load;

import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import dev.watchpost.ringbuffer.codec.EventValidator;
import dev.watchpost.ringbuffer.codec.JsonValidator;
import dev.watchpost.ringbuffer.codec.NackCode;
import dev.watchpost.ringbuffer.codec.Protocol;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventStreamTest {
    private static final long NOW_US = 1_763_884_800_000_000L;
    private static final int EVENTS = 20_000;

    private final EventValidator validator = new EventValidator(EventTypeRegistry.v1());
    private final EventFrame frame = new EventFrame();

    @Test
    void shouldWriteOnlyValidEventsOfTheDefaultMixWithSeqsOneTwoThree() {
        EventStream stream = stream(-1, -1, 0, 0);
        ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
        Map<Integer, Integer> types = new HashMap<>();
        for (long seq = 1; seq <= EVENTS; seq++) {
            int at = (int) (seq % 7) * 100; // frames at varying offsets, as in a batch
            int expected = stream.write(buffer, at, seq, NOW_US);
            int length = stream.lastFrameLength();
            frame.wrap(buffer, at);

            assertEquals(0, expected);
            assertEquals(length, frame.frameLength());
            assertEquals(Protocol.MAGIC, (short) frame.magic());
            assertEquals(Protocol.VERSION, frame.version());
            assertEquals(Protocol.TYPE_EVENT, (byte) frame.frameType());
            assertEquals(seq, frame.seq());
            assertEquals(NOW_US, frame.tsUs());
            assertTrue(length <= stream.maxFrameLength());
            assertNull(validator.validate(frame, length, NOW_US), () -> "seq " + frame.seq());
            types.merge(frame.eventType(), 1, Integer::sum);
            if (frame.eventType() == EventTypeRegistry.FACE_RECOGNIZED) {
                assertTrue(frame.hasSubject() && frame.hasTrack() && frame.hasBbox());
            }
            if (frame.eventType() == EventTypeRegistry.FACE_DETECTED) {
                assertTrue(frame.hasTrack() && frame.hasBbox() && !frame.hasSubject());
            }
        }
        assertEquals(Set.of(EventTypeRegistry.MOTION_DETECTED, EventTypeRegistry.FACE_DETECTED, EventTypeRegistry.FACE_RECOGNIZED),
            types.keySet());
    }

    @Test
    void shouldWriteInvalidEventsThatGetExactlyTheExpectedNack() {
        EventStream stream = stream(-1, -1, 0, 1.0);
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
        Set<Integer> codes = new HashSet<>();
        for (long seq = 1; seq <= 2_000; seq++) {
            int expected = stream.write(buffer, 0, seq, NOW_US);
            NackCode actual = validator.validate(frame.wrap(buffer, 0), stream.lastFrameLength(), NOW_US);

            assertNotEquals(0, expected);
            assertEquals(expected, actual == null ? 0 : actual.code(), () -> "seq " + frame.seq());
            codes.add(expected);
        }
        assertEquals(Set.of(12, 14, 15, 16), codes);
        assertEquals(2_000, stream.invalidWritten());
        long byCode = 0;
        for (long n : stream.invalidWrittenByCode()) {
            byCode += n;
        }
        assertEquals(2_000, byCode);
    }

    @Test
    void shouldReuseOnlyEarlierValidReceiptIdsForDuplicates() {
        EventStream stream = stream(-1, -1, 0.3, 0.1);
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
        Set<Long> valid = new HashSet<>();
        Set<Long> all = new HashSet<>();
        long duplicates = 0;
        for (long seq = 1; seq <= EVENTS; seq++) {
            int expected = stream.write(buffer, 0, seq, NOW_US);
            frame.wrap(buffer, 0);
            assertEquals(stream.receiptMsb(), frame.receiptIdMsb());
            long lsb = frame.receiptIdLsb();
            assertEquals(4, (frame.receiptIdMsb() >>> 12) & 0xF, "version 4");
            assertEquals(2, lsb >>> 62, "RFC 4122 variant");
            if (expected != 0) {
                assertTrue(all.add(lsb), "an invalid event has a fresh receipt_id");
            } else if (!all.add(lsb)) {
                assertTrue(valid.contains(lsb), "a duplicate reuses the receipt_id of a valid event");
                duplicates++;
            } else {
                valid.add(lsb);
            }
        }
        assertEquals(stream.duplicatesWritten(), duplicates);
        assertTrue(duplicates > EVENTS * 0.25 && duplicates < EVENTS * 0.35, "about 30 % duplicates, was " + duplicates);
    }

    @Test
    void shouldNameTheDetectorAndTheSeqInEveryNewReceiptIdAndSayWhichEventsAreNew() {
        EventStream stream = stream(-1, -1, 0.3, 0.1);
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
        long fresh = 0;
        for (long seq = 1; seq <= EVENTS; seq++) {
            int expected = stream.write(buffer, 0, seq, NOW_US);
            long lsb = frame.wrap(buffer, 0).receiptIdLsb();
            boolean duplicate = expected == 0 && ReceiptIds.seq(lsb) != seq;

            assertTrue(ReceiptIds.isOurs(lsb));
            assertEquals(1, ReceiptIds.connection(lsb));
            assertTrue(duplicate ? ReceiptIds.seq(lsb) < seq : ReceiptIds.seq(lsb) == seq, "a duplicate names an earlier seq");
            assertEquals(expected == 0 && !duplicate, stream.lastWasNew());
            if (stream.lastWasNew()) {
                fresh++;
            }
        }
        assertEquals(EVENTS - stream.duplicatesWritten() - stream.invalidWritten(), fresh);
    }

    @Test
    void shouldPadLabelAndPayloadToTheRequestedSizes() {
        for (int[] sizes : new int[][] {{0, 0}, {64, 5_000}, {10, 200}, {6, EventMix.maxPayloadBytes(6)}}) {
            EventStream stream = stream(sizes[0], sizes[1], 0, 0);
            ByteBuffer buffer = ByteBuffer.allocate(Protocol.MAX_FRAME_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
            for (long seq = 1; seq <= 200; seq++) {
                stream.write(buffer, 0, seq, NOW_US);
                int length = stream.lastFrameLength();

                assertEquals(EventFrame.MIN_LENGTH + sizes[0] + sizes[1], length);
                assertNull(validator.validate(frame.wrap(buffer, 0), length, NOW_US));
            }
        }
    }

    @Test
    void shouldBuildJsonObjectsOfAboutTheRequestedSize() {
        JsonValidator json = new JsonValidator();
        String members = "\"model\":\"motion-v2\",\"area\":0.18";
        int natural = members.length() + 2;
        for (int bytes = 1; bytes <= 300; bytes++) {
            byte[] object = EventMix.jsonObject(members, bytes);
            assertTrue(json.isValidObject(ByteBuffer.wrap(object), 0, object.length), () -> new String(object));
            if (bytes >= natural + 9 || (bytes >= 10 && bytes < natural)) {
                assertEquals(bytes, object.length);
            } else {
                assertTrue(Math.abs(object.length - bytes) < 10);
            }
        }
        assertEquals(0, EventMix.jsonObject(members, 0).length);
        assertEquals(natural, EventMix.jsonObject(members, -1).length);
    }

    private static EventStream stream(int labelBytes, int payloadBytes, double duplicates, double invalid) {
        EventMix mix = new EventMix(7, 0.6, labelBytes, payloadBytes, 1L << 40);
        return new EventStream(mix, 11, 1, 0x1234_5678_9ABC_DEF0L, duplicates, invalid);
    }
}
