package dev.watchpost.handlers.enrich;

import dev.watchpost.handlers.ErrorLog;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.ringbuffer.Enrichment;
import dev.watchpost.ringbuffer.codec.EventFrame;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs configured enrichers, in order, on one event at a time, timing each call and keeping each
 * one's circuit breaker; writes the event's {@code enrichment} object into one reused array. The enrich
 * stage's per-event work, on its thread; nothing here allocates per event.
 *
 * <p>The clock is read once before the first enricher and once after each: an enricher's time runs
 * from the reading that ended the one before it (the bookkeeping between two enrichers, a few
 * nanoseconds, counts towards the later one). A clock read costs 30-50 ns on the target VM, so with
 * three enrichers this is four reads per event instead of seven.
 */
public final class EnrichRunner {
    private static final byte[] FAILED = ascii("\"failed\":[");
    private static final byte[] OVERRUN = ascii("\"overrun\":[");
    private static final byte[] SKIPPED = ascii("\"skipped\":[");

    private final Enricher[] enrichers;
    private final long[] budgets;
    private final byte[][] quotedNames;
    private final String[] where;
    private final int[] consecutive;
    private final long[] suspendedUntil;
    private final int breakerFailures;
    private final long coolDownNanos;
    private final ErrorLog errors;
    private final EnrichContext context = new EnrichContext();
    private final EnrichmentOut out;

    long failed;
    long overrun;
    long skipped;
    long suspended;

    /** Runs {@code enrichers}, configured and in order, under {@code rules.enrichment()}'s breaker. */
    public EnrichRunner(List<Enrichers.Configured> enrichers, Rules rules, ErrorLog errors) {
        int n = enrichers.size();
        if (n > Enrichers.MAX_ENRICHERS) {
            throw new IllegalArgumentException("at most " + Enrichers.MAX_ENRICHERS + " enrichers, was " + n);
        }
        this.enrichers = new Enricher[n];
        this.budgets = new long[n];
        this.quotedNames = new byte[n][];
        this.where = new String[n];
        int listRoom = 3 * (FAILED.length + 2) + 2;
        for (int i = 0; i < n; i++) {
            this.enrichers[i] = enrichers.get(i).enricher();
            this.budgets[i] = enrichers.get(i).budgetNanos();
            this.quotedNames[i] = ascii("\"" + this.enrichers[i].name() + "\"");
            this.where[i] = "enrich " + this.enrichers[i].name();
            listRoom += 3 * (quotedNames[i].length + 1);
        }
        this.consecutive = new int[n];
        this.suspendedUntil = new long[n];
        this.breakerFailures = rules.enrichment().breakerFailures();
        this.coolDownNanos = rules.enrichment().breakerCoolDown().toNanos();
        this.errors = errors;
        this.out = new EnrichmentOut(listRoom);
    }

    /** How many enrichers it runs. */
    public int size() {
        return enrichers.length;
    }

    /** Names of the enrichers it runs, in order. */
    public List<String> names() {
        List<String> names = new ArrayList<>();
        for (Enricher e : enrichers) {
            names.add(e.name());
        }
        return names;
    }

    /** The last event's enrichment object: {@link #enrich}'s answer says how many bytes. */
    public byte[] object() {
        return out.array();
    }

    /** Calls that failed since the last {@link #drainCounts}; and so on for the others. */
    public long failed() {
        return failed;
    }

    public long overrun() {
        return overrun;
    }

    public long skipped() {
        return skipped;
    }

    public long suspended() {
        return suspended;
    }

    /** Forgets the counts (the stage has added them to its counters). */
    public void drainCounts() {
        failed = overrun = skipped = suspended = 0;
    }

    /** Runs the enrichers on one event; returns the length of its enrichment object, 0 for none. */
    public int enrich(EventFrame frame, Enrichment facts, long seq, boolean derived) {
        context.wrap(frame, facts, seq, derived);
        out.reset(facts);
        long failedBits = 0;
        long overrunBits = 0;
        long skippedBits = 0;
        long now = System.nanoTime();
        for (int i = 0; i < enrichers.length; i++) {
            if (suspendedUntil[i] != 0) {
                if (now - suspendedUntil[i] < 0) {
                    skippedBits |= 1L << i;
                    skipped++;
                    continue;
                }
                suspendedUntil[i] = 0;
                consecutive[i] = breakerFailures - 1; // half open: one more failure suspends it again
            }
            int mark = out.mark();
            int members = out.memberMark();
            int severity = facts.severity();
            long tags = facts.tags();
            boolean ok;
            long start = now; // the clock read that ended the enricher before: one read per enricher, not two
            try {
                enrichers[i].enrich(context, out);
                ok = !out.spoiled();
                if (!ok) {
                    errors.record(where[i], new IllegalStateException(
                            "wrote past the enrichment object's bound, or a name without its value (or a value without a name)"));
                }
            } catch (Throwable t) {
                ok = false;
                errors.record(where[i], t);
            }
            long end = System.nanoTime();
            now = end;
            boolean bad;
            if (!ok) {
                out.rollback(mark, members);
                facts.severity(severity);
                facts.tags(tags);
                facts.mark(Enrichment.MARK_FAILED);
                failedBits |= 1L << i;
                failed++;
                bad = true;
            } else if (end - start > budgets[i]) {
                facts.mark(Enrichment.MARK_OVERRUN);
                overrunBits |= 1L << i;
                overrun++;
                bad = true;
            } else {
                bad = false;
            }
            if (!bad) {
                consecutive[i] = 0;
            } else if (++consecutive[i] >= breakerFailures) {
                consecutive[i] = 0;
                suspendedUntil[i] = end + coolDownNanos;
                if (suspendedUntil[i] == 0) {
                    suspendedUntil[i] = 1;
                }
                suspended++;
            }
        }
        putList(FAILED, failedBits);
        putList(OVERRUN, overrunBits);
        putList(SKIPPED, skippedBits);
        if (out.members() == 0) {
            return 0;
        }
        out.putUnbounded((byte) '}');
        return out.position();
    }

    private void putList(byte[] name, long bits) {
        if (bits == 0) {
            return;
        }
        if (out.members() > 0) {
            out.putUnbounded((byte) ',');
        }
        out.putUnbounded(name);
        out.countMember();
        boolean first = true;
        while (bits != 0) {
            int i = Long.numberOfTrailingZeros(bits);
            bits &= bits - 1;
            if (!first) {
                out.putUnbounded((byte) ',');
            }
            first = false;
            out.putUnbounded(quotedNames[i]);
        }
        out.putUnbounded((byte) ']');
    }

    /** Stops the enrichers' background work. */
    public void close() {
        for (Enricher e : enrichers) {
            try {
                e.close();
            } catch (RuntimeException ex) {
                errors.record("enrich close", ex);
            }
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
