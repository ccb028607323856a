package dev.watchpost.daemon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.function.Consumer;

import dev.watchpost.daemon.json.EventJsonWriter;
import dev.watchpost.daemon.json.ParsedEvent;
import dev.watchpost.handlers.ErrorLog;
import dev.watchpost.handlers.SeqAllocator;
import dev.watchpost.handlers.ValidateHandler;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.handlers.rules.TagTable;
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
 * Runs rules over recorded events, offline ({@code watchpost rules test}): a journal's detections, or
 * JSON events from a file, go through the validate, window, fuse, correlate, enrich and alert stages as they would live, with fresh rule state and seqs
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
        Run run = new Run(out);
        EventFrame frame = new EventFrame();
        JournalRecord record = new JournalRecord();
        try (JournalReader reader = journal.reader(1)) {
            while (reader.next(record)) {
                if (record.type() != JournalFormat.TYPE_EVENT) {
                    continue;
                }
                frame.wrap(record.buffer(), record.frameOffset());
                if (!registry.isDerived(frame.eventType())) {
                    run.detection(record.buffer(), record.frameOffset(), record.frameLength(), record.receivedAtUs());
                }
            }
        }
        return run.end();
    }

    /**
     * Replays JSON events as a backend would POST them (one object, an array or NDJSON), in their
     * order; each one's arrival time is taken to be its event time. An event the JSON form alone
     * rejects counts as rejected.
     */
    public Summary run(List<ParsedEvent> events, Consumer<String> out) {
        Run run = new Run(out);
        for (ParsedEvent event : events) {
            if (event.isRejected()) {
                run.rejected++;
                continue;
            }
            ByteBuffer frame = ByteBuffer.wrap(event.frame(), 0, event.frameLength()).order(ByteOrder.LITTLE_ENDIAN);
            run.detection(frame, 0, event.frameLength(), new EventFrame().wrap(frame, 0).tsUs());
        }
        return run.end();
    }

    /** One replay's stages and counts. */
    private final class Run {
        private final Consumer<String> out;
        private final Counters counters = new Counters();
        private final ErrorLog errors = new ErrorLog(counters, message -> { });
        // A recording is in the past: no clock-skew bound applies to it.
        private final ValidateHandler validate = new ValidateHandler(new EventValidator(registry, Long.MAX_VALUE / 4), counters, errors);
        private final SeqAllocator seqs = new SeqAllocator(1);
        // No background work offline: the subject directory is read once, as it is now.
        private final RuleStages stages = new RuleStages(rules, new RuleStages.Shared(seqs, new TagTable(), registry, counters, errors, line -> { }, false));
        private final EventJsonWriter json = new EventJsonWriter(registry);
        private final EventSlot slot = new EventSlot(512);
        private long detections;
        private long rejected;
        private long repeats;
        private long derived;
        private long lastReceivedUs;
        private long sequence;

        Run(Consumer<String> out) {
            this.out = out;
        }

        void detection(ByteBuffer bytes, int offset, int length, long receivedAtUs) {
            detections++;
            lastReceivedUs = receivedAtUs;
            ByteBuffer into = slot.claimEvent(length, null, 0, receivedAtUs);
            into.put(0, bytes, offset, length);
            validate.onEvent(slot, sequence, true);
            if (slot.nack() == null) {
                slot.sequence(seqs.next());
            } else {
                rejected++;
            }
            stages.onEvent(slot, sequence++, true);
            repeats += slot.repeatOf() != EventSlot.NO_SEQ ? 1 : 0;
            emit();
        }

        /** The end of the recording: ends what is open, a slot's worth of derived events at a time. */
        Summary end() {
            stages.correlate().endOfInput(); // absences and incidents that would close at the end of time do close
            long rounds = stages.unfinished() + stages.correlate().pendingMatches() + 1;
            do {
                slot.claimShutdown(lastReceivedUs);
                stages.onEvent(slot, sequence++, true);
                emit();
            } while (stages.unfinished() > 0 && --rounds > 0);
            return new Summary(detections, rejected, repeats, derived);
        }

        private void emit() {
            for (int i = 0; i < slot.derivedCount(); i++) {
                DerivedEvent event = slot.derived(i);
                out.accept(json.toJson(event.seq(), slot.receivedAtUs(), event.frame(), event.extra(), 0, event.extraLength()));
            }
            derived += slot.derivedCount();
        }
    }
}
