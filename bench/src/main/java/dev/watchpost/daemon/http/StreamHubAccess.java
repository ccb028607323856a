package dev.watchpost.daemon.http;

import io.netty.channel.embedded.EmbeddedChannel;

/**
 * Lets the benchmarks attach live stream clients on embedded channels, as {@code StreamHubTest} does:
 * {@link StreamHub#subscribe} is package-private because only the HTTP upgrade calls it.
 * Benchmarks only; the daemon does not use it.
 */
public final class StreamHubAccess {
    private StreamHubAccess() {
    }

    /**
     * Subscribes {@code channel} to every live event and completes its start (hub attach, then the
     * WebSocket handshake's completion). The calling thread must be the hub's publish thread.
     */
    public static void subscribeLive(StreamHub hub, EmbeddedChannel channel) {
        StreamSubscriber subscriber = hub.subscribe(channel, StreamFilter.ALL, StreamSubscriber.LIVE_ONLY, false);
        hub.endOfBatch();
        channel.runPendingTasks();
        subscriber.onHandshakeComplete();
    }
}
