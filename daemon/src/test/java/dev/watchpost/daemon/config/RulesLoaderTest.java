package dev.watchpost.daemon.config;

import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.handlers.rules.Site;
import dev.watchpost.handlers.rules.TrackRules;
import dev.watchpost.handlers.rules.WindowDedupRule;
import dev.watchpost.handlers.rules.WindowDedupRule.KeyField;
import dev.watchpost.handlers.rules.WindowDedupRule.Mode;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RulesLoaderTest {
    private static final EventTypeRegistry REGISTRY = EventTypeRegistry.v1().withSiteTypes(Map.of(1000, "shelf.empty"));

    private static Rules parse(String yaml) throws ConfigException {
        return RulesLoader.parse(yaml, "rules.yml", REGISTRY);
    }

    private static List<String> problems(String yaml) {
        return assertThrows(ConfigException.class, () -> parse(yaml)).problems();
    }

    @Test
    void shouldGiveTheBuiltInRulesForAnEmptyFile() throws Exception {
        assertEquals(Rules.defaults(), parse(""));
        assertEquals(Rules.defaults(), parse("window_dedup: {}\n"));
    }

    @Test
    void shouldReadEveryKindOfValue() throws Exception {
        Rules rules = parse("""
                allowed_lateness: 500ms
                clock_skew: 0s
                window_dedup:
                  max_open_keys: 5000
                  default: {window: 3s, mode: sliding}
                  types:
                    motion.detected: {window: 10s, key: [camera, zone, type]}
                    face.recognized: {mode: fixed, key: [store_id, subject_id]}
                    shelf.empty: {key: [camera, label, track_id]}
                    camera.health: off
                    camera.snapshot: "off"
                    vision.metrics.v1: {enabled: false}
                """);

        assertEquals(Duration.ofMillis(500), rules.allowedLateness());
        assertEquals(Duration.ZERO, rules.clockSkew());
        assertEquals(5000, rules.windowDedup().maxOpenKeys());
        assertEquals(new WindowDedupRule(true, Duration.ofSeconds(3), Mode.SLIDING, WindowDedupRule.KEY_DEFAULT),
                rules.windowDedup().defaultRule());
        assertEquals(new WindowDedupRule(true, Duration.ofSeconds(10), Mode.SLIDING, List.of(KeyField.CAMERA, KeyField.ZONE, KeyField.TYPE)),
                rules.windowDedup().ruleFor(EventTypeRegistry.MOTION_DETECTED), "unset values come from the default");
        assertEquals(new WindowDedupRule(true, Duration.ofSeconds(3), Mode.FIXED, List.of(KeyField.STORE_ID, KeyField.SUBJECT_ID)),
                rules.windowDedup().ruleFor(EventTypeRegistry.FACE_RECOGNIZED));
        assertEquals(List.of(KeyField.CAMERA, KeyField.LABEL, KeyField.TRACK_ID), rules.windowDedup().ruleFor(1000).key());
        assertFalse(rules.windowDedup().ruleFor(EventTypeRegistry.CAMERA_HEALTH).enabled());
        assertFalse(rules.windowDedup().ruleFor(EventTypeRegistry.CAMERA_SNAPSHOT).enabled());
        assertFalse(rules.windowDedup().ruleFor(EventTypeRegistry.VISION_METRICS_V1).enabled());
        assertTrue(rules.windowDedup().ruleFor(EventTypeRegistry.OBJECT_DETECTED).enabled());
        assertEquals(Duration.ofSeconds(10), rules.windowDedup().longestWindow());
    }

    @Test
    void shouldTurnOnATypeNamedUnderADefaultThatIsOff() throws Exception {
        Rules rules = parse("window_dedup: {default: off, types: {object.detected: {window: 2s}}}\n");

        assertFalse(rules.windowDedup().defaultRule().enabled());
        assertFalse(rules.windowDedup().ruleFor(EventTypeRegistry.FACE_DETECTED).enabled());
        WindowDedupRule object = rules.windowDedup().ruleFor(EventTypeRegistry.OBJECT_DETECTED);
        assertTrue(object.enabled());
        assertEquals(Duration.ofSeconds(2), object.window());
    }

    @Test
    void shouldReportEveryProblemWithItsPath() {
        List<String> problems = problems("""
                allowed_lateness: soon
                clock_skew: 2h
                colour: red
                window_dedup:
                  max_open_keys: 3
                  default: {window: 5x, mode: tumbling}
                  types:
                    motion.detected: {window: 0ms, key: [camera, camera]}
                    face.recognized: {key: [face]}
                    object.detected: {key: []}
                    no.such.type: off
                    queue.detected: maybe
                    gesture.detected: {enabled: sometimes, shape: round}
                """);

        assertEquals(List.of(
                "rules.yml: colour: unknown key (known: allowed_lateness, clock_skew, composite, correlation, incidents, sequences, site, tracks, window_dedup)",
                "rules.yml: allowed_lateness: must be a duration such as 250ms, 30s, 5m, 24h or 7d; was \"soon\"",
                "rules.yml: clock_skew: must be within 0s..1h, was 2h",
                "rules.yml: window_dedup.max_open_keys: must be within 16..4194304, was 3",
                "rules.yml: window_dedup.default.window: must be a duration such as 250ms, 30s, 5m, 24h or 7d; was \"5x\"",
                "rules.yml: window_dedup.default.mode: must be fixed or sliding; was 'tumbling'",
                "rules.yml: window_dedup.types.motion.detected.window: must be within 0.001s..24h, was 0ms",
                "rules.yml: window_dedup.types.motion.detected.key[1]: camera is listed twice",
                "rules.yml: window_dedup.types.face.recognized.key[0]: unknown field \"face\" (known: camera, zone, type, track_id, subject_id, label, store_id, identity)",
                "rules.yml: window_dedup.types.object.detected.key: must be a non-empty list of fields among camera, zone, type, track_id, subject_id, label, store_id, identity; was []",
                "rules.yml: window_dedup.types.no.such.type: unknown event type (neither a protocol v1 type nor one of event_types)",
                "rules.yml: window_dedup.types.queue.detected: must be off, or a mapping of window, mode, key and enabled; was \"maybe\"",
                "rules.yml: window_dedup.types.gesture.detected.shape: unknown key (known: enabled, key, mode, window)",
                "rules.yml: window_dedup.types.gesture.detected.enabled: must be true or false, was \"sometimes\""), problems);
    }

    @Test
    void shouldReadTheSiteWithASymmetricNeighbourRelation() throws Exception {
        Rules rules = parse("""
                site:
                  name: Corner shop
                  cameras:
                    door: {id: 0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a01, name: Front door, floor: ground, position: [0, 0], neighbours: [aisle]}
                    aisle: {id: 0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a03, group: back}
                    till: {id: 0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a02, group: back}
                  zones:
                    entrance: {id: 9d1c6f0e-2b7a-4c55-8e11-3a4b5c6d7e01, name: Entrance, camera: door}
                """);
        Site site = rules.site();
        UUID door = UUID.fromString("0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a01");
        UUID till = UUID.fromString("0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a02");
        UUID aisle = UUID.fromString("0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a03");

        assertEquals("Corner shop", site.name());
        assertEquals("Front door", site.camera(door).name());
        assertEquals("ground", site.camera(door).floor());
        assertEquals(0.0, site.camera(door).position()[1]);
        assertTrue(site.neighbours(aisle, door), "listed by the door only, a neighbour both ways");
        assertTrue(site.neighbours(till, aisle), "one group");
        assertFalse(site.neighbours(door, till));
        assertFalse(site.neighbours(door, door));
        assertEquals("Entrance", site.zone(UUID.fromString("9d1c6f0e-2b7a-4c55-8e11-3a4b5c6d7e01")).name());
        assertEquals("door", site.zones().get(0).camera());
    }

    @Test
    void shouldReportEveryProblemOfTheSiteWithItsPath() {
        List<String> problems = problems("""
                site:
                  cameras:
                    door: {id: 0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a01, neighbours: [door, roof], position: [1]}
                    till: {id: 0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a01, colour: red}
                    aisle: {name: Aisle}
                    "back door": {id: 0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a04}
                    cellar: {id: not-a-uuid}
                  zones:
                    entrance: {id: 9d1c6f0e-2b7a-4c55-8e11-3a4b5c6d7e01, camera: roof}
                """);

        assertEquals(List.of(
                "rules.yml: site.cameras.back door: a key is 1..64 letters, digits, '_' or '-'",
                "rules.yml: site.cameras.door.position: must be [x, y], two numbers; was [1]",
                "rules.yml: site.cameras.door.neighbours[0]: a camera is not its own neighbour",
                "rules.yml: site.cameras.door.neighbours[1]: no camera \"roof\" under site.cameras",
                "rules.yml: site.cameras.till.colour: unknown key (known: floor, group, id, name, neighbours, position)",
                "rules.yml: site.cameras.till.id: 0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a01 is the id of another camera too",
                "rules.yml: site.cameras.aisle.id: required, the UUID the detectors send",
                "rules.yml: site.cameras.cellar.id: must be a non-nil UUID such as 0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a01; was 'not-a-uuid'",
                "rules.yml: site.zones.entrance.camera: no camera 'roof' under site.cameras"), problems);
    }

    @Test
    void shouldReportBrokenYamlWithItsLine() {
        List<String> problems = problems("window_dedup: {types: [\n");
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).startsWith("rules.yml: not valid YAML"), problems.get(0));
    }

    @Test
    void shouldReadTheShippedRulesFileWithoutProblems() throws Exception {
        Path shipped = Path.of("").toAbsolutePath().getParent().resolve("config/rules.yml");
        List<String> problems = new java.util.ArrayList<>();
        Rules rules = RulesLoader.load(shipped, EventTypeRegistry.v1(), problems);

        assertEquals(List.of(), problems);
        assertEquals(Duration.ofSeconds(2), rules.allowedLateness());
        assertEquals(WindowDedupRule.DEFAULT, rules.windowDedup().defaultRule());
        assertEquals(Mode.SLIDING, rules.windowDedup().ruleFor(EventTypeRegistry.MOTION_DETECTED).mode());
        assertFalse(rules.windowDedup().ruleFor(EventTypeRegistry.CAMERA_HEALTH).enabled());
    }

    @Test
    void shouldReadTheTracksSection() throws Exception {
        Rules rules = RulesLoader.parse("""
                tracks:
                  idle_timeout: 10s
                  update_interval: 500ms
                  max_open_tracks: 2000
                  types: [object.detected, shelf.empty]
                  severity: {person: 1, knife: 5}
                  restore_horizon: 2m
                """, "rules.yml", EventTypeRegistry.standard().withSiteTypes(Map.of(1000, "shelf.empty")));

        assertEquals(new TrackRules(true, Duration.ofSeconds(10), Duration.ofMillis(500), 2000,
                java.util.Set.of(EventTypeRegistry.OBJECT_DETECTED, 1000), Map.of("person", 1, "knife", 5), Duration.ofMinutes(2)), rules.tracks());
        assertTrue(rules.tracks().tracks(1000));
        assertFalse(rules.tracks().tracks(EventTypeRegistry.MOTION_DETECTED));
        assertEquals(TrackRules.DEFAULT, parse("").tracks());
        assertTrue(TrackRules.DEFAULT.tracks(EventTypeRegistry.MOTION_DETECTED), "by default every type with a track_id makes tracks");
        assertFalse(TrackRules.DEFAULT.tracks(EventTypeRegistry.TRACK_UPDATED), "never a derived type");
        assertFalse(parse("tracks: {enabled: false}\n").tracks().tracks(EventTypeRegistry.OBJECT_DETECTED));
    }

    @Test
    void shouldNameEveryProblemOfTheTracksSectionByItsPath() {
        List<String> problems = assertThrows(ConfigException.class, () -> RulesLoader.parse("""
                tracks:
                  idle_timeout: 5x
                  update_interval: -1s
                  max_open_tracks: 3
                  types: [object.detected, nothing.here, track.ended]
                  severity: {person: high, car: 500}
                  colour: red
                window_dedup: {types: {track.updated: {window: 1s}}}
                """, "rules.yml", EventTypeRegistry.standard())).problems();

        assertEquals(9, problems.size(), problems.toString());
        assertTrue(problems.contains("rules.yml: window_dedup.types.track.updated: a derived type; content-window dedup sees only detections"),
                problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("rules.yml: tracks.idle_timeout: ")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("rules.yml: tracks.update_interval: ")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("rules.yml: tracks.max_open_tracks: ")), problems.toString());
        assertTrue(problems.contains("rules.yml: tracks.types[1]: unknown event type \"nothing.here\" (neither a protocol v1 type nor one of event_types)"),
                problems.toString());
        assertTrue(problems.contains("rules.yml: tracks.types[2]: track.ended is a derived type; only detections make tracks"), problems.toString());
        assertTrue(problems.contains("rules.yml: tracks.severity.person: must be an integer within 0..100; was \"high\""), problems.toString());
        assertTrue(problems.contains("rules.yml: tracks.severity.car: must be an integer within 0..100; was 500"), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("rules.yml: tracks.colour")), problems.toString());
    }
}
