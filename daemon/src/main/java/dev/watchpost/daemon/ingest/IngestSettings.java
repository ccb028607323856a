package dev.watchpost.daemon.ingest;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What a TCP connection needs to know of the configuration, in the form the I/O thread uses.
 *
 * @param tokens        accepted HELLO tokens as UTF-8; empty means HELLO is optional
 * @param ackIntervalUs advertised in WELCOME
 */
record IngestSettings(List<byte[]> tokens, long ackIntervalUs) {
    static IngestSettings of(List<String> tokens, long ackIntervalUs) {
        return new IngestSettings(tokens.stream().map(t -> t.getBytes(StandardCharsets.UTF_8)).toList(), ackIntervalUs);
    }

    boolean authenticationRequired() {
        return !tokens.isEmpty();
    }
}
