package dev.watchpost.handlers.enrich;

import dev.watchpost.handlers.rules.EnrichmentRules.SeverityRules;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The built-in {@code severity}: scores each event from the rules ({@code enrichment.severity}): the
 * event type's base (or {@code base}), plus its label's, plus each watch-list tag's of its subject,
 * capped at {@code max}; sets the event's severity fact and {@code "severity":n}. With tag scores it
 * runs after {@code subjects}, which sets the tags.
 */
public final class SeverityEnricher implements Enricher {
    public static final String NAME = "severity";
    private static final byte[] SEVERITY = "\"severity\":".getBytes(StandardCharsets.US_ASCII);

    private final int[] byType = new int[1 << 16];
    private byte[][] labels = new byte[0][];
    private int[] labelScores = new int[0];
    private final int[] byTag = new int[64];
    private long scoredTags;
    private int max = SeverityRules.MAX_DEFAULT;
    private List<String> dependencies = List.of();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public List<String> dependencies() {
        return dependencies;
    }

    @Override
    public void configure(EnricherSetup setup) {
        SeverityRules rules = setup.rules().enrichment().severity();
        java.util.Arrays.fill(byType, rules.base());
        for (Map.Entry<Integer, Integer> e : rules.types().entrySet()) {
            byType[e.getKey()] = e.getValue();
        }
        labels = new byte[rules.labels().size()][];
        labelScores = new int[rules.labels().size()];
        int i = 0;
        for (Map.Entry<String, Integer> e : rules.labels().entrySet()) {
            labels[i] = e.getKey().getBytes(StandardCharsets.UTF_8);
            labelScores[i++] = e.getValue();
        }
        for (Map.Entry<String, Integer> e : rules.tags().entrySet()) {
            int bit = setup.tags().bit(e.getKey());
            if (bit < 0) {
                setup.problem("enrichment.severity.tags." + e.getKey(), "more than 64 distinct watch-list tags at this site");
                continue;
            }
            byTag[bit] = e.getValue();
            scoredTags |= 1L << bit;
        }
        max = rules.max();
        dependencies = rules.tags().isEmpty() ? List.of() : List.of(SubjectsEnricher.NAME);
    }

    @Override
    public void enrich(EnrichContext event, EnrichmentOut out) {
        long score = byType[event.eventType()];
        for (int i = 0; i < labels.length; i++) {
            if (event.labelEquals(labels[i])) {
                score += labelScores[i];
                break;
            }
        }
        long tags = event.tags() & scoredTags;
        while (tags != 0) {
            int bit = Long.numberOfTrailingZeros(tags);
            score += byTag[bit];
            tags &= tags - 1;
        }
        int severity = (int) Math.max(0, Math.min(max, score));
        out.severity(severity);
        out.name(SEVERITY).value(severity);
    }
}
