package dev.watchpost.handlers;

import dev.watchpost.handlers.rules.AlertRules;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.handlers.rules.Site;
import dev.watchpost.handlers.rules.TagTable;
import dev.watchpost.handlers.rules.TrackRules;
import dev.watchpost.handlers.rules.WindowDedupRules;
import dev.watchpost.persistence.deadletter.DeadLetterStore;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.JournalReader;
import dev.watchpost.persistence.journal.JournalRecord;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.DerivedEvent;
import dev.watchpost.ringbuffer.EventExtras;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

import static dev.watchpost.handlers.Detection.ALICE;
import static dev.watchpost.handlers.Detection.DOOR;
import static dev.watchpost.handlers.Detection.T0;
import static dev.watchpost.handlers.Detection.TILL;
import static dev.watchpost.handlers.Detection.ZONE_A;
import static dev.watchpost.handlers.Detection.ZONE_B;
import static dev.watchpost.handlers.Detection.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AlertHandlerTest {
    @TempDir
    Path dir;

    private static final Site SITE = new Site("shop", List.of(
            new Site.Camera("door", DOOR, "Front door", null, null, List.of(), null),
            new Site.Camera("till", TILL, "Till \"1\"", null, null, List.of(), null)),
            List.of(new Site.Zone("entrance", ZONE_A, "Entrance", "door")));

    private final Counters counters = new Counters();
    private final List<String> errorLines = new ArrayList<>();
    private final ErrorLog errors = new ErrorLog(counters, errorLines::add);
    private final TagTable tags = new TagTable();
    private final List<Alert> alerts = new ArrayList<>();
    private Rules rules;
    private SeqAllocator seqs;
    private WindowDedupHandler window;
    private TrackFusionHandler fuse;
    private AlertHandler alert;
    private Journal journal;
    private DeadLetterStore deadLetters;
    private JournalHandler journalStage;
    private long ring;

    /** An alert as the journal would store it. */
    record Alert(long seq, String receipt, List<Long> parents, String correlation, String payload, long tsUs, String label, UUID camera,
                 int triggerType) {
        String rule() {
            return field("rule");
        }

        String message() {
            return field("message");
        }

        long suppressed() {
            return Long.parseLong(payload.substring(payload.indexOf("\"suppressed\":") + 13, payload.length() - 1));
        }

        private String field(String name) {
            String from = payload.substring(payload.indexOf("\"" + name + "\":\"") + name.length() + 4);
            return from.substring(0, from.indexOf("\","));
        }
    }

    @AfterEach
    void close() throws IOException {
        if (journal != null) {
            journal.close();
            deadLetters.close();
        }
        assertEquals(List.of(), errorLines);
    }

    // ---- set-up

    private static AlertRules.Rule rule(String name, Consumer<RuleBuilder> how) {
        RuleBuilder b = new RuleBuilder(name);
        how.accept(b);
        return b.build();
    }

    /** Mutable rule fields for tests; defaults: anything matches, window repeats included, no throttle to speak of. */
    static final class RuleBuilder {
        String name;
        Set<Integer> types;
        Set<String> labels;
        Set<UUID> cameras;
        Set<UUID> zones;
        List<String> tags = List.of();
        int minSeverity = -1;
        int hoursFrom = -1;
        int hoursTo = -1;
        float minConfidence = -1;
        String message = "{label} at {camera}";
        int max = 100;
        Duration per = Duration.ZERO;
        AlertRules.ThrottleKey key = AlertRules.ThrottleKey.RULE;
        int maxKeys = 16;
        /** Most tests send look-alike detections close together: window repeats; the repeats test says otherwise. */
        boolean repeats = true;

        RuleBuilder(String name) {
            this.name = name;
        }

        AlertRules.Rule build() {
            return new AlertRules.Rule(name, types, labels, cameras, zones, tags, minSeverity, hoursFrom, hoursTo, minConfidence,
                    List.of("dash"), message, max, per, key, maxKeys, repeats);
        }
    }

    private void start(ZoneId zone, AlertRules.Rule... list) throws IOException {
        AlertRules alertRules = new AlertRules(zone, Map.of("dash", AlertRules.Channel.websocket("dash")), List.of(list));
        rules = new Rules(Duration.ofSeconds(2), Duration.ofSeconds(1), WindowDedupRules.defaults(),
                new TrackRules(true, Duration.ofSeconds(5), Duration.ofSeconds(1), 64, null, Map.of(), Duration.ofMinutes(5)), SITE, alertRules);
        open(false);
    }

    private void start(AlertRules.Rule... list) throws IOException {
        start(ZoneOffset.UTC, list);
    }

    /** The stages (over a journal when asked), state rebuilt from it as the daemon does at start. */
    private void open(boolean withJournal) throws IOException {
        if (journal != null) {
            journal.close();
            deadLetters.close();
            journal = null;
        }
        if (withJournal) {
            journal = Journal.open(dir.resolve("journal"));
            deadLetters = DeadLetterStore.open(dir.resolve("deadletter"));
            journalStage = new JournalHandler(journal, deadLetters, FsyncPolicy.NEVER, 8192, 2_000_000, counters);
        }
        seqs = new SeqAllocator(journal == null ? 1 : journal.lastSeq() + 1);
        window = new WindowDedupHandler(rules, counters, errors);
        fuse = new TrackFusionHandler(rules, seqs, counters, errors);
        alert = new AlertHandler(rules, tags, EventTypeRegistry.standard(), seqs, counters, errors);
        if (journal != null) {
            window.restore(journal);
            fuse.restore(journal);
            alert.restore(journal);
        }
    }

    private EventSlot send(Detection d) throws IOException {
        return send(d, slot -> { });
    }

    private EventSlot send(Detection d, Consumer<EventSlot> enrich) throws IOException {
        EventSlot slot = new EventSlot(256);
        TestEvents.fill(slot, d.frame(), null, 0, d.tsUs);
        slot.sequence(seqs.next());
        return run(slot, enrich, true);
    }

    private EventSlot tick(double wallSeconds) throws IOException {
        EventSlot slot = new EventSlot(256);
        slot.claimTick(T0 + Math.round(wallSeconds * 1_000_000));
        return run(slot, s -> { }, true);
    }

    private EventSlot run(EventSlot slot, Consumer<EventSlot> enrich, boolean withAlert) throws IOException {
        window.onEvent(slot, ring, true);
        fuse.onEvent(slot, ring, true);
        enrich.accept(slot);
        if (withAlert) {
            alert.onEvent(slot, ring, true);
        }
        if (journalStage != null) {
            journalStage.onEvent(slot, ring, true);
        }
        ring++;
        for (int i = 0; i < slot.derivedCount(); i++) {
            DerivedEvent event = slot.derived(i);
            if (event.frame().eventType() == EventTypeRegistry.ALERT_RAISED) {
                alerts.add(decode(event.seq(), event.frame(), event.extra(), event.extraLength()));
            }
        }
        return slot;
    }

    private static Alert decode(long seq, EventFrame frame, ByteBuffer extra, int extraLength) {
        assertEquals(EventFrame.MIN_LENGTH + frame.labelLength() + frame.payloadLength(), frame.frameLength(), "a whole EVENT frame");
        assertEquals(EventFrame.SOURCE_SYSTEM, frame.source());
        List<Long> parents = new ArrayList<>();
        for (int i = 0; i < EventExtras.parentCount(extra, 0, extraLength); i++) {
            parents.add(EventExtras.parent(extra, 0, extraLength, i));
        }
        int at = EventExtras.correlationIndex(extra, 0, extraLength);
        String correlation = new UUID(Long.reverseBytes(extra.getLong(at)), Long.reverseBytes(extra.getLong(at + 8))).toString();
        byte[] payload = new byte[(int) frame.payloadLength()];
        frame.buffer().get(frame.payloadIndex(), payload);
        byte[] label = new byte[frame.labelLength()];
        frame.buffer().get(frame.labelIndex(), label);
        String text = new String(payload, StandardCharsets.UTF_8);
        int trigger = text.indexOf("\"trigger\":{\"type\":\"");
        String triggerType = text.substring(trigger + 19, text.indexOf('"', trigger + 19));
        return new Alert(seq, new UUID(frame.receiptIdMsb(), frame.receiptIdLsb()).toString(), parents, correlation, text, frame.tsUs(),
                new String(label, StandardCharsets.UTF_8), new UUID(frame.uuidMsb(EventFrame.CAMERA_ID_OFFSET), frame.uuidLsb(EventFrame.CAMERA_ID_OFFSET)),
                EventTypeRegistry.standard().code(triggerType));
    }

    private List<String> rulesRaised() {
        return alerts.stream().map(Alert::rule).toList();
    }

    // ---- matching

    @Test
    void shouldRaiseAnAlertAfterItsTriggerWithTheTriggersFieldsAndDeterministicIds() throws IOException {
        start(rule("people", r -> r.labels = Set.of("person")));

        EventSlot slot = send(at(0).label("person").camera(DOOR).zone(ZONE_A).subject(ALICE).confidence(0.75f).bbox(0.1f, 0.2f, 0.3f, 0.4f));

        assertEquals(1, alerts.size());
        Alert a = alerts.get(0);
        assertEquals(slot.journalSeq() + 1, a.seq(), "the alert takes the next seq, after its trigger");
        assertEquals(List.of(slot.journalSeq()), a.parents());
        assertEquals(T0, a.tsUs());
        assertEquals("person", a.label());
        assertEquals(DOOR, a.camera());
        assertEquals("person at Front door", a.message());
        assertTrue(a.payload().startsWith("{\"rule\":\"people\",\"channels\":[\"dash\"],\"severity\":null,"), a.payload());
        assertTrue(a.payload().contains("\"trigger\":{\"type\":\"object.detected\",\"seq\":" + slot.journalSeq() + ",\"ts_us\":" + T0 + "}"),
                a.payload());
        DerivedEvent event = slot.derived(0);
        EventFrame f = event.frame();
        assertEquals(0.75f, f.confidence());
        assertEquals(ALICE, new UUID(f.uuidMsb(EventFrame.SUBJECT_ID_OFFSET), f.uuidLsb(EventFrame.SUBJECT_ID_OFFSET)));
        assertEquals(ZONE_A, new UUID(f.uuidMsb(EventFrame.ZONE_ID_OFFSET), f.uuidLsb(EventFrame.ZONE_ID_OFFSET)));
        assertTrue(f.hasBbox() && f.hasSubject());
        assertEquals(0.3f, f.bbox(2));

        // A rebuild (a second process) makes the same ids for the same trigger.
        List<Alert> first = List.copyOf(alerts);
        alerts.clear();
        start(rule("people", r -> r.labels = Set.of("person")));
        send(at(0).label("person").camera(DOOR).zone(ZONE_A).subject(ALICE).confidence(0.75f));
        assertEquals(first.get(0).receipt(), alerts.get(0).receipt());
        assertEquals(first.get(0).correlation(), alerts.get(0).correlation());
        assertEquals(2, counters.get(Counter.ALERTS_RAISED), "counted at the end of each batch");
    }

    @Test
    void shouldMatchOnTypesLabelsCamerasZonesAndConfidence() throws IOException {
        start(rule("types", r -> r.types = Set.of(EventTypeRegistry.FACE_RECOGNIZED)),
                rule("labels", r -> r.labels = Set.of("knife", "gun")),
                rule("cameras", r -> r.cameras = Set.of(TILL)),
                rule("zones", r -> r.zones = Set.of(ZONE_B)),
                rule("confidence", r -> r.minConfidence = 0.8f),
                rule("all", r -> {
                    r.labels = Set.of("knife");
                    r.cameras = Set.of(TILL);
                    r.minConfidence = 0.5f;
                }));

        send(at(0).type(EventTypeRegistry.FACE_RECOGNIZED).label("face").confidence(0.1f));
        assertEquals(List.of("types"), rulesRaised());
        alerts.clear();
        send(at(1).label("knife").camera(DOOR).confidence(0.1f));
        assertEquals(List.of("labels"), rulesRaised());
        alerts.clear();
        send(at(2).label("kni").camera(TILL).confidence(0.1f));
        assertEquals(List.of("cameras"), rulesRaised(), "a label matches whole, not by prefix");
        alerts.clear();
        send(at(3).label("cat").zone(ZONE_B).confidence(0.1f));
        assertEquals(List.of("zones"), rulesRaised());
        alerts.clear();
        send(at(4).label("cat").confidence(0.8f));
        assertEquals(List.of("confidence"), rulesRaised(), "min_confidence is inclusive");
        alerts.clear();
        send(at(5).label("knife").camera(TILL).confidence(0.6f));
        assertEquals(List.of("labels", "cameras", "all"), rulesRaised(), "every rule that matches raises its own alert, in rule order");
        alerts.clear();
        send(at(6).label("cat").camera(DOOR).confidence(0.2f));
        assertEquals(List.of(), rulesRaised());
    }

    @Test
    void shouldMatchOnWatchListTagsAndSeverityFromTheEnrichment() throws IOException {
        start(rule("banned", r -> r.tags = List.of("banned", "thief")),
                rule("severe", r -> r.minSeverity = 5));
        int banned = tags.bit("banned");
        int vip = tags.bit("vip");

        send(at(0), s -> s.enrichment().tags(1L << vip));
        assertEquals(List.of(), rulesRaised(), "a tag the rule does not name");
        send(at(1), s -> s.enrichment().tags((1L << vip) | (1L << banned)));
        assertEquals(List.of("banned"), rulesRaised(), "any one of the rule's tags");
        alerts.clear();
        send(at(2), s -> s.enrichment().severity(4));
        assertEquals(List.of(), rulesRaised());
        send(at(3), s -> s.enrichment().severity(5));
        assertEquals(List.of("severe"), rulesRaised());
        assertTrue(alerts.get(0).payload().contains("\"severity\":5,"), alerts.get(0).payload());
    }

    @Test
    void shouldMatchHoursAcrossMidnightInTheSiteTimeZone() throws IOException {
        // T0 is 07:00 UTC = 08:00 in Berlin (winter time) on 2026-11-23.
        start(ZoneId.of("Europe/Berlin"), rule("night", r -> {
            r.hoursFrom = 22 * 60;
            r.hoursTo = 6 * 60;
        }), rule("morning", r -> {
            r.hoursFrom = 8 * 60;
            r.hoursTo = 8 * 60 + 30;
        }));

        send(at(0));
        assertEquals(List.of("morning"), rulesRaised(), "08:00 local is in 08:00-08:30, whatever UTC says");
        alerts.clear();
        send(at(30 * 60));
        assertEquals(List.of(), rulesRaised(), "08:30 local: the end is exclusive");
        send(at(14 * 3600 - 1)); // 21:59:59 local
        assertEquals(List.of(), rulesRaised());
        send(at(14 * 3600)); // 22:00 local
        send(at(17 * 3600)); // 01:00 local, the next day
        send(at(22 * 3600 - 1)); // 05:59:59 local
        send(at(22 * 3600)); // 06:00 local
        assertEquals(List.of("night", "night", "night"), rulesRaised());
    }

    @Test
    void shouldFollowTheTimeZonesDaylightSavingTransitions() throws IOException {
        // 2026-03-29 01:00 UTC Berlin goes from +01:00 to +02:00. 00:30 UTC = 01:30 local; 01:30 UTC = 03:30 local.
        long march29 = java.time.Instant.parse("2026-03-29T00:30:00Z").getEpochSecond() * 1_000_000L;
        start(ZoneId.of("Europe/Berlin"), rule("three", r -> {
            r.hoursFrom = 3 * 60;
            r.hoursTo = 4 * 60;
        }));
        Detection before = at(0);
        before.tsUs = march29;
        Detection after = at(0);
        after.tsUs = march29 + 3600_000_000L;
        send(before);
        assertEquals(List.of(), rulesRaised());
        send(after);
        assertEquals(List.of("three"), rulesRaised());
    }

    @Test
    void shouldRenderEveryPlaceholderOfTheMessage() throws IOException {
        start(rule("all", r -> r.message = "{type}: {label} by {subject} at {camera} {nothing} \"quoted\""));

        send(at(0).label("per\"son").camera(TILL).subject(ALICE));
        send(at(1).label("cat").camera(UUID.fromString("12345678-0000-4000-8000-00000000abcd")));

        assertEquals("object.detected: per\\\"son by " + ALICE + " at Till \\\"1\\\" {nothing} \\\"quoted\\\"", alerts.get(0).message());
        assertEquals("object.detected: cat by unknown at 12345678-0000-4000-8000-00000000abcd {nothing} \\\"quoted\\\"", alerts.get(1).message());
    }

    // ---- derived triggers

    @Test
    void shouldAlertOnDerivedEventsWithTheirCorrelationButNeverOnAlerts() throws IOException {
        start(rule("tracks", r -> r.types = Set.of(EventTypeRegistry.TRACK_STARTED, EventTypeRegistry.TRACK_ENDED)),
                rule("everything", r -> r.max = 100));

        EventSlot slot = send(at(0).track(7));

        // own event (everything), then track.started (tracks, everything); never alert.raised itself
        assertEquals(List.of("everything", "tracks", "everything"), rulesRaised());
        DerivedEvent started = slot.derived(0);
        assertEquals(EventTypeRegistry.TRACK_STARTED, started.frame().eventType());
        int at = EventExtras.correlationIndex(started.extra(), 0, started.extraLength());
        String trackCorrelation = new UUID(Long.reverseBytes(started.extra().getLong(at)), Long.reverseBytes(started.extra().getLong(at + 8))).toString();
        assertEquals(trackCorrelation, alerts.get(1).correlation(), "an alert on a derived event shares its incident");
        assertEquals(List.of(started.seq()), alerts.get(1).parents());
        assertNotEquals(trackCorrelation, alerts.get(0).correlation());
        assertEquals(EventTypeRegistry.TRACK_STARTED, alerts.get(1).triggerType());

        alerts.clear();
        tick(60); // the track ends
        assertEquals(List.of("tracks", "everything"), rulesRaised());
        assertEquals(EventTypeRegistry.TRACK_ENDED, alerts.get(0).triggerType());
    }

    @Test
    void shouldLeaveWindowRepeatsOutUnlessTheRuleIncludesThem() throws IOException {
        start(rule("plain", r -> r.repeats = false), rule("repeats", r -> r.repeats = true));

        send(at(0).label("person"));
        send(at(1).label("person")); // a repeat within the default 5 s window

        assertEquals(List.of("plain", "repeats", "repeats"), rulesRaised());
    }

    // ---- throttle

    @Test
    void shouldThrottlePerKeyAndCountWhatItSuppressed() throws IOException {
        start(rule("cams", r -> {
            r.max = 2;
            r.per = Duration.ofSeconds(60);
            r.key = AlertRules.ThrottleKey.CAMERA;
        }));

        for (int i = 0; i < 10; i++) { // a stuck detector: ten a second on the door
            send(at(i * 0.1).camera(DOOR).label("l" + i));
        }
        send(at(1.5).camera(TILL).label("till"));
        send(at(59.9).camera(DOOR).label("late"));
        send(at(60.0).camera(DOOR).label("free")); // the first alert (t=0) has left the window
        send(at(60.05).camera(DOOR).label("held"));
        send(at(60.1).camera(DOOR).label("second")); // the second (t=0.1) has too

        assertEquals(List.of("l0", "l1", "till", "free", "second"), alerts.stream().map(Alert::label).toList());
        assertEquals(List.of(0L, 0L, 0L, 9L, 1L), alerts.stream().map(Alert::suppressed).toList(),
                "the next alert of a key says how many it suppressed since the last");
        assertEquals(10, counters.get(Counter.ALERTS_THROTTLED));
    }

    @Test
    void shouldThrottleBySubjectAndTrackAndEvictTheOldestKey() throws IOException {
        start(rule("subjects", r -> {
            r.types = Set.of(EventTypeRegistry.OBJECT_DETECTED); // not the tracks' lifecycle messages
            r.max = 1;
            r.per = Duration.ofMinutes(10);
            r.key = AlertRules.ThrottleKey.TRACK;
            r.maxKeys = 2;
        }));

        send(at(0).track(1));
        send(at(1).track(2));
        send(at(2).track(1)); // throttled
        send(at(3).track(3)); // a third key: track 1 (oldest last alert) is forgotten
        send(at(4).track(1)); // so track 1 alerts again
        send(at(5).track(3)); // still throttled

        assertEquals(List.of(0L, 0L, 0L, 0L), alerts.stream().map(Alert::suppressed).toList());
        assertEquals(4, alerts.size());
        assertEquals(2, counters.get(Counter.ALERTS_THROTTLED));
    }

    // ---- restart

    @Test
    void shouldRestoreThrottlesWithoutRepeatingAnAlert() throws IOException {
        AlertRules.Rule once = rule("once", r -> {
            r.max = 1;
            r.per = Duration.ofMinutes(5);
        });
        start(once);
        open(true);

        send(at(0).label("a"));
        send(at(10).label("b")); // throttled
        assertEquals(1, storedAlerts().size());

        open(true); // as after a crash: nothing closed cleanly
        assertEquals(0, alert.pendingDerived(), "nothing to raise again");
        send(at(20).label("c")); // still within the rebuilt window
        tick(30);
        assertEquals(1, storedAlerts().size());
        send(at(301).label("d")); // out of it: carries the two suppressed before and after the restart
        List<Alert> stored = storedAlerts();
        assertEquals(2, stored.size());
        assertEquals("d", stored.get(1).label());
        assertEquals(2, stored.get(1).suppressed());
    }

    @Test
    void shouldRaiseAtStartWhatACrashLostBetweenTriggerAndAlert() throws IOException {
        start(rule("people", r -> {
            r.labels = Set.of("person");
            r.max = 5;
            r.per = Duration.ofMinutes(1);
        }));
        open(true);
        send(at(0).label("person"));
        // The trigger reaches the journal but the process dies before the alert stage ran on it.
        EventSlot lost = new EventSlot(256);
        TestEvents.fill(lost, at(1).label("person").frame(), null, 0, T0);
        lost.sequence(seqs.next());
        run(lost, s -> { }, false);
        assertEquals(1, storedAlerts().size());

        open(true);
        assertEquals(1, alert.pendingDerived());
        tick(2);
        List<Alert> stored = storedAlerts();
        assertEquals(2, stored.size());
        assertEquals(List.of(lost.journalSeq()), stored.get(1).parents());

        open(true); // and again: now nothing is missing
        assertEquals(0, alert.pendingDerived());
        tick(3);
        assertEquals(2, storedAlerts().size());
    }

    @Test
    void shouldJudgeTagAndSeverityRulesOnTheStoredEnrichmentWhenRaisingWhatACrashLost() throws IOException {
        start(rule("banned", r -> r.tags = List.of("banned")), rule("severe", r -> r.minSeverity = 5));
        open(true);
        // Both triggers reach the journal with what the enrich stage stored, but not their alerts.
        byte[] bannedObject = "{\"subject\":{\"name\":\"Bruno\",\"watchlist\":[\"banned\"]},\"severity\":2}"
                .getBytes(StandardCharsets.UTF_8);
        byte[] severeObject = "{\"severity\":7}".getBytes(StandardCharsets.UTF_8);
        long[] lost = new long[2];
        int i = 0;
        for (byte[] object : List.of(bannedObject, severeObject)) {
            EventSlot slot = new EventSlot(256);
            TestEvents.fill(slot, at(i).label("person").frame(), null, 0, T0);
            slot.sequence(seqs.next());
            run(slot, s -> s.putEnrichment(object, object.length), false); // as the enrich stage does, after the window stage
            lost[i++] = slot.journalSeq();
        }
        assertEquals(0, storedAlerts().size());

        open(true);
        assertEquals(2, alert.pendingDerived(), "the stored watch list and severity decide, as they did live");
        tick(3);
        List<Alert> stored = storedAlerts();
        assertEquals(List.of(List.of(lost[0]), List.of(lost[1])), stored.stream().map(Alert::parents).toList());
    }

    private List<Alert> storedAlerts() throws IOException {
        journal.flush();
        List<Alert> out = new ArrayList<>();
        JournalRecord record = new JournalRecord();
        EventFrame frame = new EventFrame();
        try (JournalReader reader = journal.reader(1)) {
            while (reader.next(record)) {
                frame.wrap(record.buffer(), record.frameOffset());
                if (frame.eventType() == EventTypeRegistry.ALERT_RAISED) {
                    ByteBuffer extra = ByteBuffer.wrap(record.extraToArray()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                    out.add(decode(record.seq(), frame, extra, record.extraLength()));
                }
            }
        }
        return out;
    }

    // ---- allocation

    @Test
    void shouldNotAllocateInTheSteadyState() throws IOException {
        int banned = tags.bit("banned");
        start(rule("labels", r -> {
                    r.labels = Set.of("person");
                    r.max = 3;
                    r.per = Duration.ofSeconds(1);
                    r.key = AlertRules.ThrottleKey.CAMERA;
                    r.message = "{label} at {camera} ({type}, {subject})";
                }),
                rule("tags", r -> {
                    r.tags = List.of("banned");
                    r.hoursFrom = 0;
                    r.hoursTo = 12 * 60;
                }),
                rule("nothing", r -> r.cameras = Set.of(UUID.randomUUID())));
        AlertHandler stage = alert;
        int kinds = 16;
        byte[][] frames = new byte[kinds][];
        for (int i = 0; i < kinds; i++) {
            frames[i] = at(0).camera(i % 2 == 0 ? DOOR : TILL).label(i % 3 == 0 ? "cat" : "person").subject(ALICE).frame();
        }
        EventSlot[] slots = new EventSlot[64];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new EventSlot(512);
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        // Only the stage's own work is measured (the slot's release of last lap's alerts included):
        // the test's loop around it is not the hot path, and the JIT's one-off work on it is noise.
        long allocated = 0;
        int events = 200_000;
        int warmUp = 50_000;
        for (int n = 0; n < events; n++) {
            EventSlot slot = slots[n % slots.length];
            byte[] frame = frames[n % kinds];
            long ts = T0 + n * 10_000L;
            slot.claimEvent(frame.length, null, n, ts).put(0, frame);
            slot.buffer().putLong(EventFrame.TS_US_OFFSET, ts);
            slot.sequence(seqs.next());
            if (n % 5 == 0) {
                slot.enrichment().tags(1L << banned);
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            stage.onEvent(slot, n, n % 64 == 63);
            if (n >= warmUp) {
                allocated += threads.getCurrentThreadAllocatedBytes() - before;
            }
        }

        assertTrue(counters.get(Counter.ALERTS_RAISED) > 1000, "the loop raises alerts: " + counters.get(Counter.ALERTS_RAISED));
        assertTrue(counters.get(Counter.ALERTS_THROTTLED) > 1000, "and throttles: " + counters.get(Counter.ALERTS_THROTTLED));
        assertEquals(0, counters.get(Counter.ALERTS_OVERFLOW));
        assertTrue(allocated < 4096, "allocated " + allocated + " bytes over " + (events - warmUp) + " events");
    }
}
