package dev.watchpost.bench.peers;

import picocli.CommandLine.Option;

/**
 * Options every peer run shares with the load generator, so that a peer and watchpostd are driven
 * with the same events for the same time: event content ({@code --payload-bytes}, {@code --label-bytes},
 * {@code --motion-share}, {@code --seed}), producers (one per detector connection) and timing.
 */
final class PeerOptions {
    @Option(names = "--producers", defaultValue = "2", paramLabel = "N",
        description = "Producing threads, one client connection each, as --connections of the load generator (default: ${DEFAULT-VALUE}).")
    int producers;

    @Option(names = "--batch", defaultValue = "256", paramLabel = "K",
        description = "Events per pipelined/batched round trip or per force (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--window", defaultValue = "8192", paramLabel = "W",
        description = "Most events per producer sent but not yet completed end to end (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--warmup", defaultValue = "5", paramLabel = "S", description = "Seconds before the measurement (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--duration", defaultValue = "15", paramLabel = "S", description = "Seconds measured (default: ${DEFAULT-VALUE}).")
    double duration;

    @Option(names = "--motion-share", defaultValue = "0.6", paramLabel = "F", description = "As the load generator's (default: ${DEFAULT-VALUE}).")
    double motionShare;

    @Option(names = "--label-bytes", defaultValue = "-1", paramLabel = "N", description = "As the load generator's (default: ${DEFAULT-VALUE}).")
    int labelBytes;

    @Option(names = "--payload-bytes", defaultValue = "-1", paramLabel = "N", description = "As the load generator's (default: ${DEFAULT-VALUE}).")
    int payloadBytes;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the event mix (default: ${DEFAULT-VALUE}).")
    long seed;

    void check() {
        if (producers < 1 || batch < 1 || window < batch || warmup < 0 || duration <= 0) {
            throw new IllegalArgumentException("need producers >= 1, batch >= 1, window >= batch, warmup >= 0, duration > 0; were "
                + producers + ", " + batch + ", " + window + ", " + warmup + ", " + duration);
        }
    }
}
