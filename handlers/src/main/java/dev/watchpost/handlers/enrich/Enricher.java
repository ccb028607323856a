package dev.watchpost.handlers.enrich;

import java.util.List;

/**
 * Adds what the site knows about an event: names, directory entries, a severity. The enrich stage
 * calls every enabled enricher, in order, on each event it stores (a slot's own event and the
 * events derived from it); each adds members to the event's {@code enrichment} JSON object and may
 * set its severity and watch-list tags, which later stages read.
 *
 * <p>Found with {@link java.util.ServiceLoader} (a {@code META-INF/services/dev.watchpost.handlers.enrich.Enricher}
 * file naming the class, which needs a public no-argument constructor) besides the built-ins
 * {@code site}, {@code subjects} and {@code severity}. One found that way runs only when the rules
 * file lists it under {@code enrichment.enrichers}.
 *
 * <p><b>Order.</b> Dependencies first (each named enricher runs before this one), then higher
 * {@link #priority()} first, then by name. <b>Threading.</b> {@link #enrich} runs on the pipeline's
 * stage thread: it must not block, do I/O or allocate per event (read through {@link EnrichContext},
 * write precomputed byte fragments through {@link EnrichmentOut}); background work belongs on a
 * thread of its own, started in {@link #configure} when {@link EnricherSetup#background()} allows.
 * <b>Failure.</b> A call that throws, writes more than the object's bound or takes longer than its
 * {@link #budget()} marks the event ({@code failed} / {@code overrun}) and never stops the
 * pipeline; an enricher that keeps failing is suspended for a cool-down.
 */
public interface Enricher {
    /** The default time budget per call: a millisecond is far beyond a lookup in memory. */
    long BUDGET_DEFAULT_NANOS = 1_000_000;

    /** Its name in the rules file and in {@code failed}/{@code overrun}/{@code skipped} lists: 1..32 of a-z, 0-9, '_', '-'. */
    String name();

    /** Among enrichers that do not depend on each other, higher runs first. */
    default int priority() {
        return 0;
    }

    /** Names of the enrichers that must run before this one (it reads what they set); read after {@link #configure}. */
    default List<String> dependencies() {
        return List.of();
    }

    /** Its time budget per call, nanoseconds; the rules file's {@code budget} overrides it. */
    default long budget() {
        return BUDGET_DEFAULT_NANOS;
    }

    /**
     * Reads its configuration, once, before the first event; reports each problem through
     * {@link EnricherSetup#problem} rather than throwing.
     */
    default void configure(EnricherSetup setup) {
    }

    /** Enriches one event: reads {@code event}, writes to {@code out}. Stage thread; see the class comment. */
    void enrich(EnrichContext event, EnrichmentOut out);

    /** Stops its background work, if any. */
    default void close() {
    }
}
