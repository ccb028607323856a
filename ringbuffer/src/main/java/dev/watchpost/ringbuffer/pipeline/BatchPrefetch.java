package dev.watchpost.ringbuffer.pipeline;

import dev.watchpost.ringbuffer.EventSlot;

/**
 * A stage whose work on a slot begins with a load from memory that is rarely in the cache (the dedup
 * stage: a random slot of a table of 100 MB). Its thread calls {@link #prefetch} on the slots of a
 * batch, up to {@link Pipeline#PREFETCH_AHEAD} in a row, then {@link #prefetched}, before any of its
 * stages handles them. {@code prefetch} notes where each slot's load will be; {@code prefetched}
 * makes those loads in a tight loop: they do not depend on one another, so the processor has them in
 * flight together, where one by one each stage would wait for each load in turn.
 *
 * <p>Both must change nothing a stage sees, allocate nothing and throw nothing: {@code prefetch} sees
 * slots before the validate stage has, so a slot may hold a frame of any content or length, or be no
 * event at all.
 */
public interface BatchPrefetch {
    /** Notes the load this slot's handling will start with; at most {@link Pipeline#PREFETCH_AHEAD} calls before {@link #prefetched}. */
    void prefetch(EventSlot slot);

    /** Makes the loads noted since the last call. */
    void prefetched();
}
