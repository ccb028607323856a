package dev.watchpost.handlers;

import com.lmax.disruptor.EventHandler;
import dev.watchpost.handlers.correlate.Correlator;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.JournalFormat;
import dev.watchpost.persistence.journal.JournalReader;
import dev.watchpost.persistence.journal.JournalRecord;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventExtras;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;

import java.io.IOException;
import java.util.Arrays;

/**
 * The correlate stage: composite rules ({@code action.detected}), sequences with optional absence
 * ({@code sequence.matched}) and spatial correlation over the site's topology
 * ({@code incident.correlated}), as derived events stored, streamed and replayed like any other.
 *
 * <pre>
 *  stored detection (new or window repeat) ─► composite: completes a match? ─► action.detected
 *                                          ─► sequences: takes a step / cancels an absence ─► sequence.matched
 *                                          ─► incidents: joins or opens its key's incident
 *  watermark passes a deadline ─────────────► sequence with absence: sequence.matched; incident closes:
 *                                              incident.correlated (two cameras or more)
 * </pre>
 *
 * <p><b>Flow.</b> As the fuse stage's: derived events come from this stage's pool, wait in its pending
 * queue and ride in the next slots under seqs of the shared {@link SeqAllocator}; timed emissions wait
 * in their tables while the queue is nearly full; a match that finds it full is dropped and counted
 * ({@code correlate_overflow}). Derived events (the fuse stage's included) are not inputs; receipt
 * duplicates and rejected events are not seen. Nothing here allocates per event.
 *
 * <p><b>Restart.</b> {@link #restore} rebuilds pending matches from the journal's tail. A clean stop
 * does not flush them either: the next start rebuilds them the same way.
 */
public final class CorrelateHandler implements EventHandler<EventSlot> {
    private final Rules rules;
    private final Correlator correlator;
    private final SeqAllocator seqs;
    private final Counters counters;
    private final ErrorLog errors;
    private final long latenessUs;
    private final boolean any;
    private volatile boolean endOfInput;
    private volatile int publishedPending;
    private volatile int publishedMatches;

    public CorrelateHandler(Rules rules, EventTypeRegistry registry, SeqAllocator seqs, Counters counters, ErrorLog errors) {
        this.rules = rules;
        this.correlator = new Correlator(rules, registry);
        this.seqs = seqs;
        this.counters = counters;
        this.errors = errors;
        this.latenessUs = rules.allowedLateness().toNanos() / 1000;
        this.any = rules.correlation().any();
    }

    @Override
    public void onEvent(EventSlot slot, long sequence, boolean endOfBatch) {
        try {
            slot.releaseDerived(sequence);
            if (any) {
                long watermarkUs = endOfInput ? Long.MAX_VALUE : slot.watermarkUs();
                correlator.expire(watermarkUs);
                if (slot.isToStore()) {
                    long seq = slot.journalSeq();
                    long burst = slot.repeatOf() != EventSlot.NO_SEQ ? slot.repeatOf() : seq;
                    correlator.onDetection(slot.frame(), seq, burst, watermarkUs);
                    correlator.expire(watermarkUs);
                }
                correlator.drainInto(slot, seqs);
            }
        } catch (RuntimeException e) {
            // A bug here must not stop the ring: the slot's own event is stored all the same.
            errors.record("correlate", e);
        }
        if (endOfBatch && any) {
            counters.add(Counter.ACTIONS_DETECTED, correlator.takeActions());
            counters.add(Counter.SEQUENCES_MATCHED, correlator.takeSequences());
            counters.add(Counter.INCIDENTS_CORRELATED, correlator.takeIncidents());
            counters.add(Counter.CORRELATE_EVICTED, correlator.takeEvicted());
            counters.add(Counter.CORRELATE_OVERFLOW, correlator.takeOverflow());
            publishedPending = correlator.pendingDerived();
            publishedMatches = correlator.pendingMatches();
        }
    }

