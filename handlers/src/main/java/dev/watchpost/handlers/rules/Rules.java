package dev.watchpost.handlers.rules;

import java.time.Duration;
import java.util.Objects;

/**
 * The rules file ({@code rules.yml}), validated: how event time is judged (the watermark's allowed
 * lateness and clock skew) and the settings of each rule kind. Every value here has been checked by
 * the daemon's loader; defaults are the {@code *_DEFAULT} constants, next to their reason.
 *
 * @param allowedLateness how far behind the highest event time seen an event may arrive and still be
 *                        on time; rules that wait (a window closing) wait this much longer
 * @param clockSkew       how far detectors' event times may trail the daemon's clock (clock offset
 *                        plus detection delay); the watermark's advance on a quiet input keeps this
 *                        margin
 * @param windowDedup     the content-window dedup
 * @param tracks          track fusion
 * @param site            the cameras and zones, with their names and topology
 * @param correlation     composite rules, sequences and spatial correlation (the correlate stage)
 */
public record Rules(Duration allowedLateness, Duration clockSkew, WindowDedupRules windowDedup, TrackRules tracks, Site site,
                    CorrelationRules correlation) {
    /** The default: two seconds cover a detector's batching and the LAN. */
    public static final Duration ALLOWED_LATENESS_DEFAULT = Duration.ofSeconds(2);
    /** NTP keeps clocks within milliseconds; a second also covers a detector's own processing delay. */
    public static final Duration CLOCK_SKEW_DEFAULT = Duration.ofSeconds(1);
    public static final Duration LATENESS_MAX = Duration.ofHours(1);

    public Rules {
        Objects.requireNonNull(allowedLateness, "allowedLateness");
        Objects.requireNonNull(clockSkew, "clockSkew");
        Objects.requireNonNull(windowDedup, "windowDedup");
        Objects.requireNonNull(tracks, "tracks");
        Objects.requireNonNull(site, "site");
        Objects.requireNonNull(correlation, "correlation");
    }

    /** Rules without correlation rules. */
    public Rules(Duration allowedLateness, Duration clockSkew, WindowDedupRules windowDedup, TrackRules tracks, Site site) {
        this(allowedLateness, clockSkew, windowDedup, tracks, site, CorrelationRules.NONE);
    }

    /** Rules with no site described. */
    public Rules(Duration allowedLateness, Duration clockSkew, WindowDedupRules windowDedup, TrackRules tracks) {
        this(allowedLateness, clockSkew, windowDedup, tracks, Site.EMPTY);
    }

    /** Rules with the default track fusion. */
    public Rules(Duration allowedLateness, Duration clockSkew, WindowDedupRules windowDedup) {
        this(allowedLateness, clockSkew, windowDedup, TrackRules.DEFAULT);
    }

    /** The built-in rules, used when watchpost.yml names no rules file. */
    public static Rules defaults() {
        return new Rules(ALLOWED_LATENESS_DEFAULT, CLOCK_SKEW_DEFAULT, WindowDedupRules.defaults(), TrackRules.DEFAULT, Site.EMPTY);
    }
}
