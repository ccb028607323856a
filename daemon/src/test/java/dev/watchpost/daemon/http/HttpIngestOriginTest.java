package dev.watchpost.daemon.http;

import dev.watchpost.daemon.json.JsonEventReader;
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
        HttpIngestOrigin origin = new HttpIngestOrigin(3, "http test".getBytes(StandardCharsets.UTF_8), completed::add);
        List<EventSlot> slots = slots("[" + event("a") + "," + event("a") + "," + event("b") + "]", origin);
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
        HttpIngestOrigin origin = new HttpIngestOrigin(1, new byte[0], completed::add);
        EventSlot slot = slots("[" + event("a").replace(STORE, "not-a-uuid") + "]", origin).get(0);
        assertEquals(NackCode.ZERO_STORE_ID, slot.nack());

        assertTrue(origin.onHandled(slot));

        assertEquals("{\"results\":[{\"status\":\"rejected\",\"code\":14,\"reason\":\"store_id: not a UUID\"}]}", results(origin));
    }

    @Test
    void shouldGiveEachRejectedEventItsOwnReasonWhenReasonsRepeatAndAlternate() throws Exception {
        String unknown = event("u").replace("object.detected", "shelf.empty");
        String surrogate = event("s").replace("object.detected", "a".repeat(63) + "\\ud83d\\ude00");
        String body = "[" + String.join(",", event("a"), "7", "8", unknown, event("b"), "9", unknown, surrogate, "[1]") + "]";
        HttpIngestOrigin origin = new HttpIngestOrigin(9, new byte[0], completed::add);
        List<EventSlot> slots = slots(body, origin);
        slots.get(0).sequence(1);
        slots.get(4).reject(NackCode.BAD_CONFIDENCE); // a rejection of the validator's own: its code's text
        for (EventSlot slot : slots) {
            origin.onHandled(slot);
        }

        String notObject = "{\"status\":\"rejected\",\"code\":19,\"reason\":\"event: not a JSON object\"}";
        String unknownName = "{\"status\":\"rejected\",\"code\":10,\"reason\":\"event_name: unknown \\\"shelf.empty\\\"\"}";
        assertEquals("{\"results\":[{\"status\":\"accepted\",\"seq\":1}," + notObject + "," + notObject + "," + unknownName
                + ",{\"status\":\"rejected\",\"code\":12,\"reason\":\"bad confidence\"}," + notObject + "," + unknownName
                + ",{\"status\":\"rejected\",\"code\":10,\"reason\":\"event_name: unknown \\\"" + "a".repeat(63) + "\\uD83D...\\\"\"},"
                + notObject + "]}", results(origin));
    }

    @Test
    void shouldCompleteOnceAndOnlyAfterEveryEventIsHandled() throws Exception {
        HttpIngestOrigin origin = new HttpIngestOrigin(2, new byte[0], completed::add);
        List<EventSlot> slots = slots("[" + event("a") + "," + event("b") + "]", origin);
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
        HttpIngestOrigin origin = new HttpIngestOrigin(2, new byte[0], completed::add);
        List<EventSlot> slots = slots("[" + event("a") + "," + event("b") + "]", origin);
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

    /** The body's events read into slots for {@code origin}, as HTTP ingest puts them into the ring. */
    private static List<EventSlot> slots(String body, HttpIngestOrigin origin) throws Exception {
        ByteBuf bytes = Unpooled.wrappedBuffer(body.getBytes(StandardCharsets.UTF_8));
        List<EventSlot> slots = new ArrayList<>();
        try (JsonEventReader.Cursor events = new JsonEventReader(EventTypeRegistry.v1()).check(bytes, 0, bytes.readableBytes(), false)) {
            for (int i = 0; events.hasNext(); i++) {
                EventSlot slot = new EventSlot(512);
                NackCode rejected = events.next(slot, origin, i, 1_000_000L);
                if (rejected != null) {
                    origin.rejectedByReader(i, rejected, events.reason());
                }
                slots.add(slot);
            }
        }
        assertEquals(origin.count(), slots.size());
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
