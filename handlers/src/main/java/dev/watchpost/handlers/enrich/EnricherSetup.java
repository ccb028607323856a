package dev.watchpost.handlers.enrich;

import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.handlers.rules.TagTable;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What an enricher is given to configure itself: the whole validated rules (the site, the
 * enrichment section), its own keys from the rules file, the site's watch-list tag numbering, and
 * where to report problems and log.
 */
public final class EnricherSetup {
    private final String name;
    private final Rules rules;
    private final Map<String, Object> options;
    private final TagTable tags;
    private final boolean background;
    private final Consumer<String> log;
    private final List<String> problems;

    EnricherSetup(String name, Rules rules, Map<String, Object> options, TagTable tags, boolean background, Consumer<String> log,
                  List<String> problems) {
        this.name = name;
        this.rules = rules;
        this.options = options;
        this.tags = tags;
        this.background = background;
        this.log = log;
        this.problems = problems;
    }

    /** The rules file, validated. */
    public Rules rules() {
        return rules;
    }

    /** The keys under {@code enrichment.enrichers.<name>} other than {@code enabled} and {@code budget}, as plain values. */
    public Map<String, Object> options() {
        return options;
    }

    /** The site's watch-list tag numbering: {@link dev.watchpost.ringbuffer.Enrichment#tags()} bits. */
    public TagTable tags() {
        return tags;
    }

    /**
     * True when the enricher may start background work (a running daemon); false when it is only
     * being checked ({@code watchpost config validate}) or replayed offline.
     */
    public boolean background() {
        return background;
    }

    /** One line to the daemon's log. */
    public void log(String line) {
        log.accept(line);
    }

    /**
     * Reports a configuration problem: {@code keyPath} is the key's full path in the rules file (for
     * its own keys, {@code enrichment.enrichers.<name>.<key>}); {@code what} says what is wrong.
     */
    public void problem(String keyPath, String what) {
        problems.add(keyPath + ": " + what);
    }

    /** The path of one of its own keys: {@code enrichment.enrichers.<name>.<key>}. */
    public String keyPath(String key) {
        return "enrichment.enrichers." + name + "." + key;
    }
}
