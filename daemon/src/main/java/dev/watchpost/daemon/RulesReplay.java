package dev.watchpost.daemon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

import dev.watchpost.daemon.json.EventJsonWriter;
import dev.watchpost.handlers.ErrorLog;
import dev.watchpost.handlers.SeqAllocator;
import dev.watchpost.handlers.TrackFusionHandler;
import dev.watchpost.handlers.ValidateHandler;
import dev.watchpost.handlers.WindowDedupHandler;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.JournalFormat;
import dev.watchpost.persistence.journal.JournalReader;
import dev.watchpost.persistence.journal.JournalRecord;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.DerivedEvent;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import dev.watchpost.ringbuffer.codec.EventValidator;

/**
 * Runs rules over recorded events, offline ({@code watchpost rules test}): the journal's detections go
 * through the validate, window and fuse stages as they would live, with fresh rule state and seqs
 * counted from 1, and each derived event comes out as its JSON line. The recording's own derived
 * events are left out: they are what the rules under test replace. Event time alone drives the
 * watermark (no wall-clock tick), so an old recording replays as it happened; at the end the open
 * tracks end as at a clean stop (reason {@code shutdown}).
 */
public final class RulesReplay {
    /** What a replay read and derived. */
    public record Summary(long detections, long rejected, long repeats, long derived) {
        @Override
        public String toString() {
            return detections + " detections read, " + rejected + " rejected by validation, " + repeats
                    + " window repeats, " + derived + " derived events";
        }
    }

    private final Rules rules;
    private final EventTypeRegistry registry;

    public RulesReplay(Rules rules, EventTypeRegistry registry) {
        this.rules = rules;
        this.registry = registry;
    }

    /** Replays every detection of {@code journal} and hands each derived event's JSON to {@code out}, in seq order. */
    public Summary run(Journal journal, Consumer<String> out) throws IOException {
        Counters counters = new Counters();
        ErrorLog errors = new ErrorLog(counters, message -> { });
        // A recording is in the past: no clock-skew bound applies to it.
        ValidateHandler validate = new ValidateHandler(new EventValidator(registry, Long.MAX_VALUE / 4), counters, errors);
        SeqAllocator seqs = new SeqAllocator(1);
        WindowDedupHandler window = new WindowDedupHandler(rules, counters, errors);
        TrackFusionHandler fuse = new TrackFusionHandler(rules, seqs, counters, errors);
        EventJsonWriter json = new EventJsonWriter(registry);
        EventSlot slot = new EventSlot(512);
        EventFrame frame = new EventFrame();
        JournalRecord record = new JournalRecord();
        long detections = 0;
        long rejected = 0;
        long repeats = 0;
        long derived = 0;
        long lastReceivedUs = 0;
        long sequence = 0;
        try (JournalReader reader = journal.reader(1)) {
            while (reader.next(record)) {
                if (record.type() != JournalFormat.TYPE_EVENT) {
                    continue;
                }
                frame.wrap(record.buffer(), record.frameOffset());
                if (registry.isDerived(frame.eventType())) {
                    continue;
                }
                detections++;
                lastReceivedUs = record.receivedAtUs();
                ByteBuffer into = slot.claimEvent(record.frameLength(), null, 0, lastReceivedUs);
                into.put(0, record.buffer(), record.frameOffset(), record.frameLength());
                validate.onEvent(slot, sequence, true);
                if (slot.nack() == null) {
                    slot.sequence(seqs.next());
                } else {
                    rejected++;
                }
                window.onEvent(slot, sequence, true);
                fuse.onEvent(slot, sequence++, true);
                repeats += slot.repeatOf() != EventSlot.NO_SEQ ? 1 : 0;
                derived += emit(slot, json, out);
            }
        }
        // The end of the recording: end what is open, a slot's worth of derived events at a time.
        long rounds = fuse.openTracks() + fuse.pendingDerived() + 1;
        do {
            slot.claimShutdown(lastReceivedUs);
            window.onEvent(slot, sequence, true);
            fuse.onEvent(slot, sequence++, true);
            derived += emit(slot, json, out);
        } while (fuse.openTracks() + fuse.pendingDerived() > 0 && --rounds > 0);
        return new Summary(detections, rejected, repeats, derived);
    }

    private static int emit(EventSlot slot, EventJsonWriter json, Consumer<String> out) {
        for (int i = 0; i < slot.derivedCount(); i++) {
            DerivedEvent event = slot.derived(i);
            out.accept(json.toJson(event.seq(), slot.receivedAtUs(), event.frame(), event.extra(), 0, event.extraLength()));
        }
        return slot.derivedCount();
    }
}
