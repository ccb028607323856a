package dev.watchpost.daemon;

import com.lmax.disruptor.EventHandler;
import dev.watchpost.handlers.AlertHandler;
import dev.watchpost.handlers.CorrelateHandler;
import dev.watchpost.handlers.EnrichHandler;
import dev.watchpost.handlers.ErrorLog;
import dev.watchpost.handlers.SeqAllocator;
import dev.watchpost.handlers.TrackFusionHandler;
import dev.watchpost.handlers.WindowDedupHandler;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.handlers.rules.TagTable;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import dev.watchpost.ringbuffer.pipeline.Stage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The stages that carry out the rules file, built together from one {@link Rules}: window, fuse,
 * correlate, enrich, alert. They are restored together from the journal's tail, replaced together when the rules are
 * reloaded, and closed together. The daemon, the offline replay ({@code watchpost rules test}) and
 * the tests all build them here, so each runs the same stages in the same order.
 */
public final class RuleStages implements AutoCloseable {
    /**
     * What the rule stages share with the rest of the pipeline.
     *
     * @param seqs       the allocator the deriving stages share with the sequencer (dedup stage)
     * @param tags       the site's watch-list tag numbering, kept for the life of the process
     * @param registry   the event types, the site's included
     * @param log        where stages report what they do in the background (a directory reload)
     * @param background whether stages may start background work (the daemon: yes; offline: no)
     */
    public record Shared(SeqAllocator seqs, TagTable tags, EventTypeRegistry registry, Counters counters, ErrorLog errors,
                         Consumer<String> log, boolean background) {
    }

    private final Rules rules;
    private final WindowDedupHandler window;
    private final TrackFusionHandler fuse;
    private final CorrelateHandler correlate;
    private final EnrichHandler enrich;
    private final AlertHandler alert;
    private final Map<Stage, EventHandler<EventSlot>> handlers = new EnumMap<>(Stage.class);

    public RuleStages(Rules rules, Shared shared) {
        this.rules = rules;
        this.window = new WindowDedupHandler(rules, shared.counters(), shared.errors());
        this.fuse = new TrackFusionHandler(rules, shared.seqs(), shared.counters(), shared.errors());
        this.correlate = new CorrelateHandler(rules, shared.registry(), shared.seqs(), shared.counters(), shared.errors());
        this.enrich = new EnrichHandler(rules, shared.tags(), shared.counters(), shared.errors(), shared.log(), shared.background());
        handlers.put(Stage.WINDOW, window);
        handlers.put(Stage.FUSE, fuse);
        handlers.put(Stage.CORRELATE, correlate);
        this.alert = new AlertHandler(rules, shared.tags(), shared.registry(), shared.seqs(), shared.counters(), shared.errors());
        handlers.put(Stage.ENRICH, enrich);
        handlers.put(Stage.ALERT, alert);
    }

    /** Rebuilds every stage's state from the journal's tail; one line per stage, for the log. Before the stages run. */
    public List<String> restore(Journal journal) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("window state rebuilt from the journal's last " + window.restore(journal) + " events: "
                + window.openKeys() + " open keys");
        lines.add("tracks rebuilt from the journal's last " + fuse.restore(journal) + " events: " + fuse.openTracks() + " open");
        lines.add("correlation rebuilt from the journal's last " + correlate.restore(journal) + " events: "
                + correlate.pendingMatches() + " pending, " + correlate.pendingDerived() + " to emit");
        if (!enrich.enricherNames().isEmpty()) {
            lines.add("enrichers, in order: " + String.join(", ", enrich.enricherNames()));
        }
        lines.add("alert throttles rebuilt from the journal's last " + alert.restore(journal) + " events: "
                + alert.pendingDerived() + " alerts to raise again");
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
     * What the stages still have to emit at a stop, as of the last batch: open tracks to end (each
     * ending may raise an alert too, so it counts twice) and derived events waiting for a slot. A
     * stop publishes shutdown slots until it is 0.
     */
    public long unfinished() {
        return 2L * fuse.openTracks() + fuse.pendingDerived() + correlate.pendingDerived() + alert.pendingDerived();
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

    public CorrelateHandler correlate() {
        return correlate;
    }

    /** Stops the stages' background work. */
    @Override
    public void close() {
        enrich.close();
    }
}
