package dev.watchpost.daemon.json;

import dev.watchpost.ringbuffer.EventExtras;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import dev.watchpost.ringbuffer.codec.NackCode;
import dev.watchpost.ringbuffer.codec.Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonEventReaderTest {
    static final String RECEIPT = "0f8fad5b-d9cb-469f-a165-70867728950e";
    static final String STORE = "6f1c2a4e-5b3d-4c2a-9e8f-1a2b3c4d5e6f";
    static final String CAMERA = "2b7e1516-28ae-4d2a-a6f7-158809cf4f3c";
    static final String SUBJECT = "9d4c1f2e-3a5b-4c6d-8e7f-0a1b2c3d4e5f";
    /** ts_us 1763884800000000 of the protocol's worked example (section 7). */
    static final String TS = "2025-11-23T08:00:00Z";
    static final long TS_US = 1_763_884_800_000_000L;

    /** The protocol's worked example (section 7) in its JSON form. */
    static final String WORKED_EXAMPLE = "{\"receipt_id\":\"" + RECEIPT + "\",\"event_name\":\"face.recognized\","
            + "\"ts\":\"" + TS + "\",\"source\":\"edge\",\"confidence\":0.93,\"store_id\":\"" + STORE + "\","
            + "\"camera_id\":\"" + CAMERA + "\",\"zone_id\":null,\"bbox\":[0.25,0.10,0.20,0.40],"
            + "\"subject_id\":\"" + SUBJECT + "\",\"label\":\"person\",\"payload\":{\"hint\":\"a\"}}";

    /** The fewest fields an event needs. */
    static final String MINIMAL = "{\"receipt_id\":\"" + RECEIPT + "\",\"event_name\":\"motion.detected\","
            + "\"ts\":\"" + TS + "\",\"confidence\":1,\"store_id\":\"" + STORE + "\"}";

    private final JsonEventReader reader = new JsonEventReader(EventTypeRegistry.v1());

    @Test
    void shouldEncodeTheWorkedExampleAsTheFrameADetectorWouldSend() throws Exception {
        ParsedEvent event = one(WORKED_EXAMPLE);

        assertFalse(event.isRejected(), event::toString);
        assertEquals(176, event.frameLength());
        assertArrayEquals(new byte[] {(byte) 0xb0, 0, 0, 0, 0x57, 0x50, 1, 1}, Arrays.copyOf(event.frame(), 8));
        EventFrame f = frame(event);
        assertEquals(0, f.seq());
        assertEquals(UUID.fromString(RECEIPT), new UUID(f.receiptIdMsb(), f.receiptIdLsb()));
        assertEquals(TS_US, f.tsUs());
        assertEquals(EventTypeRegistry.FACE_RECOGNIZED, f.eventType());
        assertEquals(EventFrame.SOURCE_EDGE, f.source());
        assertEquals(0b101, f.flags());
        assertEquals(0.93f, f.confidence());
        assertEquals(UUID.fromString(STORE), uuid(f, EventFrame.STORE_ID_OFFSET));
        assertTrue(f.isZero16(EventFrame.ORG_ID_OFFSET));
        assertEquals(UUID.fromString(CAMERA), uuid(f, EventFrame.CAMERA_ID_OFFSET));
        assertTrue(f.isZero16(EventFrame.ZONE_ID_OFFSET));
        assertEquals(0, f.trackId());
        assertEquals(0.25f, f.bbox(0));
        assertEquals(0.10f, f.bbox(1));
        assertEquals(0.20f, f.bbox(2));
        assertEquals(0.40f, f.bbox(3));
        assertEquals(UUID.fromString(SUBJECT), uuid(f, EventFrame.SUBJECT_ID_OFFSET));
        assertEquals("person", text(f.buffer(), f.labelIndex(), f.labelLength()));
        assertEquals("{\"hint\":\"a\"}", text(f.buffer(), f.payloadIndex(), (int) f.payloadLength()));
        assertNull(event.meta());
        assertNull(event.receiptText());
        assertEquals(WORKED_EXAMPLE, new String(event.raw(), StandardCharsets.UTF_8));
    }

    @Test
    void shouldSetTheTrackFlagOnlyWhenATrackIdIsGiven() throws Exception {
        EventFrame without = frame(one(MINIMAL));
        EventFrame with = frame(one(MINIMAL.replace("}", ",\"track_id\":-42}")));

        assertEquals(0, without.flags());
        assertEquals(EventFrame.FLAG_TRACK, with.flags());
        assertEquals(-42, with.trackId());
    }

    @Test
    void shouldReadAUuidReceiptIdInAnyCase() throws Exception {
        ParsedEvent event = one(MINIMAL.replace(RECEIPT, RECEIPT.toUpperCase()));

        EventFrame f = frame(event);
        assertEquals(UUID.fromString(RECEIPT), new UUID(f.receiptIdMsb(), f.receiptIdLsb()));
        assertNull(event.receiptText());
    }

    @Test
    void shouldHashANonUuidReceiptIdToTheFirstSixteenBytesOfItsSha256AndKeepItsText() throws Exception {
        String key = "order-17/retry \"b\" é";
        ParsedEvent event = one(MINIMAL.replace("\"" + RECEIPT + "\"", "\"order-17/retry \\\"b\\\" \\u00e9\""));

        byte[] hash = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        assertArrayEquals(Arrays.copyOf(hash, 16),
                Arrays.copyOfRange(event.frame(), EventFrame.RECEIPT_ID_OFFSET, EventFrame.RECEIPT_ID_OFFSET + 16));
        assertEquals(key, new String(event.receiptText(), StandardCharsets.UTF_8));
    }

    @Test
    void shouldNormaliseTimestampsWithOffsetsToUtcMicroseconds() throws Exception {
        assertEquals(TS_US, tsOf("2025-11-23T09:00:00+01:00"));
        assertEquals(TS_US, tsOf("2025-11-23T02:30:00-05:30"));
        assertEquals(TS_US + 123_456, tsOf("2025-11-23T08:00:00.123456Z"));
        assertEquals(TS_US + 123_456, tsOf("2025-11-23t08:00:00.123456789z"));
        assertEquals(TS_US + 500_000, tsOf("2025-11-23T08:00:00.5Z"));
    }

    @Test
    void shouldDefaultTheSourceToBackend() throws Exception {
        assertEquals(EventFrame.SOURCE_BACKEND, frame(one(MINIMAL)).source());
        assertEquals(EventFrame.SOURCE_SYSTEM, frame(one(MINIMAL.replace("}", ",\"source\":\"system\"}"))).source());
    }

    @Test
    void shouldIgnoreUnknownAndOutputOnlyFields() throws Exception {
        ParsedEvent event = one(MINIMAL.replace("}",
                ",\"seq\":7,\"received_at\":\"x\",\"event_type\":4,\"extra\":{\"a\":[1,{\"b\":2}]}}"));

        assertFalse(event.isRejected(), event::toString);
        assertEquals(EventTypeRegistry.MOTION_DETECTED, frame(event).eventType());
    }

    @Test
    void shouldPassThePayloadThroughAsReceivedDuplicateNamesIncluded() throws Exception {
        String payload = "{ \"a\" : 1,\n \"a\" : [2, {\"b\": \"\\u00e9\"}] }";
        ParsedEvent event = one(MINIMAL.replace("}", ",\"payload\":" + payload + "}"));

        EventFrame f = frame(event);
        assertEquals(payload, text(f.buffer(), f.payloadIndex(), (int) f.payloadLength()));
    }

    @Test
    void shouldKeepMetaWithoutTheWhitespaceBetweenItsTokens() throws Exception {
        ParsedEvent event = one(MINIMAL.replace("}", ",\"meta\": { \"who\" : \"a b\\\" c\",\n \"n\" : [1, 2] }}"));

        assertEquals("{\"who\":\"a b\\\" c\",\"n\":[1,2]}", new String(event.meta(), StandardCharsets.UTF_8));
    }

    @Test
    void shouldReadOneEventPerNonBlankNdjsonLine() throws Exception {
        String body = MINIMAL + "\n\n  \t\r\n" + WORKED_EXAMPLE + "\r\n";

        List<ParsedEvent> events = read(body, true);

        assertEquals(2, events.size());
        assertEquals(EventTypeRegistry.MOTION_DETECTED, frame(events.get(0)).eventType());
        assertEquals(EventTypeRegistry.FACE_RECOGNIZED, frame(events.get(1)).eventType());
        assertEquals(WORKED_EXAMPLE, new String(events.get(1).raw(), StandardCharsets.UTF_8));
    }

    @Test
    void shouldCheckAndCountABodyAsReadWouldThenReadItEventByEventIntoSlots() throws Exception {
        String badStore = MINIMAL.replace(STORE, "nope");
        // With one parser for the whole body, and (a byte-order mark, a value over two lines) line by line.
        for (String body : List.of(MINIMAL + "\n\n  \t\r\n" + WORKED_EXAMPLE + "\r\n" + badStore + "\n 7 \n",
                "\uFEFF" + MINIMAL + "\n\uFEFF" + badStore + "\n",
                "[" + MINIMAL + ",\n" + badStore + ", 7]")) {
            boolean ndjson = !body.startsWith("[");
            List<ParsedEvent> expected = read(body, ndjson);
            io.netty.buffer.ByteBuf bytes = io.netty.buffer.Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
            try (JsonEventReader.Cursor cursor = reader.check(bytes, 0, bytes.readableBytes(), ndjson)) {
                assertEquals(expected.size(), cursor.count(), body);
                for (int i = 0; i < expected.size(); i++) {
                    EventSlot slot = new EventSlot(16);
                    NackCode rejected = cursor.next(slot, null, i, 5); // the origin is only carried along
                    assertEquals(expected.get(i).rejection(), rejected);
                    assertEquals(expected.get(i).reason(), rejected == null ? null : cursor.reason());
                    byte[] bytesInSlot = bytes(slot.buffer(), 0, slot.length());
                    assertArrayEquals(rejected == null ? Arrays.copyOf(expected.get(i).frame(), expected.get(i).frameLength())
                            : expected.get(i).raw(), bytesInSlot);
                }
                assertFalse(cursor.hasNext());
            } finally {
                bytes.release();
            }
        }
    }

    @Test
    void shouldRefuseInCheckWhatReadRefusesWithTheSameReason() {
        for (String body : List.of(MINIMAL + "\n{\n\"a\": 1}\n", MINIMAL + " " + MINIMAL + "\n", MINIMAL + "\n\n  \n")) {
            JsonBodyException read = assertThrows(JsonBodyException.class, () -> read(body + "{", true));
            io.netty.buffer.ByteBuf bytes = io.netty.buffer.Unpooled.copiedBuffer(body + "{", StandardCharsets.UTF_8);
            JsonBodyException check = assertThrows(JsonBodyException.class, () -> reader.check(bytes, 0, bytes.readableBytes(), true));
            assertEquals(read.getMessage(), check.getMessage());
            bytes.release();
        }
    }

    @Test
    void shouldRefuseAnNdjsonBodyWithALineThatIsNotJsonNamingTheLine() {
        String body = MINIMAL + "\n\n{\"receipt_id\": oops}\n" + MINIMAL;

        JsonBodyException e = assertThrows(JsonBodyException.class, () -> read(body, true));

        assertTrue(e.getMessage().startsWith("NDJSON line 3 is not JSON at column"), e.getMessage());
    }

    @Test
    void shouldRefuseAnNdjsonLineWithTwoValues() {
        JsonBodyException e = assertThrows(JsonBodyException.class, () -> read(MINIMAL + " " + MINIMAL, true));

        assertTrue(e.getMessage().startsWith("NDJSON line 1 has more than one JSON value"), e.getMessage());
    }

    @Test
    void shouldRefuseABodyThatIsNotJson() {
        assertRefused("", "body is empty");
        assertRefused(" \n ", "body is empty");
        assertRefused("{\"receipt_id\":", "body is not JSON at line 1, column");
        assertRefused("[" + MINIMAL + ",\n" + MINIMAL + "x]", "body is not JSON at line 2");
        assertRefused(MINIMAL + " trailing", "body is not JSON");
        assertRefused(MINIMAL + MINIMAL, "body has more than one JSON value");
        assertRefused("[" + MINIMAL + ",]", "body is not JSON");
        assertRefused("{'a':1}", "body is not JSON");
    }

    @Test
    void shouldRefuseAUtf16Body() {
        byte[] body = MINIMAL.getBytes(StandardCharsets.UTF_16LE);

        JsonBodyException e = assertThrows(JsonBodyException.class, () -> reader.read(body, 0, body.length, false));

        assertTrue(e.getMessage().startsWith("body is not UTF-8"), e.getMessage());
    }

    @Test
    void shouldRefuseAnEmptyNdjsonBody() {
        JsonBodyException e = assertThrows(JsonBodyException.class, () -> read("\n \n", true));

        assertEquals("body is empty", e.getMessage());
    }

    @Test
    void shouldRefuseABodyWithInvalidUtf8() {
        byte[] body = MINIMAL.replace("\"ts\"", "\"payload\":{\"x\":\"ab\"},\"ts\"").getBytes(StandardCharsets.UTF_8);
        int at = new String(body, StandardCharsets.ISO_8859_1).indexOf("ab\"");
        body[at] = (byte) 0xC3;
        body[at + 1] = (byte) 0x28;

        assertThrows(JsonBodyException.class, () -> reader.read(body, 0, body.length, false));
    }

    @Test
    void shouldReadAnEmptyArrayAsNoEvents() throws Exception {
        assertEquals(List.of(), read(" [ ] ", false));
    }

    @Test
    void shouldReadOnlyTheGivenRangeOfTheBody() throws Exception {
        byte[] body = ("garbage" + MINIMAL + "garbage").getBytes(StandardCharsets.UTF_8);

        List<ParsedEvent> events = reader.read(body, 7, MINIMAL.length(), false);

        assertEquals(MINIMAL, new String(events.get(0).raw(), StandardCharsets.UTF_8));
        assertFalse(events.get(0).isRejected());
    }

    @Test
    void shouldKeepInputOrderInAnArrayOfGoodAndBadEvents() throws Exception {
        String badStore = MINIMAL.replace(STORE, "not-a-uuid");
        String body = "[" + MINIMAL + ", 42, " + badStore + ",\"text\", [1, 2] ,null," + WORKED_EXAMPLE + "]";

        List<ParsedEvent> events = read(body, false);

        assertEquals(7, events.size());
        assertFalse(events.get(0).isRejected());
        assertRejected(events.get(1), NackCode.LENGTH_MISMATCH, "event: not a JSON object");
        assertEquals("42", new String(events.get(1).raw(), StandardCharsets.UTF_8));
        assertRejected(events.get(2), NackCode.ZERO_STORE_ID, "store_id: not a UUID");
        assertEquals(badStore, new String(events.get(2).raw(), StandardCharsets.UTF_8));
        assertEquals("\"text\"", new String(events.get(3).raw(), StandardCharsets.UTF_8));
        assertEquals("[1, 2]", new String(events.get(4).raw(), StandardCharsets.UTF_8));
        assertEquals("null", new String(events.get(5).raw(), StandardCharsets.UTF_8));
        assertEquals(EventTypeRegistry.FACE_RECOGNIZED, frame(events.get(6)).eventType());
    }

    @Test
    void shouldRejectABodyThatIsOneJsonValueButNeitherAnObjectNorAnArray() throws Exception {
        List<ParsedEvent> events = read(" \"hello\" ", false);

        assertEquals(1, events.size());
        assertRejected(events.get(0), NackCode.LENGTH_MISMATCH, "event: not a JSON object");
        assertEquals("\"hello\"", new String(events.get(0).raw(), StandardCharsets.UTF_8));
    }

    @Test
    void shouldRejectANdjsonLineThatIsJsonButNotAnObject() throws Exception {
        List<ParsedEvent> events = read(MINIMAL + "\n 7 \n", true);

        assertRejected(events.get(1), NackCode.LENGTH_MISMATCH, "event: not a JSON object");
        assertEquals("7", new String(events.get(1).raw(), StandardCharsets.UTF_8));
    }

    static Stream<Arguments> rejections() {
        return Stream.of(
                Arguments.of(MINIMAL.replace("\"receipt_id\":\"" + RECEIPT + "\",", ""), NackCode.ZERO_RECEIPT_ID, "receipt_id: missing"),
                Arguments.of(MINIMAL.replace("\"" + RECEIPT + "\"", "\"\""), NackCode.ZERO_RECEIPT_ID, "receipt_id: empty"),
                Arguments.of(MINIMAL.replace("\"" + RECEIPT + "\"", "\"" + "k".repeat(65) + "\""), NackCode.ZERO_RECEIPT_ID, "receipt_id: longer than 64 characters and not a UUID"),
                Arguments.of(MINIMAL.replace("\"" + RECEIPT + "\"", "17"), NackCode.ZERO_RECEIPT_ID, "receipt_id: not a string"),
                Arguments.of(MINIMAL.replace("\"" + RECEIPT + "\"", "null"), NackCode.ZERO_RECEIPT_ID, "receipt_id: missing (null)"),
                Arguments.of(MINIMAL.replace("\"" + RECEIPT + "\"", "\"a\\ud800b\""), NackCode.ZERO_RECEIPT_ID, "receipt_id: not valid Unicode (a lone surrogate)"),
                Arguments.of(MINIMAL.replace("\"motion.detected\"", "\"motion.detectedd\""), NackCode.UNKNOWN_EVENT_TYPE, "event_name: unknown \"motion.detectedd\""),
                Arguments.of(MINIMAL.replace("\"event_name\":\"motion.detected\",", "\"event_type\":1,"), NackCode.UNKNOWN_EVENT_TYPE, "event_name: missing"),
                Arguments.of(MINIMAL.replace("\"motion.detected\"", "1"), NackCode.UNKNOWN_EVENT_TYPE, "event_name: not a string"),
                Arguments.of(MINIMAL.replace("\"" + TS + "\"", "\"2025-11-23 08:00:00\""), NackCode.BAD_TIMESTAMP, "ts: not an RFC 3339 date-time with an offset"),
                Arguments.of(MINIMAL.replace("\"" + TS + "\"", "\"2025-02-29T08:00:00Z\""), NackCode.BAD_TIMESTAMP, "ts: not an RFC 3339 date-time with an offset"),
                Arguments.of(MINIMAL.replace("\"" + TS + "\"", "1763884800000000"), NackCode.BAD_TIMESTAMP, "ts: not a string"),
                Arguments.of(MINIMAL.replace("\"ts\":\"" + TS + "\",", ""), NackCode.BAD_TIMESTAMP, "ts: missing"),
                Arguments.of(MINIMAL.replace("}", ",\"source\":\"Edge\"}"), NackCode.BAD_SOURCE, "source: not one of \"edge\", \"backend\", \"system\""),
                Arguments.of(MINIMAL.replace("}", ",\"source\":1}"), NackCode.BAD_SOURCE, "source: not one of \"edge\", \"backend\", \"system\""),
                Arguments.of(MINIMAL.replace("\"confidence\":1,", ""), NackCode.BAD_CONFIDENCE, "confidence: missing"),
                Arguments.of(MINIMAL.replace("\"confidence\":1", "\"confidence\":\"0.9\""), NackCode.BAD_CONFIDENCE, "confidence: not a number"),
                Arguments.of(MINIMAL.replace(",\"store_id\":\"" + STORE + "\"", ""), NackCode.ZERO_STORE_ID, "store_id: missing"),
                Arguments.of(MINIMAL.replace("\"" + STORE + "\"", "null"), NackCode.ZERO_STORE_ID, "store_id: missing (null)"),
                Arguments.of(MINIMAL.replace(STORE, STORE.replace("-", "")), NackCode.ZERO_STORE_ID, "store_id: not a UUID"),
                Arguments.of(MINIMAL.replace("}", ",\"org_id\":\"acme\"}"), NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, "org_id: not a UUID"),
                Arguments.of(MINIMAL.replace("}", ",\"camera_id\":\"cam-1\"}"), NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, "camera_id: not a UUID"),
                Arguments.of(MINIMAL.replace("}", ",\"zone_id\":7}"), NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, "zone_id: not a UUID"),
                Arguments.of(MINIMAL.replace("}", ",\"track_id\":1.5}"), NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, "track_id: not an integer"),
                Arguments.of(MINIMAL.replace("}", ",\"track_id\":\"7\"}"), NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, "track_id: not an integer"),
                Arguments.of(MINIMAL.replace("}", ",\"track_id\":9223372036854775808}"), NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, "track_id: outside the int64 range"),
                Arguments.of(MINIMAL.replace("}", ",\"bbox\":[0.1,0.1,0.2]}"), NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, "bbox: not an array of four numbers [x, y, w, h]"),
                Arguments.of(MINIMAL.replace("}", ",\"bbox\":[0.1,0.1,0.2,\"0.2\"]}"), NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, "bbox: not an array of four numbers [x, y, w, h]"),
                Arguments.of(MINIMAL.replace("}", ",\"bbox\":[0.1,0.1,0.2,[0.2]]}"), NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, "bbox: not an array of four numbers [x, y, w, h]"),
                Arguments.of(MINIMAL.replace("}", ",\"bbox\":{\"x\":0}}"), NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, "bbox: not an array [x, y, w, h]"),
                Arguments.of(MINIMAL.replace("}", ",\"subject_id\":\"alice\"}"), NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, "subject_id: not a UUID"),
                Arguments.of(MINIMAL.replace("}", ",\"label\":\"" + "é".repeat(33) + "\"}"), NackCode.BAD_LABEL, "label: longer than 64 UTF-8 bytes"),
                Arguments.of(MINIMAL.replace("}", ",\"label\":[\"person\"]}"), NackCode.BAD_LABEL, "label: not a string"),
                Arguments.of(MINIMAL.replace("}", ",\"label\":\"\\udc00\"}"), NackCode.BAD_LABEL, "label: not valid Unicode (a lone surrogate)"),
                Arguments.of(MINIMAL.replace("}", ",\"payload\":[1]}"), NackCode.BAD_PAYLOAD, "payload: not a JSON object"),
                Arguments.of(MINIMAL.replace("}", ",\"payload\":\"{}\"}"), NackCode.BAD_PAYLOAD, "payload: not a JSON object"),
                Arguments.of(MINIMAL.replace("}", ",\"meta\":true}"), NackCode.BAD_PAYLOAD, "meta: not a JSON object"),
                Arguments.of(MINIMAL.replace("}", ",\"meta\":{\"a\":1,\"a\":2}}"), NackCode.BAD_PAYLOAD,
                        "meta: not an I-JSON object nested at most 16 deep (as a payload must be)"),
                Arguments.of(MINIMAL.replace("}", ",\"store_id\":\"" + STORE + "\"}"), NackCode.LENGTH_MISMATCH, "event: field \"store_id\" given twice"),
                Arguments.of(MINIMAL.replace("}", ",\"label\":\"a\",\"label\":\"b\"}"), NackCode.LENGTH_MISMATCH, "event: field \"label\" given twice"));
    }

    @ParameterizedTest
    @MethodSource("rejections")
    void shouldRejectAFieldThatCannotBePutIntoAFrameWithItsCodeAndReason(String json, NackCode code, String reason) throws Exception {
        ParsedEvent event = one(json);

        assertRejected(event, code, reason);
        assertNull(event.frame());
        assertEquals(json, new String(event.raw(), StandardCharsets.UTF_8));
    }

    @Test
    void shouldAcceptNullForEveryOptionalField() throws Exception {
        ParsedEvent event = one(MINIMAL.replace("}", ",\"source\":null,\"org_id\":null,\"camera_id\":null,\"zone_id\":null,"
                + "\"track_id\":null,\"bbox\":null,\"subject_id\":null,\"label\":null,\"payload\":null,\"meta\":null}"));

        assertFalse(event.isRejected(), event::toString);
        assertEquals(EventFrame.MIN_LENGTH, event.frameLength());
        assertEquals(0, frame(event).flags());
        assertEquals(EventFrame.SOURCE_BACKEND, frame(event).source());
        assertNull(event.meta());
    }

    @Test
    void shouldLeaveValueRangesToTheValidator() throws Exception {
        ParsedEvent event = one(MINIMAL.replace("\"confidence\":1", "\"confidence\":1.5")
                .replace("}", ",\"bbox\":[0.9,0,0.5,2],\"label\":\"a\\u0001b\",\"payload\":{\"a\":1,\"a\":2}}"));

        assertFalse(event.isRejected(), event::toString);
        assertEquals(1.5f, frame(event).confidence());
    }

    @Test
    void shouldReportTheFirstFailureInTheFramesFieldOrderNotTheJsonOrder() throws Exception {
        String json = "{\"label\":7,\"store_id\":\"x\",\"source\":\"moon\",\"receipt_id\":\"" + RECEIPT + "\","
                + "\"ts\":\"" + TS + "\",\"event_name\":\"motion.detected\",\"confidence\":0.5}";

        assertRejected(one(json), NackCode.BAD_SOURCE, "source: not one of \"edge\", \"backend\", \"system\"");
    }

    @Test
    void shouldRejectADerivedEventTypeLikeADetectorsFrame() throws Exception {
        EventTypeRegistry registry = EventTypeRegistry.v1()
                .withSiteTypes(java.util.Map.of(1000, "door.opened"))
                .withDerived(java.util.Map.of(40000, "sequence.matched"));
        JsonEventReader siteReader = new JsonEventReader(registry);
        byte[] site = MINIMAL.replace("motion.detected", "door.opened").getBytes(StandardCharsets.UTF_8);
        byte[] derived = MINIMAL.replace("motion.detected", "sequence.matched").getBytes(StandardCharsets.UTF_8);

        assertEquals(1000, frame(siteReader.read(site, 0, site.length, false).get(0)).eventType());
        assertRejected(siteReader.read(derived, 0, derived.length, false).get(0), NackCode.UNKNOWN_EVENT_TYPE,
                "event_name: \"sequence.matched\" is derived by the daemon and not accepted as input");
    }

    @Test
    void shouldRejectAPayloadTooLargeForOneFrame() throws Exception {
        int fits = Protocol.MAX_FRAME_LENGTH - EventFrame.MIN_LENGTH;
        String justFits = "{\"p\":\"" + "x".repeat(fits - 8) + "\"}";
        String tooLarge = "{\"p\":\"" + "x".repeat(fits - 7) + "\"}";

        assertEquals(Protocol.MAX_FRAME_LENGTH, one(MINIMAL.replace("}", ",\"payload\":" + justFits + "}")).frameLength());
        assertRejected(one(MINIMAL.replace("}", ",\"payload\":" + tooLarge + "}")), NackCode.BAD_PAYLOAD,
                "payload: " + (fits + 1) + " bytes; at most " + fits + " fit in a frame with this label");
    }

    @Test
    void shouldCopyAnEventAndItsExtrasIntoASlot() throws Exception {
        ParsedEvent event = one(MINIMAL.replace("\"" + RECEIPT + "\"", "\"key-1\"").replace("}", ",\"meta\":{\"m\":1}}"));
        EventSlot slot = new EventSlot(64);

        event.copyInto(slot, null, 3, 1234); // the origin is only carried along

        assertEquals(event.frameLength(), slot.length());
        assertArrayEquals(Arrays.copyOf(event.frame(), event.frameLength()), bytes(slot.buffer(), 0, slot.length()));
        assertEquals(3, slot.originSeq());
        assertEquals(1234, slot.receivedAtUs());
        assertNull(slot.nack());
        assertEquals("{\"m\":1}", text(slot.extra(), EventExtras.META_OFFSET, slot.metaLength()));
        assertEquals("key-1", text(slot.extra(), EventExtras.META_OFFSET + slot.metaLength(), slot.receiptTextLength()));
        assertEquals(EventTypeRegistry.MOTION_DETECTED, slot.frame().eventType());
    }

    @Test
    void shouldCopyARejectedEventIntoASlotAsItsRawJsonMarkedRejected() throws Exception {
        String json = MINIMAL.replace(STORE, "nope");
        ParsedEvent event = one(json);
        EventSlot slot = new EventSlot(16);

        event.copyInto(slot, null, 5, 99);

        assertEquals(NackCode.ZERO_STORE_ID, slot.nack());
        assertEquals(5, slot.nackSeq());
        assertEquals(json, text(slot.buffer(), 0, slot.length()));
        assertEquals(0, slot.extraLength());
    }

    private void assertRefused(String body, String messageStart) {
        JsonBodyException e = assertThrows(JsonBodyException.class, () -> read(body, false), body);
        assertTrue(e.getMessage().startsWith(messageStart), e.getMessage());
    }

    static void assertRejected(ParsedEvent event, NackCode code, String reason) {
        assertTrue(event.isRejected(), event::toString);
        assertEquals(code, event.rejection());
        assertEquals(reason, event.reason());
    }

    private long tsOf(String ts) throws JsonBodyException {
        return frame(one(MINIMAL.replace(TS, ts))).tsUs();
    }

    private List<ParsedEvent> read(String body, boolean ndjson) throws JsonBodyException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return reader.read(bytes, 0, bytes.length, ndjson);
    }

    private ParsedEvent one(String json) throws JsonBodyException {
        List<ParsedEvent> events = read(json, false);
        assertEquals(1, events.size());
        return events.get(0);
    }

    static EventFrame frame(ParsedEvent event) {
        assertFalse(event.isRejected(), event::toString);
        return new EventFrame().wrap(ByteBuffer.wrap(event.frame(), 0, event.frameLength()).order(ByteOrder.LITTLE_ENDIAN), 0);
    }

    private static UUID uuid(EventFrame f, int offset) {
        return new UUID(f.uuidMsb(offset), f.uuidLsb(offset));
    }

    static String text(ByteBuffer b, int index, int length) {
        return new String(bytes(b, index, length), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(ByteBuffer b, int index, int length) {
        byte[] out = new byte[length];
        b.get(index, out);
        return out;
    }
}
