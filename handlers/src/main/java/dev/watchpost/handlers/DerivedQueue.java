package dev.watchpost.handlers;

import dev.watchpost.ringbuffer.DerivedEvent;
import dev.watchpost.ringbuffer.DerivedPool;
import dev.watchpost.ringbuffer.EventSlot;

/**
 * The derived events one deriving stage has made and not yet put into a slot, in order. The stage
 * fills the event {@link #add} gives it; {@link #drainInto} attaches the head of the queue to the
 * slot it is handling (at most {@link EventSlot#MAX_DERIVED} per slot, no copy) with the next seqs
 * of the sequencer's allocator, so the journal stage stores them after that slot's own event. What
 * does not fit waits for the next slots: on a quiet site the wall clock's ticks keep coming.
 * Nothing is ever published into the ring, so a full ring cannot stall a deriving stage.
 */
public final class DerivedQueue {
    private final DerivedEvent[] pending;
    private final DerivedPool pool;
    private int head;
    private int count;

    public DerivedQueue(int capacity, DerivedPool pool) {
        this.pending = new DerivedEvent[capacity];
        this.pool = pool;
    }

    /**
     * Queues an event from the pool and returns it to be filled before the next {@link #drainInto};
     * {@code null} when the queue is full (the caller counts that as an overflow).
     */
    public DerivedEvent add() {
        if (count == pending.length) {
            return null;
        }
        DerivedEvent event = pool.take();
        pending[(head + count) % pending.length] = event;
        count++;
        return event;
    }

    /** Attaches queued events to the slot while it has room, each under the next seq. */
    public void drainInto(EventSlot slot, SeqAllocator seqs) {
        while (count > 0 && !slot.isDerivedFull()) {
            slot.attachDerived(pending[head], seqs.next());
            pending[head] = null;
            head = (head + 1) % pending.length;
            count--;
        }
    }

    public int size() {
        return count;
    }

    public int capacity() {
        return pending.length;
    }

    /** True when at least {@code n} more fit. */
    public boolean hasRoom(int n) {
        return count + n <= pending.length;
    }
}
