package dev.watchpost.handlers;

import com.lmax.disruptor.EventHandler;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.Origin;

import java.util.Arrays;

/**
 * The ack stage: tells each slot's origin that the slot is handled, and at the end of the batch asks
 * every origin touched in it to send what is pending, so that one ACK covers a connection's whole
 * batch and one socket flush carries it. Runs after the journal stage has made the batch durable.
 */
public final class AckHandler implements EventHandler<EventSlot> {
    private final ErrorLog errors;
    private Origin[] touched = new Origin[256];
    private int touchedCount;

    public AckHandler(ErrorLog errors) {
        this.errors = errors;
    }

    @Override
    public void onEvent(EventSlot slot, long sequence, boolean endOfBatch) {
        Origin origin = slot.origin();
        if (origin != null) {
            try {
                if (origin.onHandled(slot)) {
                    if (touchedCount == touched.length) {
                        touched = Arrays.copyOf(touched, touched.length * 2);
                    }
                    touched[touchedCount++] = origin;
                }
            } catch (RuntimeException e) {
                errors.record("ack", e);
            }
        }
        if (endOfBatch) {
            flushTouched();
        }
    }

    private void flushTouched() {
        for (int i = 0; i < touchedCount; i++) {
            try {
                touched[i].flush();
            } catch (RuntimeException e) {
                errors.record("ack flush", e);
            }
            touched[i] = null;
        }
        touchedCount = 0;
    }
}
