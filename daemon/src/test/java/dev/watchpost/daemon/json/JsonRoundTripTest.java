package dev.watchpost.daemon.json;

import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import dev.watchpost.ringbuffer.codec.EventValidator;
import dev.watchpost.ringbuffer.codec.NackCode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static dev.watchpost.daemon.json.JsonEventReaderTest.CAMERA;
import static dev.watchpost.daemon.json.JsonEventReaderTest.MINIMAL;
import static dev.watchpost.daemon.json.JsonEventReaderTest.RECEIPT;
import static dev.watchpost.daemon.json.JsonEventReaderTest.STORE;
import static dev.watchpost.daemon.json.JsonEventReaderTest.SUBJECT;
import static dev.watchpost.daemon.json.JsonEventReaderTest.TS;
import static dev.watchpost.daemon.json.JsonEventReaderTest.TS_US;
import static dev.watchpost.daemon.json.JsonEventReaderTest.WORKED_EXAMPLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/** JSON in, through a ring slot and the pipeline's validator, JSON out: what HTTP ingest and the stream do. */
class JsonRoundTripTest {
    private static final long RECEIVED_AT_US = TS_US + 1_234;

    private final EventTypeRegistry registry = EventTypeRegistry.v1();
    private final JsonEventReader reader = new JsonEventReader(registry);
    private final EventValidator validator = new EventValidator(registry);
    private final EventJsonWriter writer = new EventJsonWriter(registry);
    private final EventSlot slot = new EventSlot(64);

    @Test
    void shouldPrintTheWorkedExampleWithEveryFieldOfSection8() throws Exception {
        assertEquals("{\"seq\":1,\"receipt_id\":\"" + RECEIPT + "\",\"event_name\":\"face.recognized\","
                + "\"ts\":\"2025-11-23T08:00:00.000000Z\",\"received_at\":\"2025-11-23T08:00:00.001234Z\","
                + "\"store_id\":\"" + STORE + "\",\"org_id\":null,\"camera_id\":\"" + CAMERA + "\",\"zone_id\":null,"
                + "\"subject_id\":\"" + SUBJECT + "\",\"source\":\"edge\",\"confidence\":0.93,\"track_id\":null,"
                + "\"bbox\":[0.25,0.1,0.2,0.4],\"label\":\"person\",\"payload\":{\"hint\":\"a\"},\"meta\":null}",
                roundTrip(WORKED_EXAMPLE));
    }

    @Test
    void shouldPrintWhatItReadsSoThatOutputCanBePostedBack() throws Exception {
        String once = roundTrip(WORKED_EXAMPLE.replace("}}", "},\"track_id\":12,\"meta\":{\"by\":\"crm\"}}"));

        assertEquals(once, roundTrip(once));
    }

    @Test
    void shouldPrintANonUuidReceiptIdAsItWasSent() throws Exception {
        String json = roundTrip(MINIMAL.replace("\"" + RECEIPT + "\"", "\"pos-42/\\\"line\\\" 7 ✓\""));

        assertEquals("{\"seq\":1,\"receipt_id\":\"pos-42/\\\"line\\\" 7 ✓\",", json.substring(0, json.indexOf("\"event_name\"")));
    }

    @Test
    void shouldPrintTimestampsWithOffsetsInUtc() throws Exception {
        String json = roundTrip(MINIMAL.replace(TS, "2025-11-23T09:00:00.5+01:00"));

        assertEquals("\"ts\":\"2025-11-23T08:00:00.500000Z\"", json.substring(json.indexOf("\"ts\""), json.indexOf(",\"received_at\"")));
    }

    @Test
    void shouldPrintLabelsWithQuotesAndNonAsciiEscapedAsJsonStrings() throws Exception {
        String json = roundTrip(MINIMAL.replace("}", ",\"label\":\"say \\\"hi\\\" \\\\ to Zoë 👋\"}"));

        assertEquals("\"label\":\"say \\\"hi\\\" \\\\ to Zoë 👋\"", json.substring(json.indexOf("\"label\""), json.indexOf(",\"payload\"")));
    }

    @Test
    void shouldLetTheValidatorRejectAPayloadWithDuplicateNamesWith18() throws Exception {
        assertEquals(NackCode.BAD_PAYLOAD, validate(MINIMAL.replace("}", ",\"payload\":{\"a\":1,\"a\":2}}")));
    }

    @Test
    void shouldLetTheValidatorJudgeValueRangesAsForADetectorsFrame() throws Exception {
        assertEquals(NackCode.BAD_CONFIDENCE, validate(MINIMAL.replace("\"confidence\":1", "\"confidence\":1.01")));
        assertEquals(NackCode.ZERO_STORE_ID, validate(MINIMAL.replace(STORE, "00000000-0000-0000-0000-000000000000")));
        assertEquals(NackCode.ZERO_RECEIPT_ID, validate(MINIMAL.replace(RECEIPT, "00000000-0000-0000-0000-000000000000")));
        assertEquals(NackCode.BAD_TIMESTAMP, validate(MINIMAL.replace(TS, "1969-12-31T23:59:59Z")));
        assertEquals(NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, validate(MINIMAL.replace("}", ",\"bbox\":[0.5,0,0.6,0.5]}")));
        assertEquals(NackCode.BAD_LABEL, validate(MINIMAL.replace("}", ",\"label\":\"tab\\there\"}")));
        assertEquals(NackCode.BAD_PAYLOAD, validate(MINIMAL.replace("}", ",\"payload\":{\"n\":1e400}}")));
    }

    @Test
    void shouldProduceFramesTheValidatorAcceptsForEveryValidShape() throws Exception {
        String body = MINIMAL + "\n"
                + WORKED_EXAMPLE + "\n"
                + MINIMAL.replace("}", ",\"track_id\":-1,\"bbox\":[0,0,1,1],\"org_id\":\"" + STORE + "\",\"payload\":{}}") + "\n"
                + MINIMAL.replace("\"" + RECEIPT + "\"", "\"k\"").replace("}", ",\"meta\":{\"x\":[1,{\"y\":null}]}}") + "\n";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);

        List<ParsedEvent> events = reader.read(bytes, 0, bytes.length, true);

        assertEquals(4, events.size());
        for (ParsedEvent event : events) {
            event.copyInto(slot, null, 1, RECEIVED_AT_US);
            assertNull(validator.validate(slot.frame(), slot.length(), RECEIVED_AT_US), event::toString);
        }
    }

    private NackCode validate(String json) throws JsonBodyException {
        ParsedEvent event = only(json);
        assertFalse(event.isRejected(), event::toString);
        event.copyInto(slot, null, 1, RECEIVED_AT_US);
        return validator.validate(slot.frame(), slot.length(), RECEIVED_AT_US);
    }

    private String roundTrip(String json) throws JsonBodyException {
        assertNull(validate(json), json);
        slot.sequence(1);
        return writer.toJson(slot.journalSeq(), slot.receivedAtUs(), slot.frame(), slot.extra(), 0, slot.extraLength());
    }

    private ParsedEvent only(String json) throws JsonBodyException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        List<ParsedEvent> events = reader.read(bytes, 0, bytes.length, false);
        assertEquals(1, events.size());
        return events.get(0);
    }
}
