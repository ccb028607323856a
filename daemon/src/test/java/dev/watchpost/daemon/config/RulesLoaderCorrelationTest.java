package dev.watchpost.daemon.config;

import dev.watchpost.handlers.rules.CorrelationRules;
import dev.watchpost.handlers.rules.CorrelationRules.Filter;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The correlation sections of the rules file: composite, sequences, incidents and correlation. */
class RulesLoaderCorrelationTest {
    private static final EventTypeRegistry REGISTRY = EventTypeRegistry.standard()
            .withSiteTypes(Map.of(1000, "shelf.empty", 40000, "customer.waved"));
    private static final UUID DOOR = UUID.fromString("0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a01");
    private static final UUID TILL = UUID.fromString("0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a02");
    private static final UUID ENTRANCE = UUID.fromString("9d1c6f0e-2b7a-4c55-8e11-3a4b5c6d7e01");
    private static final String SITE = """
            site:
              cameras:
                door: {id: 0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a01, neighbours: [till]}
                till: {id: 0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a02}
              zones:
                entrance: {id: 9d1c6f0e-2b7a-4c55-8e11-3a4b5c6d7e01, camera: door}
            """;

    private static Rules parse(String yaml) throws ConfigException {
        return RulesLoader.parse(SITE + yaml, "rules.yml", REGISTRY);
    }

    private static List<String> problems(String yaml) {
        return assertThrows(ConfigException.class, () -> parse(yaml)).problems();
    }

    @Test
    void shouldHaveNoCorrelationRulesByDefault() throws Exception {
        assertEquals(CorrelationRules.NONE, parse("").correlation());
    }

    @Test
    void shouldReadEveryKeyOfEveryKind() throws Exception {
        CorrelationRules c = parse("""
                correlation: {restore_horizon: 10m}
                composite:
                  - name: waved
                    action: waved at staff
                    all: [face.recognized, {type: gesture.detected, label: wave, camera: till}]
                    join: iou
                    iou: 0.5
                    within: 3s
                    max_pending: 64
                    emit: customer.waved
                  - name: same_person
                    all: [face.recognized, object.detected]
                    join: subject
                    same_camera: false
                    within: 10s
                sequences:
                  - name: door_then_till
                    steps: [{type: face.recognized, camera: door}, {type: face.recognized, camera: till}]
                    key: subject
                    within: 60s
                    max_pending: 32
                  - name: entered_unrecognised
                    steps: [{type: object.detected, label: person, camera: door, zone: entrance}]
                    absent: face.recognized
                    key: track
                    within: 30s
                    emit: customer.waved
                incidents:
                  - name: walked_through
                    key: label
                    types: [face.recognized, shelf.empty]
                    within: 1m
                    neighbours_only: false
                    max_open: 16
                """).correlation();

        assertEquals(Duration.ofMinutes(10), c.restoreHorizon());
        assertEquals(new CorrelationRules.CompositeRule("waved", "waved at staff", List.of(
                new Filter(EventTypeRegistry.FACE_RECOGNIZED, null, null, null),
                new Filter(EventTypeRegistry.GESTURE_DETECTED, "wave", TILL, null)),
                CorrelationRules.Join.IOU, 0.5, true, Duration.ofSeconds(3), 64, 40000), c.composite().get(0));
        assertEquals(new CorrelationRules.CompositeRule("same_person", "same_person", List.of(
                new Filter(EventTypeRegistry.FACE_RECOGNIZED, null, null, null),
                new Filter(EventTypeRegistry.OBJECT_DETECTED, null, null, null)),
                CorrelationRules.Join.SUBJECT, CorrelationRules.IOU_DEFAULT, false, Duration.ofSeconds(10),
                CorrelationRules.MAX_PENDING_DEFAULT, EventTypeRegistry.ACTION_DETECTED), c.composite().get(1));
        assertEquals(new CorrelationRules.SequenceRule("door_then_till", List.of(
                new Filter(EventTypeRegistry.FACE_RECOGNIZED, null, DOOR, null),
                new Filter(EventTypeRegistry.FACE_RECOGNIZED, null, TILL, null)),
                CorrelationRules.SequenceKey.SUBJECT, Duration.ofSeconds(60), null, 32, EventTypeRegistry.SEQUENCE_MATCHED), c.sequences().get(0));
        assertEquals(new CorrelationRules.SequenceRule("entered_unrecognised", List.of(
                new Filter(EventTypeRegistry.OBJECT_DETECTED, "person", DOOR, ENTRANCE)),
                CorrelationRules.SequenceKey.TRACK, Duration.ofSeconds(30), new Filter(EventTypeRegistry.FACE_RECOGNIZED, null, null, null),
                CorrelationRules.MAX_PENDING_DEFAULT, 40000), c.sequences().get(1));
        assertEquals(new CorrelationRules.IncidentRule("walked_through", CorrelationRules.IncidentKey.LABEL,
                Set.of(EventTypeRegistry.FACE_RECOGNIZED, 1000), Duration.ofMinutes(1), false, 16), c.incidents().get(0));
    }

