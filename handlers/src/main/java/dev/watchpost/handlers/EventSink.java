package dev.watchpost.handlers;

import dev.watchpost.ringbuffer.DerivedEvent;
import dev.watchpost.ringbuffer.EventSlot;

/** Where the publish stage hands stored events: the live streams. Called on the publish thread only. */
public interface EventSink {
    /** A newly stored event, in journal seq order. Read the slot now; it is reused after return. */
    void publish(EventSlot slot);

    /**
     * A newly stored derived event, in journal seq order (after its slot's own event). Read it now; it
     * is reused after return.
     */
    void publishDerived(DerivedEvent event, long receivedAtUs);

    /** End of a batch: make what was published visible to readers. */
    void endOfBatch();
}
