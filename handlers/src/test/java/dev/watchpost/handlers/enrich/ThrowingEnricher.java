package dev.watchpost.handlers.enrich;

import java.nio.charset.StandardCharsets;

/**
 * A test enricher that throws on events labelled {@code boom} (option {@code label}) after writing a
 * member and setting a severity, which must both be undone; on events labelled {@code dangling} it
 * writes a name without its value; on other events it writes {@code "ok":true}.
 */
public final class ThrowingEnricher implements Enricher {
    private static final byte[] OK = EnrichmentOut.fragment("ok", "true");
    private static final byte[] HALF = EnrichmentOut.fragment("half", "true");
    private static final byte[] DANGLING = "dangling".getBytes(StandardCharsets.UTF_8);
    private static final byte[] NAME = "\"dangling\":".getBytes(StandardCharsets.UTF_8);
    private byte[] label = "boom".getBytes(StandardCharsets.UTF_8);

    @Override
    public String name() {
        return "throwing";
    }

    @Override
    public void configure(EnricherSetup setup) {
        Object option = setup.options().get("label");
        if (option != null && !(option instanceof String)) {
            setup.problem(setup.keyPath("label"), "must be a string");
        } else if (option != null) {
            label = ((String) option).getBytes(StandardCharsets.UTF_8);
        }
    }

    @Override
    public void enrich(EnrichContext event, EnrichmentOut out) {
        if (event.labelEquals(label)) {
            out.member(HALF);
            out.severity(99);
            throw new IllegalStateException("the directory service is down");
        }
        if (event.labelEquals(DANGLING)) {
            out.name(NAME); // and no value: the object would not be JSON
            return;
        }
        out.member(OK);
    }
}
