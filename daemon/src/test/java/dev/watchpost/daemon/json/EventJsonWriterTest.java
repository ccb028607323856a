package dev.watchpost.daemon.json;

import dev.watchpost.ringbuffer.EventExtras;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventFrameEncoder;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EventJsonWriterTest {
    private static final UUID RECEIPT = UUID.fromString("0f8fad5b-d9cb-469f-a165-70867728950e");
    private static final UUID STORE = UUID.fromString("6F1C2A4E-5B3D-4C2A-9E8F-1A2B3C4D5E6F");
    private static final long TS_US = 1_763_884_800_000_000L;

    private final EventJsonWriter writer = new EventJsonWriter(EventTypeRegistry.v1());
    private final ByteBuffer buffer = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
    private final EventFrameEncoder encoder = new EventFrameEncoder();
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void shouldWriteNullForEveryAbsentOptionalField() {
        int length = minimal().finish();

        assertEquals("{\"seq\":42,\"receipt_id\":\"0f8fad5b-d9cb-469f-a165-70867728950e\",\"event_name\":\"motion.detected\","
                + "\"ts\":\"2025-11-23T08:00:00.000000Z\",\"received_at\":\"2025-11-23T08:00:00.000001Z\","
                + "\"store_id\":\"6f1c2a4e-5b3d-4c2a-9e8f-1a2b3c4d5e6f\",\"org_id\":null,\"camera_id\":null,\"zone_id\":null,"
                + "\"subject_id\":null,\"source\":\"backend\",\"confidence\":1.0,\"track_id\":null,\"bbox\":null,"
                + "\"label\":\"\",\"payload\":null,\"meta\":null}", json(42, TS_US + 1, length));
    }

    @Test
    void shouldWriteExactlyTheFieldsOfSection8InTheirOrder() throws Exception {
        int length = minimal().trackId(7).label(ascii("car"), 0, 3).payload(ascii("{\"a\":[1]}"), 0, 9).finish();

        JsonNode node = mapper.readTree(json(1, TS_US, length));

        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        assertEquals(List.of("seq", "receipt_id", "event_name", "ts", "received_at", "store_id", "org_id", "camera_id",
                "zone_id", "subject_id", "source", "confidence", "track_id", "bbox", "label", "payload", "meta"), names);
        assertEquals(7, node.get("track_id").asLong());
        assertEquals(1, node.get("payload").get("a").get(0).asInt());
    }

    @Test
    void shouldWriteFloatsInTheirShortestFormThatReadsBackAsTheSameFloat32() {
        int length = minimal().confidence(0.93f).bbox(0.1f, 0.2f, 0.3f, 1e-7f).finish();

        String json = json(1, TS_US, length);

        assertContains(json, "\"confidence\":0.93,");
        assertContains(json, "\"bbox\":[0.1,0.2,0.3,1.0E-7],");
    }

    @Test
    void shouldWriteNegativeZeroAsZero() {
        int length = minimal().confidence(-0.0f).finish();

        assertContains(json(1, TS_US, length), "\"confidence\":0.0,");
    }

    @Test
    void shouldEscapeQuotesBackslashesAndControlsInLabelsAndPassNonAsciiThrough() throws Exception {
        byte[] label = "a \"b\" \\ é 猫 😀\t\u0001".getBytes(StandardCharsets.UTF_8);
        int length = minimal().label(label, 0, label.length).finish();

        String json = json(1, TS_US, length);

        assertContains(json, "\"label\":\"a \\\"b\\\" \\\\ é 猫 😀\\t\\u0001\",");
        assertEquals("a \"b\" \\ é 猫 😀\t\u0001", mapper.readTree(json).get("label").asText());
    }

    @Test
    void shouldWriteAStoredReceiptTextInsteadOfTheHashAsAnEscapedString() throws Exception {
        minimal().finish();
        byte[] meta = ascii("{\"m\":true}");
        byte[] text = "order \"17\" é".getBytes(StandardCharsets.UTF_8);
        ByteBuffer extra = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        extra.putInt(5, meta.length).put(9, meta).put(9 + meta.length, text);

        String json = writer.toJson(1, TS_US, frameAt(0), extra, 5, EventExtras.length(meta.length, text.length));

        assertContains(json, "{\"seq\":1,\"receipt_id\":\"order \\\"17\\\" é\",\"event_name\"");
        assertContains(json, "\"meta\":{\"m\":true}}");
        assertEquals("order \"17\" é", mapper.readTree(json).get("receipt_id").asText());
    }

    @Test
    void shouldReadTheFrameWhereverItLiesInItsBuffer() {
        ByteBuffer big = ByteBuffer.allocate(2048).order(ByteOrder.LITTLE_ENDIAN);
        int length = encoder.wrap(big, 300).receiptId(RECEIPT).tsUs(TS_US).eventType(2).source(1).confidence(0.5f)
                .storeId(STORE).label(ascii("person"), 0, 6).payload(ascii("{}"), 0, 2).finish();

        String json = writer.toJson(9, TS_US, new EventFrame().wrap(big, 300), null, 0, 0);

        assertContains(json, "\"event_name\":\"object.detected\"");
        assertContains(json, "\"label\":\"person\",\"payload\":{},\"meta\":null}");
        assertEquals(EventFrame.MIN_LENGTH + 6 + 2, length);
    }

    @Test
    void shouldAppendToWhatTheByteBufAlreadyHolds() {
        int length = minimal().finish();
        ByteBuf out = Unpooled.buffer(8);
        out.writeBytes(ascii("data: "));

        writer.write(3, TS_US, frameAt(0), null, 0, 0, out);

        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals("data: {\"seq\":3,", text.substring(0, 15));
        assertEquals(json(3, TS_US, length), text.substring(6));
        out.release();
    }

    @Test
    void shouldWriteAStoredSlotWithItsJournalSeqAndExtras() {
        int length = minimal().finish();
        EventSlot slot = new EventSlot(16);
        ByteBuffer into = slot.claimEvent(length, null, 1, TS_US + 5);
        into.put(0, buffer.array(), 0, length);
        slot.claimExtra(0, 3).put(EventExtras.META_OFFSET, ascii("k-1"));
        slot.sequence(77);
        ByteBuf out = Unpooled.buffer();

        writer.write(slot, out);

        String json = out.toString(StandardCharsets.UTF_8);
        assertContains(json, "{\"seq\":77,\"receipt_id\":\"k-1\",");
        assertContains(json, "\"received_at\":\"2025-11-23T08:00:00.000005Z\"");
        out.release();
    }

    @Test
    void shouldEndAWindowRepeatWithTheSeqItRepeatsAndItsOrdinal() throws Exception {
        int length = minimal().finish();
        EventSlot slot = new EventSlot(16);
        slot.claimEvent(length, null, 1, TS_US).put(0, buffer.array(), 0, length);
        slot.claimExtra(0, 3).put(EventExtras.META_OFFSET, ascii("k-1"));
        slot.sequence(80);
        slot.markRepeat(77, 3);
        ByteBuf out = Unpooled.buffer();

        writer.write(slot, out);

        String json = out.toString(StandardCharsets.UTF_8);
        out.release();
        assertContains(json, "{\"seq\":80,\"receipt_id\":\"k-1\",");
        assertEquals(true, json.endsWith(",\"meta\":null,\"duplicate_of\":77,\"repeat\":3}"), json);
        JsonNode node = mapper.readTree(json);
        assertEquals(77, node.get("duplicate_of").asLong());
        assertEquals(3, node.get("repeat").asInt());
    }

    @Test
    void shouldWriteNeitherFieldForAnEventThatIsNotARepeat() throws Exception {
        int length = minimal().finish();

        JsonNode node = mapper.readTree(json(5, TS_US, length));

        assertEquals(false, node.has("duplicate_of"));
        assertEquals(false, node.has("repeat"));
    }

    @Test
    void shouldEndADerivedEventWithItsParentsAndCorrelationId() throws Exception {
        int length = encoder.wrap(buffer, 0).receiptId(RECEIPT).tsUs(TS_US).eventType(EventTypeRegistry.TRACK_UPDATED)
                .source(3).confidence(0.5f).storeId(STORE).trackId(17).finish();
        ByteBuffer extra = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        UUID correlation = UUID.fromString("4b3afafb-cd02-8b85-9ced-bf56577f1ed9");
        int extraLength = EventExtras.putDerivedOnly(extra, 0, new long[] {1, 4}, 2,
                correlation.getMostSignificantBits(), correlation.getLeastSignificantBits(), 2);

        String json = new EventJsonWriter(EventTypeRegistry.standard()).toJson(5, TS_US, frameAt(0), extra, 0, extraLength);

        assertEquals(true, json.endsWith(",\"meta\":null,\"parents\":[1,4],\"correlation_id\":\"" + correlation + "\"}"), json);
        JsonNode node = mapper.readTree(json);
        assertEquals("track.updated", node.get("event_name").asText());
        assertEquals("system", node.get("source").asText());
        assertEquals(false, node.has("duplicate_of"));
        assertEquals(0, EventExtras.receiptTextLength(extra, 0, extraLength), "a derived section is not receipt text");
        assertEquals(2, EventExtras.revision(extra, 0, extraLength));
    }

    @Test
    void shouldEndAnEnrichedEventWithItsEnrichmentObjectAsStored() throws Exception {
        int length = minimal().finish();
        EventSlot slot = new EventSlot(16);
        slot.claimEvent(length, null, 1, TS_US).put(0, buffer.array(), 0, length);
        slot.claimExtra(0, 3).put(EventExtras.META_OFFSET, ascii("k-1"));
        slot.sequence(80);
        slot.markRepeat(77, 3);
        byte[] enrichment = "{\"site\":\"Corner shop\",\"severity\":2,\"failed\":[\"subjects\"]}".getBytes(StandardCharsets.UTF_8);
        slot.putEnrichment(enrichment, enrichment.length);
        ByteBuf out = Unpooled.buffer();

        writer.write(slot, out);

        String json = out.toString(StandardCharsets.UTF_8);
        out.release();
        assertContains(json, "{\"seq\":80,\"receipt_id\":\"k-1\",");
        assertEquals(true, json.endsWith(",\"duplicate_of\":77,\"repeat\":3,\"enrichment\":"
                + "{\"site\":\"Corner shop\",\"severity\":2,\"failed\":[\"subjects\"]}}"), json);
        JsonNode node = mapper.readTree(json);
        assertEquals(2, node.get("enrichment").get("severity").asInt());
        assertEquals("subjects", node.get("enrichment").get("failed").get(0).asText());
    }

    @Test
    void shouldEndAnEnrichedDerivedEventWithParentsThenItsEnrichment() throws Exception {
        int length = encoder.wrap(buffer, 0).receiptId(RECEIPT).tsUs(TS_US).eventType(EventTypeRegistry.TRACK_STARTED)
                .source(3).confidence(0.5f).storeId(STORE).trackId(17).finish();
        ByteBuffer extra = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
        UUID correlation = UUID.fromString("4b3afafb-cd02-8b85-9ced-bf56577f1ed9");
        int extraLength = EventExtras.putDerivedOnly(extra, 0, new long[] {3}, 1,
                correlation.getMostSignificantBits(), correlation.getLeastSignificantBits(), 1);
        byte[] enrichment = ascii("{\"camera\":{\"key\":\"door\"}}");
        extraLength = EventExtras.putEnrichmentSection(extra, 0, extraLength, enrichment, enrichment.length);

        String json = new EventJsonWriter(EventTypeRegistry.standard()).toJson(4, TS_US, frameAt(0), extra, 0, extraLength);

        assertEquals(true, json.endsWith(",\"parents\":[3],\"correlation_id\":\"" + correlation
                + "\",\"enrichment\":{\"camera\":{\"key\":\"door\"}}}"), json);
        assertEquals("door", mapper.readTree(json).get("enrichment").get("camera").get("key").asText());
    }

    @Test
    void shouldNotAllocateWritingAnEnrichedEvent() {
        int length = minimal().trackId(7).label(ascii("person"), 0, 6).finish();
        EventSlot slot = new EventSlot(16);
        slot.claimEvent(length, null, 1, TS_US).put(0, buffer.array(), 0, length);
        slot.sequence(9);
        byte[] enrichment = ascii("{\"camera\":{\"key\":\"door\",\"name\":\"Front door\"},\"severity\":3}");
        slot.putEnrichment(enrichment, enrichment.length);
        ByteBuf out = Unpooled.buffer(4096);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        int events = 100_000;
        long before = 0;
        for (int n = 0; n < 2 * events; n++) {
            if (n == events) {
                before = threads.getCurrentThreadAllocatedBytes();
            }
            out.clear();
            writer.write(slot, out);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        out.release();
        assertEquals(0, allocated / events, "bytes per event (" + allocated + " in all)");
    }

    @Test
    void shouldWriteLongsOfEverySizeAndSign() {
        for (long v : new long[] {0, 7, -7, 10, 999, 1000, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1}) {
            ByteBuf out = Unpooled.buffer(2);
            EventJsonWriter.writeLong(v, out);
            assertEquals(Long.toString(v), out.toString(StandardCharsets.US_ASCII));
            out.release();
        }
    }

    private EventFrameEncoder minimal() {
        return encoder.wrap(buffer, 0).receiptId(RECEIPT).tsUs(TS_US).eventType(1).source(2).confidence(1f).storeId(STORE);
    }

    private EventFrame frameAt(int offset) {
        return new EventFrame().wrap(buffer, offset);
    }

    private String json(long seq, long receivedAtUs, int length) {
        EventFrame frame = frameAt(0);
        assertEquals(length, frame.frameLength());
        return writer.toJson(seq, receivedAtUs, frame, null, 0, 0);
    }

    private static void assertContains(String json, String part) {
        if (!json.contains(part)) {
            throw new AssertionError("expected " + part + " in " + json);
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
