package dev.watchpost.handlers;

import com.lmax.disruptor.EventHandler;
import dev.watchpost.ringbuffer.EventSlot;

/**
 * The publish stage: hands every newly stored event, in journal seq order, to the live streams: a
 * slot's own event, then its derived events. Duplicates and rejections are not published. A sink that throws is counted and skipped; the
 * stream clients can catch up from the journal.
 */
public final class PublishHandler implements EventHandler<EventSlot> {
    private final EventSink sink;
    private final ErrorLog errors;

    public PublishHandler(EventSink sink, ErrorLog errors) {
        this.sink = sink;
        this.errors = errors;
    }

    @Override
    public void onEvent(EventSlot slot, long sequence, boolean endOfBatch) {
        if (slot.isToStore()) {
            try {
                sink.publish(slot);
            } catch (RuntimeException e) {
                errors.record("publish", e);
            }
        }
        for (int i = 0; i < slot.derivedCount(); i++) {
            try {
                sink.publishDerived(slot.derived(i), slot.receivedAtUs());
            } catch (RuntimeException e) {
                errors.record("publish", e);
            }
        }
        if (endOfBatch) {
            try {
                sink.endOfBatch();
            } catch (RuntimeException e) {
                errors.record("publish end of batch", e);
            }
        }
    }
}
