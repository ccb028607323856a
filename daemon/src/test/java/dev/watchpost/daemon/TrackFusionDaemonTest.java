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
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Track fusion through a whole daemon: derived events take journal seqs between the detections,
 * stream as JSON with their parents and correlation id, end at a clean stop through the journal, and
 * a restart makes none of them twice. The idle timeout is an hour, so that no wall-clock advance of the
 * watermark ends a track while the test runs.
 */
class TrackFusionDaemonTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String CAMERA = "0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a01";

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

    private void start() throws Exception {
        daemon = RulesDaemon.start(dir, "window_dedup: {default: off}\n"
                + "tracks: {idle_timeout: 1h, update_interval: 0s, severity: {person: 2}}\n");
    }

    private JsonNode post(long track, double confidence, int millis) throws Exception {
        String event = "{\"receipt_id\":\"" + UUID.randomUUID() + "\",\"event_name\":\"object.detected\",\"ts\":\""
                + base.plusMillis(millis) + "\",\"store_id\":\"" + TestEvents.STORE + "\",\"camera_id\":\"" + CAMERA
                + "\",\"confidence\":" + confidence + ",\"track_id\":" + track + ",\"label\":\"person\"}";
        return RulesDaemon.post(http, daemon, event);
    }

    private JsonNode next(StreamClient client) throws Exception {
        return json.readTree(client.next());
    }

    @Test
    void shouldStoreStreamAndEndTracksAndMakeNothingTwiceAcrossARestart() throws Exception {
        start();
        assertEquals(1, post(7, 0.5, 0).get("seq").asLong());
        assertEquals(3, post(7, 0.9, 500).get("seq").asLong(), "seq 2 is the track.started the first detection caused");
        StreamClient live = StreamClient.open(http, daemon.httpPort(), "?from_seq=1&types=track.started,track.updated,track.ended", TIMEOUT);

        JsonNode started = next(live);
        assertEquals(2, started.get("seq").asLong());
        assertEquals("track.started", started.get("event_name").asText());
        assertEquals("system", started.get("source").asText());
        assertEquals(7, started.get("track_id").asLong());
        assertEquals(CAMERA, started.get("camera_id").asText());
        assertEquals("[1]", started.get("parents").toString());
        String correlation = started.get("correlation_id").asText();
        assertEquals(1, started.get("payload").get("revision").asInt());
        assertTrue(started.get("payload").get("before").isNull());
        assertEquals(2, started.get("payload").get("after").get("severity").asInt(), "the label's severity from the rules");
        JsonNode updated = next(live);
        assertEquals(4, updated.get("seq").asLong());
        assertEquals("track.updated", updated.get("event_name").asText());
        assertEquals("[1,3]", updated.get("parents").toString());
        assertEquals(correlation, updated.get("correlation_id").asText());
        assertEquals(0.5, updated.get("payload").get("before").get("best").get("confidence").asDouble());
        assertEquals(0.9, updated.get("payload").get("after").get("best").get("confidence").asDouble());
        assertEquals(0.9f, (float) updated.get("confidence").asDouble());
        assertEquals(1, daemon.counters().get(Counter.TRACKS_STARTED));
        daemon.close(); // a clean stop ends the open track through the journal
        live.close();

        start();
        assertEquals(6, post(7, 0.6, 1000).get("seq").asLong(), "seq 5 is the track.ended of the stop");
        StreamClient replay = StreamClient.open(http, daemon.httpPort(), "?from_seq=1", TIMEOUT);
        Set<String> receipts = new HashSet<>();
        String[] names = {"object.detected", "track.started", "object.detected", "track.updated", "track.ended", "object.detected", "track.started"};
        JsonNode last = null;
        for (int seq = 1; seq <= 7; seq++) {
            JsonNode event = next(replay);
            assertEquals(seq, event.get("seq").asLong());
            assertEquals(names[seq - 1], event.get("event_name").asText());
            assertTrue(receipts.add(event.get("receipt_id").asText()), "a receipt_id stored twice: " + event);
            if (seq == 5) {
                assertEquals("shutdown", event.get("payload").get("reason").asText());
                assertEquals(correlation, event.get("correlation_id").asText());
                assertEquals(2, event.get("payload").get("after").get("detections").asInt());
            }
            last = event;
        }
        assertNotEquals(correlation, last.get("correlation_id").asText(), "after a stop that ended it, the track id starts a new track");
        assertEquals("[6]", last.get("parents").toString());
        replay.close();
    }

    @Test
    void shouldEndManyOpenTracksAtAStopThroughTheJournal() throws Exception {
        start();
        StringBuilder body = new StringBuilder();
        int tracks = 50; // more than a slot carries: the stop takes several shutdown slots
        for (int track = 1; track <= tracks; track++) {
            body.append("{\"receipt_id\":\"").append(UUID.randomUUID()).append("\",\"event_name\":\"object.detected\",\"ts\":\"")
                    .append(base.plusMillis(track)).append("\",\"store_id\":\"").append(TestEvents.STORE).append("\",\"camera_id\":\"")
                    .append(CAMERA).append("\",\"confidence\":0.5,\"track_id\":").append(track).append(",\"label\":\"person\"}\n");
        }
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.httpPort() + "/v1/events"))
                .header("Content-Type", "application/x-ndjson").timeout(TIMEOUT)
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        daemon.close();

        start();
        StreamClient replay = StreamClient.open(http, daemon.httpPort(), "?from_seq=1&types=track.ended", TIMEOUT);
        Set<Long> ended = new HashSet<>();
        for (int i = 0; i < tracks; i++) {
            JsonNode event = next(replay);
            assertEquals("shutdown", event.get("payload").get("reason").asText());
            ended.add(event.get("track_id").asLong());
        }
        assertEquals(tracks, ended.size());
        assertEquals(3 * tracks, daemon.journal().lastSeq(), "each detection, its track.started and its track.ended");
        replay.close();
    }
}
