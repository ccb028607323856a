package dev.watchpost.daemon.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.watchpost.daemon.config.RulesLoader;
import dev.watchpost.daemon.sim.SiteSimulator.Emission;
import dev.watchpost.daemon.sim.SiteSimulator.Visit;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.handlers.rules.WindowDedupRule;
import dev.watchpost.handlers.time.Watermark;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.JournalFormat;
import dev.watchpost.persistence.journal.JournalReader;
import dev.watchpost.persistence.journal.JournalRecord;
import dev.watchpost.ringbuffer.EventExtras;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped rules against a simulated afternoon at the shop with its ground truth (see
 * {@link SiteSimulator}): at least 50,000 detections with retries, late and out-of-order frames and
 * dropouts, through the real stages, journal and dedup store. Checks that every detection is stored
 * exactly once; that the content-window dedup marks exactly the repeats its documented rule makes
 * (computed here by an independent model of that rule), nothing else; that tracks match the visits
 * with at least 99 % precision and recall; and that the same afternoon with two {@code kill -9}
 * restarts in it stores the same detections, the same markings and the same tracks.
 */
class SiteSimulationTest {
    private static final int DETECTIONS = 50_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** An hour ago: within the receipt TTL, and event times are never ahead of the clock. */
    private static final long START_US = (System.currentTimeMillis() - 3_600_000L) * 1000;

    private static SiteSimulator sim;
    private static Rules rules;

    @TempDir
    Path tmp;

    @BeforeAll
    static void simulate() throws Exception {
        Path shipped = Path.of("").toAbsolutePath().getParent().resolve("config/rules.yml");
        rules = RulesLoader.read(shipped, EventTypeRegistry.standard());
        sim = new SiteSimulator(20261205L, START_US, DETECTIONS);
    }

    @Test
    void shouldStoreEveryDetectionOnceAndMarkExactlyTheRepeatsTheRuleMakes() throws Exception {
        Outcome run = run(tmp.resolve("straight"), Set.of());

        assertTrue(sim.unique() >= DETECTIONS);
        assertTrue(sim.retries() > 500 && sim.late() > 500 && sim.dropouts() > 20, "the afternoon has its noise: " + describe());
        assertEquals(sim.unique(), run.rawRecords, "every distinct detection stored once, no retry stored: " + describe());
        assertEquals(sim.unique(), run.raw.size());

        Map<UUID, UUID> expected = modelRepeats();
        int truePositive = 0;
        for (Map.Entry<UUID, UUID> e : run.repeatOf.entrySet()) {
            if (e.getValue().equals(expected.get(e.getKey()))) {
                truePositive++;
            }
        }
        assertTrue(expected.size() > 10_000, "the shop repeats itself: " + expected.size());
        assertEquals(expected.size(), truePositive, "every repeat marked, with its original");
        assertEquals(expected.size(), run.repeatOf.size(), "nothing else marked");
        assertEquals(List.of(), run.errors);
    }

    @Test
    void shouldMakeOneTrackPerVisitWithItsStartEndCountBestAndSubject() throws Exception {
        Outcome run = run(tmp.resolve("straight"), Set.of());

        Map<String, Visit> truth = new HashMap<>();
        for (Visit visit : sim.visits()) {
            truth.put(trackKey(visit.camera, visit.trackId), visit);
        }
        int matched = 0;
        Set<String> found = new HashSet<>();
        for (Derived ended : run.derived(EventTypeRegistry.TRACK_ENDED)) {
            Visit visit = truth.get(ended.trackKey());
            if (visit != null && matches(visit, ended.payload.get("after")) && "idle".equals(ended.payload.get("reason").asText())) {
                matched++;
                found.add(ended.trackKey());
            }
        }
        int ended = run.derived(EventTypeRegistry.TRACK_ENDED).size();
        Set<String> started = new HashSet<>();
        run.derived(EventTypeRegistry.TRACK_STARTED).forEach(d -> started.add(d.trackKey()));
        double precision = (double) matched / ended;
        double recall = (double) found.size() / truth.size();
        System.out.printf("site simulation: %d visits, %d tracks ended, precision %.4f, recall %.4f (%s)%n",
                truth.size(), ended, precision, recall, describe());
        assertTrue(truth.size() > 300, "visits: " + truth.size());
        assertTrue(precision >= 0.99, "precision " + precision);
        assertTrue(recall >= 0.99, "recall " + recall);
        assertEquals(truth.keySet(), started, "one track.started per visit, no other");
    }

