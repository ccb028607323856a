package dev.watchpost.handlers.enrich;

import java.nio.charset.StandardCharsets;

/** A test enricher that spins for 20 ms on events labelled {@code slow}, far beyond any budget the tests give it. */
public final class SlowEnricher implements Enricher {
    private static final byte[] SLOW = "slow".getBytes(StandardCharsets.UTF_8);
    private static final byte[] DONE = EnrichmentOut.fragment("slow_done", "true");

    @Override
    public String name() {
        return "slow";
    }

    @Override
    public long budget() {
        return 2_000_000;
    }

    @Override
    public void enrich(EnrichContext event, EnrichmentOut out) {
        if (event.labelEquals(SLOW)) {
            long until = System.nanoTime() + 20_000_000;
            while (System.nanoTime() - until < 0) {
                Thread.onSpinWait();
            }
        }
        out.member(DONE);
    }
}
