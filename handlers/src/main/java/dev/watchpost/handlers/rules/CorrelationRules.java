package dev.watchpost.handlers.rules;

import dev.watchpost.ringbuffer.codec.EventTypeRegistry;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * The correlate stage's rules: composite rules ({@code composite:}), sequences ({@code sequences:})
 * and spatial correlation ({@code incidents:}), with how much of the journal's tail a start reads to
 * rebuild what they hold open ({@code correlation.restore_horizon}).
 *
 * @param composite      several detections joined into one action → {@code action.detected} (or the rule's {@code emit})
 * @param sequences      steps in order, with an optional absence → {@code sequence.matched} (or the rule's {@code emit})
 * @param incidents      one key seen on neighbouring cameras → {@code incident.correlated}
 * @param restoreHorizon how much event time of the journal's tail a start reads to rebuild pending matches
 */
public record CorrelationRules(List<CompositeRule> composite, List<SequenceRule> sequences, List<IncidentRule> incidents,
                               Duration restoreHorizon) {
    /** Longer than any sensible {@code within}; five minutes of journal reads in a second. */
    public static final Duration RESTORE_HORIZON_DEFAULT = Duration.ofMinutes(5);
    public static final Duration RESTORE_HORIZON_MAX = Duration.ofDays(1);
    public static final Duration WITHIN_MIN = Duration.ofMillis(1);
    public static final Duration WITHIN_MAX = Duration.ofHours(1);
    /** A small site has a few dozen people in view at once; each leaves at most a few dozen frames pending. */
    public static final int MAX_PENDING_DEFAULT = 1024;
    public static final int MAX_PENDING_MIN = 4;
    public static final int MAX_PENDING_MAX = 1 << 16;
    /** Steps of a sequence, parts of a composite: each part's seq is a parent, and parents are at most 16. */
    public static final int MAX_PARTS = 8;
    /** Bounding boxes that share this much of their union show the same thing (the usual detection-matching threshold). */
    public static final double IOU_DEFAULT = 0.3;

    public static final CorrelationRules NONE = new CorrelationRules(List.of(), List.of(), List.of(), RESTORE_HORIZON_DEFAULT);

    public CorrelationRules {
        composite = List.copyOf(composite);
        sequences = List.copyOf(sequences);
        incidents = List.copyOf(incidents);
        Objects.requireNonNull(restoreHorizon, "restoreHorizon");
        if (restoreHorizon.isNegative() || restoreHorizon.compareTo(RESTORE_HORIZON_MAX) > 0) {
            throw new IllegalArgumentException("restore horizon must be within 0s..1d, was " + restoreHorizon);
        }
    }

    /** True when there is any rule at all. */
    public boolean any() {
        return !composite.isEmpty() || !sequences.isEmpty() || !incidents.isEmpty();
    }

    /** The longest {@code within} of every rule: how long anything can stay pending. */
    public Duration longestWithin() {
        Duration longest = Duration.ZERO;
        for (CompositeRule r : composite) {
            longest = r.within().compareTo(longest) > 0 ? r.within() : longest;
        }
        for (SequenceRule r : sequences) {
            longest = r.within().compareTo(longest) > 0 ? r.within() : longest;
        }
        for (IncidentRule r : incidents) {
            longest = r.within().compareTo(longest) > 0 ? r.within() : longest;
        }
        return longest;
    }

    /**
     * Which detections a part, a step or an absent step takes.
     *
     * @param type   event type code (a detection's, never a derived one)
     * @param label  the label it must carry, or {@code null} for any
     * @param camera the camera_id it must come from, or {@code null} for any
     * @param zone   the zone_id it must carry, or {@code null} for any
     */
    public record Filter(int type, String label, UUID camera, UUID zone) {
        public Filter {
            if (type < 0 || type >= EventTypeRegistry.DERIVED_MIN) {
                throw new IllegalArgumentException("a filter's type must be a detection's code, was " + type);
            }
        }
    }

    /** How a composite rule's parts belong together. */
    public enum Join {
        /** the same (camera, track_id) */
        TRACK,
        /** the same subject_id (on the same camera unless same_camera is false) */
        SUBJECT,
        /** bounding boxes on the same camera overlapping by at least the rule's iou */
        IOU;

        public String configName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One composite rule.
     *
     * @param name       the rule's name (payload {@code rule}), unique among composite rules
     * @param action     what the match means ({@code label} and payload {@code action}), e.g. waved
     * @param all        the parts, two or more, each taken by its own filter
     * @param join       how the parts belong together
     * @param iou        the least intersection over union of a part's box with the completing part's ({@link Join#IOU})
     * @param sameCamera whether the parts must come from one camera (always for track and iou joins)
     * @param within     the most the parts' event times may spread
     * @param maxPending detections held waiting for the other parts; when full the oldest is dropped and counted
     * @param emit       the derived type code of a match
     */
    public record CompositeRule(String name, String action, List<Filter> all, Join join, double iou, boolean sameCamera,
                                Duration within, int maxPending, int emit) {
        public CompositeRule {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(action, "action");
            Objects.requireNonNull(join, "join");
            all = List.copyOf(all);
            if (all.size() < 2 || all.size() > MAX_PARTS) {
                throw new IllegalArgumentException("a composite rule needs 2.." + MAX_PARTS + " parts, had " + all.size());
            }
            checkWithin(within);
            checkPending(maxPending);
            checkEmit(emit);
            if (join == Join.TRACK || join == Join.IOU) {
                sameCamera = true;
            }
        }
    }

    /** What a sequence's instances are keyed on. */
    public enum SequenceKey {
        SUBJECT, TRACK, LABEL_ZONE;

        public String configName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One sequence rule.
     *
     * @param name       the rule's name (label and payload {@code rule}), unique among sequences
     * @param steps      the steps in order: two or more, or one or more with {@code absent}
     * @param key        what one instance's steps share
     * @param within     the most time from the first step to the last (and, with {@code absent}, to the deadline)
     * @param absent     a step that must not follow the last within {@code within}, or {@code null}
     * @param maxPending instances open at once; when full the oldest is dropped and counted
     * @param emit       the derived type code of a match
     */
    public record SequenceRule(String name, List<Filter> steps, SequenceKey key, Duration within, Filter absent, int maxPending,
                               int emit) {
        public SequenceRule {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(key, "key");
            steps = List.copyOf(steps);
            int least = absent == null ? 2 : 1;
            if (steps.size() < least || steps.size() > MAX_PARTS) {
                throw new IllegalArgumentException("a sequence needs " + least + ".." + MAX_PARTS + " steps, had " + steps.size());
            }
            checkWithin(within);
            checkPending(maxPending);
            checkEmit(emit);
        }
    }

    /** What one incident's sightings share. */
    public enum IncidentKey {
        SUBJECT, LABEL;

        public String configName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One spatial correlation rule.
     *
     * @param name           the rule's name (label and payload {@code rule}), unique among incidents
     * @param key            what one incident's sightings share
     * @param types          the detection types that count as sightings
     * @param within         the most time between a sighting and the next on a neighbouring camera; an incident
     *                       closes when the watermark passes its last sighting plus this
     * @param neighboursOnly whether a sighting joins only on the site's neighbours of the incident's cameras
     * @param maxOpen        incidents open at once; when full the oldest is closed early and counted
     */
    public record IncidentRule(String name, IncidentKey key, Set<Integer> types, Duration within, boolean neighboursOnly,
                               int maxOpen) {
        public IncidentRule {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(key, "key");
            types = Set.copyOf(types);
            if (types.isEmpty()) {
                throw new IllegalArgumentException("an incident rule needs at least one type");
            }
            checkWithin(within);
            checkPending(maxOpen);
        }
    }

    private static void checkWithin(Duration within) {
        Objects.requireNonNull(within, "within");
        if (within.compareTo(WITHIN_MIN) < 0 || within.compareTo(WITHIN_MAX) > 0) {
            throw new IllegalArgumentException("within must be within 1ms..1h, was " + within);
        }
    }

    private static void checkPending(int maxPending) {
        if (maxPending < MAX_PENDING_MIN || maxPending > MAX_PENDING_MAX) {
            throw new IllegalArgumentException("max pending must be within " + MAX_PENDING_MIN + ".." + MAX_PENDING_MAX + ", was " + maxPending);
        }
    }

    private static void checkEmit(int emit) {
        if (emit < EventTypeRegistry.DERIVED_MIN || emit > EventTypeRegistry.DERIVED_MAX) {
            throw new IllegalArgumentException("a rule emits a derived type code, was " + emit);
        }
    }
}
