package dev.watchpost.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.watchpost.daemon.json.JsonEventReader;
import dev.watchpost.daemon.json.ParsedEvent;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.JournalConfig;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code watchpost rules test}: a rules file over a recorded journal, no daemon. */
class RulesTestCommandTest {
    private static final String CAMERA = "0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a01";
    private static final String STORE = "6f1c2a3e-1111-4222-8333-444455556666";

    @TempDir
    Path dir;

    private final CapturedRun cli = new CapturedRun();
    private final ObjectMapper json = new ObjectMapper();

    private static final Instant T0 = Instant.parse("2026-11-23T07:00:00Z");

    /** Two detections of track 7, a second apart, then one of track 8, as NDJSON. */
    private static String detections() {
        StringBuilder ndjson = new StringBuilder();
        long[] tracks = {7, 7, 8};
        double[] confidences = {0.5, 0.9, 0.6};
        for (int i = 0; i < tracks.length; i++) {
            ndjson.append("{\"receipt_id\":\"").append(UUID.randomUUID()).append("\",\"event_name\":\"object.detected\",\"ts\":\"")
                    .append(T0.plusSeconds(i)).append("\",\"store_id\":\"").append(STORE).append("\",\"camera_id\":\"").append(CAMERA)
                    .append("\",\"confidence\":").append(confidences[i]).append(",\"track_id\":").append(tracks[i])
                    .append(",\"label\":\"person\"}\n");
        }
        return ndjson.toString();
    }

    /** A journal as a daemon would have stored {@link #detections()}. */
    private Path recordJournal() throws Exception {
        byte[] body = detections().getBytes(StandardCharsets.UTF_8);
        List<ParsedEvent> events = new JsonEventReader(EventTypeRegistry.v1()).read(body, 0, body.length, true);
        Path journalDir = dir.resolve("journal");
        try (Journal journal = Journal.open(JournalConfig.of(journalDir))) {
            long seq = 1;
            for (ParsedEvent event : events) {
                ByteBuffer frame = ByteBuffer.wrap(event.frame(), 0, event.frameLength());
                long us = T0.toEpochMilli() * 1000 + seq * 1_000_000;
                journal.append(seq++, us, us, frame, 0, event.frameLength(), ByteBuffer.allocate(0), 0, 0);
            }
            journal.force();
        }
        return journalDir;
    }

    private List<String> derivedNames() throws Exception {
        List<String> names = new ArrayList<>();
        for (String line : cli.out().split("\n")) {
            JsonNode event = json.readTree(line);
            names.add(event.get("event_name").asText() + " " + event.get("track_id").asLong());
        }
        return names;
    }

    @Test
    void shouldDeriveTheSameFromAFileOfJsonEvents() throws Exception {
        Path file = dir.resolve("events.ndjson");
        Files.writeString(file, detections());
        Path rules = dir.resolve("rules.yml");
        Files.writeString(rules, "window_dedup: {default: off}\ntracks: {idle_timeout: 1h, update_interval: 0s}\n");
        Path shipped = Path.of("").toAbsolutePath().getParent().resolve("config/watchpost.yml");

        int code = cli.run("rules", "test", "--config", shipped.toString(), "--rules", rules.toString(), "--journal", file.toString());

        assertEquals(0, code, cli.err());
        assertEquals(List.of("track.started 7", "track.updated 7", "track.started 8", "track.ended 7", "track.ended 8"), derivedNames());
        assertTrue(cli.err().contains("3 detections read, 0 rejected by validation, 0 window repeats, 5 derived events"), cli.err());
    }

    @Test
    void shouldPrintWhatTheRulesWouldDeriveFromARecordedJournal() throws Exception {
        Path journal = recordJournal();
        Path rules = dir.resolve("rules.yml");
        Files.writeString(rules, "window_dedup: {default: off}\ntracks: {idle_timeout: 1h, update_interval: 0s}\n");
        Path shipped = Path.of("").toAbsolutePath().getParent().resolve("config/watchpost.yml");

        int code = cli.run("rules", "test", "--config", shipped.toString(), "--rules", rules.toString(), "--journal", journal.toString());

        assertEquals(0, code, cli.err());
        List<JsonNode> derived = new ArrayList<>();
        for (String line : cli.out().split("\n")) {
            derived.add(json.readTree(line));
        }
        assertEquals(List.of("track.started 7", "track.updated 7", "track.started 8", "track.ended 7", "track.ended 8"), derivedNames());
        assertEquals("shutdown", derived.get(3).get("payload").get("reason").asText());
        assertEquals(2, derived.get(3).get("payload").get("after").get("detections").asInt());
        assertTrue(cli.err().contains("3 detections read, 0 rejected by validation, 0 window repeats, 5 derived events"),
                cli.err());
    }

    @Test
    void shouldEnrichWhatTheRulesDeriveAsTheDaemonWould() throws Exception {
        Path file = dir.resolve("events.ndjson");
        Files.writeString(file, detections());
        Path rules = dir.resolve("rules.yml");
        Files.writeString(rules, "window_dedup: {default: off}\ntracks: {idle_timeout: 1h, update_interval: 0s}\n"
                + "site: {name: Corner shop, cameras: {door: {id: " + CAMERA + ", name: Front door}}}\n"
                + "enrichment: {severity: {types: {track.ended: 3}}}\n");
        Path shipped = Path.of("").toAbsolutePath().getParent().resolve("config/watchpost.yml");

        int code = cli.run("rules", "test", "--config", shipped.toString(), "--rules", rules.toString(), "--journal", file.toString());

        assertEquals(0, code, cli.err());
        List<JsonNode> derived = new ArrayList<>();
        for (String line : cli.out().split("\n")) {
            derived.add(json.readTree(line));
        }
        assertEquals("{\"camera\":{\"key\":\"door\",\"name\":\"Front door\"},\"site\":\"Corner shop\",\"severity\":0}",
                derived.get(0).get("enrichment").toString());
        assertEquals("track.ended", derived.get(3).get("event_name").asText());
        assertEquals(3, derived.get(3).get("enrichment").get("severity").asInt());
    }

    @Test
    void shouldNameTheProblemOfABadRulesFile() throws Exception {
        Path journal = recordJournal();
        Path rules = dir.resolve("rules.yml");
        Files.writeString(rules, "tracks: {idle_timeout: 5x}\n");
        Path shipped = Path.of("").toAbsolutePath().getParent().resolve("config/watchpost.yml");

        int code = cli.run("rules", "test", "--config", shipped.toString(), "--rules", rules.toString(), "--journal", journal.toString());

        assertEquals(Watchpost.EXIT_USAGE, code);
        assertTrue(cli.err().contains("tracks.idle_timeout"), cli.err());
    }
}
