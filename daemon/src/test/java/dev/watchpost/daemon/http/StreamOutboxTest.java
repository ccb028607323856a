package dev.watchpost.daemon.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamOutboxTest {
    private final ByteBuf page = Unpooled.buffer(16);

    @Test
    void shouldRoundTheCapacityUpToAPowerOfTwo() {
        assertEquals(16, new StreamOutbox(16).capacity());
        assertEquals(32, new StreamOutbox(17).capacity());
        assertEquals(1, new StreamOutbox(1).capacity());
        assertThrows(IllegalArgumentException.class, () -> new StreamOutbox(0));
    }

    @Test
    void shouldGiveRecordsBackInTheOrderOffered() {
        StreamOutbox outbox = new StreamOutbox(8);
        for (long seq = 1; seq <= 5; seq++) {
            assertTrue(outbox.offer(seq, page, (int) seq * 10, (int) seq));
        }

        for (long seq = 1; seq <= 5; seq++) {
            StreamRecord record = outbox.peek();
            assertEquals(seq, record.seq);
            assertSame(page, record.page);
            assertEquals(seq * 10, record.offset);
            assertEquals(seq, record.length);
            assertSame(record, outbox.peek(), "peek leaves the record in place");
            outbox.remove();
            assertNull(record.page, "a taken record lets go of its page");
        }
        assertNull(outbox.peek());
        assertTrue(outbox.isEmpty());
    }

    @Test
    void shouldRefuseARecordWhenFullAndTakeOneAgainOnceAPlaceIsFree() {
        StreamOutbox outbox = new StreamOutbox(4);
        for (long seq = 1; seq <= 4; seq++) {
            assertTrue(outbox.offer(seq, page, 0, 1));
        }

        assertFalse(outbox.offer(5, page, 0, 1));
        assertEquals(1, outbox.peek().seq, "the refused record changed nothing");
        outbox.remove();
        assertTrue(outbox.offer(5, page, 0, 1));
        assertFalse(outbox.offer(6, page, 0, 1));
    }

    @Test
    void shouldKeepItsOrderAcrossManyLaps() {
        StreamOutbox outbox = new StreamOutbox(4);
        long next = 1;
        for (long seq = 1; seq <= 1000; seq++) {
            assertTrue(outbox.offer(seq, page, 0, 1));
            if (seq % 3 == 0) {
                while (outbox.peek() != null) {
                    assertEquals(next++, outbox.peek().seq);
                    outbox.remove();
                }
            }
        }
        while (outbox.peek() != null) {
            assertEquals(next++, outbox.peek().seq);
            outbox.remove();
        }
        assertEquals(1001, next);
    }

    @Test
    void shouldGiveBackEveryPageReferenceLeft() {
        StreamOutbox outbox = new StreamOutbox(8);
        ByteBuf shared = Unpooled.buffer(16);
        shared.retain(3);
        for (long seq = 1; seq <= 3; seq++) {
            outbox.offer(seq, shared, 0, 1);
        }

        outbox.releaseAll();

        assertEquals(1, shared.refCnt());
        assertTrue(outbox.isEmpty());
        shared.release();
    }

    @Test
    void shouldHandEveryRecordFromOneThreadToAnotherInOrder() throws Exception {
        StreamOutbox outbox = new StreamOutbox(64);
        long events = 2_000_000;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread consumer = new Thread(() -> {
            try {
                long expected = 1;
                while (expected <= events) {
                    StreamRecord record = outbox.peek();
                    if (record == null) {
                        Thread.onSpinWait();
                        continue;
                    }
                    if (record.seq != expected || record.offset != (int) expected || record.length != (int) (expected >>> 3)) {
                        throw new AssertionError("expected seq " + expected + ", got " + record.seq + " at " + record.offset
                                + " of " + record.length);
                    }
                    outbox.remove();
                    expected++;
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "outbox-consumer");
        consumer.start();
        for (long seq = 1; seq <= events && failure.get() == null; ) {
            if (outbox.offer(seq, page, (int) seq, (int) (seq >>> 3))) {
                seq++;
            } else {
                Thread.onSpinWait();
            }
        }
        consumer.join();
        if (failure.get() != null) {
            throw new AssertionError("consumer failed", failure.get());
        }
        assertTrue(outbox.isEmpty());
    }
}
