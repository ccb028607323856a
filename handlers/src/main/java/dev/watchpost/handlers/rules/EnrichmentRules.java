package dev.watchpost.handlers.rules;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The enrich stage's rules ({@code enrichment:} in the rules file): which enrichers run and with what
 * time budget, the subject directory, the severity scoring and the circuit breaker that suspends an
 * enricher that keeps failing. Absent from the file, the stage is off and events carry no enrichment.
 *
 * @param enabled         false: the stage passes every slot by
 * @param enrichers       per enricher name, its settings as the file gives them (built-ins run unless
 *                        {@code enabled: false}; an enricher found on the class path runs only when
 *                        listed here)
 * @param subjectsFile    the subject directory file, resolved against the rules file's folder, or {@code null}
 * @param reloadInterval  how often the subject directory file is checked for a change
 * @param severity        the severity scoring
 * @param breakerFailures consecutive failures or overruns after which an enricher is suspended
 * @param breakerCoolDown how long a suspended enricher is skipped before it is tried again
 */
public record EnrichmentRules(boolean enabled, Map<String, EnricherSettings> enrichers, Path subjectsFile, Duration reloadInterval,
                              SeverityRules severity, int breakerFailures, Duration breakerCoolDown) {
    /** A file on the local disk: checking its modification time and size every 2 s costs nothing. */
    public static final Duration RELOAD_INTERVAL_DEFAULT = Duration.ofSeconds(2);
    public static final Duration RELOAD_INTERVAL_MIN = Duration.ofMillis(10);
    public static final Duration RELOAD_INTERVAL_MAX = Duration.ofHours(1);
    /** Five in a row is a broken enricher, not a slow moment. */
    public static final int BREAKER_FAILURES_DEFAULT = 5;
    public static final int BREAKER_FAILURES_MAX = 1_000_000;
    /** Long enough to spare the pipeline, short enough that a recovered enricher is back soon. */
    public static final Duration BREAKER_COOL_DOWN_DEFAULT = Duration.ofSeconds(30);
    public static final Duration BREAKER_COOL_DOWN_MAX = Duration.ofHours(24);

    /** The stage off: no section in the rules file. */
    public static final EnrichmentRules DISABLED = new EnrichmentRules(false, Map.of(), null, RELOAD_INTERVAL_DEFAULT,
            SeverityRules.DEFAULT, BREAKER_FAILURES_DEFAULT, BREAKER_COOL_DOWN_DEFAULT);

    public EnrichmentRules {
        enrichers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(enrichers));
        Objects.requireNonNull(reloadInterval, "reloadInterval");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(breakerCoolDown, "breakerCoolDown");
    }

    /** The settings of the enricher named {@code name}, or {@code null} when the file does not list it. */
    public EnricherSettings settings(String name) {
        return enrichers.get(name);
    }

    /**
     * One enricher's settings.
     *
     * @param enabled false: it does not run
     * @param budget  its time budget per event, or {@code null} for the enricher's own
     * @param options the other keys under its name, as plain values (String, Number, Boolean, List, Map), for its {@code configure}
     */
    public record EnricherSettings(boolean enabled, Duration budget, Map<String, Object> options) {
        public static final Duration BUDGET_MIN = Duration.ofNanos(1000);
        public static final Duration BUDGET_MAX = Duration.ofSeconds(1);

        public EnricherSettings {
            options = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(options));
        }
    }

    /**
     * Severity scoring: the event type's base (or {@code base} for a type not listed), plus the
     * label's, plus each watch-list tag's of the subject, capped at {@code max}.
     *
     * @param base   the base of a type not listed
     * @param types  base per event type code
     * @param labels added per label
     * @param tags   added per watch-list tag
     * @param max    the cap
     */
    public record SeverityRules(int base, Map<Integer, Integer> types, Map<String, Integer> labels, Map<String, Integer> tags, int max) {
        public static final int SEVERITY_MAX = 1000;
        public static final int MAX_DEFAULT = 10;
        public static final SeverityRules DEFAULT = new SeverityRules(0, Map.of(), Map.of(), Map.of(), MAX_DEFAULT);

        public SeverityRules {
            types = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(types));
            labels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(labels));
            tags = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tags));
        }

        /** The watch-list tags it scores, in the file's order. */
        public List<String> tagNames() {
            return List.copyOf(tags.keySet());
        }
    }
}