    @Test
    void shouldDeriveTheSameWithTwoKillsInTheAfternoon() throws Exception {
        int n = sim.emissions().size();
        Outcome straight = run(tmp.resolve("straight"), Set.of());
        Outcome restarted = run(tmp.resolve("restarted"), Set.of(n / 3, 2 * n / 3));

        assertEquals(straight.raw.keySet(), restarted.raw.keySet(), "the same detections stored");
        assertEquals(straight.repeatOf, restarted.repeatOf, "the same repeats marked with the same originals");
        assertEquals(straight.repeatOrdinal, restarted.repeatOrdinal, "counted on from where they were");
        assertEquals(List.of(), difference(straight.semantic(), restarted.semantic()), "the same tracks, started and ended alike");
        assertTrue(restarted.derived(EventTypeRegistry.TRACK_UPDATED).stream()
                .anyMatch(d -> "restart".equals(d.payload.get("reason").asText())), "open tracks re-announced after each restart");
        assertEquals(List.of(), restarted.errors);
    }

    @Test
    void shouldDeriveTheActionsSequencesAndIncidentsThatHappened() throws Exception {
        Outcome run = run(tmp.resolve("straight"), Set.of());
        List<String> report = new ArrayList<>();

        // waved_at_till: a recognised person's wave at the till, joined to their face by the track
        Set<String> waves = new HashSet<>();
        for (Visit visit : sim.visits()) {
            if (visit.camera.equals(SiteSimulator.TILL) && visit.subject != null && !visit.waves.isEmpty()) {
                waves.add(trackKey(visit.camera, visit.trackId));
            }
        }
        score(report, "waved_at_till", waves, run.derived(EventTypeRegistry.ACTION_DETECTED).stream()
                .filter(d -> d.label.equals("waved")).map(Derived::trackKey).toList());

        // door_then_till: a recognised person seen at the door, then at the till (always within the minute here)
        Set<String> paid = new HashSet<>();
        Map<String, long[]> tillSpans = new HashMap<>();
        for (List<Visit> person : sim.people()) {
            for (Visit visit : person) {
                if (visit.subject != null && visit.camera.equals(SiteSimulator.TILL) && faces(visit)) {
                    paid.add(visit.subject + "@" + visit.person);
                    tillSpans.put(visit.subject + "@" + visit.person, span(visit));
                }
            }
        }
        score(report, "door_then_till", paid, run.derived(EventTypeRegistry.SEQUENCE_MATCHED).stream()
                .filter(d -> d.label.equals("door_then_till")).map(d -> personAt(d.subject, d.tsUs, tillSpans)).toList());

        // entered_unrecognised: someone at the door whose track no face is recognised on within 30 s
        Set<String> strangers = new HashSet<>();
        for (Visit visit : sim.visits()) {
            if (visit.camera.equals(SiteSimulator.DOOR) && visit.subject == null) {
                strangers.add(trackKey(visit.camera, visit.trackId));
            }
        }
        score(report, "entered_unrecognised", strangers, run.derived(EventTypeRegistry.SEQUENCE_MATCHED).stream()
                .filter(d -> d.label.equals("entered_unrecognised")).map(Derived::trackKey).toList());

        // walked_through: a recognised person seen by face on neighbouring cameras (door - aisle - till), one incident each
        Map<String, String> walks = new HashMap<>();
        Map<String, long[]> spans = new HashMap<>();
        for (List<Visit> person : sim.people()) {
            List<String> cameras = new ArrayList<>();
            long[] span = {Long.MAX_VALUE, Long.MIN_VALUE};
            for (Visit visit : person) {
                if (visit.subject != null && faces(visit)) {
                    cameras.add(visit.camera.equals(SiteSimulator.DOOR) ? "door" : visit.camera.equals(SiteSimulator.AISLE) ? "aisle" : "till");
                    span[0] = Math.min(span[0], span(visit)[0]);
                    span[1] = Math.max(span[1], span(visit)[1]);
                }
            }
            if (cameras.contains("aisle")) { // door and till alone are not neighbours
                String key = person.get(0).subject + "@" + person.get(0).person;
                walks.put(key, String.join(",", cameras));
                spans.put(key, span);
            }
        }
        List<String> incidents = new ArrayList<>();
        for (Derived d : run.derived(EventTypeRegistry.INCIDENT_CORRELATED)) {
            String key = personAt(d.subject, d.tsUs, spans);
            List<String> cameras = new ArrayList<>();
            d.payload.get("cameras").forEach(c -> cameras.add(c.get("camera").asText()));
            incidents.add(key != null && String.join(",", cameras).equals(walks.get(key)) ? key : "wrong " + key + " " + cameras);
        }
        score(report, "walked_through", walks.keySet(), incidents);

        System.out.println("site simulation, correlation against the ground truth: " + report);
        for (String line : report) {
            assertTrue(line.contains("ok"), report.toString());
        }
    }

