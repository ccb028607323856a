package dev.watchpost.daemon;

import dev.watchpost.daemon.config.RulesLoader;
import dev.watchpost.daemon.json.JsonEventReader;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code watchpost rules test} runs the correlate stage too, and at the end of a recording what would close does close. */
class RulesReplayCorrelateTest {
    @Test
    void shouldCloseAbsencesAndIncidentsAtTheEndOfTheRecording() throws Exception {
        EventTypeRegistry registry = EventTypeRegistry.standard();
        Rules rules = RulesLoader.parse("""
                tracks: {enabled: false}
                site:
                  cameras:
                    door:  {id: 0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a01, neighbours: [aisle]}
                    aisle: {id: 0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a03}
                sequences:
                  - {name: entered_unrecognised, steps: [{type: object.detected, camera: door}], absent: face.recognized, key: track, within: 30s}
                incidents:
                  - {name: walked_through, key: subject, types: [face.recognized], within: 60s}
                """, "rules.yml", registry);
        String store = "6f1c2a3e-1111-4222-8333-444455556666";
        String ndjson = event("object.detected", "2026-11-23T07:00:00Z", "0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a01", 3, null, store)
                + event("face.recognized", "2026-11-23T07:00:01Z", "0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a01", 4, "a11ce000-0000-4000-8000-000000000001", store)
                + event("face.recognized", "2026-11-23T07:00:09Z", "0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a03", 5, "a11ce000-0000-4000-8000-000000000001", store);
        byte[] body = ndjson.getBytes(StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>();

        RulesReplay.Summary summary = new RulesReplay(rules, registry).run(new JsonEventReader(registry).read(body, 0, body.length, true), out::add);

        assertEquals(2, summary.derived(), out.toString());
        assertTrue(out.get(0).contains("\"event_name\":\"sequence.matched\""), out.get(0));
        assertTrue(out.get(0).contains("\"ts\":\"2026-11-23T07:00:30.000000Z\""), out.get(0));
        assertTrue(out.get(1).contains("\"event_name\":\"incident.correlated\""), out.get(1));
        assertTrue(out.get(1).contains("\"parents\":[2,3]"), out.get(1));
    }

    private static String event(String type, String ts, String camera, long track, String subject, String store) {
        return "{\"receipt_id\":\"" + java.util.UUID.randomUUID() + "\",\"event_name\":\"" + type + "\",\"ts\":\"" + ts + "\",\"store_id\":\""
                + store + "\",\"camera_id\":\"" + camera + "\",\"confidence\":0.9,\"track_id\":" + track
                + (subject == null ? "" : ",\"subject_id\":\"" + subject + "\"") + ",\"label\":\"person\"}\n";
    }
}
