package dev.watchpost.handlers;

/**
 * Hands out journal seqs, one after the other with no gap: to each new event (the dedup stage, the
 * sequencer) and to each derived event (the fuse stage). One instance is shared by those stages, which
 * must run on one thread ({@link dev.watchpost.ringbuffer.pipeline.PipelineSpec} checks it), so that
 * the order seqs are given in is the order the journal appends them. Not thread-safe.
 */
public final class SeqAllocator {
    private long next;

    /** @param next the first seq to give: the journal's last seq + 1 */
    public SeqAllocator(long next) {
        if (next < 1) {
            throw new IllegalArgumentException("the first seq must be at least 1, was " + next);
        }
        this.next = next;
    }

    /** Gives the next seq. */
    public long next() {
        return next++;
    }

    /** The seq the next call to {@link #next()} gives. */
    public long peek() {
        return next;
    }
}