    /** Precision and recall of one rule's output against its truth; "ok" when both are at least 99 %. */
    private static void score(List<String> report, String rule, Set<String> truth, List<String> found) {
        Set<String> matched = new HashSet<>();
        int correct = 0;
        for (String key : found) {
            if (key != null && truth.contains(key) && matched.add(key)) {
                correct++;
            }
        }
        double precision = found.isEmpty() ? 0 : (double) correct / found.size();
        double recall = truth.isEmpty() ? 0 : (double) matched.size() / truth.size();
        boolean ok = truth.size() >= 20 && precision >= 0.99 && recall >= 0.99;
        report.add(String.format("%s: %d true, %d derived, precision %.4f, recall %.4f %s", rule, truth.size(), found.size(),
                precision, recall, ok ? "ok" : "NOT MET"));
    }

    private static boolean faces(Visit visit) {
        return visit.emissions.stream().anyMatch(e -> e.type == EventTypeRegistry.FACE_RECOGNIZED);
    }

    private static long[] span(Visit visit) {
        long from = Long.MAX_VALUE;
        long to = Long.MIN_VALUE;
        for (Emission e : visit.emissions) {
            from = Math.min(from, e.tsUs);
            to = Math.max(to, e.tsUs);
        }
        return new long[] {from, to};
    }

    /** The person (subject@index) whose span holds this time, or {@code null}. */
    private static String personAt(UUID subject, long tsUs, Map<String, long[]> spans) {
        for (Map.Entry<String, long[]> e : spans.entrySet()) {
            if (subject != null && e.getKey().startsWith(subject + "@") && tsUs >= e.getValue()[0] && tsUs <= e.getValue()[1]) {
                return e.getKey();
            }
        }
        return null;
    }

    /** The entries that differ, at most ten, each as "key: straight | restarted". */
    private static List<String> difference(Map<String, String> straight, Map<String, String> restarted) {
        Set<String> keys = new java.util.TreeSet<>(straight.keySet());
        keys.addAll(restarted.keySet());
        return keys.stream().filter(k -> !java.util.Objects.equals(straight.get(k), restarted.get(k)))
                .limit(10).map(k -> k + ": " + straight.get(k) + " | " + restarted.get(k)).toList();
    }

    // ---- the run

