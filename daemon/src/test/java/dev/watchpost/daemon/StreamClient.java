package dev.watchpost.daemon;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A WebSocket client of {@code GET /v1/stream} for tests: queues each text message as it arrives. */
public final class StreamClient implements WebSocket.Listener {
    private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();
    private final Duration timeout;
    private WebSocket socket;

    private StreamClient(Duration timeout) {
        this.timeout = timeout;
    }

    /** Opens {@code ws://127.0.0.1:port/v1/stream<query>}, e.g. query {@code ?from_seq=3}. */
    public static StreamClient open(HttpClient http, int port, String query, Duration timeout) throws Exception {
        return open(http, port, "/v1/stream", query, timeout);
    }

    /** Opens {@code ws://127.0.0.1:port<path><query>}: the event stream or the alerts stream. */
    public static StreamClient open(HttpClient http, int port, String path, String query, Duration timeout) throws Exception {
        StreamClient client = new StreamClient(timeout);
        client.socket = http.newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + port + path + query), client)
                .get(timeout.toSeconds(), TimeUnit.SECONDS);
        return client;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            messages.add(partial.toString());
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    /** The next message; fails the test when none comes within the timeout. */
    public String next() throws InterruptedException {
        String message = messages.poll(timeout.toSeconds(), TimeUnit.SECONDS);
        if (message == null) {
            throw new AssertionError("no stream message within " + timeout);
        }
        return message;
    }

    /** The seq of the next message, which must be an event. */
    public long nextSeq() throws InterruptedException {
        String json = next();
        if (!json.startsWith("{\"seq\":")) {
            throw new AssertionError("not an event: " + json);
        }
        return Long.parseLong(json.substring(7, json.indexOf(',')));
    }

    public void close() {
        socket.abort();
    }
}
