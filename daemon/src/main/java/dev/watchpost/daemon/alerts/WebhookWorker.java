package dev.watchpost.daemon.alerts;

import dev.watchpost.handlers.rules.AlertRules;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * Delivers alerts as HTTP POSTs of the stream's JSON, with {@code Idempotency-Key: <receipt_id>}
 * (delivery is at least once: a receiver that saw the key has the alert). 2xx is delivered; 429, 5xx,
 * timeouts and connection errors are retried; any other status is a refusal, given up.
 */
final class WebhookWorker extends ChannelWorker {
    private final HttpClient client;

    WebhookWorker(AlertRules.Channel channel, Journal journal, LongSupplier committed, Path directory, EventTypeRegistry registry,
                  Counters counters) {
        super(channel, journal, committed, directory, registry, counters);
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(channel.timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    @Override
    Attempt attempt(StoredAlert alert) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(channel.url())
                .timeout(channel.timeout())
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", alert.receiptId().toString())
                .POST(HttpRequest.BodyPublishers.ofByteArray(alert.json()))
                .build();
        int status;
        try {
            status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return new Attempt(Outcome.RETRY, e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
        if (status >= 200 && status < 300) {
            return Attempt.DELIVERED;
        }
        if (status == 429 || status >= 500) {
            return new Attempt(Outcome.RETRY, "HTTP " + status);
        }
        return new Attempt(Outcome.REJECTED, "HTTP " + status);
    }

    @Override
    void closeConnection() {
        // the JDK client keeps no connection we must close (its pool is released with it)
    }
}
