package dev.watchpost.daemon.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.watchpost.handlers.FsyncPolicy;
import dev.watchpost.persistence.dedup.DedupConfig;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import dev.watchpost.ringbuffer.pipeline.PipelineSpec;
import dev.watchpost.ringbuffer.pipeline.Stage;
import dev.watchpost.ringbuffer.pipeline.WaitStrategyKind;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@code watchpost.yml} (and the rules file it names, through {@link RulesLoader}), applies
 * command-line overrides and validates everything in one place.
 * Every problem found is reported, one line each, naming the key path: unknown keys, wrong types and
 * impossible values alike. Keys are snake_case; durations are written {@code 250ms}, {@code 30s},
 * {@code 5m}, {@code 24h}, {@code 7d}; sizes {@code 512}, {@code 64KiB}, {@code 16MiB}, {@code 1GiB}.
 */
public final class ConfigLoader extends ConfigValues {
    private final Path baseDir;
    /** Problems in the rules file, each already prefixed with that file's name. */
    private final List<String> rulesProblems = new ArrayList<>();

    private ConfigLoader(Path baseDir) {
        this.baseDir = baseDir;
    }

    /** Command-line values that win over the file; {@code null} means not given. */
    public record Overrides(Path dataDir, Integer tcpPort, Integer udpPort, Integer httpPort) {
        public static final Overrides NONE = new Overrides(null, null, null, null);
    }