    @Test
    void shouldReportEveryProblemOfTheCorrelationSectionsWithItsPath() {
        List<String> problems = problems("""
                correlation: {restore_horizon: 2d, colour: red}
                composite:
                  - name: waved
                    all: [face.recognized]
                    join: elbow
                    within: 3x
                  - name: waved
                    all: [track.started, {type: gesture.detected, camera: roof, zone: cellar}, {label: wave}]
                    join: track
                    iou: 0.4
                    same_camera: false
                    max_pending: 2
                    emit: incident.correlated
                  - name: "bad name!"
                    all: [face.recognized, no.such.type]
                    join: iou
                    iou: 1.5
                  - just a string
                sequences:
                  - name: only_one
                    steps: [face.recognized]
                    within: 0s
                  - name: absent_bad
                    steps: [object.detected]
                    absent: {type: face.recognized, shape: round}
                    key: colour
                    within: 30s
                    emit: not.declared
                incidents:
                  - name: walk
                    types: []
                    key: badge
                    within: 2h
                  - name: walk2
                    types: [action.detected]
                    within: 10s
                    max_open: 1
                    colour: blue
                """);

        assertEquals(List.of(
                "rules.yml: correlation.colour: unknown key (known: restore_horizon)",
                "rules.yml: correlation.restore_horizon: must be within 0s..24h, was 2d",
                "rules.yml: composite[3]: must be a mapping with at least name; was \"just a string\"",
                "rules.yml: composite[0].all: must be a list of 2..8 event types, each a name or {type, label, camera, zone}; was [\"face.recognized\"]",
                "rules.yml: composite[0].join: must be one of track, subject, iou; was 'elbow'",
                "rules.yml: composite[0].within: must be a duration such as 250ms, 30s, 5m, 24h or 7d; was \"3x\"",
                "rules.yml: composite[1].name: 'waved' is the name of another rule of this kind too",
                "rules.yml: composite[1].all[0]: track.started is a derived type; correlation rules take detections only",
                "rules.yml: composite[1].all[1].camera: no camera 'roof' under site.cameras",
                "rules.yml: composite[1].all[1].zone: no zone 'cellar' under site.zones",
                "rules.yml: composite[1].all[2].type: required, an event type name such as face.recognized",
                "rules.yml: composite[1].iou: only with join: iou",
                "rules.yml: composite[1].same_camera: a track join is always on one camera; false needs join: subject",
                "rules.yml: composite[1].within: required, the time bound, e.g. 30s",
                "rules.yml: composite[1].max_pending: must be within 4..65536, was 2",
                "rules.yml: composite[1].emit: must be action.detected or a derived type of the site's own, declared in event_types with a code in"
                        + " 32775..65535; was 'incident.correlated'",
                "rules.yml: composite[2].name: must be 1..64 letters, digits, '_', '-' or '.'; was 'bad name!'",
                "rules.yml: composite[2].all[1]: unknown event type \"no.such.type\" (neither a protocol v1 type nor one of event_types)",
                "rules.yml: composite[2].iou: must be a number in (0, 1], the least overlap of two boxes; was 1.5",
                "rules.yml: composite[2].within: required, the time bound, e.g. 30s",
                "rules.yml: sequences[0].steps: must be a list of 2..8 event types, each a name or {type, label, camera, zone}; was [\"face.recognized\"]",
                "rules.yml: sequences[0].key: required, one of subject, track, label_zone",
                "rules.yml: sequences[0].within: must be within 1ms..1h, was 0s",
                "rules.yml: sequences[1].absent.shape: unknown key (known: camera, label, type, zone)",
                "rules.yml: sequences[1].key: must be one of subject, track, label_zone; was 'colour'",
                "rules.yml: sequences[1].emit: must be sequence.matched or a derived type of the site's own, declared in event_types with a code in"
                        + " 32775..65535; was 'not.declared'",
                "rules.yml: incidents[0].key: must be one of subject, label; was 'badge'",
                "rules.yml: incidents[0].types: required, a non-empty list of event type names, e.g. [face.recognized]; was []",
                "rules.yml: incidents[0].within: must be within 1ms..1h, was 2h",
                "rules.yml: incidents[1].colour: unknown key (known: key, max_open, name, neighbours_only, types, within)",
                "rules.yml: incidents[1].types[0]: action.detected is a derived type; correlation rules take detections only",
                "rules.yml: incidents[1].max_open: must be within 4..65536, was 1"), problems);
    }

    @Test
    void shouldRefuseNeighboursOnlyIncidentsWithoutASite() {
        List<String> problems = assertThrows(ConfigException.class, () -> RulesLoader.parse("""
                incidents:
                  - {name: walk, types: [face.recognized], within: 60s}
                """, "rules.yml", REGISTRY)).problems();

        assertEquals(List.of("rules.yml: incidents[0].neighbours_only: the site describes fewer than two cameras (site.cameras), so no two are"
                + " neighbours; describe them or set neighbours_only: false"), problems);
    }

    @Test
    void shouldReadTheShippedRulesFileWithOneRuleOfEachKind() throws Exception {
        Path shipped = Path.of("").toAbsolutePath().getParent().resolve("config/rules.yml");
        List<String> problems = new java.util.ArrayList<>();
        Rules rules = RulesLoader.load(shipped, EventTypeRegistry.standard(), problems);

        assertEquals(List.of(), problems);
        assertEquals(List.of("waved_at_till"), rules.correlation().composite().stream().map(CorrelationRules.CompositeRule::name).toList());
        assertEquals(List.of("door_then_till", "entered_unrecognised"),
                rules.correlation().sequences().stream().map(CorrelationRules.SequenceRule::name).toList());
        assertEquals(List.of("walked_through"), rules.correlation().incidents().stream().map(CorrelationRules.IncidentRule::name).toList());
    }
}
