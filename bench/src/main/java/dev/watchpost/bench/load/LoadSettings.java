package dev.watchpost.bench.load;

import java.net.URI;
import java.nio.file.Path;

/**
 * The load generator's settings, checked by {@link LoadGenerator} before anything connects.
 *
 * @param rate events/s over all connections; 0 for closed loop (as fast as the window allows)
 * @param rampSeconds open loop: the first seconds of the warm-up, over which the rate rises from 0
 * @param window most unacknowledged events per connection
 * @param writeIntervalMicros open loop: the least time between two writes of a connection, 0 for none
 * @param labelBytes label size, or -1 for the natural labels
 * @param payloadBytes payload size, or -1 for the natural payloads
 * @param token HELLO token, or {@code null} to send no HELLO
 * @param json where to write the results as JSON, or {@code null}
 * @param histogramLog where to write the interval histogram log, or {@code null}
 * @param stream the daemon's {@code /v1/stream} WebSocket to receive every event from, or {@code null}
 * @param streamSubscribers how many subscribers hold the stream (the first one times end-to-end latency)
 * @param daemonPid the daemon's process id, whose CPU and memory are sampled, or 0
 */
record LoadSettings(
    String host,
    int port,
    int connections,
    double rate,
    double durationSeconds,
    double warmupSeconds,
    double rampSeconds,
    double graceSeconds,
    int window,
    long writeIntervalMicros,
    double duplicates,
    double invalid,
    double motionShare,
    int labelBytes,
    int payloadBytes,
    String token,
    long seed,
    Path json,
    Path histogramLog,
    URI stream,
    int streamSubscribers,
    long daemonPid) {

    boolean openLoop() {
        return rate > 0;
    }
}
