package dev.watchpost.ringbuffer.pipeline;

import java.util.Locale;

/** The pipeline's stages in the only order they run: each sees a slot after the one before it. */
public enum Stage {
    /** Checks every rule of protocol v1 and rejects with a NACK code. */
    VALIDATE,
    /** Recognises retried receipt_ids and gives each new event its journal seq. */
    DEDUP,
    /**
     * Advances the event-time watermark (on events and on the wall clock's ticks) and marks events
     * that repeat an earlier one within their content window; later event-time rules join it.
     */
    WINDOW,
    /**
     * Fuses each track's detections into its lifecycle (track.started, track.updated, track.ended)
     * and puts those derived events into the slot's derived area, with seqs from the sequencer's
     * allocator; ends idle tracks on the watermark.
     */
    FUSE,
    /**
     * Correlates stored detections by composite rules, sequences (with absence) and spatial
     * topology, and puts action.detected, sequence.matched and incident.correlated into the slot's
     * derived area, with seqs from the sequencer's allocator; fires absences and closes incidents on
     * the watermark.
     */
    CORRELATE,
    /**
     * Runs the enrichers on every event the slot will store (its own and its derived events): the
     * enrichment object goes into the event's extras, severity and watch-list tags into its
     * {@code Enrichment} facts.
     */
    ENRICH,
    /**
     * Evaluates the alert rules on every event the slot will store, its own and the derived ones,
     * and puts an alert.raised per unthrottled match into the slot's derived area.
     */
    ALERT,
    /** Appends new events, then the slot's derived events, to the journal and rejected frames to the dead-letter store; group commit. */
    JOURNAL,
    /** Answers the origins: ACK/NACK frames, HTTP results, closes. */
    ACK,
    /** Hands stored events to the live streams. */
    PUBLISH;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Stage fromConfigName(String name) {
        for (Stage stage : values()) {
            if (stage.configName().equals(name)) {
                return stage;
            }
        }
        return null;
    }
}
