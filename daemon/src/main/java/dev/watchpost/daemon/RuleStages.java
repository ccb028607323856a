package dev.watchpost.daemon;

import com.lmax.disruptor.EventHandler;
import dev.watchpost.handlers.ErrorLog;
import dev.watchpost.handlers.SeqAllocator;
import dev.watchpost.handlers.TrackFusionHandler;
import dev.watchpost.handlers.WindowDedupHandler;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.pipeline.Stage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The stages that carry out the rules file, built together from one {@link Rules}: window, fuse.
 * They are restored together from the journal's tail, and replaced together when the rules are
 * reloaded. The daemon, the offline replay ({@code watchpost rules test}) and the tests all build
 * them here, so each runs the same stages in the same order.
 */
public final class RuleStages {
    private final Rules rules;
    private final WindowDedupHandler window;
    private final TrackFusionHandler fuse;
    private final Map<Stage, EventHandler<EventSlot>> handlers = new EnumMap<>(Stage.class);

    /**
     * @param seqs the allocator the deriving stages share with the sequencer (dedup stage)
     */
    public RuleStages(Rules rules, SeqAllocator seqs, Counters counters, ErrorLog errors) {
        this.rules = rules;
        this.window = new WindowDedupHandler(rules, counters, errors);
        this.fuse = new TrackFusionHandler(rules, seqs, counters, errors);
        handlers.put(Stage.WINDOW, window);
        handlers.put(Stage.FUSE, fuse);
    }

    /** Rebuilds every stage's state from the journal's tail; one line per stage, for the log. Before the stages run. */
    public List<String> restore(Journal journal) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("window state rebuilt from the journal's last " + window.restore(journal) + " events: "
                + window.openKeys() + " open keys");
        lines.add("tracks rebuilt from the journal's last " + fuse.restore(journal) + " events: " + fuse.openTracks() + " open");
        return lines;
    }

    /** The pipeline stages these are, each with its handler, in stage order. */
    public Map<Stage, EventHandler<EventSlot>> handlers() {
        return Collections.unmodifiableMap(handlers);
    }

    /** Runs every rule stage on the slot, in stage order: the offline replay and tests. */
    public void onEvent(EventSlot slot, long sequence, boolean endOfBatch) {
        for (EventHandler<EventSlot> handler : handlers.values()) {
            try {
                handler.onEvent(slot, sequence, endOfBatch);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e); // the rule stages throw no checked exception
            }
        }
    }

    /**
     * What the stages still have to emit at a stop, as of the last batch: open tracks to end and
     * derived events waiting for a slot. A stop publishes shutdown slots until it is 0.
     */
    public long unfinished() {
        return fuse.openTracks() + fuse.pendingDerived();
    }

    public Rules rules() {
        return rules;
    }

    public WindowDedupHandler window() {
        return window;
    }

    public TrackFusionHandler fuse() {
        return fuse;
    }
}
