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
 * @param enrichment      the enrich stage: enrichers, subject directory, severity
 * @param alerts          alert routing: rules raising alert.raised, and the channels delivering it
 * @param correlation     composite rules, sequences and spatial correlation (the correlate stage)
 */
public record Rules(Duration allowedLateness, Duration clockSkew, WindowDedupRules windowDedup, TrackRules tracks, Site site,
                    EnrichmentRules enrichment, AlertRules alerts, CorrelationRules correlation) {
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
        Objects.requireNonNull(enrichment, "enrichment");
        Objects.requireNonNull(alerts, "alerts");
        Objects.requireNonNull(correlation, "correlation");
    }

    /** Rules with enrichment and alert routing, and no correlation rules. */
    public Rules(Duration allowedLateness, Duration clockSkew, WindowDedupRules windowDedup, TrackRules tracks, Site site,
                 EnrichmentRules enrichment, AlertRules alerts) {
        this(allowedLateness, clockSkew, windowDedup, tracks, site, enrichment, alerts, CorrelationRules.NONE);
    }

    /** Rules without enrichment, alert routing or correlation rules. */
    public Rules(Duration allowedLateness, Duration clockSkew, WindowDedupRules windowDedup, TrackRules tracks, Site site) {
        this(allowedLateness, clockSkew, windowDedup, tracks, site, EnrichmentRules.DISABLED, AlertRules.NONE, CorrelationRules.NONE);
    }

    /** Rules with correlation rules only. */
    public Rules(Duration allowedLateness, Duration clockSkew, WindowDedupRules windowDedup, TrackRules tracks, Site site,
                 CorrelationRules correlation) {
        this(allowedLateness, clockSkew, windowDedup, tracks, site, EnrichmentRules.DISABLED, AlertRules.NONE, correlation);
    }

    /** Rules without alert routing. */
    public Rules(Duration allowedLateness, Duration clockSkew, WindowDedupRules windowDedup, TrackRules tracks, Site site,
                 EnrichmentRules enrichment) {
        this(allowedLateness, clockSkew, windowDedup, tracks, site, enrichment, AlertRules.NONE);
    }

    /** Rules without enrichment. */
    public Rules(Duration allowedLateness, Duration clockSkew, WindowDedupRules windowDedup, TrackRules tracks, Site site,
                 AlertRules alerts) {
        this(allowedLateness, clockSkew, windowDedup, tracks, site, EnrichmentRules.DISABLED, alerts);
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
