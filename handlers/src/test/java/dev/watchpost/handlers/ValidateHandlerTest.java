package dev.watchpost.handlers;

import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.WallClock;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import dev.watchpost.ringbuffer.codec.EventValidator;
import dev.watchpost.ringbuffer.codec.NackCode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.watchpost.handlers.TestEvents.frame;
import static dev.watchpost.handlers.TestEvents.slot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ValidateHandlerTest {
    private final Counters counters = new Counters();
    private final List<String> log = new ArrayList<>();
    private final ValidateHandler handler =
            new ValidateHandler(new EventValidator(EventTypeRegistry.v1()), counters, new ErrorLog(counters, log::add));
    private final RecordingOrigin origin = new RecordingOrigin("tcp 10.0.0.7:51234");
    private final long now = WallClock.nowMicros();

    @Test
    void shouldPassAValidFrameWithoutANackAndCountItValid() {
        EventSlot slot = slot(frame(1, now), origin, 1, now);

        handler.onEvent(slot, 0, true);

        assertNull(slot.nack());
        assertEquals(1, counters.get(Counter.EVENTS_VALID));
        assertEquals(0, counters.get(Counter.EVENTS_REJECTED));
        assertEquals(0, counters.get(Counter.HANDLER_ERRORS));
    }

    @Test
    void shouldRejectAConfidenceAboveOneWithBadConfidence() {
        EventSlot slot = slot(frame(1, now, 2.0f), origin, 7, now);

        handler.onEvent(slot, 0, true);

        assertEquals(NackCode.BAD_CONFIDENCE, slot.nack());
        assertEquals(7, slot.nackSeq(), "the NACK names the frame's own seq");
        assertEquals(0, counters.get(Counter.EVENTS_VALID));
        assertEquals(1, counters.get(Counter.EVENTS_REJECTED));
        assertEquals(1, counters.nackCount(NackCode.BAD_CONFIDENCE.code()));
    }

    @Test
    void shouldRejectAFrameWhoseTimestampIsTooFarAheadOfItsReceiveTime() {
        long receivedAt = now - EventValidator.DEFAULT_MAX_CLOCK_SKEW_US - 1;
        EventSlot slot = slot(frame(1, now), origin, 1, receivedAt);

        handler.onEvent(slot, 0, true);

        assertEquals(NackCode.BAD_TIMESTAMP, slot.nack());
        assertEquals(1, counters.nackCount(NackCode.BAD_TIMESTAMP.code()));
    }

    @Test
    void shouldKeepTheCodeOfASlotItsProducerRejected() {
        EventSlot slot = slot(frame(1, now, 2.0f), origin, 1, now);
        slot.reject(NackCode.BAD_PAYLOAD);

        handler.onEvent(slot, 0, true);

        assertEquals(NackCode.BAD_PAYLOAD, slot.nack());
        assertEquals(1, counters.get(Counter.EVENTS_REJECTED));
        assertEquals(1, counters.nackCount(NackCode.BAD_PAYLOAD.code()));
        assertEquals(0, counters.nackCount(NackCode.BAD_CONFIDENCE.code()));
    }

    @Test
    void shouldIgnoreACloseRequest() {
        EventSlot slot = new EventSlot(256);
        slot.claimClose(origin, NackCode.SEQ_OUT_OF_ORDER, 9, now);

        handler.onEvent(slot, 0, true);

        assertEquals(NackCode.SEQ_OUT_OF_ORDER, slot.nack());
        assertEquals(9, slot.nackSeq());
        assertEquals(0, counters.get(Counter.EVENTS_VALID));
        assertEquals(0, counters.get(Counter.EVENTS_REJECTED));
        assertEquals(0, counters.nackCount(NackCode.SEQ_OUT_OF_ORDER.code()));
    }

    @Test
    void shouldAddTheValidAndRejectedCountsOnlyAtTheEndOfTheBatch() {
        handler.onEvent(slot(frame(1, now), origin, 1, now), 0, false);
        handler.onEvent(slot(frame(2, now, -0.5f), origin, 2, now), 1, false);

        assertEquals(0, counters.get(Counter.EVENTS_VALID));
        assertEquals(0, counters.get(Counter.EVENTS_REJECTED));

        handler.onEvent(slot(frame(3, now), origin, 3, now), 2, true);

        assertEquals(2, counters.get(Counter.EVENTS_VALID));
        assertEquals(1, counters.get(Counter.EVENTS_REJECTED));

        handler.onEvent(slot(frame(4, now), origin, 4, now), 3, true);

        assertEquals(3, counters.get(Counter.EVENTS_VALID), "a batch's counts are added once, then start again");
        assertEquals(1, counters.get(Counter.EVENTS_REJECTED));
    }

    @Test
    void shouldJudgeAReusedSlotByItsNewFrame() {
        EventSlot slot = slot(frame(1, now, 2.0f), origin, 1, now);
        handler.onEvent(slot, 0, true);
        TestEvents.fill(slot, frame(2, now), origin, 2, now);

        handler.onEvent(slot, 1, true);

        assertNull(slot.nack());
        assertEquals(1, counters.get(Counter.EVENTS_VALID));
        assertEquals(1, counters.get(Counter.EVENTS_REJECTED));
    }
}
