package dev.watchpost.handlers;

import dev.watchpost.persistence.deadletter.DeadLetterStore;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The pipelined group commit, for when the ack stage runs on a thread after the journal stage's: the
 * journal stage only writes its batch to the operating system and says how far it got
 * ({@link #written}); the ack stage forces everything written so far before it answers the first slot
 * the last force did not cover ({@link #awaitDurable}). The journal stage goes on appending during the
 * fsync, and the next fsync covers all it wrote meanwhile: one fsync of waiting, not the fsync plus
 * the stage's work on the batch before it.
 *
 * <pre>
 *  journal stage:  append … append  write ─ written(s) ─ release s ─► append … append  write ─ written(s') …
 *  ack stage:                                     awaitDurable(s): fsync ─ ACK ≤ s ─ awaitDurable(s'): fsync …
 * </pre>
 *
 * Under {@link FsyncPolicy#NEVER} nothing is forced: written is committed. Under
 * {@link FsyncPolicy#ALWAYS} the journal stage has forced each record already, and the force here
 * finds nothing left to do.
 */
public final class GroupCommit {
    private final Journal journal;
    private final DeadLetterStore deadLetters;
    private final FsyncPolicy policy;
    private final Counters counters;

    /** The ring sequence up to which the journal stage has written everything. Journal stage writes. */
    private volatile long written = -1;
    /** The ring sequence up to which the last force reached. Ack stage only. */
    private long durable = -1;

    public GroupCommit(Journal journal, DeadLetterStore deadLetters, FsyncPolicy policy, Counters counters) {
        this.journal = journal;
        this.deadLetters = deadLetters;
        this.policy = policy;
        this.counters = counters;
    }

    public FsyncPolicy policy() {
        return policy;
    }

    /**
     * Every slot up to {@code ringSequence} is written to the operating system. The journal stage
     * only, before it releases those slots to the next thread.
     */
    void written(long ringSequence) {
        written = ringSequence;
    }

    /**
     * Returns once the slot at {@code ringSequence} (which the journal stage has released) is
     * durable under the policy, forcing the journal and the dead-letter store when the last force did
     * not cover it. The ack stage only.
     *
     * @throws UncheckedIOException when a force fails: nothing after it may be acknowledged
     */
    public void awaitDurable(long ringSequence) {
        if (ringSequence <= durable) {
            return;
        }
        long through = written; // read before the force: everything up to it was written before
        if (through < ringSequence) {
            throw new IllegalStateException("ring sequence " + ringSequence + " reached the ack stage before the journal stage wrote it (written through "
                    + through + "): the journal stage must be the last on its thread and the ack stage the first on the next");
        }
        if (policy != FsyncPolicy.NEVER) {
            try {
                long before = journal.durableSeq() + deadLetters.durableSeq();
                journal.sync();
                deadLetters.sync();
                if (journal.durableSeq() + deadLetters.durableSeq() != before) {
                    counters.add(Counter.JOURNAL_FSYNCS, 1);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        durable = through;
    }
}
