package dev.watchpost.handlers.enrich;

import dev.watchpost.handlers.rules.EnrichmentRules;
import dev.watchpost.handlers.rules.EnrichmentRules.EnricherSettings;
import dev.watchpost.handlers.rules.EnrichmentRules.SeverityRules;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.handlers.rules.TagTable;
import dev.watchpost.handlers.rules.TrackRules;
import dev.watchpost.handlers.rules.WindowDedupRules;
import dev.watchpost.handlers.rules.Site;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EnrichersTest {
    /** An enricher that only has a name, a priority and dependencies. */
    private record Named(String name, int priority, List<String> dependencies) implements Enricher {
        @Override
        public void enrich(EnrichContext event, EnrichmentOut out) {
        }
    }

    private static Named e(String name, int priority, String... dependencies) {
        return new Named(name, priority, List.of(dependencies));
    }

    private static List<String> names(List<Enricher> enrichers) {
        return enrichers.stream().map(Enricher::name).toList();
    }

    static Rules rules(Map<String, EnricherSettings> enrichers, SeverityRules severity) {
        EnrichmentRules enrichment = new EnrichmentRules(true, enrichers, null, EnrichmentRules.RELOAD_INTERVAL_DEFAULT, severity,
                EnrichmentRules.BREAKER_FAILURES_DEFAULT, EnrichmentRules.BREAKER_COOL_DOWN_DEFAULT);
        return new Rules(Duration.ofSeconds(2), Duration.ofSeconds(1), WindowDedupRules.defaults(), TrackRules.DEFAULT, Site.EMPTY, enrichment);
    }

    @Test
    void shouldRunHigherPriorityFirstAndBreakTiesByName() {
        List<String> problems = new ArrayList<>();
        assertEquals(List.of("high", "alpha", "beta", "low"),
                names(Enrichers.order(List.of(e("low", -5), e("beta", 0), e("high", 50), e("alpha", 0)), problems)));
        assertEquals(List.of(), problems);
    }

    @Test
    void shouldRunDependenciesFirstWhateverTheirPriority() {
        List<String> problems = new ArrayList<>();
        List<Enricher> ordered = Enrichers.order(List.of(e("score", 100, "lookup"), e("lookup", -10, "names"), e("names", -20), e("other", 0)),
                problems);
        assertEquals(List.of("other", "names", "lookup", "score"), names(ordered));
        assertEquals(List.of(), problems);
    }

    @Test
    void shouldReportACycleNamingTheEnrichers() {
        List<String> problems = new ArrayList<>();
        assertEquals(List.of(), Enrichers.order(List.of(e("a", 0, "c"), e("b", 0, "a"), e("c", 0, "b"), e("free", 0)), problems));
        assertEquals(List.of("enrichment.enrichers: a dependency cycle among a, b, c"), problems);
    }

    @Test
    void shouldReportAMissingDependencyNamingBoth() {
        List<String> problems = new ArrayList<>();
        Enrichers.order(List.of(e("score", 0, "directory"), e("site", 0)), problems);
        assertEquals(List.of("enrichment.enrichers.score: depends on 'directory', which is not enabled (enabled: score, site)"), problems);
    }

    @Test
    void shouldOrderTheBuiltInsSiteSubjectsSeverity() {
        List<String> problems = new ArrayList<>();
        Map<String, Integer> tags = Map.of("banned", 5);
        List<Enrichers.Configured> built = Enrichers.build(rules(Map.of(), new SeverityRules(0, Map.of(), Map.of(), tags, 10)),
                Enrichers.builtIns(), new TagTable(), false, line -> { }, problems);
        assertEquals(List.of(), problems);
        assertEquals(List.of("site", "subjects", "severity"), built.stream().map(c -> c.enricher().name()).toList());
        assertEquals(List.of("subjects"), built.get(2).enricher().dependencies());
        assertEquals(Enricher.BUDGET_DEFAULT_NANOS, built.get(0).budgetNanos());
    }

    @Test
    void shouldRefuseSeverityByTagWithoutTheSubjectsEnricher() {
        List<String> problems = new ArrayList<>();
        Map<String, EnricherSettings> settings = new LinkedHashMap<>();
        settings.put("subjects", new EnricherSettings(false, null, Map.of()));
        Enrichers.build(rules(settings, new SeverityRules(0, Map.of(), Map.of(), Map.of("banned", 5), 10)), Enrichers.builtIns(),
                new TagTable(), false, line -> { }, problems);
        assertEquals(List.of("enrichment.enrichers.severity: depends on 'subjects', which is not enabled (enabled: severity, site)"), problems);
    }

    @Test
    void shouldFindServiceLoaderEnrichersButRunThemOnlyWhenListed() {
        List<String> problems = new ArrayList<>();
        List<Enricher> available = Enrichers.available(getClass().getClassLoader(), problems);
        assertTrue(names(available).containsAll(List.of("site", "subjects", "severity", "echo", "throwing", "slow")), names(available).toString());

        List<Enrichers.Configured> unlisted = Enrichers.build(rules(Map.of(), SeverityRules.DEFAULT), available, new TagTable(), false,
                line -> { }, problems);
        assertEquals(List.of("site", "subjects", "severity"), unlisted.stream().map(c -> c.enricher().name()).toList());

        Map<String, EnricherSettings> settings = Map.of("echo", new EnricherSettings(true, Duration.ofMillis(3), Map.of()));
        List<Enrichers.Configured> listed = Enrichers.build(rules(settings, SeverityRules.DEFAULT),
                Enrichers.available(getClass().getClassLoader(), problems), new TagTable(), false, line -> { }, problems);
        assertEquals(List.of("site", "subjects", "severity", "echo"), listed.stream().map(c -> c.enricher().name()).toList());
        assertEquals(3_000_000, listed.get(3).budgetNanos());
        assertEquals(List.of(), problems);
    }

    @Test
    void shouldReportAnUnknownEnricherAndAnEnrichersOwnProblems() {
        List<String> problems = new ArrayList<>();
        Map<String, EnricherSettings> settings = new LinkedHashMap<>();
        settings.put("weather", new EnricherSettings(true, null, Map.of()));
        settings.put("throwing", new EnricherSettings(true, null, Map.of("label", 7)));
        Enrichers.build(rules(settings, SeverityRules.DEFAULT), Enrichers.available(getClass().getClassLoader(), problems), new TagTable(),
                false, line -> { }, problems);
        assertEquals(List.of(
                "enrichment.enrichers.weather: no enricher of this name (known: echo, severity, site, slow, subjects, throwing)",
                "enrichment.enrichers.throwing.label: must be a string"), problems);
    }
}
