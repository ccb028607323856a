package dev.watchpost.handlers;

import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.Origin;
import dev.watchpost.ringbuffer.WallClock;
import dev.watchpost.ringbuffer.codec.NackCode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.watchpost.handlers.TestEvents.frame;
import static dev.watchpost.handlers.TestEvents.slot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AckHandlerTest {
    private final Counters counters = new Counters();
    private final List<String> log = new ArrayList<>();
    private final ErrorLog errors = new ErrorLog(counters, log::add);
    private final AckHandler handler = new AckHandler(errors);
    private final long now = WallClock.nowMicros();
    private long ringSequence;

    private void handle(Origin origin, long originSeq, boolean endOfBatch) {
        handler.onEvent(slot(frame(originSeq, now), origin, originSeq, now), ringSequence++, endOfBatch);
    }

    @Test
    void shouldTellTheOriginOfEachSlotInRingOrderAndFlushOnceAtTheEndOfTheBatch() {
        RecordingOrigin origin = new RecordingOrigin("tcp 10.0.0.7:51234");

        handle(origin, 1, false);
        handle(origin, 2, false);
        assertEquals(List.of("handled 1", "handled 2"), origin.calls(), "no flush before the batch ends");
        handle(origin, 3, true);

        assertEquals(List.of("handled 1", "handled 2", "handled 3", "flush"), origin.calls());
    }

    @Test
    void shouldFlushAnOriginOncePerBatchThatAskedOnItsFirstSlot() {
        RecordingOrigin origin = new RecordingOrigin("tcp 10.0.0.7:51234");

        handle(origin, 1, false);
        handle(origin, 2, true);
        handle(origin, 3, false);
        handle(origin, 4, true);

        assertEquals(List.of("handled 1", "handled 2", "flush", "handled 3", "handled 4", "flush"), origin.calls());
    }

    @Test
    void shouldNotFlushAnOriginThatDidNotAsk() {
        List<String> calls = new ArrayList<>();
        Origin quiet = new Origin() {
            @Override
            public boolean onHandled(EventSlot slot) {
                calls.add("handled " + slot.originSeq());
                return false;
            }

            @Override
            public void flush() {
                calls.add("flush");
            }

            @Override
            public byte[] describeUtf8() {
                return new byte[0];
            }
        };

        handle(quiet, 1, false);
        handle(quiet, 2, true);

        assertEquals(List.of("handled 1", "handled 2"), calls);
    }

    @Test
    void shouldFlushEveryOriginTouchedInTheBatch() {
        RecordingOrigin first = new RecordingOrigin("tcp 10.0.0.7:51234");
        RecordingOrigin second = new RecordingOrigin("tcp 10.0.0.8:40000");

        handle(first, 1, false);
        handle(second, 1, false);
        handle(first, 2, false);
        handle(second, 2, true);

        assertEquals(List.of("handled 1", "handled 2", "flush"), first.calls());
        assertEquals(List.of("handled 1", "handled 2", "flush"), second.calls());
    }

    @Test
    void shouldFlushMoreOriginsThanItsInitialTableHolds() {
        List<RecordingOrigin> origins = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            RecordingOrigin origin = new RecordingOrigin("tcp 10.0.0.7:" + (10_000 + i));
            origins.add(origin);
            handle(origin, 1, i == 999);
        }

        for (RecordingOrigin origin : origins) {
            assertEquals(List.of("handled 1", "flush"), origin.calls());
        }
    }

    @Test
    void shouldCountAnOriginThatThrowsAndStillAnswerTheOthers() {
        RecordingOrigin broken = new RecordingOrigin("tcp 10.0.0.9:1").failingOnHandled(new IllegalStateException("channel gone"));
        RecordingOrigin healthy = new RecordingOrigin("tcp 10.0.0.7:51234");

        handle(broken, 1, false);
        handle(healthy, 1, false);
        handle(broken, 2, false);
        handle(healthy, 2, true);

        assertEquals(List.of("handled 1", "handled 2", "flush"), healthy.calls());
        assertEquals(2, counters.get(Counter.HANDLER_ERRORS));
        assertEquals(1, log.size(), "a repeated error is logged once and counted");
        assertTrue(log.get(0).contains("channel gone"), log.get(0));
    }

    @Test
    void shouldCountAFlushThatThrowsAndStillFlushTheOthers() {
        RecordingOrigin broken = new RecordingOrigin("tcp 10.0.0.9:1").failingOnFlush(new IllegalStateException("channel gone"));
        RecordingOrigin healthy = new RecordingOrigin("tcp 10.0.0.7:51234");

        handle(broken, 1, false);
        handle(healthy, 1, true);

        assertEquals(List.of("handled 1", "flush"), healthy.calls());
        assertEquals(1, counters.get(Counter.HANDLER_ERRORS));
    }

    @Test
    void shouldForgetTheBatchsOriginsOnceFlushed() {
        RecordingOrigin broken = new RecordingOrigin("tcp 10.0.0.9:1").failingOnFlush(new IllegalStateException("channel gone"));
        RecordingOrigin healthy = new RecordingOrigin("tcp 10.0.0.7:51234");
        handle(broken, 1, true);

        handle(healthy, 1, true);

        assertEquals(1, counters.get(Counter.HANDLER_ERRORS), "the broken origin is not flushed again in the next batch");
        assertEquals(1, healthy.flushes());
    }

    @Test
    void shouldPassACloseRequestToItsOrigin() {
        RecordingOrigin origin = new RecordingOrigin("tcp 10.0.0.7:51234");
        handle(origin, 1, false);
        EventSlot close = new EventSlot(256);
        close.claimClose(origin, NackCode.SEQ_OUT_OF_ORDER, 3, now);

        handler.onEvent(close, ringSequence++, true);

        assertEquals(List.of("handled 1", "handled 0", "flush"), origin.calls());
    }

    @Test
    void shouldSkipASlotWithoutOriginAndStillEndTheBatch() {
        RecordingOrigin origin = new RecordingOrigin("tcp 10.0.0.7:51234");
        handle(origin, 1, false);

        handle(null, 2, true);

        assertEquals(List.of("handled 1", "flush"), origin.calls());
        assertEquals(0, counters.get(Counter.HANDLER_ERRORS));
    }

    @Test
    void shouldTimeEachAnsweredEventFromItsReceiptToTheFlush() {
        RecordingOrigin origin = new RecordingOrigin("tcp 10.0.0.7:51234");
        long tenMillisAgo = WallClock.nowMicros() - 10_000;
        for (int i = 1; i <= 3; i++) {
            handler.onEvent(slot(frame(i, tenMillisAgo), origin, i, tenMillisAgo), ringSequence++, i == 3);
        }
        EventSlot close = new EventSlot(256);
        close.claimClose(origin, null, 0, tenMillisAgo);
        handler.onEvent(close, ringSequence++, false);
        EventSlot tick = new EventSlot(256);
        tick.claimTick(tenMillisAgo);
        handler.onEvent(tick, ringSequence++, true);

        long later = System.nanoTime() + LatencyWindow.INTERVAL_NANOS;
        handler.latency().roll(later); // the test runs on the stage's thread: it may close the interval
        Map<String, Object> figures = handler.latency().lastMinute(later);

        assertEquals(3L, figures.get("count"), "the three events; not the close request, not the tick");
        long p50 = ((Number) figures.get("p50")).longValue();
        assertTrue(p50 >= 9_900, "received 10 ms before the flush, p50 was " + p50 + " us");
    }
}
