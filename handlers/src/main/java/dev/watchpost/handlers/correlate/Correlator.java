package dev.watchpost.handlers.correlate;

import dev.watchpost.handlers.SeqAllocator;
import dev.watchpost.handlers.rules.CorrelationRules;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;

/**
 * Every correlation rule of the rules file, fed one stored detection at a time and moved on by the
 * watermark: the composite, sequence and incident matchers sharing one {@link Emitter}. Single
 * writer: the correlate stage's thread ({@link dev.watchpost.handlers.CorrelateHandler}).
 */
public final class Correlator {
    private final CompositeMatcher[] composite;
    private final SequenceMatcher[] sequences;
    private final IncidentMatcher[] incidents;
    private final Emitter emitter;
    private final boolean[] emitted = new boolean[1 << 16];

    public Correlator(Rules rules, EventTypeRegistry registry) {
        CorrelationRules c = rules.correlation();
        emitter = new Emitter(registry);
        Keys keys = new Keys();
        composite = new CompositeMatcher[c.composite().size()];
        for (int i = 0; i < composite.length; i++) {
            composite[i] = new CompositeMatcher(c.composite().get(i), emitter, keys);
            emitted[c.composite().get(i).emit()] = true;
        }
        sequences = new SequenceMatcher[c.sequences().size()];
        for (int i = 0; i < sequences.length; i++) {
            sequences[i] = new SequenceMatcher(c.sequences().get(i), emitter, keys);
            emitted[c.sequences().get(i).emit()] = true;
        }
        incidents = new IncidentMatcher[c.incidents().size()];
        for (int i = 0; i < incidents.length; i++) {
            incidents[i] = new IncidentMatcher(c.incidents().get(i), rules.site(), emitter, keys);
        }
        if (incidents.length > 0) {
            emitted[EventTypeRegistry.INCIDENT_CORRELATED] = true;
        }
    }

    /** True when events of this type code are this stage's own output. */
    public boolean emits(int type) {
        return type >= 0 && type < emitted.length && emitted[type];
    }

    /**
     * A stored detection (a window repeat included): {@code burst} is the seq of the first event of
     * its content-window burst (its own seq when it repeats nothing).
     */
    public void onDetection(EventFrame frame, long seq, long burst, long watermarkUs) {
        if (frame.eventType() >= EventTypeRegistry.DERIVED_MIN) {
            return; // derived events are not inputs
        }
        for (CompositeMatcher m : composite) {
            m.onDetection(frame, seq, burst, watermarkUs);
        }
        for (SequenceMatcher m : sequences) {
            m.onDetection(frame, seq, watermarkUs);
        }
        for (IncidentMatcher m : incidents) {
            m.onDetection(frame, seq, watermarkUs);
        }
    }

    /** Fires and closes what the watermark has reached (absences, incidents), while the queue has room. */
    public void expire(long watermarkUs) {
        if (watermarkUs == Long.MIN_VALUE) {
            return;
        }
        for (CompositeMatcher m : composite) {
            m.dropExpired(watermarkUs);
        }
        for (SequenceMatcher m : sequences) {
            m.expire(watermarkUs);
        }
        for (IncidentMatcher m : incidents) {
            m.expire(watermarkUs);
        }
    }

    public void drainInto(EventSlot slot, SeqAllocator seqs) {
        emitter.drainInto(slot, seqs);
    }

    /** Derived events waiting for a slot. */
    public int pendingDerived() {
        return emitter.pending();
    }

    /** Partial matches, open sequence instances and open incidents held now. */
    public int pendingMatches() {
        int n = 0;
        for (CompositeMatcher m : composite) {
            n += m.pending();
        }
        for (SequenceMatcher m : sequences) {
            n += m.pending();
        }
        for (IncidentMatcher m : incidents) {
            n += m.pending();
        }
        return n;
    }

    /**
     * Receipt ids of this stage's events found stored: never emitted again; while rebuilding, matches
     * with a part before {@code trustFromUs} count as stored too (the tail cut what made them).
     */
    public void alreadyStored(long[] msb, long[] lsb, int count, long trustFromUs) {
        LongSet set = new LongSet(Math.max(16, count));
        for (int i = 0; i < count; i++) {
            set.add(Emitter.mix(msb[i], lsb[i]));
        }
        emitter.recordStored(set, trustFromUs);
    }

    /** The rebuild is over. */
    public void rebuilt() {
        emitter.trustAll();
    }

    // ---- counts since the last call, for the stage's counters

    public long takeActions() {
        long n = 0;
        for (CompositeMatcher m : composite) {
            n += m.matched;
            m.matched = 0;
        }
        return n;
    }

    public long takeSequences() {
        long n = 0;
        for (SequenceMatcher m : sequences) {
            n += m.matched;
            m.matched = 0;
        }
        return n;
    }

    public long takeIncidents() {
        long n = 0;
        for (IncidentMatcher m : incidents) {
            n += m.correlated;
            m.correlated = 0;
        }
        return n;
    }

    public long takeEvicted() {
        long n = 0;
        for (CompositeMatcher m : composite) {
            n += m.evicted;
            m.evicted = 0;
        }
        for (SequenceMatcher m : sequences) {
            n += m.evicted;
            m.evicted = 0;
        }
        for (IncidentMatcher m : incidents) {
            n += m.evicted;
            m.evicted = 0;
        }
        return n;
    }

    public long takeOverflow() {
        long n = emitter.overflow;
        emitter.overflow = 0;
        return n;
    }
}
