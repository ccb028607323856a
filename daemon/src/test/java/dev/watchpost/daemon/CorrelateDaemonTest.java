package dev.watchpost.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.watchpost.ringbuffer.Counter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The correlate stage through a whole daemon: a customer recognised at the door, then in the aisle,
 * then at the till where they wave, makes a sequence.matched and an action.detected as the detections
 * arrive and, once the watermark passes (moved by the wall clock on the now quiet site), one
 * incident.correlated over the three cameras; each streams with its parents. A restart makes none of
 * them again.
 */
class CorrelateDaemonTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String DOOR = "0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a01";
    private static final String TILL = "0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a02";
    private static final String AISLE = "0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a03";
    private static final String ALICE = "a11ce000-0000-4000-8000-000000000001";
    private static final String RULES = """
            window_dedup: {default: off}
            tracks: {enabled: false}
            site:
              cameras:
                door:  {id: 0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a01, neighbours: [aisle]}
                aisle: {id: 0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a03, neighbours: [till]}
                till:  {id: 0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a02}
            composite:
              - {name: waved_at_till, action: waved, all: [face.recognized, {type: gesture.detected, label: wave}], join: track, within: 3s}
            sequences:
              - name: door_then_till
                steps: [{type: face.recognized, camera: door}, {type: face.recognized, camera: till}]
                key: subject
                within: 60s
            incidents:
              - {name: walked_through, key: subject, types: [face.recognized], within: 2s}
            """;

    @TempDir
    Path dir;

    private Daemon daemon;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final ObjectMapper json = new ObjectMapper();
    // Event times just behind the clock: on a quiet site the wall clock moves the watermark to now - 3 s,
    // and a detection already that far behind would be late and open nothing.
    private Instant base;

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    private long post(String type, String camera, long track, String subject, String label, int millis) throws Exception {
        String event = "{\"receipt_id\":\"" + UUID.randomUUID() + "\",\"event_name\":\"" + type + "\",\"ts\":\"" + base.plusMillis(millis)
                + "\",\"store_id\":\"" + TestEvents.STORE + "\",\"camera_id\":\"" + camera + "\",\"confidence\":0.8,\"track_id\":" + track
                + (subject == null ? "" : ",\"subject_id\":\"" + subject + "\"") + ",\"label\":\"" + label + "\"}";
        return RulesDaemon.post(http, daemon, event).get("seq").asLong();
    }

    @Test
    void shouldStreamAnActionASequenceAndAnIncidentWithTheirParents() throws Exception {
        daemon = RulesDaemon.start(dir, RULES);
        base = Instant.now().minusMillis(500).truncatedTo(ChronoUnit.MILLIS);
        long door = post("face.recognized", DOOR, 1, ALICE, "face", 0);
        long aisle = post("face.recognized", AISLE, 2, ALICE, "face", 300);
        long till = post("face.recognized", TILL, 9, ALICE, "face", 600);
        long wave = post("gesture.detected", TILL, 9, null, "wave", 700);
        assertEquals(java.util.List.of(1L, 2L, 3L, 5L), java.util.List.of(door, aisle, till, wave), "seq 4 is the sequence.matched");

        StreamClient live = StreamClient.open(http, daemon.httpPort(),
                "?from_seq=1&types=action.detected,sequence.matched,incident.correlated", TIMEOUT);
        JsonNode sequence = json.readTree(live.next());
        assertEquals("sequence.matched", sequence.get("event_name").asText());
        assertEquals(4, sequence.get("seq").asLong());
        assertEquals("door_then_till", sequence.get("label").asText());
        assertEquals("[1,3]", sequence.get("parents").toString());
        assertEquals(ALICE, sequence.get("subject_id").asText());
        assertEquals("system", sequence.get("source").asText());
        assertEquals("sequence", sequence.get("payload").get("kind").asText());

        JsonNode action = json.readTree(live.next());
        assertEquals("action.detected", action.get("event_name").asText());
        assertEquals(6, action.get("seq").asLong());
        assertEquals("waved", action.get("label").asText());
        assertEquals("[3,5]", action.get("parents").toString());
        assertEquals(9, action.get("track_id").asLong());
        assertEquals(ALICE, action.get("subject_id").asText());
        assertEquals("waved", action.get("payload").get("action").asText());
        assertTrue(action.get("correlation_id").isTextual());

        // The site is quiet now: the wall clock moves the watermark past the last sighting + 2 s.
        JsonNode incident = json.readTree(live.next());
        assertEquals("incident.correlated", incident.get("event_name").asText());
        assertEquals(7, incident.get("seq").asLong());
        assertEquals("walked_through", incident.get("label").asText());
        assertEquals("[1,2,3]", incident.get("parents").toString());
        assertEquals(DOOR, incident.get("camera_id").asText());
        assertEquals(base.plusMillis(600).toString(), Instant.parse(incident.get("ts").asText()).toString());
        JsonNode cameras = incident.get("payload").get("cameras");
        assertEquals(3, cameras.size());
        assertEquals("door", cameras.get(0).get("camera").asText());
        assertEquals("aisle", cameras.get(1).get("camera").asText());
        assertEquals("till", cameras.get(2).get("camera").asText());
        live.close();
        assertEquals(1, daemon.counters().get(Counter.ACTIONS_DETECTED));
        assertEquals(1, daemon.counters().get(Counter.SEQUENCES_MATCHED));
        assertEquals(1, daemon.counters().get(Counter.INCIDENTS_CORRELATED));

        daemon.close();
        daemon = RulesDaemon.start(dir, RULES); // rebuilt from the journal: everything it derived is stored already
        assertEquals(8, post("object.detected", DOOR, 20, null, "person", 1000));
        assertEquals(0, daemon.counters().get(Counter.EVENTS_DERIVED), "nothing derived twice at the restart");
    }
}
