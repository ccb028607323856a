package dev.watchpost.handlers;

import dev.watchpost.handlers.enrich.SubjectDirectory;
import dev.watchpost.handlers.rules.EnrichmentRules;
import dev.watchpost.handlers.rules.EnrichmentRules.EnricherSettings;
import dev.watchpost.handlers.rules.EnrichmentRules.SeverityRules;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.handlers.rules.Site;
import dev.watchpost.handlers.rules.TagTable;
import dev.watchpost.handlers.rules.TrackRules;
import dev.watchpost.handlers.rules.WindowDedupRules;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.DerivedEvent;
import dev.watchpost.ringbuffer.Enrichment;
import dev.watchpost.ringbuffer.EventExtras;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static dev.watchpost.handlers.Detection.DOOR;
import static dev.watchpost.handlers.Detection.TILL;
import static dev.watchpost.handlers.Detection.ZONE_A;
import static dev.watchpost.handlers.Detection.ZONE_B;
import static dev.watchpost.handlers.Detection.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EnrichHandlerTest {
    static final UUID ADA = UUID.fromString("5a1e0c7e-0000-4000-8000-000000000001");
    static final UUID BRUNO = UUID.fromString("5a1e0c7e-0000-4000-8000-000000000002");
    static final UUID CLARA = UUID.fromString("5a1e0c7e-0000-4000-8000-000000000003");
    static final UUID STRANGER = UUID.fromString("5a1e0c7e-0000-4000-8000-0000000000ff");

    static final Site SITE = new Site("Corner shop",
            List.of(new Site.Camera("door", DOOR, "Front door", "ground", null, List.of(), null),
                    new Site.Camera("till", TILL, "Checkout \"1\"", null, null, List.of(), null)),
            List.of(new Site.Zone("entrance", ZONE_A, "Entrance", "door")));

    @TempDir
    Path dir;

    private final Counters counters = new Counters();
    private final List<String> errorLines = new CopyOnWriteArrayList<>();
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final ErrorLog errors = new ErrorLog(counters, errorLines::add);
    private final TagTable tags = new TagTable();
    private EnrichHandler enrich;
    private long ringSequence;
    private long seq = 1;

    @AfterEach
    void close() {
        if (enrich != null) {
            enrich.close();
        }
    }

    private Path subjects(String text) throws Exception {
        Path file = dir.resolve("subjects.jsonl");
        Files.writeString(file, text);
        return file;
    }

    private static String directory() {
        return "# the shop's people\n"
                + "{\"id\": \"" + ADA + "\", \"name\": \"Ada Lovelace\", \"tags\": [\"vip\"]}\n"
                + "\n"
                + "{\"id\": \"" + BRUNO + "\", \"name\": \"Bruno\", \"tags\": [\"banned\"]}\n"
                + "{\"id\": \"" + CLARA + "\", \"name\": \"Clara\", \"tags\": [\"staff\", \"vip\"]}\n";
    }

    private Rules rules(Map<String, EnricherSettings> enrichers, Path subjectsFile, Duration reload, SeverityRules severity,
                        int breakerFailures, Duration coolDown) {
        EnrichmentRules enrichment = new EnrichmentRules(true, enrichers, subjectsFile, reload, severity, breakerFailures, coolDown);
        return new Rules(Duration.ofSeconds(2), Duration.ofSeconds(1), WindowDedupRules.defaults(),
                new TrackRules(true, Duration.ofSeconds(5), Duration.ofSeconds(1), 100, null, Map.of(), Duration.ofMinutes(5)), SITE, enrichment);
    }

    private static SeverityRules severity() {
        Map<Integer, Integer> types = Map.of(EventTypeRegistry.FACE_RECOGNIZED, 2);
        Map<String, Integer> labels = Map.of("knife", 6);
        Map<String, Integer> byTag = new LinkedHashMap<>();
        byTag.put("banned", 5);
        byTag.put("vip", 1);
        return new SeverityRules(1, types, labels, byTag, 10);
    }

    private void start(Rules rules, boolean background) {
        enrich = new EnrichHandler(rules, tags, counters, errors, log::add, background);
    }

    private void startBuiltIns() throws Exception {
        start(rules(Map.of(), subjects(directory()), EnrichmentRules.RELOAD_INTERVAL_DEFAULT, severity(), 5, Duration.ofSeconds(30)), false);
    }

    private EventSlot send(Detection d) {
        EventSlot slot = new EventSlot(256);
        d.into(slot, seq++, d.tsUs);
        enrich.onEvent(slot, ringSequence++, true);
        return slot;
    }

    private static String enrichment(ByteBuffer extra, int length) {
        if (!EventExtras.hasEnrichmentSection(extra, 0, length)) {
            return null;
        }
        byte[] bytes = new byte[EventExtras.enrichmentLength(extra, 0, length)];
        extra.get(EventExtras.enrichmentIndex(extra, 0, length), bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static String enrichment(EventSlot slot) {
        return enrichment(slot.extra(), slot.extraLength());
    }

    // ---- built-ins

    @Test
    void shouldAddCameraZoneAndSiteNamesFromTheSiteSection() throws Exception {
        startBuiltIns();
        assertEquals("{\"camera\":{\"key\":\"door\",\"name\":\"Front door\",\"floor\":\"ground\"},\"zone\":{\"key\":\"entrance\","
                + "\"name\":\"Entrance\"},\"site\":\"Corner shop\",\"severity\":1}", enrichment(send(at(0).camera(DOOR).zone(ZONE_A))));
        assertEquals("{\"camera\":{\"key\":\"till\",\"name\":\"Checkout \\\"1\\\"\"},\"site\":\"Corner shop\",\"severity\":1}",
                enrichment(send(at(1).camera(TILL).zone(ZONE_B))), "an unknown zone adds nothing; names are escaped");
    }

    @Test
    void shouldAddTheSubjectsDirectoryEntryAndItsWatchListTagBits() throws Exception {
        startBuiltIns();
        EventSlot bruno = send(at(0).camera(null).subject(BRUNO).type(EventTypeRegistry.FACE_RECOGNIZED));
        assertEquals("{\"site\":\"Corner shop\",\"subject\":{\"name\":\"Bruno\",\"watchlist\":[\"banned\"]},\"severity\":7}", enrichment(bruno));
        assertEquals(1L << tags.bit("banned"), bruno.enrichment().tags());

        EventSlot clara = send(at(1).camera(null).subject(CLARA));
        assertTrue(enrichment(clara).startsWith("{\"site\":\"Corner shop\",\"subject\":{\"name\":\"Clara\",\"watchlist\":[\"staff\",\"vip\"]}"), enrichment(clara));
        assertEquals((1L << tags.bit("staff")) | (1L << tags.bit("vip")), clara.enrichment().tags());

        EventSlot stranger = send(at(2).camera(null).subject(STRANGER));
        assertEquals("{\"site\":\"Corner shop\",\"severity\":1}", enrichment(stranger));
        assertEquals(0, stranger.enrichment().tags());
    }

    @Test
    void shouldScoreSeverityFromTypeLabelAndTagsCapped() throws Exception {
        startBuiltIns();
        assertEquals(1, send(at(0)).enrichment().severity(), "the base");
        assertEquals(2, send(at(1).type(EventTypeRegistry.FACE_RECOGNIZED)).enrichment().severity(), "the type's base");
        assertEquals(3, send(at(2).type(EventTypeRegistry.FACE_RECOGNIZED).subject(ADA)).enrichment().severity(), "+1 vip");
        assertEquals(7, send(at(3).label("knife")).enrichment().severity(), "+6 knife");
        EventSlot capped = send(at(4).label("knife").subject(BRUNO));
        assertEquals(10, capped.enrichment().severity(), "1 + 6 + 5, capped at 10");
        assertTrue(enrichment(capped).endsWith(",\"severity\":10}"), enrichment(capped));
        assertEquals(0, capped.enrichment().marks());
    }

    @Test
    void shouldEnrichTheDerivedEventsEarlierStagesAttach() throws Exception {
        startBuiltIns();
        Rules rules = rules(Map.of(), null, EnrichmentRules.RELOAD_INTERVAL_DEFAULT, SeverityRules.DEFAULT, 5, Duration.ofSeconds(30));
        SeqAllocator seqs = new SeqAllocator(1);
        TrackFusionHandler fuse = new TrackFusionHandler(rules, seqs, counters, errors);
        EventSlot slot = new EventSlot(256);
        at(0).camera(DOOR).zone(ZONE_A).track(7).subject(BRUNO).into(slot, seqs.next(), 0);
        fuse.onEvent(slot, 0, true);
        enrich.onEvent(slot, 0, true);
        assertEquals(1, slot.derivedCount());
        DerivedEvent started = slot.derived(0);
        assertEquals(EventTypeRegistry.TRACK_STARTED, started.frame().eventType());
        String object = enrichment(started.extra(), started.extraLength());
        assertTrue(object.startsWith("{\"camera\":{\"key\":\"door\",\"name\":\"Front door\",\"floor\":\"ground\"},\"zone\":{\"key\":\"entrance\","
                + "\"name\":\"Entrance\"},\"site\":\"Corner shop\",\"subject\":{\"name\":\"Bruno\",\"watchlist\":[\"banned\"]}"), object);
        assertEquals(1L << tags.bit("banned"), started.enrichment().tags());
        assertEquals(6, started.enrichment().severity(), "base 1 + banned 5");
        assertEquals(List.of(1L), List.of(EventExtras.parent(started.extra(), 0, started.extraLength(), 0)), "the derived section reads as before");
        assertEquals(1, EventExtras.revision(started.extra(), 0, started.extraLength()));
        assertEquals(object, enrichment(slot.extra(), slot.extraLength()), "the detection itself has the same facts");
    }

    @Test
    void shouldKeepMetaReceiptTextAndWindowMarkingBesideTheEnrichment() throws Exception {
        startBuiltIns();
        EventSlot slot = new EventSlot(256);
        at(0).camera(DOOR).into(slot, seq++, 0);
        byte[] meta = "{\"lane\":2}".getBytes(StandardCharsets.UTF_8);
        byte[] receipt = "pos-7".getBytes(StandardCharsets.UTF_8);
        ByteBuffer extra = slot.claimExtra(meta.length, receipt.length);
        extra.put(EventExtras.META_OFFSET, meta).put(EventExtras.META_OFFSET + meta.length, receipt);
        slot.markRepeat(41, 3);
        enrich.onEvent(slot, ringSequence++, true);
        int length = slot.extraLength();
        assertEquals(meta.length, EventExtras.metaLength(slot.extra(), 0, length));
        assertEquals(receipt.length, EventExtras.receiptTextLength(slot.extra(), 0, length));
        assertEquals(41, EventExtras.duplicateOf(slot.extra(), 0, length));
        assertEquals(3, EventExtras.repeat(slot.extra(), 0, length));
        assertTrue(enrichment(slot).contains("\"name\":\"Front door\""));
    }

    @Test
    void shouldStoreNoSectionWhenNothingIsKnown() {
        Map<String, EnricherSettings> off = Map.of("severity", new EnricherSettings(false, null, Map.of()));
        EnrichmentRules enrichment = new EnrichmentRules(true, off, null, EnrichmentRules.RELOAD_INTERVAL_DEFAULT, SeverityRules.DEFAULT, 5,
                Duration.ofSeconds(30));
        start(new Rules(Duration.ofSeconds(2), Duration.ofSeconds(1), WindowDedupRules.defaults(), TrackRules.DEFAULT, Site.EMPTY, enrichment),
                false);
        EventSlot slot = send(at(0));
        assertEquals(0, slot.extraLength());
        assertEquals(Enrichment.NO_SEVERITY, slot.enrichment().severity());
    }

    @Test
    void shouldPassEverySlotByWhenTheSectionIsAbsent() {
        start(Rules.defaults(), false);
        assertEquals(List.of(), enrich.enricherNames());
        assertEquals(0, send(at(0)).extraLength());
    }

    @Test
    void shouldLeaveRejectedAndDuplicateEventsAlone() throws Exception {
        startBuiltIns();
        EventSlot slot = new EventSlot(256);
        at(0).into(slot, seq++, 0);
        slot.duplicateOf(1);
        enrich.onEvent(slot, ringSequence++, true);
        assertEquals(0, slot.extraLength());
    }

    // ---- enrichers found by the service loader; failure, overrun, breaker

    private void startWithTestEnrichers(int breakerFailures, Duration coolDown) {
        Map<String, EnricherSettings> settings = new LinkedHashMap<>();
        settings.put("echo", new EnricherSettings(true, null, Map.of()));
        settings.put("throwing", new EnricherSettings(true, null, Map.of("label", "boom")));
        settings.put("slow", new EnricherSettings(true, Duration.ofMillis(1), Map.of()));
        settings.put("subjects", new EnricherSettings(false, null, Map.of()));
        settings.put("severity", new EnricherSettings(false, null, Map.of()));
        start(rules(settings, null, EnrichmentRules.RELOAD_INTERVAL_DEFAULT, SeverityRules.DEFAULT, breakerFailures, coolDown), false);
    }

    @Test
    void shouldRunAnEnricherFoundByTheServiceLoaderInItsOrder() {
        startWithTestEnrichers(5, Duration.ofSeconds(30));
        assertEquals(List.of("site", "echo", "slow", "throwing"), enrich.enricherNames());
        String object = enrichment(send(at(0).camera(DOOR).label("cart")));
        assertTrue(object.startsWith("{\"camera\":{\"key\":\"door\",\"name\":\"Front door\",\"floor\":\"ground\"},\"site\":\"Corner shop\","
                + "\"echo\":\"cart\",\"slow_done\":true,\"ok\":true"), object);
    }

    @Test
    void shouldStoreAndMarkAnEventWhoseEnricherThrowsUndoingWhatItWrote() {
        startWithTestEnrichers(5, Duration.ofSeconds(30));
        EventSlot slot = send(at(0).camera(DOOR).label("boom"));
        String object = enrichment(slot);
        assertTrue(object.contains("\"echo\":\"boom\""), object);
        assertFalse(object.contains("half"), "a failed enricher's members are undone: " + object);
        assertTrue(object.endsWith(",\"failed\":[\"throwing\"]}"), object);
        assertEquals(Enrichment.MARK_FAILED, slot.enrichment().marks() & Enrichment.MARK_FAILED);
        assertEquals(Enrichment.NO_SEVERITY, slot.enrichment().severity(), "its severity is undone too");
        assertEquals(1, counters.get(Counter.ENRICH_FAILED));
        assertTrue(slot.isToStore());
        assertTrue(errorLines.get(0).contains("the directory service is down"), errorLines.toString());
    }

    @Test
    void shouldMarkAnOverrunAndKeepWhatTheEnricherWrote() {
        startWithTestEnrichers(5, Duration.ofSeconds(30));
        EventSlot slot = send(at(0).camera(DOOR).label("slow"));
        String object = enrichment(slot);
        assertTrue(object.contains("\"slow_done\":true"), object);
        assertTrue(object.contains("\"overrun\":[\"slow\"]"), object);
        assertEquals(Enrichment.MARK_OVERRUN, slot.enrichment().marks() & Enrichment.MARK_OVERRUN);
        assertTrue(counters.get(Counter.ENRICH_OVERRUN) >= 1);
    }

    @Test
    void shouldCountANameWithoutItsValueAsAFailureSoTheObjectStaysJson() {
        startWithTestEnrichers(5, Duration.ofSeconds(30));
        String object = enrichment(send(at(0).camera(DOOR).label("dangling")));
        assertFalse(object.contains("\"dangling\":"), object);
        assertTrue(object.endsWith(",\"failed\":[\"throwing\"]}"), object);
        assertEquals(1, counters.get(Counter.ENRICH_FAILED));
    }

    @Test
    void shouldSuspendAnEnricherThatKeepsOverrunning() {
        startWithTestEnrichers(2, Duration.ofSeconds(30));
        for (int i = 0; i < 2; i++) {
            assertTrue(enrichment(send(at(i).label("slow"))).contains("\"overrun\":[\"slow\"]"));
        }
        assertEquals(1, counters.get(Counter.ENRICH_SUSPENDED));
        EventSlot skipped = send(at(2).label("slow"));
        String object = enrichment(skipped);
        assertTrue(object.contains("\"skipped\":[\"slow\"]"), object);
        assertFalse(object.contains("slow_done"), object);
        assertTrue(skipped.isToStore());
    }

    @Test
    void shouldSuspendAnEnricherThatKeepsFailingThenTryItAgain() {
        startWithTestEnrichers(3, Duration.ofMillis(200));
        for (int i = 0; i < 3; i++) {
            assertTrue(enrichment(send(at(i).label("boom"))).contains("\"failed\":[\"throwing\"]"));
        }
        assertEquals(1, counters.get(Counter.ENRICH_SUSPENDED));
        EventSlot skipped = send(at(3).label("fine"));
        String object = enrichment(skipped);
        assertTrue(object.contains("\"skipped\":[\"throwing\"]"), object);
        assertFalse(object.contains("\"ok\""), object);
        assertEquals(0, skipped.enrichment().marks() & Enrichment.MARK_FAILED, "skipped is not failed");
        assertTrue(counters.get(Counter.ENRICH_SKIPPED) >= 1);

        // After the cool-down it runs again.
        awaitTrue(() -> enrichment(send(at(4).label("fine"))).contains("\"ok\":true"), "the breaker closes after its cool-down");
        // A success closes it: it takes three failures in a row again to suspend it.
        for (int i = 0; i < 2; i++) {
            send(at(5).label("boom"));
        }
        assertEquals(1, counters.get(Counter.ENRICH_SUSPENDED));
        send(at(6).label("boom"));
        assertEquals(2, counters.get(Counter.ENRICH_SUSPENDED));
    }

    // ---- the subject directory's reload

    @Test
    void shouldReloadTheSubjectDirectoryWhenTheFileChangesAndKeepItWhenTheNewOneIsBroken() throws Exception {
        Path file = subjects(directory());
        start(rules(Map.of(), file, Duration.ofMillis(20), severity(), 5, Duration.ofSeconds(30)), true);
        assertTrue(enrichment(send(at(0).subject(ADA))).contains("\"name\":\"Ada Lovelace\""));

        Files.writeString(file, "{\"id\": \"" + ADA + "\", \"name\": \"Ada King\", \"tags\": [\"banned\"]}\n");
        awaitTrue(() -> enrichment(send(at(1).subject(ADA))).contains("\"name\":\"Ada King\",\"watchlist\":[\"banned\"]"),
                "the new name after the file changed");
        EventSlot now = send(at(2).subject(ADA));
        assertEquals(1L << tags.bit("banned"), now.enrichment().tags());
        assertEquals(6, now.enrichment().severity());
        assertFalse(enrichment(send(at(3).subject(BRUNO))).contains("Bruno"), "Bruno left the directory");

        Files.writeString(file, "{\"id\": \"" + ADA + "\", \"name\": \"Ada Byron\"}\n{\"id\": \"not-a-uuid\", \"name\": \"X\"}\n");
        awaitTrue(() -> log.stream().anyMatch(line -> line.contains("line 2: id: must be a non-nil UUID")), "the broken line is logged");
        assertTrue(enrichment(send(at(4).subject(ADA))).contains("\"name\":\"Ada King\""), "the previous snapshot stands");
    }

    @Test
    void shouldReportTheLineOfABrokenDirectoryFile() {
        List<String> problems = new ArrayList<>();
        try {
            SubjectDirectory.read(dir.resolve("absent.jsonl"), tags);
        } catch (SubjectDirectory.ParseException e) {
            problems.add(e.getMessage());
        }
        for (String text : List.of("{\"id\": \"" + ADA + "\", \"name\": \"A\"}\n{\"id\": \"" + ADA + "\", \"name\": \"B\"}\n",
                "\n{\"id\": \"" + ADA + "\"}\n", "[1, 2]\n", "{\"id\": \"" + ADA + "\", \"name\": \"A\", \"tags\": [\"VIP\"]}\n",
                "{\"id\": \"" + ADA + "\", \"name\": \"A\", \"role\": \"x\"}\n", "{\"id\": \"" + ADA + "\", \"name\"\n")) {
            try {
                Path file = subjects(text);
                SubjectDirectory.read(file, tags);
                problems.add("read: " + text);
            } catch (SubjectDirectory.ParseException e) {
                problems.add(e.line() + " " + e.getMessage().replaceAll(" \\(.*", "").replaceAll(": Unexpected.*", ": Unexpected"));
            } catch (Exception e) {
                problems.add(e.toString());
            }
        }
        assertEquals("no such file", problems.get(0));
        assertEquals(List.of(
                "2 line 2: id: " + ADA + " is listed twice",
                "2 line 2: name: required, a non-empty string; was absent",
                "1 line 1: must be a JSON object such as {\"id\": \"…\", \"name\": \"…\", \"tags\": [\"vip\"]}",
                "1 line 1: tags[0]: a tag is 1..32 of a-z, 0-9, '_', '-'; was \"VIP\"",
                "1 line 1: unknown key 'role'"), problems.subList(1, 6));
        assertTrue(problems.get(6).startsWith("1 line 1: not a JSON object"), problems.get(6));
    }

    // ---- allocation

    @Test
    void shouldNotAllocatePerEventWithTheBuiltIns() throws Exception {
        startBuiltIns();
        int kinds = 4;
        Detection[] detections = {at(0).camera(DOOR).zone(ZONE_A), at(0).camera(TILL).subject(BRUNO).type(EventTypeRegistry.FACE_RECOGNIZED),
            at(0).camera(DOOR).subject(STRANGER).label("knife"), at(0).camera(null).subject(CLARA)};
        byte[][] frames = new byte[kinds][];
        EventSlot[] slots = new EventSlot[kinds];
        for (int i = 0; i < kinds; i++) {
            frames[i] = detections[i].frame();
            slots[i] = new EventSlot(512);
        }
        DerivedEvent derived = new DerivedEvent(512, 64);
        derived.frameBuffer(frames[1].length).put(0, frames[1]);
        int derivedExtra = EventExtras.putDerivedOnly(derived.extraBuffer(64), 0, new long[] {1, 2}, 2, 3, 4, 1);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = 0;
        int events = 200_000;
        int warmUp = 50_000;
        for (int n = 0; n < events; n++) {
            if (n == warmUp) {
                before = threads.getCurrentThreadAllocatedBytes();
            }
            int i = n % kinds;
            EventSlot slot = slots[i];
            slot.claimEvent(frames[i].length, null, n, n).put(0, frames[i]);
            slot.sequence(n + 1);
            if (i == 1) {
                slot.releaseDerived(n);
                derived.enrichment().reset();
                derived.lengths(frames[1].length, derivedExtra);
                slot.attachDerived(derived, n + 2);
            }
            enrich.onEvent(slot, n, n % 64 == 63);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(enrichment(slots[1]).contains("Bruno"));
        assertTrue(enrichment(derived.extra(), derived.extraLength()).contains("Bruno"));
        assertEquals(0, allocated / (events - warmUp), "bytes per event (" + allocated + " in all)");
    }

    private static void awaitTrue(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }
}
