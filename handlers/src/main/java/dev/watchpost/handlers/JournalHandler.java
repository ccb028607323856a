package dev.watchpost.handlers;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.Sequence;
import dev.watchpost.persistence.deadletter.DeadLetterStore;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.DerivedEvent;
import dev.watchpost.ringbuffer.EventSlot;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The journal stage: appends each new event to the journal, then the derived events its slot carries
 * (in seq order, whatever the slot's kind), and each rejected frame to the dead-letter store, then commits under the {@link FsyncPolicy}: the appends reach the operating system, and are
 * forced to disk unless the policy is {@code never}, before the stage lets the ack stage see them.
 *
 * <p>Group commit: under {@code batch} one fsync covers the ring batch, with a commit forced early
 * after {@code maxBatchRecords} records or {@code maxBatchDelayNanos} since the first uncommitted one.
 * With a {@link GroupCommit} (the ack stage on the next thread) a commit under {@code batch} only writes
 * to the operating system and releases the slots to the ack stage, which forces them: the fsync runs
 * while this stage goes on with the next batch. Under {@code always} this stage forces each record
 * itself, whatever the threads: the policy's promise is one fsync per event.
 *
 * <p>A reload slot commits what is uncommitted and then runs its action (the daemon replacing the
 * rule stages), so the new stages rebuild their state from a journal that holds every event before
 * it.
 *
 * <p>A failed write is fatal and thrown: an event that may not be durable must never be acknowledged,
 * and with cumulative ACKs nothing after it could be either. The pipeline stops; the daemon exits.
 */
public final class JournalHandler implements EventHandler<EventSlot> {
    private final Journal journal;
    private final DeadLetterStore deadLetters;
    private final FsyncPolicy policy;
    private final int maxBatchRecords;
    private final long maxBatchDelayNanos;
    private final Counters counters;
    private final GroupCommit groupCommit;
    private Sequence released;

    private int uncommitted;
    private long firstUncommittedNanos;
    private long stored;
    private long deadLettered;
    private long derived;
    private long bytes;
    private long fsyncs;

    public JournalHandler(Journal journal, DeadLetterStore deadLetters, FsyncPolicy policy,
                          int maxBatchRecords, long maxBatchDelayNanos, Counters counters) {
        this(journal, deadLetters, policy, maxBatchRecords, maxBatchDelayNanos, counters, null);
    }

    /**
     * @param groupCommit when not {@code null}, this stage only writes, and the ack stage (first on
     *                    the next thread; this stage last on its own) forces; see {@link GroupCommit}
     */
    public JournalHandler(Journal journal, DeadLetterStore deadLetters, FsyncPolicy policy,
                          int maxBatchRecords, long maxBatchDelayNanos, Counters counters, GroupCommit groupCommit) {
        if (maxBatchRecords < 1) {
            throw new IllegalArgumentException("maxBatchRecords must be at least 1, was " + maxBatchRecords);
        }
        this.journal = journal;
        this.deadLetters = deadLetters;
        this.policy = policy;
        this.maxBatchRecords = maxBatchRecords;
        this.maxBatchDelayNanos = maxBatchDelayNanos;
        this.counters = counters;
        this.groupCommit = groupCommit;
        if (groupCommit != null && groupCommit.policy() != policy) {
            throw new IllegalArgumentException("group commit under " + groupCommit.policy().configName() + ", journal stage under " + policy.configName());
        }
    }

    @Override
    public void setSequenceCallback(Sequence sequenceCallback) {
        this.released = sequenceCallback;
    }

    @Override
    public void onEvent(EventSlot slot, long sequence, boolean endOfBatch) throws IOException {
        boolean written = false;
        if (slot.isToStore()) {
            journal.append(slot.journalSeq(), slot.receivedAtUs(), slot.frame().tsUs(),
                    slot.buffer(), 0, slot.length(), slot.extra(), 0, slot.extraLength());
            stored++;
            bytes += slot.length() + slot.extraLength();
            noteUncommitted();
        } else if (slot.isEvent() && slot.nack() != null) {
            deadLetters.append(slot.receivedAtUs(), slot.nack().code(), slot.nack().reasonUtf8(),
                    slot.origin() == null ? EMPTY : slot.origin().describeUtf8(), slot.buffer(), 0, slot.length());
            deadLettered++;
            noteUncommitted();
        }
        for (int i = 0; i < slot.derivedCount(); i++) {
            DerivedEvent event = slot.derived(i);
            journal.append(event.seq(), slot.receivedAtUs(), event.frame().tsUs(),
                    event.buffer(), 0, event.length(), event.extra(), 0, event.extraLength());
            stored++;
            derived++;
            bytes += event.length() + event.extraLength();
            noteUncommitted();
        }
        if (uncommitted > 0 && (endOfBatch || slot.isReload() || policy == FsyncPolicy.ALWAYS || uncommitted >= maxBatchRecords
                || (uncommitted % 64 == 0 && System.nanoTime() - firstUncommittedNanos >= maxBatchDelayNanos))) {
            commit();
            written = true;
        }
        if (slot.isReload() && slot.reloadAction() != null) {
            // Everything before this slot is in the journal now: the new rule stages rebuild from it.
            slot.reloadAction().run();
        }
        if (groupCommit != null && (written || endOfBatch)) {
            groupCommit.written(sequence);
            if (!endOfBatch && released != null) {
                released.set(sequence); // the ack stage may force and answer these while the batch goes on
            }
        }
        if (endOfBatch) {
            counters.add(Counter.EVENTS_STORED, stored);
            counters.add(Counter.DEADLETTERS_STORED, deadLettered);
            counters.add(Counter.EVENTS_DERIVED, derived);
            counters.add(Counter.JOURNAL_BYTES, bytes);
            counters.add(Counter.JOURNAL_FSYNCS, fsyncs);
            stored = deadLettered = derived = bytes = fsyncs = 0;
        }
    }

    private static final byte[] EMPTY = new byte[0];

    private void noteUncommitted() {
        if (uncommitted++ == 0 && policy == FsyncPolicy.BATCH) {
            firstUncommittedNanos = System.nanoTime();
        }
    }

    private void commit() throws IOException {
        try {
            // With a group commit the ack stage forces a batch; each record under always is forced here, as it is written.
            if (policy == FsyncPolicy.NEVER || (groupCommit != null && policy == FsyncPolicy.BATCH)) {
                journal.flush();
                deadLetters.flush();
            } else {
                journal.force();
                deadLetters.force();
                fsyncs++;
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        uncommitted = 0;
    }

    @Override
    public void onShutdown() {
        try {
            if (uncommitted > 0) {
                commit();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
