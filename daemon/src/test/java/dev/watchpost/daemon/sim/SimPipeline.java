package dev.watchpost.daemon.sim;

import com.lmax.disruptor.EventHandler;
import dev.watchpost.handlers.DedupHandler;
import dev.watchpost.handlers.ErrorLog;
import dev.watchpost.handlers.FsyncPolicy;
import dev.watchpost.handlers.JournalHandler;
import dev.watchpost.handlers.SeqAllocator;
import dev.watchpost.handlers.ValidateHandler;
import dev.watchpost.daemon.RuleStages;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.persistence.dedup.DedupConfig;
import dev.watchpost.persistence.dedup.DedupStore;
import dev.watchpost.persistence.deadletter.DeadLetterStore;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import dev.watchpost.ringbuffer.codec.EventValidator;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The daemon's stages, driven by hand on one slot, with the real journal, dedup store and rule
 * stages, on a simulated clock: what arrives when is the simulation's to say, and ticks come every
 * 100 ms of simulated time as the ticker would send them. {@link #crash} drops every stage's memory
 * the way {@code kill -9} does (the journal keeps what was committed, nothing else is written), and
 * the next {@link #open} restores the stages from the journal as the daemon does at start-up.
 */
final class SimPipeline implements AutoCloseable {
    static final long TICK_US = 100_000;
    private static final int BATCH = 256;

    private final Path dir;
    private final Rules rules;
    private final EventTypeRegistry registry = EventTypeRegistry.standard();
    private final EventSlot slot = new EventSlot(512);
    private final Counters counters = new Counters();
    private final List<String> errorLines = new ArrayList<>();
    private final ErrorLog errors = new ErrorLog(counters, errorLines::add);
    private Journal journal;
    private DeadLetterStore deadLetters;
    private List<EventHandler<EventSlot>> stages;
    private RuleStages ruleStages;
    private long sequence;
    private long nextTickUs = Long.MIN_VALUE;
    private int sinceCommit;

    SimPipeline(Path dir, Rules rules) {
        this.dir = dir;
        this.rules = rules;
    }

    /** Opens the journal and builds the stages, restoring their state from it; {@code nowUs} is the simulated clock. */
    SimPipeline open(long nowUs) throws IOException {
        journal = Journal.open(dir.resolve("journal"));
        deadLetters = DeadLetterStore.open(dir.resolve("deadletter"));
        DedupStore dedup = DedupStore.open(new DedupConfig(dir.resolve("dedup"), 1_000_000, 24L * 3600 * 1000), journal);
        dedup.restore(journal, nowUs / 1000);
        SeqAllocator seqs = new SeqAllocator(journal.lastSeq() + 1);
        ruleStages = new RuleStages(rules, new RuleStages.Shared(seqs, new dev.watchpost.handlers.rules.TagTable(), registry, counters, errors, line -> { }, false));
        ruleStages.restore(journal);
        stages = new ArrayList<>();
        stages.add(new ValidateHandler(new EventValidator(registry, EventValidator.DEFAULT_MAX_CLOCK_SKEW_US), counters, errors));
        stages.add(new DedupHandler(dedup, seqs, counters, errors));
        stages.addAll(ruleStages.handlers().values());
        stages.add(new JournalHandler(journal, deadLetters, FsyncPolicy.NEVER, 4096, Long.MAX_VALUE, counters));
        return this;
    }

    /** One frame arriving at simulated time {@code arrivalUs}, after the ticks due before it. */
    void event(byte[] frame, long arrivalUs) throws Exception {
        ticksUntil(arrivalUs);
        ByteBuffer into = slot.claimEvent(frame.length, null, 0, arrivalUs);
        into.put(0, frame, 0, frame.length);
        run(++sinceCommit >= BATCH);
    }

    /** The ticks due up to {@code nowUs}, one each 100 ms of simulated time. */
    void ticksUntil(long nowUs) throws Exception {
        if (nextTickUs == Long.MIN_VALUE) {
            nextTickUs = nowUs - nowUs % TICK_US + TICK_US;
        }
        while (nextTickUs <= nowUs) {
            slot.claimTick(nextTickUs);
            nextTickUs += TICK_US;
            run(true);
        }
    }

    private void run(boolean endOfBatch) throws Exception {
        long s = sequence++;
        for (EventHandler<EventSlot> stage : stages) {
            stage.onEvent(slot, s, endOfBatch);
        }
        if (endOfBatch) {
            sinceCommit = 0;
        }
    }

    /**
     * Stops as {@code kill -9} would just after a group commit: what the journal has is kept, every
     * stage's memory is lost, and no dedup snapshot is written.
     */
    void crash() throws Exception {
        slot.claimTick(nextTickUs - TICK_US); // commits what is buffered, as the last batch before the kill did
        run(true);
        journal.close();
        deadLetters.close();
        stages = null;
    }

    Journal journal() {
        return journal;
    }

    RuleStages ruleStages() {
        return ruleStages;
    }

    List<String> errors() {
        return errorLines;
    }

    @Override
    public void close() throws IOException {
        if (journal != null) {
            journal.close();
            deadLetters.close();
        }
    }
}
