package dev.watchpost.daemon.config;

import dev.watchpost.handlers.FsyncPolicy;
import dev.watchpost.ringbuffer.pipeline.PipelineSpec;
import dev.watchpost.ringbuffer.pipeline.Stage;
import dev.watchpost.ringbuffer.pipeline.WaitStrategyKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {
    private static WatchpostConfig parse(String yaml) throws ConfigException {
        return ConfigLoader.parse(yaml, "watchpost.yml", ConfigLoader.Overrides.NONE);
    }

    private static List<String> problems(String yaml) {
        return assertThrows(ConfigException.class, () -> parse(yaml)).problems();
    }

    @Test
    void shouldGiveEveryDefaultForAnEmptyFile() throws Exception {
        WatchpostConfig config = parse("");
        assertEquals(Path.of("./data"), config.dataDir());
        assertEquals(7700, config.ingest().tcpPort());
        assertEquals(7700, config.ingest().udpPort());
        assertEquals(7780, config.http().port());
        assertEquals(Duration.ofSeconds(30), config.ingest().idleTimeout());
        assertEquals(Duration.ofSeconds(300), config.ingest().maxClockSkew());
        assertEquals(FsyncPolicy.BATCH, config.journal().fsync());
        assertTrue(config.journal().pageCacheDropBehind());
        assertEquals(Duration.ofHours(24), config.dedup().ttl());
        assertEquals(PipelineSpec.defaults(), config.pipeline());
    }

    @Test
    void shouldReadTheShippedDefaultFileWithoutProblems() throws Exception {
        Path shipped = Path.of("").toAbsolutePath().getParent().resolve("config/watchpost.yml");
        WatchpostConfig config = ConfigLoader.load(shipped, ConfigLoader.Overrides.NONE);
        WatchpostConfig defaults = parse("");
        assertEquals(new WatchpostConfig(defaults.dataDir(), defaults.ingest(), defaults.http(), defaults.pipeline(),
                defaults.journal(), defaults.dedup(), defaults.eventTypes(), config.rulesFile(), config.rules()), config,
                "watchpost.yml holds every default");
        assertEquals(shipped.getParent().resolve("rules.yml"), config.rulesFile(), "the rules file, beside it");
        assertEquals(defaults.rules().allowedLateness(), config.rules().allowedLateness());
        assertEquals(defaults.rules().clockSkew(), config.rules().clockSkew());
        assertEquals(defaults.rules().windowDedup().defaultRule(), config.rules().windowDedup().defaultRule());
    }

    @Test
    void shouldReadEveryKindOfValue() throws Exception {
        WatchpostConfig config = parse("""
                data_dir: /var/lib/watchpost
                ingest: {tcp_port: 9000, idle_timeout: 2s, tokens: [a, b], udp_enabled: false}
                http: {max_body: 64KiB}
                pipeline: {ring_size: 1024, wait_strategy: sleeping, threads: [[validate], [dedup, window, fuse, correlate, enrich, alert, journal], [ack, publish]], tick_interval: 250ms}
                journal: {fsync: always, segment_size: 2MiB, batch_max_delay: 500us, page_cache: keep}
                dedup: {ttl: 7d, capacity: 5000}
                event_types: {1000: shelf.empty}
                """);
        assertEquals(Path.of("/var/lib/watchpost"), config.dataDir());
        assertEquals(9000, config.ingest().tcpPort());
        assertEquals(Duration.ofSeconds(2), config.ingest().idleTimeout());
        assertEquals(List.of("a", "b"), config.ingest().tokens());
        assertEquals(false, config.ingest().udpEnabled());
        assertEquals(65536, config.http().maxBodyBytes());
        assertEquals(1024, config.pipeline().ringSize());
        assertEquals(WaitStrategyKind.SLEEPING, config.pipeline().waitStrategy());
        assertEquals(List.of(List.of(Stage.VALIDATE), List.of(Stage.DEDUP, Stage.WINDOW, Stage.FUSE, Stage.CORRELATE, Stage.ENRICH, Stage.ALERT, Stage.JOURNAL), List.of(Stage.ACK, Stage.PUBLISH)),
                config.pipeline().threads());
        assertEquals(Duration.ofMillis(250), config.pipeline().tickInterval());
        assertEquals(FsyncPolicy.ALWAYS, config.journal().fsync());
        assertEquals(2L << 20, config.journal().segmentBytes());
        assertEquals(Duration.ofNanos(500_000), config.journal().batchMaxDelay());
        assertFalse(config.journal().pageCacheDropBehind());
        assertEquals(Duration.ofDays(7), config.dedup().ttl());
        assertEquals(Map.of(1000, "shelf.empty"), config.eventTypes());
    }

    @Test
    void shouldReportEveryProblemOnItsOwnLineNamingTheKey() {
        List<String> problems = problems("""
                ingest: {tcp_port: http, idle_timeout: forever, colour: red}
                http: {port: 70000}
                journal: {fsync: sometimes, page_cache: forget}
                pipeline: {ring_size: 1000}
                dedup: {ttl: 0s}
                event_types: {12: motion.again}
                surprise: true
                """);
        assertEquals(10, problems.size(), String.join("\n", problems));
        assertTrue(problems.get(0).startsWith("watchpost.yml: surprise: unknown key"), problems.get(0));
        assertContainsLine(problems, "watchpost.yml: ingest.colour: unknown key");
        assertContainsLine(problems, "watchpost.yml: ingest.tcp_port: must be an integer");
        assertContainsLine(problems, "watchpost.yml: ingest.idle_timeout: must be a duration");
        assertContainsLine(problems, "watchpost.yml: http.port: must be within 0..65535, was 70000");
        assertContainsLine(problems, "watchpost.yml: journal.fsync: must be always, batch or never, was 'sometimes'");
        assertContainsLine(problems, "watchpost.yml: journal.page_cache: must be drop-behind or keep, was 'forget'");
        assertContainsLine(problems, "watchpost.yml: pipeline: ring size must be a power of two");
        assertContainsLine(problems, "watchpost.yml: dedup.ttl: must be within");
        assertContainsLine(problems, "watchpost.yml: event_types.12: site event codes must be in 1000..32767");
    }

    @Test
    void shouldReadTheLingerAndNameItWhenItIsOutOfRangeOrForAStrategyThatDoesNotLinger() throws Exception {
        assertEquals(Duration.ofNanos(500_000), parse("pipeline: {linger: 500us}\n").pipeline().linger());
        assertEquals(Duration.ZERO, parse("pipeline: {linger: 0us}\n").pipeline().linger());
        assertEquals(Duration.ZERO, parse("pipeline: {wait_strategy: sleeping, linger: 0us}\n").pipeline().linger());
        assertEquals(WaitStrategyKind.YIELDING, parse("pipeline: {wait_strategy: yielding}\n").pipeline().waitStrategy(),
                "the default linger is no reason to refuse another strategy");

        assertEquals(List.of("watchpost.yml: pipeline.linger: must be within 0s..10ms, was 20ms"), problems("pipeline: {linger: 20ms}\n"));
        assertEquals(List.of("watchpost.yml: pipeline.linger: must be a duration such as 250ms, 30s, 5m, 24h or 7d; was \"soon\""),
                problems("pipeline: {linger: soon}\n"));
        assertEquals(List.of("watchpost.yml: pipeline.linger: only the blocking wait strategy lingers; set it to 0us or remove it "
                + "with wait_strategy sleeping"), problems("pipeline: {wait_strategy: sleeping, linger: 100us}\n"));
    }

    @Test
    void shouldRejectPipelineThreadsWithoutTheWindowStage() {
        List<String> problems = problems("pipeline: {threads: [[validate, dedup, journal, ack, publish]]}\n");
        assertEquals(List.of("watchpost.yml: pipeline: pipeline threads must list every stage once, in the order "
                + "validate, dedup, window, fuse, correlate, enrich, alert, journal, ack, publish; was [[VALIDATE, DEDUP, JOURNAL, ACK, PUBLISH]]"), problems);
    }

    @Test
    void shouldReadTheRulesFileRelativeToTheConfigurationFile(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("etc/rules"));
        Files.writeString(dir.resolve("etc/watchpost.yml"), "rules: rules/site.yml\nevent_types: {1000: shelf.empty}\n");
        Files.writeString(dir.resolve("etc/rules/site.yml"), "allowed_lateness: 3s\nwindow_dedup: {types: {shelf.empty: {window: 1m}}}\n");

        WatchpostConfig config = ConfigLoader.load(dir.resolve("etc/watchpost.yml"), ConfigLoader.Overrides.NONE);

        assertEquals(dir.resolve("etc/rules/site.yml"), config.rulesFile());
        assertEquals(Duration.ofSeconds(3), config.rules().allowedLateness());
        assertEquals(Duration.ofMinutes(1), config.rules().windowDedup().ruleFor(1000).window());
    }

    @Test
    void shouldUseTheBuiltInRulesWithoutARulesFile() throws Exception {
        WatchpostConfig config = parse("");
        assertEquals(null, config.rulesFile());
        assertEquals(dev.watchpost.handlers.rules.Rules.defaults(), config.rules());
    }

    @Test
    void shouldReportProblemsOfBothFilesEachWithItsOwnName(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("watchpost.yml"), "rules: rules.yml\nhttp: {port: -1}\n");
        Files.writeString(dir.resolve("rules.yml"), "window_dedup: {default: {window: 5x}}\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir.resolve("watchpost.yml"), ConfigLoader.Overrides.NONE));

        assertEquals(2, e.problems().size(), e.getMessage());
        assertContainsLine(e.problems(), dir.resolve("watchpost.yml") + ": http.port: must be within 0..65535");
        assertContainsLine(e.problems(), dir.resolve("rules.yml") + ": window_dedup.default.window: must be a duration");
    }

    @Test
    void shouldNameAMissingRulesFile(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("watchpost.yml"), "rules: nowhere.yml\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir.resolve("watchpost.yml"), ConfigLoader.Overrides.NONE));
        assertEquals(List.of(dir.resolve("nowhere.yml") + ": no such file"), e.problems());
    }

    @Test
    void shouldRejectPipelineThreadsOutOfStageOrder() {
        List<String> problems = problems("pipeline: {threads: [[dedup, validate, journal, ack, publish]]}\n");
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).contains("pipeline: pipeline threads must list every stage once"), problems.get(0));
    }

    @Test
    void shouldRejectAnEventTypeNameThatIsAlreadyTaken() {
        assertContainsLine(problems("event_types: {1000: face.detected}\n"), "watchpost.yml: event_types.1000: the name 'face.detected' is already taken");
    }

    @Test
    void shouldLetCommandLineFlagsWinOverTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("w.yml");
        Files.writeString(file, "data_dir: /nowhere\ningest: {tcp_port: 1, udp_port: 2}\nhttp: {port: 3}\n");
        WatchpostConfig config = ConfigLoader.load(file, new ConfigLoader.Overrides(dir, 0, 0, 0));
        assertEquals(dir, config.dataDir());
        assertEquals(0, config.ingest().tcpPort());
        assertEquals(0, config.ingest().udpPort());
        assertEquals(0, config.http().port());
    }

    @Test
    void shouldNameAMissingFile(@TempDir Path dir) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir.resolve("absent.yml"), ConfigLoader.Overrides.NONE));
        assertTrue(e.problems().get(0).endsWith("absent.yml: no such file"), e.getMessage());
    }

    @Test
    void shouldReportBrokenYamlWithItsLine() {
        List<String> problems = problems("ingest: {tcp_port: 1\nhttp: [\n");
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).startsWith("watchpost.yml: not valid YAML"), problems.get(0));
    }

    private static void assertContainsLine(List<String> lines, String start) {
        assertTrue(lines.stream().anyMatch(l -> l.startsWith(start)), "no line starting with '" + start + "' in:\n" + String.join("\n", lines));
    }

    @Test
    void shouldDeclareASitesOwnDerivedTypesAboveTheBuiltInOnes() throws Exception {
        WatchpostConfig config = parse("event_types: {1000: shelf.empty, 40000: customer.waved}\n");
        assertEquals(Map.of(1000, "shelf.empty", 40000, "customer.waved"), config.eventTypes());

        assertContainsLine(problems("event_types: {32770: track.again}\n"),
                "watchpost.yml: event_types.32770: site event codes must be in 1000..32767 (detections) or 32775..65535 (derived types the rules emit), was 32770");
        assertContainsLine(problems("event_types: {40000: incident.correlated}\n"),
                "watchpost.yml: event_types.40000: the name 'incident.correlated' is already taken");
    }
}
