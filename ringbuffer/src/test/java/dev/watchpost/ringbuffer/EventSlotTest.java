package dev.watchpost.ringbuffer;

import dev.watchpost.ringbuffer.codec.EventFrame;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The slot's window marking and ticks, and the {@link EventExtras} layout they write. */
class EventSlotTest {
    private static final byte[] META = "{\"m\":1}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] RECEIPT = "order-9".getBytes(StandardCharsets.UTF_8);

    private static EventSlot event() {
        EventSlot slot = new EventSlot(256);
        slot.claimEvent(200, null, 1, 10);
        slot.sequence(5);
        return slot;
    }

    @Test
    void shouldMarkARepeatOfAnEventWithoutExtrasWithoutGrowingItsBuffer() {
        EventSlot slot = event();
        ByteBuffer before = slot.extra();

        slot.markRepeat(3, 2);

        assertSame(before, slot.extra(), "room for the marking is there from the start");
        assertEquals(3, slot.repeatOf());
        assertEquals(2, slot.repeatOrdinal());
        assertEquals(16, slot.extraLength());
        assertEquals(3, EventExtras.duplicateOf(slot.extra(), 0, slot.extraLength()));
        assertEquals(2, EventExtras.repeat(slot.extra(), 0, slot.extraLength()));
        assertEquals(0, EventExtras.metaLength(slot.extra(), 0, slot.extraLength()));
        assertEquals(0, EventExtras.receiptTextLength(slot.extra(), 0, slot.extraLength()));
        assertTrue(slot.isToStore(), "a repeat is stored");
        assertFalse(slot.isDuplicate());
        assertEquals(5, slot.journalSeq(), "under its own seq");
    }

    @Test
    void shouldKeepMetaAndReceiptTextReadableBesideTheMarking() {
        EventSlot slot = event();
        slot.claimExtra(META.length, RECEIPT.length).put(EventExtras.META_OFFSET, META).put(EventExtras.META_OFFSET + META.length, RECEIPT);
        ByteBuffer before = slot.extra();

        slot.markRepeat(4, 1);
        slot.markRepeat(4, 2); // marked again: replaced, not appended

        ByteBuffer e = slot.extra();
        int length = slot.extraLength();
        assertSame(before, e, "claimExtra left room for the marking");
        assertEquals(4 + META.length + RECEIPT.length + EventExtras.WINDOW_SECTION_LENGTH, length);
        assertEquals(META.length, EventExtras.metaLength(e, 0, length));
        assertEquals(RECEIPT.length, EventExtras.receiptTextLength(e, 0, length));
        byte[] text = new byte[RECEIPT.length];
        e.get(EventExtras.receiptTextIndex(e, 0, length), text);
        assertEquals("order-9", new String(text, StandardCharsets.UTF_8));
        assertEquals(4, EventExtras.duplicateOf(e, 0, length));
        assertEquals(2, EventExtras.repeat(e, 0, length));
    }

    @Test
    void shouldReadExtrasWrittenBeforeTheWindowSectionExisted() {
        ByteBuffer old = ByteBuffer.allocate(4 + META.length + RECEIPT.length).order(ByteOrder.LITTLE_ENDIAN);
        old.putInt(0, META.length).put(4, META).put(4 + META.length, RECEIPT);
        int length = old.capacity();

        assertFalse(EventExtras.hasWindowSection(old, 0, length));
        assertEquals(META.length, EventExtras.metaLength(old, 0, length));
        assertEquals(RECEIPT.length, EventExtras.receiptTextLength(old, 0, length));
        assertEquals(0, EventExtras.duplicateOf(old, 0, length));
        assertEquals(0, EventExtras.repeat(old, 0, length));
    }

    @Test
    void shouldForgetTheMarkingWhenTheSlotIsReused() {
        EventSlot slot = event();
        slot.markRepeat(3, 1);
        slot.stampWatermark(99);

        slot.claimEvent(200, null, 2, 11);

        assertEquals(EventSlot.NO_SEQ, slot.repeatOf());
        assertEquals(0, slot.extraLength());
        assertEquals(Long.MIN_VALUE, slot.watermarkUs());
    }