    private Outcome run(Path dir, Set<Integer> killAfter) throws Exception {
        List<Emission> emissions = sim.emissions();
        try (SimPipeline pipeline = new SimPipeline(dir, rules).open(emissions.get(0).arrivalUs)) {
            for (int i = 0; i < emissions.size(); i++) {
                Emission e = emissions.get(i);
                pipeline.event(e.frame, e.arrivalUs);
                if (killAfter.contains(i)) {
                    pipeline.crash();
                    pipeline.open(e.arrivalUs);
                }
            }
            // The site goes quiet: the wall clock moves the watermark past every window and track.
            pipeline.ticksUntil(emissions.get(emissions.size() - 1).arrivalUs + 180_000_000L);
            pipeline.crash();
            pipeline.open(emissions.get(emissions.size() - 1).arrivalUs + 180_000_000L);
            return read(pipeline.journal(), pipeline.errors());
        }
    }

    // ---- an independent model of the content-window rule (docs/rules.md)

    /** Repeat receipt → original receipt, as the documented rule marks them. */
    private Map<UUID, UUID> modelRepeats() {
        final class Burst {
            UUID original;
            long minTs;
            long maxTs;
            long end;
        }
        Watermark watermark = new Watermark(rules.allowedLateness(), rules.clockSkew());
        Map<String, Burst> open = new HashMap<>();
        Map<UUID, UUID> repeats = new HashMap<>();
        Set<UUID> seen = new HashSet<>();
        EventFrame frame = new EventFrame();
        long nextTick = Long.MIN_VALUE;
        for (Emission e : sim.emissions()) {
            if (nextTick == Long.MIN_VALUE) {
                nextTick = e.arrivalUs - e.arrivalUs % SimPipeline.TICK_US + SimPipeline.TICK_US;
            }
            while (nextTick <= e.arrivalUs) {
                if (watermark.onWallClock(nextTick)) {
                    long wm = watermark.valueUs();
                    open.values().removeIf(b -> b.end <= wm);
                }
                nextTick += SimPipeline.TICK_US;
            }
            if (!seen.add(e.receipt)) {
                continue; // a retry: never stored, never judged
            }
            watermark.onEvent(e.tsUs, e.arrivalUs);
            long wm = watermark.valueUs();
            open.values().removeIf(b -> b.end <= wm);
            WindowDedupRule rule = rules.windowDedup().ruleFor(e.type);
            if (!rule.enabled()) {
                continue;
            }
            long window = rule.window().toNanos() / 1000;
            frame.wrap(ByteBuffer.wrap(e.frame).order(ByteOrder.LITTLE_ENDIAN), 0);
            String key = key(frame, rule);
            Burst burst = open.get(key);
            if (burst != null && e.tsUs > burst.minTs - window && e.tsUs < burst.maxTs + window) {
                repeats.put(e.receipt, burst.original);
                if (rule.mode() == WindowDedupRule.Mode.SLIDING) {
                    burst.minTs = Math.min(burst.minTs, e.tsUs);
                    burst.maxTs = Math.max(burst.maxTs, e.tsUs);
                    burst.end = burst.maxTs + window;
                }
                continue;
            }
            long end = e.tsUs + window;
            if (end <= wm || (burst != null && burst.end > end)) {
                continue; // too late to open a burst, or an older burst that stays open longer is kept
            }
            Burst fresh = new Burst();
            fresh.original = e.receipt;
            fresh.minTs = fresh.maxTs = e.tsUs;
            fresh.end = end;
            open.put(key, fresh);
        }
        return repeats;
    }