    /**
     * Marks the end of a recording ({@code watchpost rules test}): from the next slot on the watermark
     * is taken as the end of time, so absences and incidents that would close do close.
     */
    public void endOfInput() {
        endOfInput = true;
    }

    /**
     * Rebuilds pending matches from the journal's tail (every record within
     * {@code correlation.restore_horizon} of the last record's event time): first the stored events of
     * this stage's own types are noted as the record of what was emitted (by receipt id); then the
     * detections replay through the same rules, the watermark following their event times. A match
     * the replay makes whose receipt id is stored is not emitted again; one the crash lost is queued
     * and goes out on the first slots. A match with a part within the longest rule bound (plus the
     * lateness) of the tail's start is taken as stored: what made it may have begun before the tail,
     * and the journal then holds it under parts the replay does not see. Call before the pipeline starts.
     *
     * @return the records read
     */
    public long restore(Journal journal) throws IOException {
        if (!any) {
            return 0;
        }
        long lastRecordTs = journal.lastRecordTsUs();
        if (lastRecordTs == Long.MIN_VALUE) {
            return 0;
        }
        long last = journal.lastSeq();
        long horizonUs = rules.correlation().restoreHorizon().toNanos() / 1000;
        long from = journal.seqForTime(lastRecordTs - horizonUs);
        JournalRecord record = new JournalRecord();
        EventFrame frame = new EventFrame();
        long[] msb = new long[64];
        long[] lsb = new long[64];
        int stored = 0;
        try (JournalReader reader = journal.reader(from, last)) {
            while (reader.next(record)) {
                if (record.type() != JournalFormat.TYPE_EVENT) {
                    continue;
                }
                frame.wrap(record.buffer(), record.frameOffset());
                if (correlator.emits(frame.eventType())) {
                    if (stored == msb.length) {
                        msb = Arrays.copyOf(msb, 2 * stored);
                        lsb = Arrays.copyOf(lsb, 2 * stored);
                    }
                    msb[stored] = frame.receiptIdMsb();
                    lsb[stored++] = frame.receiptIdLsb();
                }
            }
        }
        // What began within a rule's bound of the tail's start may have begun before it: its matches
        // are in the journal under parts the replay does not see, so they are taken as stored.
        correlator.alreadyStored(msb, lsb, stored, lastRecordTs - horizonUs
                + rules.correlation().longestWithin().toNanos() / 1000 + latenessUs);
        long read = 0;
        long maxTs = Long.MIN_VALUE;
        try (JournalReader reader = journal.reader(from, last)) {
            while (reader.next(record)) {
                if (record.type() != JournalFormat.TYPE_EVENT) {
                    continue;
                }
                read++;
                frame.wrap(record.buffer(), record.frameOffset());
                if (frame.eventType() >= EventTypeRegistry.DERIVED_MIN) {
                    continue;
                }
                maxTs = Math.max(maxTs, frame.tsUs());
                long watermarkUs = maxTs - latenessUs;
                long burst = record.seq();
                if (EventExtras.hasWindowSection(record.buffer(), record.extraOffset(), record.extraLength())) {
                    long original = EventExtras.duplicateOf(record.buffer(), record.extraOffset(), record.extraLength());
                    if (original != EventSlot.NO_SEQ) {
                        burst = original;
                    }
                }
                correlator.expire(watermarkUs);
                correlator.onDetection(frame, record.seq(), burst, watermarkUs);
                correlator.expire(watermarkUs);
            }
        }
        correlator.rebuilt();
        correlator.takeActions();
        correlator.takeSequences();
        correlator.takeIncidents();
        correlator.takeEvicted();
        publishedPending = correlator.pendingDerived();
        publishedMatches = correlator.pendingMatches();
        return read;
    }

    // ---- for status, shutdown and tests (any thread)

    /** Derived events waiting for a slot at the end of the last batch. */
    public int pendingDerived() {
        return publishedPending;
    }

    /** Partial matches, open sequence instances and open incidents at the end of the last batch. */
    public int pendingMatches() {
        return publishedMatches;
    }
}