    @Test
    void shouldReadTheFrameAndTheOriginOfEachLapWhateverTheLastOnesWere() {
        Origin first = new NamedOrigin("first");
        Origin second = new NamedOrigin("second");
        EventSlot slot = new EventSlot(64);

        slot.claimEvent(64, first, 1, 10).putLong(EventFrame.TS_US_OFFSET, 111);
        assertSame(first, slot.origin());
        assertEquals(111, slot.frame().tsUs());

        ByteBuffer grown = slot.claimEvent(4096, second, 2, 20);
        grown.putLong(EventFrame.TS_US_OFFSET, 222);
        assertSame(grown, slot.buffer());
        assertSame(second, slot.origin());
        assertEquals(222, slot.frame().tsUs(), "the frame reads the grown buffer");

        slot.claimEvent(100, second, 3, 30).putLong(EventFrame.TS_US_OFFSET, 333);
        assertSame(second, slot.origin());
        assertEquals(333, slot.frame().tsUs());

        slot.claimTick(40);
        assertEquals(null, slot.origin());
        slot.claimEvent(100, first, 4, 50);
        assertSame(first, slot.origin());
    }

    private record NamedOrigin(String name) implements Origin {
        @Override
        public boolean onHandled(EventSlot slot) {
            return false;
        }

        @Override
        public void flush() {
        }

        @Override
        public byte[] describeUtf8() {
            return name.getBytes(StandardCharsets.UTF_8);
        }
    }

    @Test
    void shouldRefuseAMarkingWithoutAnOriginal() {
        EventSlot slot = event();
        assertThrows(IllegalArgumentException.class, () -> slot.markRepeat(EventSlot.NO_SEQ, 1));
        assertThrows(IllegalArgumentException.class, () -> slot.markRepeat(3, 0));
    }

    @Test
    void shouldCarryTheWallClockInATick() {
        EventSlot slot = event();

        slot.claimTick(12345);

        assertTrue(slot.isTick());
        assertFalse(slot.isEvent());
        assertFalse(slot.isToStore());
        assertEquals(12345, slot.receivedAtUs());
        assertEquals(null, slot.origin());
    }

    @Test
    void shouldCarryDerivedEventsUntilTheNextLapGivesThemBackToTheirPools() {
        EventSlot slot = new EventSlot(256);
        DerivedPool fuse = new DerivedPool(256, 64, 0);
        DerivedPool correlate = new DerivedPool(256, 64, 0);
        slot.claimTick(1);
        assertEquals(0, slot.releaseDerived(5));
        DerivedEvent[] events = new DerivedEvent[EventSlot.MAX_DERIVED];
        for (int i = 0; i < EventSlot.MAX_DERIVED; i++) {
            events[i] = (i < 5 ? fuse : correlate).take();
            slot.attachDerived(events[i], 100 + i);
        }

        assertTrue(slot.isDerivedFull());
        assertThrows(IllegalStateException.class, () -> slot.attachDerived(fuse.take(), 200));
        assertEquals(107, slot.derived(7).seq());
        assertSame(events[7], slot.derived(7), "attached, not copied");
        assertEquals(0, slot.releaseDerived(5), "a second deriving stage in the same lap keeps what the first attached");
        assertEquals(EventSlot.MAX_DERIVED, slot.derivedCount());

        slot.claimShutdown(2); // the next lap: the producer resets the slot
        assertEquals(0, slot.derivedCount());
        assertTrue(slot.isShutdown());
        assertThrows(IllegalStateException.class, () -> slot.attachDerived(events[0], 300), "the last lap's events first go back");
        assertEquals(0, fuse.available() + correlate.available());
        assertEquals(EventSlot.MAX_DERIVED, slot.releaseDerived(5 + 16));
        assertEquals(5, fuse.available(), "each event went back to its own pool");
        assertEquals(3, correlate.available());
        assertSame(events[4], fuse.take());
        assertEquals(0, slot.releaseDerived(5 + 16));
        slot.attachDerived(events[0], 300);
        assertEquals(1, slot.derivedCount());
    }

    @Test
    void shouldReadADerivedSectionBesideAWindowSection() {
        ByteBuffer extras = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
        int length = EventExtras.putDerivedOnly(extras, 0, new long[] {11, 12, 13}, 3, 0x1234L, 0x5678L, 9);
        length = EventExtras.putWindowSection(extras, 0, length, 5, 2);

        assertEquals(3, EventExtras.parentCount(extras, 0, length));
        assertEquals(13, EventExtras.parent(extras, 0, length, 2));
        assertEquals(9, EventExtras.revision(extras, 0, length));
        assertEquals(0x1234L, Long.reverseBytes(extras.getLong(EventExtras.correlationIndex(extras, 0, length))));
        assertEquals(0, EventExtras.receiptTextLength(extras, 0, length));
        assertEquals(0, EventExtras.metaLength(extras, 0, length));
        assertEquals(5, EventExtras.duplicateOf(extras, 0, length));
        assertEquals(2, EventExtras.repeat(extras, 0, length));
    }
}