    private static String key(EventFrame frame, WindowDedupRule rule) {
        StringBuilder key = new StringBuilder().append(frame.eventType());
        for (WindowDedupRule.KeyField field : rule.key()) {
            key.append('|');
            switch (field) {
                case CAMERA -> key.append(uuid(frame, EventFrame.CAMERA_ID_OFFSET));
                case ZONE -> key.append(uuid(frame, EventFrame.ZONE_ID_OFFSET));
                case STORE_ID -> key.append(uuid(frame, EventFrame.STORE_ID_OFFSET));
                case TYPE -> key.append(frame.eventType());
                case TRACK_ID -> key.append(frame.hasTrack() ? "t" + frame.trackId() : "-");
                case SUBJECT_ID -> key.append(frame.hasSubject() ? "s" + uuid(frame, EventFrame.SUBJECT_ID_OFFSET) : "-");
                case LABEL -> key.append("l").append(label(frame));
                case IDENTITY -> key.append(frame.hasTrack() ? "t" + frame.trackId()
                        : frame.hasSubject() ? "s" + uuid(frame, EventFrame.SUBJECT_ID_OFFSET) : "l" + label(frame));
            }
        }
        return key.toString();
    }

    // ---- the ground truth of tracks

    private static boolean matches(Visit visit, JsonNode after) {
        long start = Long.MAX_VALUE;
        long end = Long.MIN_VALUE;
        float best = 0;
        boolean recognised = false;
        for (Emission e : visit.emissions) {
            start = Math.min(start, e.tsUs);
            end = Math.max(end, e.tsUs);
            best = Math.max(best, e.confidence);
            recognised |= e.type == EventTypeRegistry.FACE_RECOGNIZED;
        }
        String subject = recognised ? visit.subject.toString() : null;
        return after.get("start_us").asLong() == start && after.get("end_us").asLong() == end
                && after.get("detections").asLong() == visit.emissions.size()
                && Math.abs(after.get("best").get("confidence").asDouble() - best) < 1e-6
                && java.util.Objects.equals(after.get("subject_id").isNull() ? null : after.get("subject_id").asText(), subject)
                && after.get("zone_id").asText().equals(visit.zone.toString());
    }

    // ---- reading a journal back

    private record Derived(int type, long tsUs, UUID camera, long trackId, JsonNode payload, List<String> parents, String label,
                           UUID subject) {
        String trackKey() {
            return SiteSimulationTest.trackKey(camera, trackId);
        }
    }

    private static final class Outcome {
        long rawRecords;
        final Map<UUID, Long> raw = new HashMap<>();
        final Map<UUID, UUID> repeatOf = new HashMap<>();
        final Map<UUID, Integer> repeatOrdinal = new HashMap<>();
        final List<Derived> derived = new ArrayList<>();
        List<String> errors;

        List<Derived> derived(int type) {
            return derived.stream().filter(d -> d.type == type).toList();
        }

        /**
         * What a restart must not change: each track's start and its ending with its final state, and
         * every other derived event by type, time, label and the detections it came from. Lifecycle
         * revisions and updates are left out: a restart re-announces open tracks, which counts.
         */
        Map<String, String> semantic() {
            Map<String, String> out = new TreeMap<>();
            for (Derived d : derived) {
                if (d.type == EventTypeRegistry.TRACK_STARTED) {
                    out.merge("started " + d.trackKey(), "1", (a, b) -> a + "+1");
                } else if (d.type == EventTypeRegistry.TRACK_ENDED) {
                    out.merge("ended " + d.trackKey(), d.payload.get("reason").asText() + " " + d.payload.get("after"), (a, b) -> a + " AND " + b);
                } else if (d.type != EventTypeRegistry.TRACK_UPDATED) {
                    out.merge(d.type + " " + d.tsUs + " " + d.label + " " + d.parents, "1", (a, b) -> a + "+1");
                }
            }
            return out;
        }
    }

