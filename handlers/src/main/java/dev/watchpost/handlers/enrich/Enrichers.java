package dev.watchpost.handlers.enrich;

import dev.watchpost.handlers.rules.EnrichmentRules;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.handlers.rules.TagTable;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Finds, configures and orders the enrichers the rules enable: the built-ins and those the
 * {@link ServiceLoader} finds. Every problem (an unknown name, a bad option, a missing dependency,
 * a cycle) is reported as {@code <key path>: <what is wrong>}.
 */
public final class Enrichers {
    private static final Pattern NAME = Pattern.compile("[a-z0-9_-]{1,32}");
    /** Most enrichers one stage runs: their failed/overrun/skipped marks are the bits of a long. */
    public static final int MAX_ENRICHERS = 64;

    private Enrichers() {
    }

    /** One enricher ready to run, with its budget. */
    public record Configured(Enricher enricher, long budgetNanos) {
    }

    /** The built-ins, fresh instances: site, subjects, severity. */
    public static List<Enricher> builtIns() {
        return List.of(new SiteEnricher(), new SubjectsEnricher(), new SeverityEnricher());
    }

    /** Every enricher there is: the built-ins, then those found with the service loader of {@code loader}. */
    public static List<Enricher> available(ClassLoader loader, List<String> problems) {
        List<Enricher> all = new ArrayList<>(builtIns());
        try {
            for (Enricher e : ServiceLoader.load(Enricher.class, loader)) {
                all.add(e);
            }
        } catch (ServiceConfigurationError e) {
            problems.add("enrichment.enrichers: an enricher on the class path cannot be loaded: " + e.getMessage());
        }
        return all;
    }

    /**
     * Configures and orders the enrichers {@code rules} enables, out of {@code available}.
     * {@code background} lets them start background work (a running daemon). Problems go into
     * {@code problems}; the enrichers configured are closed again when there are any.
     */
    public static List<Configured> build(Rules rules, List<Enricher> available, TagTable tags, boolean background,
                                         Consumer<String> log, List<String> problems) {
        EnrichmentRules enrichment = rules.enrichment();
        if (!enrichment.enabled()) {
            return List.of();
        }
        int before = problems.size();
        Map<String, Enricher> byName = new LinkedHashMap<>();
        List<String> builtInNames = builtIns().stream().map(Enricher::name).toList();
        for (Enricher e : available) {
            String name;
            try {
                name = e.name();
            } catch (RuntimeException ex) {
                problems.add("enrichment.enrichers: " + e.getClass().getName() + " cannot say its name: " + ex);
                continue;
            }
            if (name == null || !NAME.matcher(name).matches()) {
                problems.add("enrichment.enrichers: " + e.getClass().getName() + " has the name '" + name
                        + "'; a name is 1..32 of a-z, 0-9, '_', '-'");
            } else if (byName.containsKey(name)) {
                problems.add("enrichment.enrichers." + name + ": two enrichers have this name: "
                        + byName.get(name).getClass().getName() + " and " + e.getClass().getName());
            } else {
                byName.put(name, e);
            }
        }
        for (String name : enrichment.enrichers().keySet()) {
            if (!byName.containsKey(name)) {
                problems.add("enrichment.enrichers." + name + ": no enricher of this name (known: " + String.join(", ", new TreeSet<>(byName.keySet())) + ")");
            }
        }
        List<Enricher> enabled = new ArrayList<>();
        for (Enricher e : byName.values()) {
            EnrichmentRules.EnricherSettings settings = enrichment.settings(e.name());
            boolean on = settings == null ? builtInNames.contains(e.name()) : settings.enabled();
            if (on) {
                enabled.add(e);
            }
        }
        if (enabled.size() > MAX_ENRICHERS) {
            problems.add("enrichment.enrichers: at most " + MAX_ENRICHERS + " enrichers run; " + enabled.size() + " are enabled");
            return List.of();
        }
        List<Enricher> configured = new ArrayList<>();
        for (Enricher e : enabled) {
            EnrichmentRules.EnricherSettings settings = enrichment.settings(e.name());
            try {
                e.configure(new EnricherSetup(e.name(), rules, settings == null ? Map.of() : settings.options(), tags, background, log, problems));
                // Read once here, so that an enricher whose answers throw is a configuration problem, not a crash.
                List.copyOf(e.dependencies());
                e.priority();
                if (e.budget() <= 0) {
                    problems.add("enrichment.enrichers." + e.name() + ": its budget must be positive, was " + e.budget() + " ns");
                }
                configured.add(e);
            } catch (RuntimeException ex) {
                problems.add("enrichment.enrichers." + e.name() + ": cannot be configured: " + ex);
                closeQuietly(e);
            }
        }
        List<Enricher> ordered = order(configured, problems);
        if (problems.size() > before) {
            configured.forEach(Enrichers::closeQuietly);
            return List.of();
        }
        List<Configured> out = new ArrayList<>();
        for (Enricher e : ordered) {
            EnrichmentRules.EnricherSettings settings = enrichment.settings(e.name());
            long budget = settings != null && settings.budget() != null ? settings.budget().toNanos() : e.budget();
            out.add(new Configured(e, budget));
        }
        return out;
    }

    /**
     * Orders enrichers: each after the ones it depends on; among those free to run, higher priority
     * first, then by name. A dependency that is not among them, or a cycle, is a problem.
     */
    public static List<Enricher> order(List<Enricher> enrichers, List<String> problems) {
        Map<String, Enricher> byName = new HashMap<>();
        for (Enricher e : enrichers) {
            byName.put(e.name(), e);
        }
        Map<String, Integer> waiting = new HashMap<>();
        Map<String, List<String>> dependents = new HashMap<>();
        boolean missing = false;
        for (Enricher e : enrichers) {
            int n = 0;
            for (String dependency : e.dependencies()) {
                if (!byName.containsKey(dependency)) {
                    problems.add("enrichment.enrichers." + e.name() + ": depends on '" + dependency + "', which is not enabled (enabled: "
                            + String.join(", ", new TreeSet<>(byName.keySet())) + ")");
                    missing = true;
                    continue;
                }
                n++;
                dependents.computeIfAbsent(dependency, k -> new ArrayList<>()).add(e.name());
            }
            waiting.put(e.name(), n);
        }
        if (missing) {
            return List.of();
        }
        PriorityQueue<Enricher> ready = new PriorityQueue<>(
                Comparator.comparingInt(Enricher::priority).reversed().thenComparing(Enricher::name));
        for (Enricher e : enrichers) {
            if (waiting.get(e.name()) == 0) {
                ready.add(e);
            }
        }
        List<Enricher> out = new ArrayList<>();
        while (!ready.isEmpty()) {
            Enricher e = ready.poll();
            out.add(e);
            for (String dependent : dependents.getOrDefault(e.name(), List.of())) {
                if (waiting.merge(dependent, -1, Integer::sum) == 0) {
                    ready.add(byName.get(dependent));
                }
            }
        }
        if (out.size() < enrichers.size()) {
            TreeSet<String> cycle = new TreeSet<>();
            for (Enricher e : enrichers) {
                if (waiting.get(e.name()) > 0) {
                    cycle.add(e.name());
                }
            }
            problems.add("enrichment.enrichers: a dependency cycle among " + String.join(", ", cycle));
            return List.of();
        }
        return out;
    }

    static void closeQuietly(Enricher e) {
        try {
            e.close();
        } catch (RuntimeException ignored) {
            // closing after a failed configuration: nothing more to do
        }
    }
}
