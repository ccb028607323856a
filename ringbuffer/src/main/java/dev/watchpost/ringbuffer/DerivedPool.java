package dev.watchpost.ringbuffer;

import java.util.Arrays;

/**
 * The free {@link DerivedEvent}s of one deriving stage. The stage takes one to fill and attach to a
 * slot; the slot gives it back here once every stage has passed it ({@link EventSlot#giveBackDerived}).
 * The stage takes on the sequencer's thread; the give-back runs on the last stage's thread, which
 * may be another, so both hold the pool's monitor (uncontended on one thread: a few nanoseconds). It
 * grows (allocates) only when more events are in flight than ever before: about the deriving stage's
 * pending queue plus the slots between the deriving stage and the last.
 */
public final class DerivedPool {
    private final int frameCapacity;
    private final int extraCapacity;
    private DerivedEvent[] free;
    private int count;

    /**
     * @param frameCapacity bytes a new event's frame buffer starts with
     * @param extraCapacity bytes a new event's extras buffer starts with
     * @param initial       events made up front
     */
    public DerivedPool(int frameCapacity, int extraCapacity, int initial) {
        this.frameCapacity = frameCapacity;
        this.extraCapacity = extraCapacity;
        this.free = new DerivedEvent[Math.max(initial, 16)];
        for (int i = 0; i < initial; i++) {
            free[count++] = new DerivedEvent(this, frameCapacity, extraCapacity);
        }
    }

    /** A free event, made new only when none is free. */
    public synchronized DerivedEvent take() {
        if (count == 0) {
            return new DerivedEvent(this, frameCapacity, extraCapacity);
        }
        DerivedEvent event = free[--count];
        free[count] = null;
        event.enrichment().reset();
        return event;
    }

    /** Takes back an event that is no longer attached to any slot. */
    public synchronized void give(DerivedEvent event) {
        if (count == free.length) {
            free = Arrays.copyOf(free, free.length * 2); // more in flight than ever: grows, once
        }
        free[count++] = event;
    }

    /** Free events now. */
    public synchronized int available() {
        return count;
    }
}
