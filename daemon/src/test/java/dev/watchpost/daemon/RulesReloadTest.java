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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code POST /v1/reload}: a changed rules file takes effect between two events without a restart,
 * open tracks survive it, nothing stored is derived twice; a broken file changes nothing and is
 * answered with every problem.
 */
class RulesReloadTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String CAMERA = "0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a01";
    private static final String TRACKS = "tracks: {idle_timeout: 1h, update_interval: 0s}\n";

    @TempDir
    Path dir;

    private Daemon daemon;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final ObjectMapper json = new ObjectMapper();
    private final Instant base = Instant.now().minusSeconds(60).truncatedTo(ChronoUnit.SECONDS);

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    private JsonNode post(long track, int millis) throws Exception {
        String event = "{\"receipt_id\":\"" + UUID.randomUUID() + "\",\"event_name\":\"object.detected\",\"ts\":\""
                + base.plusMillis(millis) + "\",\"store_id\":\"" + TestEvents.STORE + "\",\"camera_id\":\"" + CAMERA
                + "\",\"confidence\":0.8,\"track_id\":" + track + ",\"label\":\"person\"}";
        return RulesDaemon.post(http, daemon, event);
    }

    private HttpResponse<String> reload() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.httpPort() + "/v1/reload"))
                .timeout(TIMEOUT).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode status() throws Exception {
        return json.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.httpPort() + "/v1/status"))
                .timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    @Test
    void shouldApplyAChangedRulesFileKeepOpenTracksAndDeriveNothingTwice() throws Exception {
        daemon = RulesDaemon.start(dir, "window_dedup: {default: {window: 1h}}\n" + TRACKS);
        post(7, 0);
        post(7, 500);
        assertEquals(1, daemon.counters().get(Counter.EVENTS_WINDOW_REPEATS), "a repeat within the hour's window");

        Files.writeString(dir.resolve("rules.yml"), "window_dedup: {default: off}\n" + TRACKS);
        HttpResponse<String> answer = reload();

        assertEquals(200, answer.statusCode(), answer.body());
        JsonNode body = json.readTree(answer.body());
        assertTrue(body.get("reloaded").asBoolean());
        assertTrue(body.get("lines").toString().contains("1 open"), body.toString());
        post(7, 1000);
        assertEquals(1, daemon.counters().get(Counter.EVENTS_WINDOW_REPEATS), "the new rules: no window dedup");
        assertEquals(1, status().get("open_tracks").asInt(), "the open track survived the reload");

        StreamClient replay = StreamClient.open(http, daemon.httpPort(), "?from_seq=1&types=track.started,track.updated", TIMEOUT);
        List<String> lifecycle = new ArrayList<>();
        JsonNode event;
        do {
            event = json.readTree(replay.next());
            lifecycle.add(event.get("event_name").asText() + " " + event.get("payload").get("reason").asText());
        } while (!"restart".equals(event.get("payload").get("reason").asText()));
        replay.close();
        assertEquals(List.of("track.started started", "track.updated restart"), lifecycle,
                "the track goes on under the new rules, re-announced once, not started again");
        assertEquals(1, daemon.counters().get(Counter.TRACKS_STARTED));
    }

    @Test
    void shouldRefuseABrokenRulesFileWithEveryProblemAndKeepTheRulesInForce() throws Exception {
        daemon = RulesDaemon.start(dir, "window_dedup: {default: {window: 1h}}\n" + TRACKS);
        post(3, 0);
        Files.writeString(dir.resolve("rules.yml"), "window_dedup: {default: {window: 5x, mode: tumbling}}\n" + TRACKS);

        HttpResponse<String> answer = reload();

        assertEquals(400, answer.statusCode(), answer.body());
        JsonNode body = json.readTree(answer.body());
        assertFalse(body.get("reloaded").asBoolean());
        assertEquals(2, body.get("problems").size(), body.toString());
        assertTrue(body.get("problems").get(0).asText().endsWith(
                "rules.yml: window_dedup.default.window: must be a duration such as 250ms, 30s, 5m, 24h or 7d; was \"5x\""), body.toString());
        post(3, 500);
        assertEquals(1, daemon.counters().get(Counter.EVENTS_WINDOW_REPEATS), "the rules in force before still apply");
    }

    @Test
    void shouldAnswerAGetWithMethodNotAllowed() throws Exception {
        daemon = RulesDaemon.start(dir, TRACKS);
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.httpPort() + "/v1/reload"))
                .timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, answer.statusCode());
    }
}
