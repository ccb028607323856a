package dev.watchpost.handlers;

import com.lmax.disruptor.EventHandler;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventValidator;
import dev.watchpost.ringbuffer.codec.NackCode;

/**
 * The validate stage: judges each EVENT by every rule of protocol v1, section 2, and records the first
 * failing rule's NACK code in the slot. Slots already rejected by their producer (HTTP fields that do
 * not parse) pass through and are counted.
 */
public final class ValidateHandler implements EventHandler<EventSlot> {
    private final EventValidator validator;
    private final Counters counters;
    private final ErrorLog errors;
    private long valid;
    private long rejected;

    public ValidateHandler(EventValidator validator, Counters counters, ErrorLog errors) {
        this.validator = validator;
        this.counters = counters;
        this.errors = errors;
    }

    @Override
    public void onEvent(EventSlot slot, long sequence, boolean endOfBatch) {
        if (slot.isEvent()) {
            NackCode code = slot.nack();
            if (code == null) {
                code = validate(slot);
            }
            if (code == null) {
                valid++;
            } else {
                rejected++;
                counters.incrementNack(code.code());
            }
        }
        if (endOfBatch) {
            counters.add(Counter.EVENTS_VALID, valid);
            counters.add(Counter.EVENTS_REJECTED, rejected);
            valid = 0;
            rejected = 0;
        }
    }

    private NackCode validate(EventSlot slot) {
        NackCode code;
        try {
            code = validator.validate(slot.frame(), slot.length(), slot.receivedAtUs());
        } catch (RuntimeException e) {
            // A validator bug must not pass an unchecked frame on, nor stop the ring.
            errors.record("validate", e);
            code = NackCode.LENGTH_MISMATCH;
        }
        if (code != null) {
            slot.reject(code);
        }
        return code;
    }
}