    private static Outcome read(Journal journal, List<String> errors) throws Exception {
        Outcome out = new Outcome();
        out.errors = List.copyOf(errors);
        Map<Long, UUID> receiptOf = new HashMap<>();
        Map<UUID, Long> duplicateOfSeq = new HashMap<>();
        List<long[]> derivedParents = new ArrayList<>();
        Map<Long, String> derivedIdentity = new HashMap<>();
        List<Object[]> derivedRaw = new ArrayList<>();
        JournalRecord record = new JournalRecord();
        EventFrame frame = new EventFrame();
        try (JournalReader reader = journal.reader(journal.firstSeq(), journal.lastSeq())) {
            while (reader.next(record)) {
                if (record.type() != JournalFormat.TYPE_EVENT) {
                    continue;
                }
                frame.wrap(record.buffer(), record.frameOffset());
                UUID receipt = new UUID(frame.receiptIdMsb(), frame.receiptIdLsb());
                ByteBuffer b = record.buffer();
                int at = record.extraOffset();
                int length = record.extraLength();
                receiptOf.put(record.seq(), receipt);
                if (frame.eventType() < EventTypeRegistry.DERIVED_MIN) {
                    out.rawRecords++;
                    out.raw.put(receipt, record.seq());
                    if (length > 0 && EventExtras.hasWindowSection(b, at, length)) {
                        duplicateOfSeq.put(receipt, EventExtras.duplicateOf(b, at, length));
                        out.repeatOrdinal.put(receipt, EventExtras.repeat(b, at, length));
                    }
                    continue;
                }
                int parents = length > 0 && EventExtras.hasDerivedSection(b, at, length) ? EventExtras.parentCount(b, at, length) : 0;
                long[] seqs = new long[parents];
                for (int i = 0; i < parents; i++) {
                    seqs[i] = EventExtras.parent(b, at, length, i);
                }
                byte[] payload = new byte[(int) frame.payloadLength()];
                b.get(frame.payloadIndex(), payload);
                derivedParents.add(seqs);
                UUID camera = new UUID(frame.uuidMsb(EventFrame.CAMERA_ID_OFFSET), frame.uuidLsb(EventFrame.CAMERA_ID_OFFSET));
                long trackId = frame.hasTrack() ? frame.trackId() : -1L;
                derivedIdentity.put(record.seq(), frame.eventType() + " " + frame.tsUs() + " " + trackKey(camera, trackId));
                derivedRaw.add(new Object[] {frame.eventType(), frame.tsUs(), camera, trackId, JSON.readTree(payload), label(frame),
                        frame.hasSubject() ? new UUID(frame.uuidMsb(EventFrame.SUBJECT_ID_OFFSET), frame.uuidLsb(EventFrame.SUBJECT_ID_OFFSET)) : null});
            }
        }
        duplicateOfSeq.forEach((repeat, seq) -> out.repeatOf.put(repeat, receiptOf.get(seq)));
        for (int i = 0; i < derivedRaw.size(); i++) {
            Object[] d = derivedRaw.get(i);
            List<String> parents = new ArrayList<>();
            for (long seq : derivedParents.get(i)) {
                // A detection by its receipt_id, the same in every run. A derived event by what it says: its
                // receipt_id is hashed from its track's first seq, and a run with restarts numbers the events
                // after a restart on from the re-announcements it made, so the same track has other seqs there.
                String derivedParent = derivedIdentity.get(seq);
                parents.add(derivedParent != null ? derivedParent : String.valueOf(receiptOf.get(seq)));
            }
            JsonNode payload = (JsonNode) d[4];
            if (payload instanceof ObjectNode object) {
                object.remove("revision");
            }
            out.derived.add(new Derived((int) d[0], (long) d[1], (UUID) d[2], (long) d[3], payload, parents, (String) d[5], (UUID) d[6]));
        }
        return out;
    }

    private static String trackKey(UUID camera, long trackId) {
        return camera + "/" + trackId;
    }

    private static String uuid(EventFrame frame, int offset) {
        return new UUID(frame.uuidMsb(offset), frame.uuidLsb(offset)).toString();
    }

    private static String label(EventFrame frame) {
        byte[] bytes = new byte[frame.labelLength()];
        frame.buffer().get(frame.labelIndex(), bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static String describe() {
        return sim.unique() + " detections, " + sim.retries() + " retries, " + sim.late() + " late, " + sim.dropouts() + " dropouts, "
                + sim.visits().size() + " visits";
    }
}
