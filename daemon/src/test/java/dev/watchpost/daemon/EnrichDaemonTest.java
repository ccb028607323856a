package dev.watchpost.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
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

/**
 * Enrichment through a whole daemon: a detection and the track.started it causes stream with their
 * enrichment object (site names, the subject's directory entry and watch list, a severity), and a
 * from_seq replay after a restart shows the same objects, as stored, even though the subject
 * directory has changed since.
 */
class EnrichDaemonTest {
    private static final Duration TIMEOUT = RulesDaemon.TIMEOUT;
    private static final String DOOR = "0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a01";
    private static final String ENTRANCE = "9d1c6f0e-2b7a-4c55-8e11-3a4b5c6d7e01";
    private static final String BRUNO = "5a1e0c7e-0000-4000-8000-000000000002";
    private static final String RULES = """
            window_dedup: {default: off}
            tracks: {idle_timeout: 1h, update_interval: 0s}
            site:
              name: Corner shop
              cameras:
                door: {id: %s, name: Front door, floor: ground}
              zones:
                entrance: {id: %s, name: Entrance, camera: door}
            enrichment:
              subjects: {file: subjects.jsonl, reload_interval: 50ms}
              severity:
                types: {face.recognized: 2, track.started: 1}
                tags: {banned: 5}
            """.formatted(DOOR, ENTRANCE);

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

    private void subjects(String brunosName) throws Exception {
        Files.writeString(dir.resolve("subjects.jsonl"), "{\"id\": \"" + BRUNO + "\", \"name\": \"" + brunosName + "\", \"tags\": [\"banned\"]}\n");
    }

    @Test
    void shouldStreamTheEnrichmentAndReplayTheSameAfterARestart() throws Exception {
        subjects("Bruno");
        daemon = RulesDaemon.start(dir, RULES);
        StreamClient live = StreamClient.open(http, daemon.httpPort(), "", TIMEOUT);
        RulesDaemon.post(http, daemon, "{\"receipt_id\":\"" + UUID.randomUUID() + "\",\"event_name\":\"face.recognized\",\"ts\":\""
                + base + "\",\"store_id\":\"" + TestEvents.STORE + "\",\"camera_id\":\"" + DOOR + "\",\"zone_id\":\"" + ENTRANCE
                + "\",\"subject_id\":\"" + BRUNO + "\",\"confidence\":0.9,\"track_id\":7,\"label\":\"person\"}");

        List<String> streamed = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            JsonNode event = json.readTree(live.next());
            assertEquals(i + 1, event.get("seq").asLong());
            streamed.add(event.get("enrichment").toString());
        }
        live.close();
        String camera = "\"camera\":{\"key\":\"door\",\"name\":\"Front door\",\"floor\":\"ground\"},\"zone\":{\"key\":\"entrance\","
                + "\"name\":\"Entrance\"},\"site\":\"Corner shop\",\"subject\":{\"name\":\"Bruno\",\"watchlist\":[\"banned\"]}";
        assertEquals("{" + camera + ",\"severity\":7}", streamed.get(0), "face.recognized 2 + banned 5");
        assertEquals("{" + camera + ",\"severity\":6}", streamed.get(1), "track.started 1 + banned 5");

        daemon.close();
        subjects("Bruno Renamed"); // what was stored stays as it was: an audit trail
        daemon = RulesDaemon.start(dir, RULES);
        StreamClient replay = StreamClient.open(http, daemon.httpPort(), "?from_seq=1&types=face.recognized,track.started", TIMEOUT);
        for (int i = 0; i < 2; i++) {
            JsonNode event = json.readTree(replay.next());
            assertEquals(i + 1, event.get("seq").asLong());
            assertEquals(streamed.get(i), event.get("enrichment").toString());
        }
        replay.close();
        StreamClient after = StreamClient.open(http, daemon.httpPort(), "?types=face.recognized", TIMEOUT);
        RulesDaemon.post(http, daemon, "{\"receipt_id\":\"" + UUID.randomUUID() + "\",\"event_name\":\"face.recognized\",\"ts\":\""
                + base.plusSeconds(1) + "\",\"store_id\":\"" + TestEvents.STORE + "\",\"camera_id\":\"" + DOOR
                + "\",\"subject_id\":\"" + BRUNO + "\",\"confidence\":0.9,\"label\":\"person\"}");
        JsonNode fresh = json.readTree(after.next());
        after.close();
        assertEquals("Bruno Renamed", fresh.get("enrichment").get("subject").get("name").asText(), "a new event reads the directory as it is now");
        assertFalse(fresh.get("enrichment").has("zone"));
    }
}
