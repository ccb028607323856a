package dev.watchpost.handlers.rules;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How events of one type are deduplicated by content: events with the same key whose event times
 * fall within {@code window} of the burst's first event ({@link Mode#FIXED}) or of any event of the
 * burst ({@link Mode#SLIDING}) are repeats of the first.
 *
 * @param enabled whether the type is deduplicated by content at all
 * @param window  the window, in event time
 * @param mode    fixed or sliding
 * @param key     the fields that make the key, in order, each at most once; the event type is always
 *                part of it
 */
public record WindowDedupRule(boolean enabled, Duration window, Mode mode, List<KeyField> key) {
    /** The seed: "remove duplicates in a 5 s window". */
    public static final Duration WINDOW_DEFAULT = Duration.ofSeconds(5);
    public static final Duration WINDOW_MIN = Duration.ofMillis(1);
    public static final Duration WINDOW_MAX = Duration.ofDays(1);
    /** Bounded: a steady stream of repeats still yields one original per window. */
    public static final Mode MODE_DEFAULT = Mode.FIXED;
    /** The default key: camera, type, and track_id, else subject_id, else label. */
    public static final List<KeyField> KEY_DEFAULT = List.of(KeyField.CAMERA, KeyField.TYPE, KeyField.IDENTITY);

    public static final WindowDedupRule DEFAULT = new WindowDedupRule(true, WINDOW_DEFAULT, MODE_DEFAULT, KEY_DEFAULT);

    public WindowDedupRule {
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(mode, "mode");
        key = List.copyOf(key);
        if (window.compareTo(WINDOW_MIN) < 0 || window.compareTo(WINDOW_MAX) > 0) {
            throw new IllegalArgumentException("window must be within 1ms..1d, was " + window);
        }
        if (key.isEmpty() || EnumSet.copyOf(key).size() != key.size()) {
            throw new IllegalArgumentException("key must name at least one field, each once, was " + key);
        }
    }

    /** This rule switched off (its other settings kept). */
    public WindowDedupRule off() {
        return new WindowDedupRule(false, window, mode, key);
    }

    /** Where the window is measured from. */
    public enum Mode {
        /** From the first event of the burst; later repeats do not extend it (NATS JetStream's duplicate window). */
        FIXED,
        /** From every event of the burst: each repeat extends it. */
        SLIDING;

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses a configuration name; {@code null} when there is no such mode. */
        public static Mode fromConfigName(String name) {
            for (Mode mode : values()) {
                if (mode.configName().equals(name)) {
                    return mode;
                }
            }
            return null;
        }
    }

    /** A field of the event that can make part of the key. */
    public enum KeyField {
        CAMERA,
        ZONE,
        /** Always part of the key; may be listed for clarity. */
        TYPE,
        /** The track_id, or "no track" when its flag is clear. */
        TRACK_ID,
        /** The subject_id, or "no subject" when its flag is clear. */
        SUBJECT_ID,
        /** The label's bytes. */
        LABEL,
        STORE_ID,
        /** The track_id when present, else the subject_id when present, else the label. */
        IDENTITY;

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses a configuration name; {@code null} when there is no such field. */
        public static KeyField fromConfigName(String name) {
            for (KeyField field : values()) {
                if (field.configName().equals(name)) {
                    return field;
                }
            }
            return null;
        }
    }
}