    /**
     * Reads {@code file} and the rules file it names (a path relative to {@code file}'s directory).
     */
    public static WatchpostConfig load(Path file, Overrides overrides) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(List.of(file + ": no such file"));
        } catch (IOException e) {
            throw new ConfigException(List.of(file + ": cannot read: " + e.getMessage()));
        }
        return parse(text, file.toString(), file.getParent() == null ? Path.of("") : file.getParent(), overrides);
    }

    /** Parses {@code watchpost.yml} text; a rules file it names is read relative to the working directory. */
    public static WatchpostConfig parse(String yaml, String sourceName, Overrides overrides) throws ConfigException {
        return parse(yaml, sourceName, Path.of(""), overrides);
    }

    /** Parses {@code watchpost.yml} text; a rules file it names is read relative to {@code baseDir}. */
    public static WatchpostConfig parse(String yaml, String sourceName, Path baseDir, Overrides overrides) throws ConfigException {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new ConfigException(List.of(sourceName + ": not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")")));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            root = MissingNode.getInstance();
        } else if (!root.isObject()) {
            throw new ConfigException(List.of(sourceName + ": the top level must be a mapping of keys"));
        }
        ConfigLoader loader = new ConfigLoader(baseDir);
        WatchpostConfig config = loader.read(root, overrides);
        if (!loader.problems.isEmpty() || !loader.rulesProblems.isEmpty()) {
            List<String> lines = new ArrayList<>();
            loader.problems.forEach(p -> lines.add(sourceName + ": " + p));
            lines.addAll(loader.rulesProblems);
            throw new ConfigException(lines);
        }
        return config;
    }

    private WatchpostConfig read(JsonNode root, Overrides overrides) {
        known(root, "", Set.of("data_dir", "ingest", "http", "pipeline", "journal", "dedup", "event_types", "rules"));
        Path dataDir = overrides.dataDir() != null ? overrides.dataDir()
                : Path.of(string(root, "data_dir", WatchpostConfig.DATA_DIR_DEFAULT.toString()));

        JsonNode in = section(root, "ingest");
        known(in, "ingest.", Set.of("bind", "tcp_port", "udp_port", "udp_enabled", "idle_timeout", "max_connections",
                "tokens", "max_clock_skew", "ack_interval"));
        WatchpostConfig.Ingest ingest = new WatchpostConfig.Ingest(
                string(in, "ingest.bind", WatchpostConfig.Ingest.BIND_DEFAULT),
                overrides.tcpPort() != null ? port("--tcp-port", overrides.tcpPort()) : port(in, "ingest.tcp_port", WatchpostConfig.Ingest.TCP_PORT_DEFAULT),
                overrides.udpPort() != null ? port("--udp-port", overrides.udpPort()) : port(in, "ingest.udp_port", WatchpostConfig.Ingest.UDP_PORT_DEFAULT),
                bool(in, "ingest.udp_enabled", true),
                duration(in, "ingest.idle_timeout", WatchpostConfig.Ingest.IDLE_TIMEOUT_DEFAULT, Duration.ofSeconds(1), Duration.ofDays(1)),
                integer(in, "ingest.max_connections", WatchpostConfig.Ingest.MAX_CONNECTIONS_DEFAULT, 1, 65536),
                tokens(in, "ingest.tokens"),
                duration(in, "ingest.max_clock_skew", WatchpostConfig.Ingest.MAX_CLOCK_SKEW_DEFAULT, Duration.ZERO, Duration.ofDays(365)),
                duration(in, "ingest.ack_interval", WatchpostConfig.Ingest.ACK_INTERVAL_DEFAULT, Duration.ofMillis(1), Duration.ofSeconds(60)));

        JsonNode ht = section(root, "http");
        known(ht, "http.", Set.of("bind", "port", "max_body", "stream_outbox"));
        WatchpostConfig.Http http = new WatchpostConfig.Http(
                string(ht, "http.bind", WatchpostConfig.Http.BIND_DEFAULT),
                overrides.httpPort() != null ? port("--http-port", overrides.httpPort()) : port(ht, "http.port", WatchpostConfig.Http.PORT_DEFAULT),
                (int) size(ht, "http.max_body", WatchpostConfig.Http.MAX_BODY_BYTES_DEFAULT, 1024, 1L << 30),
                integer(ht, "http.stream_outbox", WatchpostConfig.Http.STREAM_OUTBOX_DEFAULT, 16, 1 << 22));

        JsonNode pl = section(root, "pipeline");
        known(pl, "pipeline.", Set.of("ring_size", "wait_strategy", "threads", "slot_initial_bytes", "tick_interval", "linger"));
        PipelineSpec pipeline = pipeline(pl);

        JsonNode jn = section(root, "journal");
        known(jn, "journal.", Set.of("fsync", "batch_max_records", "batch_max_delay", "segment_size", "page_cache"));
        FsyncPolicy fsync = WatchpostConfig.JournalSettings.FSYNC_DEFAULT;
        String fsyncName = string(jn, "journal.fsync", fsync.configName());
        if (FsyncPolicy.fromConfigName(fsyncName) == null) {
            problems.add("journal.fsync: must be always, batch or never, was '" + fsyncName + "'");
        } else {
            fsync = FsyncPolicy.fromConfigName(fsyncName);
        }
        WatchpostConfig.JournalSettings journal = new WatchpostConfig.JournalSettings(fsync,
                integer(jn, "journal.batch_max_records", WatchpostConfig.JournalSettings.BATCH_MAX_RECORDS_DEFAULT, 1, 1 << 22),
                duration(jn, "journal.batch_max_delay", WatchpostConfig.JournalSettings.BATCH_MAX_DELAY_DEFAULT, Duration.ofNanos(1000), Duration.ofSeconds(10)),
                size(jn, "journal.segment_size", WatchpostConfig.JournalSettings.SEGMENT_BYTES_DEFAULT, 1L << 20, 1L << 30),
                pageCache(jn));

        JsonNode dd = section(root, "dedup");
        known(dd, "dedup.", Set.of("ttl", "capacity"));
        WatchpostConfig.Dedup dedup = new WatchpostConfig.Dedup(
                duration(dd, "dedup.ttl", WatchpostConfig.Dedup.TTL_DEFAULT, Duration.ofSeconds(1), Duration.ofDays(365)),
                longValue(dd, "dedup.capacity", WatchpostConfig.Dedup.CAPACITY_DEFAULT, DedupConfig.CAPACITY_MIN, DedupConfig.CAPACITY_MAX));

        Map<Integer, String> eventTypes = eventTypes(root.path("event_types"));

        Path rulesFile = null;
        Rules rules = Rules.defaults();
        String rulesName = string(root, "rules", null);
        if (rulesName != null) {
            if (rulesName.isBlank()) {
                problems.add("rules: must name the rules file, e.g. rules.yml");
            } else {
                rulesFile = baseDir.resolve(rulesName).normalize();
                rules = RulesLoader.load(rulesFile, EventTypeRegistry.standard().withSiteTypes(eventTypes), rulesProblems);
            }
        }
        return new WatchpostConfig(dataDir, ingest, http, pipeline, journal, dedup, eventTypes, rulesFile, rules);
    }

    private PipelineSpec pipeline(JsonNode pl) {
        int ringSize = integer(pl, "pipeline.ring_size", PipelineSpec.RING_SIZE_DEFAULT, 2, 1 << 22);
        int slotBytes = integer(pl, "pipeline.slot_initial_bytes", PipelineSpec.SLOT_INITIAL_CAPACITY_DEFAULT, 158, 65536);
        Duration tick = duration(pl, "pipeline.tick_interval", PipelineSpec.TICK_INTERVAL_DEFAULT,
                PipelineSpec.TICK_INTERVAL_MIN, PipelineSpec.TICK_INTERVAL_MAX);
        WaitStrategyKind wait = PipelineSpec.WAIT_STRATEGY_DEFAULT;
        String waitName = string(pl, "pipeline.wait_strategy", wait.configName());
        if (WaitStrategyKind.fromConfigName(waitName) == null) {
            problems.add("pipeline.wait_strategy: must be one of blocking, lite-blocking, sleeping, yielding, busy-spin; was '" + waitName + "'");
        } else {
            wait = WaitStrategyKind.fromConfigName(waitName);
        }
        Duration linger = duration(pl, "pipeline.linger", PipelineSpec.LINGER_DEFAULT, Duration.ZERO, PipelineSpec.LINGER_MAX);
        if (wait != WaitStrategyKind.BLOCKING && !pl.path("linger").isMissingNode() && !linger.isZero()) {
            problems.add("pipeline.linger: only the blocking wait strategy lingers; set it to 0us or remove it with wait_strategy "
                    + wait.configName());
        }
        List<List<Stage>> threads = PipelineSpec.THREADS_DEFAULT;
        JsonNode t = pl.path("threads");
        if (!t.isMissingNode()) {
            List<List<Stage>> parsed = new ArrayList<>();
            boolean ok = t.isArray();
            for (int i = 0; ok && i < t.size(); i++) {
                JsonNode group = t.get(i);
                List<Stage> stages = new ArrayList<>();
                if (!group.isArray()) {
                    ok = false;
                    break;
                }
                for (JsonNode name : group) {
                    Stage stage = name.isTextual() ? Stage.fromConfigName(name.asText()) : null;
                    if (stage == null) {
                        problems.add("pipeline.threads[" + i + "]: unknown stage " + name);
                        return PipelineSpec.defaults();
                    }
                    stages.add(stage);
                }
                parsed.add(stages);
            }
            if (!ok) {
                problems.add("pipeline.threads: must be a list of lists of stage names, e.g. [[validate, dedup, window, fuse, correlate, enrich, alert, journal, ack], [publish]]");
            } else {
                threads = parsed;
            }
        }
        String problem = PipelineSpec.problem(ringSize, threads, slotBytes);
        if (problem != null) {
            problems.add("pipeline: " + problem);
            return PipelineSpec.defaults();
        }
        return new PipelineSpec(ringSize, wait, threads, slotBytes, tick, linger);
    }

    private Map<Integer, String> eventTypes(JsonNode node) {
        Map<Integer, String> types = new LinkedHashMap<>();
        if (node.isMissingNode() || node.isNull()) {
            return types;
        }
        if (!node.isObject()) {
            problems.add("event_types: must be a mapping of code to name, e.g. {1000: shelf.empty}");
            return types;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = "event_types." + e.getKey();
            int code;
            try {
                code = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                problems.add(key + ": the key must be a numeric code in 1000..32767 (detections) or 32775..65535 (derived types the rules emit)");
                continue;
            }
            boolean detection = code >= EventTypeRegistry.SITE_MIN && code <= EventTypeRegistry.SITE_MAX;
            boolean derived = code >= EventTypeRegistry.SITE_DERIVED_MIN && code <= EventTypeRegistry.DERIVED_MAX;
            if (!detection && !derived) {
                problems.add(key + ": site event codes must be in 1000..32767 (detections) or 32775..65535 (derived types the rules emit), was "
                        + code);
            } else if (!e.getValue().isTextual() || e.getValue().asText().isBlank()) {
                problems.add(key + ": the name must be a non-empty string");
            } else if (EventTypeRegistry.standard().code(e.getValue().asText()) >= 0 || types.containsValue(e.getValue().asText())) {
                problems.add(key + ": the name '" + e.getValue().asText() + "' is already taken");
            } else {
                types.put(code, e.getValue().asText());
            }
        }
        return types;
    }

    private List<String> tokens(JsonNode parent, String path) {
        JsonNode node = parent.path(leaf(path));
        List<String> tokens = new ArrayList<>();
        if (node.isMissingNode() || node.isNull()) {
            return tokens;
        }
        if (!node.isArray()) {
            problems.add(path + ": must be a list of strings");
            return tokens;
        }
        for (int i = 0; i < node.size(); i++) {
            JsonNode t = node.get(i);
            if (!t.isTextual() || t.asText().isEmpty() || t.asText().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 256) {
                problems.add(path + "[" + i + "]: a token must be a non-empty string of at most 256 UTF-8 bytes");
            } else {
                tokens.add(t.asText());
            }
        }
        return tokens;
    }

    /** {@code journal.page_cache}: drop-behind (the default) or keep. */
    private boolean pageCache(JsonNode journal) {
        String name = string(journal, "journal.page_cache", WatchpostConfig.JournalSettings.PAGE_CACHE_DROP_BEHIND);
        if (name.equals(WatchpostConfig.JournalSettings.PAGE_CACHE_KEEP)) {
            return false;
        }
        if (!name.equals(WatchpostConfig.JournalSettings.PAGE_CACHE_DROP_BEHIND)) {
            problems.add("journal.page_cache: must be drop-behind or keep, was '" + name + "'");
        }
        return true;
    }
}
