package dev.watchpost.handlers;

import com.lmax.disruptor.EventHandler;
import dev.watchpost.persistence.dedup.DedupStore;
import dev.watchpost.persistence.dedup.DedupStoreFullException;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.pipeline.BatchPrefetch;
import dev.watchpost.ringbuffer.pipeline.Pipeline;

/**
 * The dedup stage, which is also the sequencer: a valid event whose receipt_id was stored within the
 * retention is marked a duplicate of the stored original; any other valid event gets the next
 * journal seq, and its receipt_id is remembered under that seq. Because this stage is the only writer
 * of the dedup store and sees slots in ring order, a retry that arrives while its original is still
 * in flight is recognised too.
 *
 * <p>Expired receipt_ids are purged a slice at a time at the end of a batch, so the store stays
 * bounded without a pause.
 *
 * <p>Each lookup starts at a random place in a table far larger than the cache; the stage thread
 * prefetches the next slots' places together ({@link BatchPrefetch}), so their cache misses overlap.
 */
public final class DedupHandler implements EventHandler<EventSlot>, BatchPrefetch {
    /** Entries visited by one purge slice. */
    static final int PURGE_SLICE = 4096;
    /** Slices at most this often, in received-time microseconds. */
    static final long PURGE_INTERVAL_US = 100_000;

    private final DedupStore store;
    private final Counters counters;
    private final ErrorLog errors;
    private final SeqAllocator seqs;
    private long lastPurgeUs;
    private long lastReceivedUs;
    private long duplicates;
    /** Where the lookups of the slots prefetched next start, {@link #prefetching} of them. */
    private final int[] lookupStarts = new int[Pipeline.PREFETCH_AHEAD];
    private int prefetching;
    /** Where prefetched words go, so that their loads are kept. */
    private long prefetchedWords;

    /** @param nextSeq the journal seq the next new event gets: the journal's last seq + 1 */
    public DedupHandler(DedupStore store, long nextSeq, Counters counters, ErrorLog errors) {
        this(store, new SeqAllocator(nextSeq), counters, errors);
    }

    /** @param seqs the allocator this stage shares with the stages that derive events on its thread */
    public DedupHandler(DedupStore store, SeqAllocator seqs, Counters counters, ErrorLog errors) {
        this.store = store;
        this.seqs = seqs;
        this.counters = counters;
        this.errors = errors;
    }

    @Override
    public void onEvent(EventSlot slot, long sequence, boolean endOfBatch) {
        if (slot.isEvent() && slot.nack() == null) {
            sequence(slot);
        }
        if (endOfBatch) {
            counters.add(Counter.EVENTS_DUPLICATE, duplicates);
            duplicates = 0;
            purgeIfDue();
        }
    }

    @Override
    public void prefetch(EventSlot slot) {
        if (slot.isEvent() && slot.length() >= EventFrame.RECEIPT_ID_OFFSET + 16 && prefetching < lookupStarts.length) {
            EventFrame frame = slot.frame();
            lookupStarts[prefetching++] = store.lookupStart(frame.receiptIdMsb(), frame.receiptIdLsb());
        }
    }

    @Override
    public void prefetched() {
        long words = prefetchedWords;
        for (int i = 0; i < prefetching; i++) {
            words ^= store.touch(lookupStarts[i]);
        }
        prefetchedWords = words;
        prefetching = 0;
    }

    private void sequence(EventSlot slot) {
        EventFrame frame = slot.frame();
        long receivedUs = slot.receivedAtUs();
        lastReceivedUs = receivedUs;
        long original;
        try {
            original = store.lookupOrInsert(frame.receiptIdMsb(), frame.receiptIdLsb(), seqs.peek(), receivedUs / 1000);
        } catch (DedupStoreFullException e) {
            // Storing without a dedup entry keeps the event; refusing it would lose it.
            counters.increment(Counter.DEDUP_STORE_FULL);
            original = DedupStore.NOT_FOUND;
        }
        if (original != DedupStore.NOT_FOUND) {
            slot.duplicateOf(original);
            duplicates++;
        } else {
            slot.sequence(seqs.next());
        }
    }

    private void purgeIfDue() {
        if (lastReceivedUs - lastPurgeUs < PURGE_INTERVAL_US) {
            return;
        }
        lastPurgeUs = lastReceivedUs;
        try {
            counters.add(Counter.DEDUP_PURGED, store.purgeExpired(lastReceivedUs / 1000, PURGE_SLICE));
        } catch (RuntimeException e) {
            errors.record("dedup purge", e);
        }
    }

    /** The seq the next new event will get. */
    public long nextSeq() {
        return seqs.peek();
    }
}
