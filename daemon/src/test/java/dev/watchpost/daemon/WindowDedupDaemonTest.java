package dev.watchpost.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.watchpost.ringbuffer.Counter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Content-window dedup through a whole daemon: HTTP ingest, the journal, the stream and a restart.
 * The rules give an hour's window, so that no wall-clock advance of the watermark can close a burst
 * while the test runs, however slow the machine.
 */
class WindowDedupDaemonTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String CAMERA = "0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a01";

    @TempDir
    Path dir;

    private Daemon daemon;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final ObjectMapper json = new ObjectMapper();
    /** Event times: a minute ago, a millisecond apart. */
    private final Instant base = Instant.now().minusSeconds(60).truncatedTo(ChronoUnit.SECONDS);

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    private void start() throws Exception {
        daemon = RulesDaemon.start(dir, "window_dedup: {default: {window: 1h}}\n");
    }

    private String event(String label, int millis) {
        return event(label, base.plusMillis(millis));
    }

    private String event(String label, Instant ts) {
        return "{\"receipt_id\":\"" + UUID.randomUUID() + "\",\"event_name\":\"object.detected\",\"ts\":\""
                + ts + "\",\"store_id\":\"" + TestEvents.STORE + "\",\"camera_id\":\"" + CAMERA
                + "\",\"confidence\":0.8,\"label\":\"" + label + "\"}";
    }

    /** Posts one event and returns its answer, e.g. {@code {"status":"accepted","seq":2}}. */
    private JsonNode post(String event) throws Exception {
        return RulesDaemon.post(http, daemon, event);
    }

    private StreamClient subscribe(String query) throws Exception {
        return StreamClient.open(http, daemon.httpPort(), query, TIMEOUT);
    }

    private JsonNode next(StreamClient client) throws Exception {
        return json.readTree(client.next());
    }

    @Test
    void shouldStoreRepeatsMarkedKeepThemOffThePlainStreamAndGoOnCountingAfterARestart() throws Exception {
        start();
        assertEquals("{\"status\":\"accepted\",\"seq\":1}", post(event("car", 0)).toString());
        assertEquals("{\"status\":\"accepted\",\"seq\":2}", post(event("car", 1000)).toString(), "a repeat is accepted like any event");
        daemon.close();

        start();
        assertEquals(3, post(event("car", 1500)).get("seq").asLong()); // after the restart: still the same burst
        assertEquals(4, post(event("bus", 2000)).get("seq").asLong());
        assertEquals(2, daemon.counters().get(Counter.EVENTS_STORED));
        assertEquals(1, daemon.counters().get(Counter.EVENTS_WINDOW_REPEATS), "counted since this start");

        StreamClient plain = subscribe("?from_seq=1");
        StreamClient everything = subscribe("?from_seq=1&include=duplicates");
        assertEquals(5, post(event("car", 2500)).get("seq").asLong()); // live, a repeat too

        JsonNode first = next(plain);
        assertEquals(1, first.get("seq").asLong());
        assertFalse(first.has("duplicate_of"));
        assertEquals(4, next(plain).get("seq").asLong(), "repeats are left off a plain stream, replayed or live");

        assertEquals(1, next(everything).get("seq").asLong());
        for (int seq = 2; seq <= 3; seq++) {
            JsonNode repeat = next(everything);
            assertEquals(seq, repeat.get("seq").asLong());
            assertEquals(1, repeat.get("duplicate_of").asLong());
            assertEquals(seq - 1, repeat.get("repeat").asInt(), "the count goes on across the restart");
        }
        assertEquals(4, next(everything).get("seq").asLong());
        JsonNode live = next(everything);
        assertEquals(5, live.get("seq").asLong());
        assertEquals(1, live.get("duplicate_of").asLong());
        assertEquals(3, live.get("repeat").asInt());
        plain.close();
        everything.close();
    }

    @Test
    void shouldShowTheWatermarkAndTheNewCountersInStatus() throws Exception {
        start();
        Instant now = Instant.now();
        post(event("car", now));
        post(event("car", now.plusMillis(10)));
        post(event("bus", now.minusSeconds(10))); // below the watermark (at least the car's time - 2 s): late

        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.httpPort() + "/v1/status"))
                .timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode status = json.readTree(response.body());

        assertFalse(Instant.parse(status.get("watermark").asText()).isBefore(now.minusSeconds(2)), response.body());
        assertEquals(2, status.get("window_open_keys").asInt(), response.body());
        assertEquals(1, status.get("counters").get("events_window_repeats").asLong());
        assertEquals(1, status.get("counters").get("events_late").asLong(), "stored all the same");
        assertEquals(3, status.get("counters").get("events_stored").asLong());
        assertEquals(0, status.get("counters").get("window_keys_evicted").asLong());
    }
}
