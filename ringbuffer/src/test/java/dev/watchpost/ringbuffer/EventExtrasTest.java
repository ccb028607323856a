package dev.watchpost.ringbuffer;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventExtrasTest {
    private static final byte[] META = "{\"shelf\":7}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] RECEIPT = "order-42/retry".getBytes(StandardCharsets.UTF_8);
    private static final byte[] ENRICHMENT = "{\"site\":\"Corner shop\",\"severity\":3}".getBytes(StandardCharsets.UTF_8);

    static Stream<Arguments> combinations() {
        List<Arguments> out = new ArrayList<>();
        for (int bits = 0; bits < 32; bits++) {
            boolean meta = (bits & 1) != 0;
            boolean receipt = (bits & 2) != 0;
            boolean derived = (bits & 4) != 0;
            boolean window = (bits & 8) != 0;
            boolean enrichment = (bits & 16) != 0;
            if (derived && (meta || receipt)) {
                continue; // a derived event has no HTTP extras
            }
            out.add(Arguments.of(meta, receipt, derived, window, enrichment));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "meta {0}, receipt {1}, derived {2}, window {3}, enrichment {4}")
    @MethodSource("combinations")
    void shouldReadEverySectionBackInAnyCombination(boolean meta, boolean receipt, boolean derived, boolean window, boolean enrichment) {
        ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        int offset = 7; // extras need not start at 0 (a journal record's do not)
        int length = 0;
        long[] parents = {11, 12, 13};
        if (derived) {
            length = EventExtras.putDerivedOnly(b, offset, parents, parents.length, 0x1234_5678_9abc_def0L, 0x8000_0000_0000_0001L, 4);
        } else if (meta || receipt) {
            int m = meta ? META.length : 0;
            int r = receipt ? RECEIPT.length : 0;
            b.putInt(offset, m);
            b.put(offset + EventExtras.META_OFFSET, meta ? META : new byte[0]);
            b.put(offset + EventExtras.META_OFFSET + m, receipt ? RECEIPT : new byte[0]);
            length = EventExtras.length(m, r);
        }
        if (window) {
            length = EventExtras.putWindowSection(b, offset, length, 99, 2);
        }
        if (enrichment) {
            int before = length;
            length = EventExtras.putEnrichmentSection(b, offset, length, ENRICHMENT, ENRICHMENT.length);
            assertEquals((before == 0 ? EventExtras.META_OFFSET : before) + ENRICHMENT.length + 4, length);
        }

        assertEquals(meta ? META.length : 0, EventExtras.metaLength(b, offset, length));
        assertEquals(receipt ? RECEIPT.length : 0, EventExtras.receiptTextLength(b, offset, length));
        if (receipt) {
            assertEquals("order-42/retry", text(b, EventExtras.receiptTextIndex(b, offset, length), RECEIPT.length));
        }
        if (meta) {
            assertEquals("{\"shelf\":7}", text(b, EventExtras.metaIndex(offset), META.length));
        }
        assertEquals(derived, EventExtras.hasDerivedSection(b, offset, length));
        assertEquals(derived ? 3 : 0, EventExtras.parentCount(b, offset, length));
        assertEquals(derived ? 4 : 0, EventExtras.revision(b, offset, length));
        if (derived) {
            assertEquals(12, EventExtras.parent(b, offset, length, 1));
            assertEquals(0x1234_5678_9abc_def0L, Long.reverseBytes(b.getLong(EventExtras.correlationIndex(b, offset, length))));
        }
        assertEquals(window, EventExtras.hasWindowSection(b, offset, length));
        assertEquals(window ? 99 : 0, EventExtras.duplicateOf(b, offset, length));
        assertEquals(window ? 2 : 0, EventExtras.repeat(b, offset, length));
        assertEquals(enrichment, EventExtras.hasEnrichmentSection(b, offset, length));
        assertEquals(enrichment ? ENRICHMENT.length : 0, EventExtras.enrichmentLength(b, offset, length));
        if (enrichment) {
            assertEquals(new String(ENRICHMENT, StandardCharsets.UTF_8),
                    text(b, EventExtras.enrichmentIndex(b, offset, length), ENRICHMENT.length));
        }
    }

    @Test
    void shouldReadExtrasWithoutTheEnrichmentBitAsBefore() {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        int length = EventExtras.putWindowSection(b, 0, 0, 5, 1);
        assertFalse(EventExtras.hasEnrichmentSection(b, 0, length));
        assertEquals(0, EventExtras.enrichmentLength(b, 0, length));
        assertEquals(5, EventExtras.duplicateOf(b, 0, length));
        assertFalse(EventExtras.hasEnrichmentSection(b, 0, 0));
    }

    @Test
    void shouldGrowASlotsExtrasOnceAndKeepWhatTheyHold() {
        EventSlot slot = new EventSlot(256);
        slot.claimEvent(158, null, 1, 1);
        ByteBuffer extra = slot.claimExtra(META.length, 0);
        extra.put(EventExtras.META_OFFSET, META);
        slot.sequence(3);
        slot.markRepeat(2, 1);
        slot.putEnrichment(ENRICHMENT, ENRICHMENT.length);
        ByteBuffer grown = slot.extra();
        int length = slot.extraLength();
        assertEquals(META.length, EventExtras.metaLength(grown, 0, length));
        assertEquals(2, EventExtras.duplicateOf(grown, 0, length));
        assertEquals(new String(ENRICHMENT, StandardCharsets.UTF_8), text(grown, EventExtras.enrichmentIndex(grown, 0, length), ENRICHMENT.length));

        slot.claimEvent(158, null, 2, 2); // the next lap: no extras, then the same enrichment
        assertEquals(0, slot.extraLength());
        slot.sequence(4);
        slot.putEnrichment(ENRICHMENT, ENRICHMENT.length);
        assertTrue(slot.extra() == grown, "the grown buffer is reused");
        assertEquals(EventExtras.META_OFFSET + ENRICHMENT.length + 4, slot.extraLength());
        assertEquals(0, EventExtras.metaLength(slot.extra(), 0, slot.extraLength()));
        assertEquals(ENRICHMENT.length, EventExtras.enrichmentLength(slot.extra(), 0, slot.extraLength()));
    }

    private static String text(ByteBuffer b, int index, int length) {
        byte[] bytes = new byte[length];
        b.get(index, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
