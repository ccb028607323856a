package dev.watchpost.ringbuffer.pipeline;

import dev.watchpost.ringbuffer.EventSlot;

/**
 * A stage whose work on a slot begins with a load from memory that is rarely in the cache (the dedup
 * stage: a random slot of a table of 100 MB). Its thread calls {@link #prefetch} on the slots of a
 * batch, {@link Pipeline#PREFETCH_AHEAD} at a time, before any of its stages handles them: the loads
 * for those slots do not depend on one another, so the processor has them in flight together, where
 * one by one each stage would wait for each load in turn.
 *
 * <p>{@code prefetch} must change nothing, allocate nothing and throw nothing: it sees slots before
 * the validate stage has, so a slot may hold a frame of any content or length, or be no event at
 * all.
 */
public interface BatchPrefetch {
    void prefetch(EventSlot slot);
}
