package dev.watchpost.daemon.config;

import dev.watchpost.handlers.rules.EnrichmentRules;
import dev.watchpost.handlers.rules.AlertRules;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.handlers.rules.Site;
import dev.watchpost.handlers.rules.TrackRules;
import dev.watchpost.handlers.rules.WindowDedupRule;
import dev.watchpost.handlers.rules.WindowDedupRule.KeyField;
import dev.watchpost.handlers.rules.WindowDedupRule.Mode;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
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
                "rules.yml: colour: unknown key (known: alerts, allowed_lateness, clock_skew, composite, correlation, enrichment, incidents, sequences, site, tracks, window_dedup)",
                "rules.yml: allowed_lateness: must be a duration such as 250ms, 30s, 5m, 24h or 7d; was \"soon\"",
                "rules.yml: clock_skew: must be within 0s..1h, was 2h",
                "rules.yml: window_dedup.max_open_keys: must be within 16..4194304, was 3",
                "rules.yml: window_dedup.default.window: must be a duration such as 250ms, 30s, 5m, 24h or 7d; was \"5x\"",
                "rules.yml: window_dedup.default.mode: must be fixed or sliding; was 'tumbling'",
                "rules.yml: window_dedup.types.motion.detected.window: must be within 1ms..24h, was 0ms",
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

    // ---- alerts

    private static final EventTypeRegistry STANDARD = EventTypeRegistry.standard();
    private static final String ALERT_SITE = """
            site:
              cameras:
                door: {id: 0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a01, name: Front door}
                till: {id: 0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a02}
              zones:
                entrance: {id: 9d1c6f0e-2b7a-4c55-8e11-3a4b5c6d7e01, camera: door}
            """;

    @Test
    void shouldReadTheAlertsSection() throws Exception {
        Rules rules = RulesLoader.parse(ALERT_SITE + """
                alerts:
                  timezone: Europe/Berlin
                  channels:
                    dash: {type: websocket}
                    hook: {type: webhook, url: 'https://alerts.example.com/in', timeout: 2s, backoff_initial: 100ms, backoff_max: 10s,
                           breaker: {failures: 3, cool_down: 1m}}
                    bus: {type: mqtt, url: 'tcp://127.0.0.1:1883', enabled: false}
                  rules:
                    - name: night
                      when: {types: [object.detected, track.started], labels: [person], cameras: [door], zones: [entrance],
                             tags: [banned, vip], min_severity: 3, hours: 22:00-06:30, min_confidence: 0.5}
                      channels: [dash, hook, bus]
                      message: '{label} at {camera}'
                      throttle: {max: 2, per: 5m, key: track, max_keys: 50}
                      include_repeats: true
                    - name: simple
                      channels: [dash]
                """, "rules.yml", STANDARD);

        AlertRules alerts = rules.alerts();
        assertEquals(ZoneId.of("Europe/Berlin"), alerts.timezone());
        assertEquals(List.of("dash", "hook", "bus"), List.copyOf(alerts.channels().keySet()), "in file order");
        AlertRules.Channel hook = alerts.channels().get("hook");
        assertEquals(AlertRules.ChannelType.WEBHOOK, hook.type());
        assertEquals(java.net.URI.create("https://alerts.example.com/in"), hook.url());
        assertEquals(Duration.ofSeconds(2), hook.timeout());
        assertEquals(Duration.ofMillis(100), hook.backoffInitial());
        assertEquals(Duration.ofSeconds(10), hook.backoffMax());
        assertEquals(3, hook.breakerFailures());
        assertEquals(Duration.ofMinutes(1), hook.breakerCoolDown());
        AlertRules.Channel bus = alerts.channels().get("bus");
        assertFalse(bus.enabled());
        assertEquals(AlertRules.MQTT_TOPIC_DEFAULT, bus.topic());
        assertEquals("watchpost-bus", bus.clientId());

        AlertRules.Rule night = alerts.rules().get(0);
        assertEquals(java.util.Set.of(EventTypeRegistry.OBJECT_DETECTED, EventTypeRegistry.TRACK_STARTED), night.types());
        assertEquals(java.util.Set.of("person"), night.labels());
        assertEquals(java.util.Set.of(UUID.fromString("0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a01")), night.cameras());
        assertEquals(java.util.Set.of(UUID.fromString("9d1c6f0e-2b7a-4c55-8e11-3a4b5c6d7e01")), night.zones());
        assertEquals(List.of("banned", "vip"), night.tags());
        assertEquals(3, night.minSeverity());
        assertEquals(22 * 60, night.hoursFrom());
        assertEquals(6 * 60 + 30, night.hoursTo());
        assertEquals(0.5f, night.minConfidence());
        assertEquals(List.of("dash", "hook", "bus"), night.channels());
        assertEquals(List.of("dash", "hook"), alerts.enabledChannels(night.channels()));
        assertEquals(2, night.throttleMax());
        assertEquals(Duration.ofMinutes(5), night.throttlePer());
        assertEquals(AlertRules.ThrottleKey.TRACK, night.throttleKey());
        assertEquals(50, night.throttleMaxKeys());
        assertTrue(night.includeRepeats());

        AlertRules.Rule simple = alerts.rules().get(1);
        assertEquals(null, simple.types());
        assertEquals("{type} on {camera}", simple.message());
        assertEquals(AlertRules.THROTTLE_MAX_DEFAULT, simple.throttleMax());
        assertEquals(AlertRules.THROTTLE_PER_DEFAULT, simple.throttlePer());
        assertEquals(AlertRules.ThrottleKey.RULE, simple.throttleKey());
        assertEquals(-1, simple.hoursFrom());
        assertFalse(simple.includeRepeats());
        assertEquals(Duration.ofMinutes(5), alerts.longestThrottle());
    }

    @Test
    void shouldNameEveryProblemOfTheAlertsSectionByItsPath() {
        List<String> problems = assertThrows(ConfigException.class, () -> RulesLoader.parse(ALERT_SITE + """
                alerts:
                  timezone: Mars/Olympus
                  colour: red
                  channels:
                    dash: {type: websocket, url: 'http://x'}
                    hook: {type: webhook, url: 'ftp://example.com/x', backoff_initial: 2s, backoff_max: 1s}
                    nourl: {type: webhook}
                    bus: {type: mqtt, url: 'tcp://127.0.0.1', topic: 'a/#', client_id: 'a-client-id-longer-than-23'}
                    odd: {type: pigeon}
                  rules:
                    - name: bad
                      when: {types: [alert.raised, no.such], cameras: [roof], zones: [cellar], hours: 25:00-06:00,
                             min_confidence: 2, min_severity: -1, weather: rain}
                      channels: [dash, nowhere]
                      message: 'hello {who}'
                      throttle: {max: 0, per: forever, key: store}
                    - name: bad
                      channels: [dash]
                    - name: 'no spaces'
                    - when: {hours: 08:00-08:00}
                      channels: dash
                    - just text
                """, "rules.yml", STANDARD)).problems();

        assertEquals(List.of(
                "rules.yml: alerts.colour: unknown key (known: channels, rules, timezone)",
                "rules.yml: alerts.timezone: unknown time zone 'Mars/Olympus', e.g. Europe/Berlin or UTC",
                "rules.yml: alerts.channels.dash.url: a websocket channel has no url (it is the /v1/alerts stream)",
                "rules.yml: alerts.channels.hook.url: must be a URL like http://127.0.0.1:8080/alerts; was 'ftp://example.com/x'",
                "rules.yml: alerts.channels.hook.backoff_max: must be at least backoff_initial (2s), was 1s",
                "rules.yml: alerts.channels.nourl.url: required for a webhook channel, e.g. http://127.0.0.1:8080/alerts",
                "rules.yml: alerts.channels.bus.url: must be a URL like tcp://127.0.0.1:1883; was 'tcp://127.0.0.1'",
                "rules.yml: alerts.channels.bus.topic: must be a topic name without wildcards (# +), e.g. watchpost/alerts/{rule}; was 'a/#'",
                "rules.yml: alerts.channels.bus.client_id: must be 1..23 characters (MQTT 3.1.1), was 'a-client-id-longer-than-23'",
                "rules.yml: alerts.channels.odd.type: must be websocket, webhook or mqtt; was 'pigeon'",
                "rules.yml: alerts.rules[0].when.weather: unknown key (known: cameras, hours, labels, min_confidence, min_severity, tags, types, zones)",
                "rules.yml: alerts.rules[0].when.types[0]: alert.raised never triggers an alert",
                "rules.yml: alerts.rules[0].when.types[1]: unknown event type 'no.such'",
                "rules.yml: alerts.rules[0].when.cameras[0]: no camera 'roof' under site.cameras",
                "rules.yml: alerts.rules[0].when.zones[0]: no zone 'cellar' under site.zones",
                "rules.yml: alerts.rules[0].when.min_severity: must be within 0..100, was -1",
                "rules.yml: alerts.rules[0].when.min_confidence: must be a number within 0..1, was 2",
                "rules.yml: alerts.rules[0].when.hours: must be a time-of-day span HH:MM-HH:MM such as 22:00-06:00; was '25:00-06:00'",
                "rules.yml: alerts.rules[0].channels[1]: no channel 'nowhere' under alerts.channels",
                "rules.yml: alerts.rules[0].message: unknown placeholder {who} (known: {label}, {camera}, {type}, {subject})",
                "rules.yml: alerts.rules[0].throttle.max: must be within 1..100, was 0",
                "rules.yml: alerts.rules[0].throttle.per: must be a duration such as 250ms, 30s, 5m, 24h or 7d; was \"forever\"",
                "rules.yml: alerts.rules[0].throttle.key: must be rule, camera, subject or track; was 'store'",
                "rules.yml: alerts.rules[1].name: 'bad' is the name of another rule too",
                "rules.yml: alerts.rules[2].name: a name is 1..64 letters, digits, '_' or '-'; was 'no spaces'",
                "rules.yml: alerts.rules[2].channels: required, a non-empty list of channel names under alerts.channels",
                "rules.yml: alerts.rules[3].name: required, the rule's name (it goes into each alert)",
                "rules.yml: alerts.rules[3].when.hours: start and end are the same time; leave hours out for all day",
                "rules.yml: alerts.rules[3].channels: must be a list, e.g. [dashboard, office_webhook]; was \"dash\"",
                "rules.yml: alerts.rules[3].channels: required, a non-empty list of channel names under alerts.channels",
                "rules.yml: alerts.rules[4]: must be a mapping with name, when, channels ...; was \"just text\""), problems);
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
        Rules rules = RulesLoader.load(shipped, EventTypeRegistry.standard(), problems);

        assertEquals(List.of(), problems);
        assertEquals(3, rules.alerts().rules().size());
        assertEquals(List.of("dashboard"), rules.alerts().enabledChannels(rules.alerts().rules().get(0).channels()),
                "the embedded default delivers to no external service");
        assertEquals(Duration.ofSeconds(2), rules.allowedLateness());
        assertEquals(WindowDedupRule.DEFAULT, rules.windowDedup().defaultRule());
        assertEquals(Mode.SLIDING, rules.windowDedup().ruleFor(EventTypeRegistry.MOTION_DETECTED).mode());
        assertFalse(rules.windowDedup().ruleFor(EventTypeRegistry.CAMERA_HEALTH).enabled());
        assertTrue(rules.enrichment().enabled());
        assertEquals(shipped.getParent().resolve("subjects.jsonl"), rules.enrichment().subjectsFile());
        assertTrue(java.nio.file.Files.exists(rules.enrichment().subjectsFile()), "the shipped subject directory");
    }

    // ---- enrichment

    @Test
    void shouldLeaveEnrichmentOffWithoutItsSection() throws Exception {
        assertEquals(EnrichmentRules.DISABLED, parse("").enrichment());
    }

    @Test
    void shouldReadTheEnrichmentSectionWithTheSubjectFileBesideTheRules(@TempDir Path dir) throws Exception {
        java.nio.file.Files.writeString(dir.resolve("people.jsonl"),
                "{\"id\": \"5a1e0c7e-0000-4000-8000-000000000001\", \"name\": \"Ada\", \"tags\": [\"vip\"]}\n");
        java.nio.file.Files.writeString(dir.resolve("rules.yml"), """
                enrichment:
                  enrichers:
                    site: {budget: 200us}
                    subjects: true
                    severity: {enabled: true, budget: 1ms}
                  subjects: {file: people.jsonl, reload_interval: 500ms}
                  severity:
                    base: 1
                    types: {face.recognized: 2, shelf.empty: 3}
                    labels: {knife: 6}
                    tags: {banned: 5, vip: 1}
                    max: 9
                  breaker: {failures: 3, cool_down: 1m}
                """);
        List<String> problems = new java.util.ArrayList<>();
        Rules rules = RulesLoader.load(dir.resolve("rules.yml"), REGISTRY, problems);

        assertEquals(List.of(), problems);
        EnrichmentRules e = rules.enrichment();
        assertTrue(e.enabled());
        assertEquals(Duration.ofNanos(200_000), e.settings("site").budget());
        assertTrue(e.settings("subjects").enabled());
        assertEquals(null, e.settings("subjects").budget());
        assertEquals(Duration.ofMillis(1), e.settings("severity").budget());
        assertEquals(dir.resolve("people.jsonl"), e.subjectsFile());
        assertEquals(Duration.ofMillis(500), e.reloadInterval());
        assertEquals(new EnrichmentRules.SeverityRules(1, Map.of(EventTypeRegistry.FACE_RECOGNIZED, 2, 1000, 3), Map.of("knife", 6),
                Map.of("banned", 5, "vip", 1), 9), e.severity());
        assertEquals(3, e.breakerFailures());
        assertEquals(Duration.ofMinutes(1), e.breakerCoolDown());
        assertEquals(EnrichmentRules.RELOAD_INTERVAL_DEFAULT, parse("enrichment: {}\n").enrichment().reloadInterval());
        assertTrue(parse("enrichment: {}\n").enrichment().enabled(), "a section turns the stage on");
        assertFalse(parse("enrichment: {enabled: false}\n").enrichment().enabled());
    }

    @Test
    void shouldReportEveryProblemOfTheEnrichmentSectionWithItsPath() {
        List<String> problems = problems("""
                enrichment:
                  enrichers:
                    site: {budget: 5x}
                    Bad Name: {}
                    subjects: maybe
                  subjects: {file: people.jsonl, reload_interval: 1ms, watch: yes}
                  severity:
                    base: -1
                    types: {nothing.here: 2}
                    labels: {knife: lots}
                    tags: {Banned: 5}
                  breaker: {failures: 0}
                  colour: red
                """);
        assertEquals(List.of(
                "rules.yml: enrichment.colour: unknown key (known: breaker, enabled, enrichers, severity, subjects)",
                "rules.yml: enrichment.enrichers.site.budget: must be a duration such as 250ms, 30s, 5m, 24h or 7d; was \"5x\"",
                "rules.yml: enrichment.enrichers.Bad Name: an enricher's name is 1..32 of a-z, 0-9, '_', '-'",
                "rules.yml: enrichment.enrichers.subjects: must be true, false, or a mapping of enabled, budget and the enricher's own keys; was \"maybe\"",
                "rules.yml: enrichment.subjects.watch: unknown key (known: file, reload_interval)",
                "rules.yml: enrichment.subjects.reload_interval: must be within 10ms..1h, was 1ms",
                "rules.yml: enrichment.severity.base: must be within 0..1000, was -1",
                "rules.yml: enrichment.severity.types.nothing.here: unknown event type (neither a protocol v1 type nor one of event_types)",
                "rules.yml: enrichment.severity.labels.knife: must be an integer within -1000..1000; was \"lots\"",
                "rules.yml: enrichment.severity.tags.Banned: a tag is 1..32 of a-z, 0-9, '_', '-'",
                "rules.yml: enrichment.breaker.failures: must be within 1..1000000, was 0"), problems);
    }

    @Test
    void shouldReportAnUnknownEnricherAndAMissingDependency() {
        assertEquals(List.of("rules.yml: enrichment.enrichers.weather: no enricher of this name (known: severity, site, subjects)"),
                problems("enrichment: {enrichers: {weather: {}}}\n"));
        assertEquals(List.of("rules.yml: enrichment.enrichers.severity: depends on 'subjects', which is not enabled (enabled: severity, site)"),
                problems("enrichment: {enrichers: {subjects: false}, severity: {tags: {banned: 5}}}\n"));
    }

    @Test
    void shouldReportABrokenSubjectDirectoryWithItsLine(@TempDir Path dir) throws Exception {
        java.nio.file.Files.writeString(dir.resolve("people.jsonl"), "# people\n{\"id\": \"nope\", \"name\": \"Ada\"}\n");
        java.nio.file.Files.writeString(dir.resolve("rules.yml"), "enrichment: {subjects: {file: people.jsonl}}\n");
        List<String> problems = new java.util.ArrayList<>();
        RulesLoader.load(dir.resolve("rules.yml"), REGISTRY, problems);
        assertEquals(List.of(dir.resolve("rules.yml") + ": enrichment.subjects.file: " + dir.resolve("people.jsonl")
                + ": line 2: id: must be a non-nil UUID; was \"nope\""), problems);

        java.nio.file.Files.writeString(dir.resolve("rules.yml"), "enrichment: {subjects: {file: absent.jsonl}}\n");
        problems.clear();
        RulesLoader.load(dir.resolve("rules.yml"), REGISTRY, problems);
        assertEquals(List.of(dir.resolve("rules.yml") + ": enrichment.subjects.file: " + dir.resolve("absent.jsonl") + ": no such file"), problems);
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
