package dev.watchpost.daemon.http;

import dev.watchpost.daemon.json.JsonEventReader;
import dev.watchpost.daemon.json.ParsedEvent;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import dev.watchpost.ringbuffer.codec.NackCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HttpIngestOriginTest {
    private static final String STORE = "6f1c2a3e-1111-4222-8333-444455556666";

    private final List<HttpIngestOrigin> completed = new ArrayList<>();

    @Test
    void shouldAnswerAcceptedDuplicateAndRejectedInInputOrder() throws Exception {
        List<ParsedEvent> events = read("[" + event("a") + "," + event("a") + "," + event("b") + "]");
        HttpIngestOrigin origin = new HttpIngestOrigin(events, "http test".getBytes(StandardCharsets.UTF_8), completed::add);
        List<EventSlot> slots = slots(events, origin);
        slots.get(0).sequence(7);
        slots.get(1).duplicateOf(7);
        slots.get(2).reject(NackCode.BAD_CONFIDENCE);

        assertFalse(origin.onHandled(slots.get(0)));
        assertFalse(origin.onHandled(slots.get(1)));
        assertTrue(origin.onHandled(slots.get(2)), "the last event makes the answer pending");

        assertEquals("{\"results\":[{\"status\":\"accepted\",\"seq\":7},{\"status\":\"duplicate\",\"seq\":7},"
                + "{\"status\":\"rejected\",\"code\":12,\"reason\":\"bad confidence\"}]}", results(origin));
    }

    @Test
    void shouldGiveTheReadersOwnReasonForAnEventItRejected() throws Exception {
        List<ParsedEvent> events = read("[" + event("a").replace(STORE, "not-a-uuid") + "]");
        assertTrue(events.get(0).isRejected());
        HttpIngestOrigin origin = new HttpIngestOrigin(events, new byte[0], completed::add);
        EventSlot slot = slots(events, origin).get(0);

        assertTrue(origin.onHandled(slot));

        String expected = "{\"results\":[{\"status\":\"rejected\",\"code\":" + events.get(0).rejection().code()
                + ",\"reason\":\"" + events.get(0).reason().replace("\"", "\\\"") + "\"}]}";
        assertEquals(expected, results(origin));
    }

    @Test
    void shouldCompleteOnceAndOnlyAfterEveryEventIsHandled() throws Exception {
        List<ParsedEvent> events = read("[" + event("a") + "," + event("b") + "]");
        HttpIngestOrigin origin = new HttpIngestOrigin(events, new byte[0], completed::add);
        List<EventSlot> slots = slots(events, origin);
        slots.get(0).sequence(1);
        slots.get(1).sequence(2);

        origin.onHandled(slots.get(0));
        origin.flush();
        assertTrue(completed.isEmpty(), "half a body is not answered");
        assertFalse(origin.isComplete());

        origin.onHandled(slots.get(1));
        origin.flush();
        origin.flush();
        assertEquals(List.of(origin), completed);
    }

    @Test
    void shouldIgnoreASlotItHasAlreadyRecorded() throws Exception {
        List<ParsedEvent> events = read("[" + event("a") + "," + event("b") + "]");
        HttpIngestOrigin origin = new HttpIngestOrigin(events, new byte[0], completed::add);
        List<EventSlot> slots = slots(events, origin);
        slots.get(0).sequence(1);

        origin.onHandled(slots.get(0));
        assertFalse(origin.onHandled(slots.get(0)));
        assertFalse(origin.isComplete());
    }

    @Test
    void shouldEscapeErrorReasonsAsJsonStrings() {
        ByteBuf out = Unpooled.buffer();
        JsonText.writeError("a \"quoted\" \\ line\n\u0001 é 😀", out);
        String json = out.toString(StandardCharsets.UTF_8);
        assertTrue(json.startsWith("{\"error\":\"a \\\"quoted\\\" \\\\ line\\n\\u0001 é "), json);
        assertEquals("a \"quoted\" \\ line\n\u0001 é 😀", parse(json).get("error").asText());
        out.release();
    }

    private static List<ParsedEvent> read(String body) throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return new JsonEventReader(EventTypeRegistry.v1()).read(bytes, 0, bytes.length, false);
    }

    private static List<EventSlot> slots(List<ParsedEvent> events, HttpIngestOrigin origin) {
        List<EventSlot> slots = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            EventSlot slot = new EventSlot(512);
            events.get(i).copyInto(slot, origin, i, 1_000_000L);
            slots.add(slot);
        }
        return slots;
    }

    private static String results(HttpIngestOrigin origin) {
        ByteBuf out = Unpooled.buffer();
        try {
            origin.writeResults(out);
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            out.release();
        }
    }

    static String event(String receipt) {
        return "{\"receipt_id\":\"" + receipt + "\",\"event_name\":\"object.detected\",\"ts\":\"2026-01-01T00:00:00Z\","
                + "\"store_id\":\"" + STORE + "\",\"confidence\":0.5,\"label\":\"car\"}";
    }

    private static com.fasterxml.jackson.databind.JsonNode parse(String json) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        } catch (java.io.IOException e) {
            throw new AssertionError(json, e);
        }
    }
}
