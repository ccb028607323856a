package dev.watchpost.handlers;

import dev.watchpost.handlers.rules.CorrelationRules;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.handlers.rules.Site;
import dev.watchpost.handlers.rules.TrackRules;
import dev.watchpost.handlers.rules.WindowDedupRules;
import dev.watchpost.ringbuffer.EventExtras;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static dev.watchpost.handlers.Detection.DOOR;
import static dev.watchpost.handlers.Detection.TILL;

/** The correlate stage's tests' site (door, aisle, till in a line) and rules, and a readable form of a derived event. */
final class CorrelationFixture {
    static final UUID AISLE = UUID.fromString("0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a03");
    static final UUID ENTRANCE = UUID.fromString("9d1c6f0e-2b7a-4c55-8e11-3a4b5c6d7e01");
    /** door — aisle — till: the door and the till are not neighbours. */
    static final Site SITE = new Site("Corner shop", List.of(
            new Site.Camera("door", DOOR, "Front door", "ground", null, List.of("aisle"), null),
            new Site.Camera("aisle", AISLE, "Aisle 1", "ground", null, List.of("till"), null),
            new Site.Camera("till", TILL, "Checkout", "ground", null, List.of(), null)),
            List.of(new Site.Zone("entrance", ENTRANCE, "Entrance", "door")));

    static final CorrelationRules.Filter FACE = new CorrelationRules.Filter(EventTypeRegistry.FACE_RECOGNIZED, null, null, null);
    static final CorrelationRules.Filter WAVE = new CorrelationRules.Filter(EventTypeRegistry.GESTURE_DETECTED, "wave", null, null);

    private CorrelationFixture() {
    }

    static Rules rules(CorrelationRules correlation) {
        return new Rules(Duration.ofSeconds(2), Duration.ofSeconds(1), WindowDedupRules.defaults(), TrackRules.DEFAULT, SITE, correlation);
    }

    static CorrelationRules composite(CorrelationRules.CompositeRule... rules) {
        return new CorrelationRules(List.of(rules), List.of(), List.of(), CorrelationRules.RESTORE_HORIZON_DEFAULT);
    }

    static CorrelationRules sequences(CorrelationRules.SequenceRule... rules) {
        return new CorrelationRules(List.of(), List.of(rules), List.of(), CorrelationRules.RESTORE_HORIZON_DEFAULT);
    }

    static CorrelationRules incidents(CorrelationRules.IncidentRule... rules) {
        return new CorrelationRules(List.of(), List.of(), List.of(rules), CorrelationRules.RESTORE_HORIZON_DEFAULT);
    }

    static CorrelationRules.CompositeRule waved(CorrelationRules.Join join, double seconds, int maxPending) {
        return new CorrelationRules.CompositeRule("face_and_wave", "waved", List.of(FACE, WAVE), join, 0.3, true,
                Duration.ofMillis(Math.round(seconds * 1000)), maxPending, EventTypeRegistry.ACTION_DETECTED);
    }

    static CorrelationRules.SequenceRule doorThenTill() {
        return new CorrelationRules.SequenceRule("door_then_till", List.of(
                new CorrelationRules.Filter(EventTypeRegistry.FACE_RECOGNIZED, null, DOOR, null),
                new CorrelationRules.Filter(EventTypeRegistry.FACE_RECOGNIZED, null, TILL, null)),
                CorrelationRules.SequenceKey.SUBJECT, Duration.ofSeconds(60), null, 64, EventTypeRegistry.SEQUENCE_MATCHED);
    }

    static CorrelationRules.SequenceRule enteredUnrecognised() {
        return new CorrelationRules.SequenceRule("entered_unrecognised", List.of(
                new CorrelationRules.Filter(EventTypeRegistry.OBJECT_DETECTED, "person", DOOR, ENTRANCE)),
                CorrelationRules.SequenceKey.TRACK, Duration.ofSeconds(30), FACE, 64, EventTypeRegistry.SEQUENCE_MATCHED);
    }

    static CorrelationRules.IncidentRule walkedThrough(boolean neighboursOnly) {
        return new CorrelationRules.IncidentRule("walked_through", CorrelationRules.IncidentKey.SUBJECT,
                Set.of(EventTypeRegistry.FACE_RECOGNIZED), Duration.ofSeconds(60), neighboursOnly, 64);
    }

    /** One derived event as the tests read it. */
    record Derived(long seq, int type, String label, long tsUs, UUID camera, UUID subject, Long track, float confidence,
                   List<Long> parents, UUID receipt, UUID correlation, int revision, String payload) {
        static Derived of(long seq, ByteBuffer frameBuffer, int frameOffset, ByteBuffer extra, int extraOffset, int extraLength) {
            EventFrame frame = new EventFrame().wrap(frameBuffer, frameOffset);
            byte[] label = new byte[frame.labelLength()];
            frameBuffer.get(frame.labelIndex(), label);
            byte[] payload = new byte[(int) frame.payloadLength()];
            frameBuffer.get(frame.payloadIndex(), payload);
            List<Long> parents = new ArrayList<>();
            for (int i = 0; i < EventExtras.parentCount(extra, extraOffset, extraLength); i++) {
                parents.add(EventExtras.parent(extra, extraOffset, extraLength, i));
            }
            int c = EventExtras.correlationIndex(extra, extraOffset, extraLength);
            UUID correlation = new UUID(Long.reverseBytes(extra.getLong(c)), Long.reverseBytes(extra.getLong(c + 8)));
            return new Derived(seq, frame.eventType(), new String(label, StandardCharsets.UTF_8), frame.tsUs(),
                    new UUID(frame.uuidMsb(EventFrame.CAMERA_ID_OFFSET), frame.uuidLsb(EventFrame.CAMERA_ID_OFFSET)),
                    frame.hasSubject() ? new UUID(frame.uuidMsb(EventFrame.SUBJECT_ID_OFFSET), frame.uuidLsb(EventFrame.SUBJECT_ID_OFFSET)) : null,
                    frame.hasTrack() ? frame.trackId() : null, frame.confidence(), parents,
                    new UUID(frame.receiptIdMsb(), frame.receiptIdLsb()), correlation,
                    EventExtras.revision(extra, extraOffset, extraLength), new String(payload, StandardCharsets.UTF_8));
        }

        /** Everything but the journal seq: what a rebuild must make again exactly. */
        String identity() {
            return type + " " + label + " " + tsUs + " " + camera + " " + subject + " " + track + " " + confidence + " " + parents
                    + " " + receipt + " " + correlation + " r" + revision + " " + payload;
        }
    }
}
