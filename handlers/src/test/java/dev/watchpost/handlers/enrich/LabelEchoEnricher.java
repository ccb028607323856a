package dev.watchpost.handlers.enrich;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** A test enricher found by the service loader: echoes the label as {@code "echo":"<label>"}; runs after site. */
public final class LabelEchoEnricher implements Enricher {
    private static final byte[] NAME_JSON = "\"echo\":".getBytes(StandardCharsets.US_ASCII);
    private final java.nio.ByteBuffer label = java.nio.ByteBuffer.allocate(64);

    @Override
    public String name() {
        return "echo";
    }

    @Override
    public List<String> dependencies() {
        return List.of("site");
    }

    @Override
    public void enrich(EnrichContext event, EnrichmentOut out) {
        int n = Math.min(event.labelLength(), 64);
        for (int i = 0; i < n; i++) {
            label.put(i, event.labelByte(i));
        }
        out.name(NAME_JSON).value(label, 0, n);
    }
}
