package dev.watchpost.handlers;

import com.lmax.disruptor.EventHandler;
import dev.watchpost.handlers.enrich.EnrichRunner;
import dev.watchpost.handlers.enrich.Enricher;
import dev.watchpost.handlers.enrich.Enrichers;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.handlers.rules.TagTable;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.DerivedEvent;
import dev.watchpost.ringbuffer.Enrichment;
import dev.watchpost.ringbuffer.EventExtras;
import dev.watchpost.ringbuffer.EventSlot;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The enrich stage: runs the enabled enrichers ({@link Enricher}), in order, on every event the slot
 * will store — its own event (window repeats included) and each derived event earlier stages
 * attached — and stores what they found with the event: the {@code enrichment} JSON object as the
 * extras' enrichment section ({@link EventExtras}), which the journal keeps as it is, and the
 * severity and watch-list tags as the event's {@link Enrichment} facts for the stages after it.
 *
 * <pre>
 *  for each enricher, in order:
 *    suspended (breaker open, cool-down not over) ─► "skipped": [name]
 *    call, timed ─► threw, or wrote past the bound ─► its members and facts undone, "failed": [name], MARK_FAILED
 *               └─► took longer than its budget    ─► kept, "overrun": [name], MARK_OVERRUN
 *    breaker_failures failures/overruns in a row   ─► suspended for breaker_cool_down, then tried again
 * </pre>
 *
 * Nothing an enricher does escapes this stage, and no event waits for one beyond its own call. An
 * event nothing was found about (no member, no mark) gets no section. Nothing here allocates per
 * event: the object is written into one reused array ({@link EnrichRunner}) and appended to the
 * event's extras buffer, which grows once when it has no room and is reused after.
 */
public final class EnrichHandler implements EventHandler<EventSlot>, AutoCloseable {
    private final EnrichRunner runner;
    private final Counters counters;
    private final ErrorLog errors;
    private byte[] copy = new byte[256];

    /**
     * A stage running what {@code rules.enrichment()} enables, found among the built-ins and the
     * service loader's enrichers. {@code background} lets enrichers start background work (the
     * subject directory's reload); off for offline replays.
     *
     * @throws IllegalArgumentException naming every problem, one per line (the rules loader reports them first)
     */
    public EnrichHandler(Rules rules, TagTable tags, Counters counters, ErrorLog errors, Consumer<String> log, boolean background) {
        this(configure(rules, tags, background, log), rules, counters, errors);
    }

    /** A stage running exactly {@code enrichers}, configured and in order. */
    public EnrichHandler(List<Enrichers.Configured> enrichers, Rules rules, Counters counters, ErrorLog errors) {
        this.runner = new EnrichRunner(enrichers, rules, errors);
        this.counters = counters;
        this.errors = errors;
    }

    private static List<Enrichers.Configured> configure(Rules rules, TagTable tags, boolean background, Consumer<String> log) {
        List<String> problems = new ArrayList<>();
        List<Enricher> available = Enrichers.available(EnrichHandler.class.getClassLoader(), problems);
        List<Enrichers.Configured> out = Enrichers.build(rules, available, tags, background, log, problems);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", problems));
        }
        return out;
    }

    /** Names of the enrichers it runs, in order. */
    public List<String> enricherNames() {
        return runner.names();
    }

    @Override
    public void onEvent(EventSlot slot, long sequence, boolean endOfBatch) {
        if (runner.size() > 0) {
            try {
                if (slot.isToStore()) {
                    int length = runner.enrich(slot.frame(), slot.enrichment(), slot.journalSeq(), false);
                    if (length > 0) {
                        slot.putEnrichment(runner.object(), length);
                    }
                }
                for (int i = 0; i < slot.derivedCount(); i++) {
                    DerivedEvent event = slot.derived(i);
                    int length = runner.enrich(event.frame(), event.enrichment(), event.seq(), true);
                    if (length > 0) {
                        append(event, length);
                    }
                }
            } catch (RuntimeException e) {
                // A bug here must not stop the ring: the events are stored all the same.
                errors.record("enrich", e);
            }
        }
        if (endOfBatch && (runner.failed() | runner.overrun() | runner.skipped() | runner.suspended()) != 0) {
            counters.add(Counter.ENRICH_FAILED, runner.failed());
            counters.add(Counter.ENRICH_OVERRUN, runner.overrun());
            counters.add(Counter.ENRICH_SKIPPED, runner.skipped());
            counters.add(Counter.ENRICH_SUSPENDED, runner.suspended());
            runner.drainCounts();
        }
    }

    /** Appends the object to a derived event's extras; its buffer grows once, keeping what it holds. */
    private void append(DerivedEvent event, int length) {
        int before = event.extraLength();
        int need = (before == 0 ? EventExtras.META_OFFSET : before) + length + EventExtras.ENRICHMENT_SECTION_FIXED;
        ByteBuffer extra = event.extra();
        if (extra.capacity() < need) {
            if (copy.length < before) {
                copy = new byte[Math.max(before, 2 * copy.length)];
            }
            extra.get(0, copy, 0, before);
            extra = event.extraBuffer(need);
            extra.put(0, copy, 0, before);
        }
        int extraLength = EventExtras.putEnrichmentSection(extra, 0, before, runner.object(), length);
        event.lengths(event.length(), extraLength);
    }

    /** Stops the enrichers' background work. */
    @Override
    public void close() {
        runner.close();
    }
}
