package dev.watchpost.handlers;

import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.WallClock;
import dev.watchpost.ringbuffer.codec.NackCode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.watchpost.handlers.TestEvents.frame;
import static dev.watchpost.handlers.TestEvents.receiptOf;
import static dev.watchpost.handlers.TestEvents.slot;
import static org.junit.jupiter.api.Assertions.assertEquals;

class PublishHandlerTest {
    private final Counters counters = new Counters();
    private final List<String> log = new ArrayList<>();
    private final RecordingSink sink = new RecordingSink();
    private final PublishHandler handler = new PublishHandler(sink, new ErrorLog(counters, log::add));
    private final RecordingOrigin origin = new RecordingOrigin("tcp 10.0.0.7:51234");
    private final long now = WallClock.nowMicros();

    /** Writes down the journal seq and receipt of each published slot, and each end of batch. */
    private static final class RecordingSink implements EventSink {
        final List<String> calls = new ArrayList<>();
        RuntimeException failOnPublish;

        @Override
        public void publish(EventSlot slot) {
            if (failOnPublish != null) {
                throw failOnPublish;
            }
            calls.add("publish " + slot.journalSeq() + " receipt " + receiptOf(slot.buffer(), 0));
        }

        @Override
        public void publishDerived(dev.watchpost.ringbuffer.DerivedEvent event, long receivedAtUs) {
            calls.add("derived " + event.seq());
        }

        @Override
        public void endOfBatch() {
            calls.add("end");
        }
    }

    private EventSlot stored(long receipt, long seq) {
        EventSlot slot = slot(frame(receipt, now), origin, receipt, now);
        slot.sequence(seq);
        return slot;
    }

    @Test
    void shouldPublishOnlyStoredEvents() {
        EventSlot duplicate = slot(frame(1, now), origin, 2, now);
        duplicate.duplicateOf(1);
        EventSlot rejected = slot(frame(3, now, 2.0f), origin, 3, now);
        rejected.reject(NackCode.BAD_CONFIDENCE);
        EventSlot close = new EventSlot(256);
        close.claimClose(origin, null, 0, now);

        handler.onEvent(stored(1, 1), 0, false);
        handler.onEvent(duplicate, 1, false);
        handler.onEvent(rejected, 2, false);
        handler.onEvent(close, 3, false);
        handler.onEvent(stored(4, 2), 4, true);

        assertEquals(List.of("publish 1 receipt 1", "publish 2 receipt 4", "end"), sink.calls);
    }

    @Test
    void shouldForwardTheEndOfEachBatch() {
        handler.onEvent(stored(1, 1), 0, false);
        assertEquals(List.of("publish 1 receipt 1"), sink.calls, "no end before the batch ends");

        EventSlot duplicate = slot(frame(1, now), origin, 2, now);
        duplicate.duplicateOf(1);
        handler.onEvent(duplicate, 1, true);
        handler.onEvent(stored(2, 2), 2, true);

        assertEquals(List.of("publish 1 receipt 1", "end", "publish 2 receipt 2", "end"), sink.calls);
    }

    @Test
    void shouldCountASinkThatThrowsAndKeepPublishing() {
        sink.failOnPublish = new IllegalStateException("stream outbox closed");
        handler.onEvent(stored(1, 1), 0, false);
        sink.failOnPublish = null;

        handler.onEvent(stored(2, 2), 1, true);

        assertEquals(List.of("publish 2 receipt 2", "end"), sink.calls);
        assertEquals(1, counters.get(Counter.HANDLER_ERRORS));
        assertEquals(1, log.size());
    }

    @Test
    void shouldEndTheBatchEvenWhenTheSinkThrowsOnItsLastEvent() {
        handler.onEvent(stored(1, 1), 0, false);
        sink.failOnPublish = new IllegalStateException("stream outbox closed");

        handler.onEvent(stored(2, 2), 1, true);

        assertEquals(List.of("publish 1 receipt 1", "end"), sink.calls,
                "what was published in the batch must still be made visible to readers");
        assertEquals(1, counters.get(Counter.HANDLER_ERRORS));
    }
}
