package dev.watchpost.handlers.rules;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Track fusion: detections sharing (camera, track_id) become one track with a lifecycle
 * (track.started, track.updated, track.ended).
 *
 * @param enabled         whether the fuse stage makes tracks at all
 * @param idleTimeout     a track ends when the watermark passes its last detection's time plus this
 * @param updateInterval  at most one track.updated per track per this much event time
 * @param maxOpenTracks   tracks open at once; when full the least recently seen is ended ({@code evicted})
 * @param types           event type codes whose detections make tracks; {@code null} for every
 *                        non-derived type (an event makes a track only when its track_id is set)
 * @param severity        severity by label (a track's severity starts at its label's, else 0, and
 *                        only ever rises)
 * @param restoreHorizon  how much event time of the journal's tail a start reads to rebuild open tracks
 */
public record TrackRules(boolean enabled, Duration idleTimeout, Duration updateInterval, int maxOpenTracks,
                         Set<Integer> types, Map<String, Integer> severity, Duration restoreHorizon) {
    /** Frigate ends an object's event a few seconds after its tracker loses it; 5 s is as long. */
    public static final Duration IDLE_TIMEOUT_DEFAULT = Duration.ofSeconds(5);
    public static final Duration IDLE_TIMEOUT_MIN = Duration.ofMillis(10);
    public static final Duration IDLE_TIMEOUT_MAX = Duration.ofHours(1);
    /** A dashboard redraws a track about once a second; more often is noise in the journal. */
    public static final Duration UPDATE_INTERVAL_DEFAULT = Duration.ofSeconds(1);
    public static final Duration UPDATE_INTERVAL_MAX = Duration.ofHours(1);
    /** A few dozen cameras hold a few hundred tracks at once; ten thousand is room for crowds at ~7 MB. */
    public static final int MAX_OPEN_TRACKS_DEFAULT = 10_000;
    public static final int MAX_OPEN_TRACKS_MIN = 16;
    public static final int MAX_OPEN_TRACKS_MAX = 1 << 20;
    /** Tracks last longer than minutes only when someone stands still; five minutes of journal reads in a second. */
    public static final Duration RESTORE_HORIZON_DEFAULT = Duration.ofMinutes(5);
    public static final Duration RESTORE_HORIZON_MAX = Duration.ofDays(1);
    public static final int SEVERITY_MAX = 100;

    public static final TrackRules DEFAULT = new TrackRules(true, IDLE_TIMEOUT_DEFAULT, UPDATE_INTERVAL_DEFAULT,
            MAX_OPEN_TRACKS_DEFAULT, null, Map.of(), RESTORE_HORIZON_DEFAULT);

    public TrackRules {
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(updateInterval, "updateInterval");
        Objects.requireNonNull(restoreHorizon, "restoreHorizon");
        if (idleTimeout.compareTo(IDLE_TIMEOUT_MIN) < 0 || idleTimeout.compareTo(IDLE_TIMEOUT_MAX) > 0) {
            throw new IllegalArgumentException("idle timeout must be within 10ms..1h, was " + idleTimeout);
        }
        if (updateInterval.isNegative() || updateInterval.compareTo(UPDATE_INTERVAL_MAX) > 0) {
            throw new IllegalArgumentException("update interval must be within 0s..1h, was " + updateInterval);
        }
        if (maxOpenTracks < MAX_OPEN_TRACKS_MIN || maxOpenTracks > MAX_OPEN_TRACKS_MAX) {
            throw new IllegalArgumentException("max open tracks must be within " + MAX_OPEN_TRACKS_MIN + ".." + MAX_OPEN_TRACKS_MAX
                    + ", was " + maxOpenTracks);
        }
        if (restoreHorizon.isNegative() || restoreHorizon.compareTo(RESTORE_HORIZON_MAX) > 0) {
            throw new IllegalArgumentException("restore horizon must be within 0s..1d, was " + restoreHorizon);
        }
        types = types == null ? null : Set.copyOf(types);
        severity = Map.copyOf(severity);
        severity.forEach((label, value) -> {
            if (value < 0 || value > SEVERITY_MAX) {
                throw new IllegalArgumentException("severity of '" + label + "' must be within 0.." + SEVERITY_MAX + ", was " + value);
            }
        });
    }

    /** True when detections of this type code make tracks (their track_id set). */
    public boolean tracks(int eventType) {
        return enabled && eventType < dev.watchpost.ringbuffer.codec.EventTypeRegistry.DERIVED_MIN
                && (types == null || types.contains(eventType));
    }
}
