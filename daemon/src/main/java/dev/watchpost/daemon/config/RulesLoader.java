package dev.watchpost.daemon.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.watchpost.handlers.enrich.Enrichers;
import dev.watchpost.handlers.rules.EnrichmentRules;
import dev.watchpost.handlers.rules.AlertRules;
import dev.watchpost.handlers.rules.CorrelationRules;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.handlers.rules.TagTable;
import dev.watchpost.handlers.rules.Site;
import dev.watchpost.handlers.rules.TrackRules;
import dev.watchpost.handlers.rules.WindowDedupRule;
import dev.watchpost.handlers.rules.WindowDedupRules;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads the rules file ({@code rules.yml}, named by {@code rules} in {@code watchpost.yml}) into
 * {@link Rules}, checking everything the way {@link ConfigLoader} does: every problem is reported,
 * one line each, as {@code <file>: <key path>: <what is wrong>}. Event types are named as in the
 * registry (the v1 names and the site's {@code event_types}). Each rule kind is read by one method
 * here; a new kind adds its section and its method.
 */
public final class RulesLoader extends ConfigValues {
    private static final String KEY_NAMES = Arrays.stream(WindowDedupRule.KeyField.values())
            .map(WindowDedupRule.KeyField::configName).collect(Collectors.joining(", "));

    private final EventTypeRegistry registry;
    /** The rules file's folder, against which the files it names are resolved; {@code null}: the working directory. */
    private final Path baseDir;

    private RulesLoader(EventTypeRegistry registry, Path baseDir) {
        this.registry = registry;
        this.baseDir = baseDir;
    }

    /**
     * Reads {@code file}; each problem goes into {@code problems} as one line prefixed with the file.
     * Returns the rules read (with defaults where a value had a problem).
     */
    static Rules load(Path file, EventTypeRegistry registry, List<String> problems) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            problems.add(file + ": no such file");
            return Rules.defaults();
        } catch (IOException e) {
            problems.add(file + ": cannot read: " + e.getMessage());
            return Rules.defaults();
        }
        return parse(text, file.toString(), registry, problems);
    }

    /** Reads a rules file, as a reload does; every problem is in the exception, one line each, prefixed with the file. */
    public static Rules read(Path file, EventTypeRegistry registry) throws ConfigException {
        List<String> problems = new ArrayList<>();
        Rules rules = load(file, registry, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return rules;
    }

    /** Parses rules YAML; for tests and tools. */
    public static Rules parse(String yaml, String sourceName, EventTypeRegistry registry) throws ConfigException {
        List<String> problems = new ArrayList<>();
        Rules rules = parse(yaml, sourceName, registry, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return rules;
    }

    private static Rules parse(String yaml, String sourceName, EventTypeRegistry registry, List<String> problems) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (JsonProcessingException e) {
            problems.add(sourceName + ": not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
            return Rules.defaults();
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            root = MissingNode.getInstance();
        } else if (!root.isObject()) {
            problems.add(sourceName + ": the top level must be a mapping of keys");
            return Rules.defaults();
        }
        Path source = null;
        try {
            source = Path.of(sourceName).toAbsolutePath().getParent();
        } catch (java.nio.file.InvalidPathException e) {
            // a name that is no path (a test's): files resolve against the working directory
        }
        RulesLoader loader = new RulesLoader(registry, source);
        Rules rules = loader.read(root);
        loader.problems.forEach(p -> problems.add(sourceName + ": " + p));
        return rules;
    }

    private Rules read(JsonNode root) {
        known(root, "", Set.of("allowed_lateness", "clock_skew", "site", "window_dedup", "tracks", "enrichment", "alerts",
                "correlation", "composite", "sequences", "incidents"));
        Duration lateness = duration(root, "allowed_lateness", Rules.ALLOWED_LATENESS_DEFAULT, Duration.ZERO, Rules.LATENESS_MAX);
        Duration skew = duration(root, "clock_skew", Rules.CLOCK_SKEW_DEFAULT, Duration.ZERO, Rules.LATENESS_MAX);
        WindowDedupRules windowDedup = windowDedup(section(root, "window_dedup"));
        TrackRules tracks = tracks(section(root, "tracks"));
        Site site = site(section(root, "site"));
        CorrelationRules correlation = correlation(root, site);
        AlertRules alerts = alerts(section(root, "alerts"), section(root, "site"), site);
        Rules rules = new Rules(lateness, skew, windowDedup, tracks, site, EnrichmentRules.DISABLED, alerts, correlation);
        JsonNode enrichment = section(root, "enrichment");
        if (!enrichment.isMissingNode()) {
            rules = new Rules(lateness, skew, windowDedup, tracks, site, enrichment(enrichment), alerts, correlation);
            if (problems.isEmpty()) {
                // Configure the enrichers once, without background work, so their own problems (an
                // unreadable subject directory, a missing dependency, a cycle) are reported here.
                Enrichers.build(rules, Enrichers.available(RulesLoader.class.getClassLoader(), problems), new TagTable(), false,
                        line -> { }, problems).forEach(c -> c.enricher().close());
            }
        }
        return rules;
    }

    // ---- correlation: composite, sequences, incidents

    private static final java.util.regex.Pattern RULE_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private CorrelationRules correlation(JsonNode root, Site site) {
        JsonNode settings = section(root, "correlation");
        known(settings, "correlation.", Set.of("restore_horizon"));
        Duration horizon = duration(settings, "correlation.restore_horizon", CorrelationRules.RESTORE_HORIZON_DEFAULT, Duration.ZERO,
                CorrelationRules.RESTORE_HORIZON_MAX);
        List<CorrelationRules.CompositeRule> composite = new ArrayList<>();
        Set<String> names = new java.util.HashSet<>();
        List<JsonNode> list = list(root, "composite");
        for (int i = 0; i < list.size(); i++) {
            CorrelationRules.CompositeRule rule = compositeRule(list.get(i), "composite[" + i + "]", site, names);
            if (rule != null) {
                composite.add(rule);
            }
        }
        List<CorrelationRules.SequenceRule> sequences = new ArrayList<>();
        names.clear();
        list = list(root, "sequences");
        for (int i = 0; i < list.size(); i++) {
            CorrelationRules.SequenceRule rule = sequenceRule(list.get(i), "sequences[" + i + "]", site, names);
            if (rule != null) {
                sequences.add(rule);
            }
        }
        List<CorrelationRules.IncidentRule> incidents = new ArrayList<>();
        names.clear();
        list = list(root, "incidents");
        for (int i = 0; i < list.size(); i++) {
            CorrelationRules.IncidentRule rule = incidentRule(list.get(i), "incidents[" + i + "]", site, names);
            if (rule != null) {
                incidents.add(rule);
            }
        }
        return new CorrelationRules(composite, sequences, incidents, horizon);
    }

    /** A list of rule mappings; each entry that is not a mapping is reported. */
    private List<JsonNode> list(JsonNode root, String key) {
        List<JsonNode> out = new ArrayList<>();
        JsonNode node = root.path(key);
        if (node.isMissingNode() || node.isNull()) {
            return out;
        }
        if (!node.isArray()) {
            problems.add(key + ": must be a list of rules, each a mapping with at least name; was " + node);
            return out;
        }
        for (int i = 0; i < node.size(); i++) {
            if (!node.get(i).isObject()) {
                problems.add(key + "[" + i + "]: must be a mapping with at least name; was " + node.get(i));
            } else {
                out.add(node.get(i));
            }
        }
        return out;
    }

    private String ruleName(JsonNode node, String path, Set<String> names) {
        String name = string(node, path + ".name", null);
        if (name == null) {
            problems.add(path + ".name: required, 1..64 letters, digits, '_', '-' or '.'");
            return null;
        }
        if (!RULE_NAME.matcher(name).matches()) {
            problems.add(path + ".name: must be 1..64 letters, digits, '_', '-' or '.'; was '" + name + "'");
            return null;
        }
        if (!names.add(name)) {
            problems.add(path + ".name: '" + name + "' is the name of another rule of this kind too");
            return null;
        }
        return name;
    }

    private Duration within(JsonNode node, String path) {
        if (node.path("within").isMissingNode() || node.path("within").isNull()) {
            problems.add(path + ".within: required, the time bound, e.g. 30s");
            return null;
        }
        int before = problems.size();
        Duration within = duration(node, path + ".within", null, CorrelationRules.WITHIN_MIN, CorrelationRules.WITHIN_MAX);
        return problems.size() == before ? within : null;
    }

    /** A filter: a type name, or a mapping of type, label, camera (site camera key) and zone (site zone key). */
    private CorrelationRules.Filter filter(JsonNode node, String path, Site site) {
        if (node.isTextual()) {
            int code = detectionType(node, path);
            return code < 0 ? null : new CorrelationRules.Filter(code, null, null, null);
        }
        if (!node.isObject()) {
            problems.add(path + ": must be an event type name or a mapping of type, label, camera and zone; was " + node);
            return null;
        }
        known(node, path + ".", Set.of("type", "label", "camera", "zone"));
        if (node.path("type").isMissingNode()) {
            problems.add(path + ".type: required, an event type name such as face.recognized");
            return null;
        }
        int code = detectionType(node.path("type"), path + ".type");
        String label = string(node, path + ".label", null);
        if (label != null && (label.isEmpty() || label.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 64)) {
            problems.add(path + ".label: must be 1..64 bytes of text");
            label = null;
            code = -1;
        }
        java.util.UUID camera = null;
        String cameraKey = string(node, path + ".camera", null);
        if (cameraKey != null) {
            Site.Camera c = site.cameraByKey(cameraKey);
            if (c == null) {
                problems.add(path + ".camera: no camera '" + cameraKey + "' under site.cameras");
                code = -1;
            } else {
                camera = c.id();
            }
        }
        java.util.UUID zone = null;
        String zoneKey = string(node, path + ".zone", null);
        if (zoneKey != null) {
            Site.Zone z = site.zones().stream().filter(x -> x.key().equals(zoneKey)).findFirst().orElse(null);
            if (z == null) {
                problems.add(path + ".zone: no zone '" + zoneKey + "' under site.zones");
                code = -1;
            } else {
                zone = z.id();
            }
        }
        return code < 0 ? null : new CorrelationRules.Filter(code, label, camera, zone);
    }

    /** A detection's type code, or -1 with the problem reported. */
    private int detectionType(JsonNode name, String path) {
        int code = name.isTextual() ? registry.code(name.asText()) : -1;
        if (code < 0) {
            problems.add(path + ": unknown event type " + name + " (neither a protocol v1 type nor one of event_types)");
            return -1;
        }
        if (registry.isDerived(code)) {
            problems.add(path + ": " + name.asText() + " is a derived type; correlation rules take detections only");
            return -1;
        }
        return code;
    }

    private List<CorrelationRules.Filter> filters(JsonNode node, String path, Site site, int least) {
        if (node.isMissingNode() || node.isNull()) {
            problems.add(path + ": required, a list of " + least + ".." + CorrelationRules.MAX_PARTS
                    + " event types, each a name or {type, label, camera, zone}");
            return null;
        }
        if (!node.isArray() || node.size() < least || node.size() > CorrelationRules.MAX_PARTS) {
            problems.add(path + ": must be a list of " + least + ".." + CorrelationRules.MAX_PARTS
                    + " event types, each a name or {type, label, camera, zone}; was " + node);
            return null;
        }
        List<CorrelationRules.Filter> out = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < node.size(); i++) {
            CorrelationRules.Filter f = filter(node.get(i), path + "[" + i + "]", site);
            if (f == null) {
                ok = false;
            } else {
                out.add(f);
            }
        }
        return ok ? out : null;
    }

    /** The derived type a rule emits: its kind's own, or a site derived type declared in event_types. */
    private int emit(JsonNode node, String path, int own) {
        String name = string(node, path, null);
        if (name == null) {
            return own;
        }
        int code = registry.code(name);
        if (code == own || code > EventTypeRegistry.ALERT_RAISED) {
            return code;
        }
        problems.add(path + ": must be " + registry.name(own) + " or a derived type of the site's own, declared in event_types with a code in "
                + (EventTypeRegistry.ALERT_RAISED + 1) + ".." + EventTypeRegistry.DERIVED_MAX + "; was '" + name + "'");
        return -1;
    }

    private <E extends Enum<E>> E choice(JsonNode node, String path, Class<E> type, E fallback) {
        String text = string(node, path, null);
        if (text == null) {
            return fallback;
        }
        for (E e : type.getEnumConstants()) {
            if (e.name().toLowerCase(java.util.Locale.ROOT).equals(text)) {
                return e;
            }
        }
        problems.add(path + ": must be one of " + Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(java.util.Locale.ROOT))
                .collect(Collectors.joining(", ")) + "; was '" + text + "'");
        return null;
    }

    private CorrelationRules.CompositeRule compositeRule(JsonNode node, String path, Site site, Set<String> names) {
        known(node, path + ".", Set.of("name", "action", "all", "join", "iou", "same_camera", "within", "max_pending", "emit"));
        int before = problems.size();
        String name = ruleName(node, path, names);
        String action = string(node, path + ".action", name);
        if (action != null && (action.isEmpty() || action.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 64)) {
            problems.add(path + ".action: must be 1..64 bytes of text");
        }
        List<CorrelationRules.Filter> all = filters(node.path("all"), path + ".all", site, 2);
        CorrelationRules.Join join = choice(node, path + ".join", CorrelationRules.Join.class, CorrelationRules.Join.TRACK);
        double iou = CorrelationRules.IOU_DEFAULT;
        JsonNode iouNode = node.path("iou");
        if (!iouNode.isMissingNode() && !iouNode.isNull()) {
            if (!iouNode.isNumber() || iouNode.doubleValue() <= 0 || iouNode.doubleValue() > 1) {
                problems.add(path + ".iou: must be a number in (0, 1], the least overlap of two boxes; was " + iouNode);
            } else if (join != CorrelationRules.Join.IOU) {
                problems.add(path + ".iou: only with join: iou");
            } else {
                iou = iouNode.doubleValue();
            }
        }
        boolean sameCamera = bool(node, path + ".same_camera", true);
        if (!sameCamera && join != CorrelationRules.Join.SUBJECT) {
            problems.add(path + ".same_camera: a " + join.configName() + " join is always on one camera; false needs join: subject");
        }
        Duration within = within(node, path);
        int maxPending = integer(node, path + ".max_pending", CorrelationRules.MAX_PENDING_DEFAULT, CorrelationRules.MAX_PENDING_MIN,
                CorrelationRules.MAX_PENDING_MAX);
        int emit = emit(node, path + ".emit", EventTypeRegistry.ACTION_DETECTED);
        if (problems.size() != before) {
            return null;
        }
        return new CorrelationRules.CompositeRule(name, action, all, join, iou, sameCamera, within, maxPending, emit);
    }

    private CorrelationRules.SequenceRule sequenceRule(JsonNode node, String path, Site site, Set<String> names) {
        known(node, path + ".", Set.of("name", "steps", "key", "within", "absent", "max_pending", "emit"));
        int before = problems.size();
        String name = ruleName(node, path, names);
        boolean hasAbsent = !node.path("absent").isMissingNode() && !node.path("absent").isNull();
        List<CorrelationRules.Filter> steps = filters(node.path("steps"), path + ".steps", site, hasAbsent ? 1 : 2);
        CorrelationRules.Filter absent = hasAbsent ? filter(node.path("absent"), path + ".absent", site) : null;
        CorrelationRules.SequenceKey key = choice(node, path + ".key", CorrelationRules.SequenceKey.class, null);
        if (node.path("key").isMissingNode()) {
            problems.add(path + ".key: required, one of subject, track, label_zone");
        }
        Duration within = within(node, path);
        int maxPending = integer(node, path + ".max_pending", CorrelationRules.MAX_PENDING_DEFAULT, CorrelationRules.MAX_PENDING_MIN,
                CorrelationRules.MAX_PENDING_MAX);
        int emit = emit(node, path + ".emit", EventTypeRegistry.SEQUENCE_MATCHED);
        if (problems.size() != before) {
            return null;
        }
        return new CorrelationRules.SequenceRule(name, steps, key, within, absent, maxPending, emit);
    }

    private CorrelationRules.IncidentRule incidentRule(JsonNode node, String path, Site site, Set<String> names) {
        known(node, path + ".", Set.of("name", "key", "types", "within", "neighbours_only", "max_open"));
        int before = problems.size();
        String name = ruleName(node, path, names);
        CorrelationRules.IncidentKey key = choice(node, path + ".key", CorrelationRules.IncidentKey.class, CorrelationRules.IncidentKey.SUBJECT);
        Set<Integer> types = new java.util.LinkedHashSet<>();
        JsonNode typesNode = node.path("types");
        if (!typesNode.isArray() || typesNode.isEmpty()) {
            problems.add(path + ".types: required, a non-empty list of event type names, e.g. [face.recognized]; was " + typesNode);
        } else {
            for (int i = 0; i < typesNode.size(); i++) {
                int code = detectionType(typesNode.get(i), path + ".types[" + i + "]");
                if (code >= 0) {
                    types.add(code);
                }
            }
        }
        Duration within = within(node, path);
        boolean neighboursOnly = bool(node, path + ".neighbours_only", true);
        if (neighboursOnly && problems.size() == before && site.cameras().size() < 2) {
            problems.add(path + ".neighbours_only: the site describes fewer than two cameras (site.cameras), so no two are neighbours;"
                    + " describe them or set neighbours_only: false");
        }
        int maxOpen = integer(node, path + ".max_open", CorrelationRules.MAX_PENDING_DEFAULT, CorrelationRules.MAX_PENDING_MIN,
                CorrelationRules.MAX_PENDING_MAX);
        if (problems.size() != before) {
            return null;
        }
        return new CorrelationRules.IncidentRule(name, key, types, within, neighboursOnly, maxOpen);
    }


    // ---- enrichment

    private static final java.util.regex.Pattern ENRICHER_NAME = java.util.regex.Pattern.compile("[a-z0-9_-]{1,32}");

    private EnrichmentRules enrichment(JsonNode section) {
        EnrichmentRules d = EnrichmentRules.DISABLED;
        known(section, "enrichment.", Set.of("enabled", "enrichers", "subjects", "severity", "breaker"));
        boolean enabled = bool(section, "enrichment.enabled", true);
        Map<String, EnrichmentRules.EnricherSettings> enrichers = new LinkedHashMap<>();
        JsonNode list = section(section, "enrichment.enrichers");
        for (Iterator<Map.Entry<String, JsonNode>> it = list.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String path = "enrichment.enrichers." + e.getKey();
            if (!ENRICHER_NAME.matcher(e.getKey()).matches()) {
                problems.add(path + ": an enricher's name is 1..32 of a-z, 0-9, '_', '-'");
                continue;
            }
            JsonNode node = e.getValue();
            if (node.isBoolean()) {
                enrichers.put(e.getKey(), new EnrichmentRules.EnricherSettings(node.booleanValue(), null, Map.of()));
                continue;
            }
            if (node.isNull()) {
                node = MissingNode.getInstance();
            } else if (!node.isObject()) {
                problems.add(path + ": must be true, false, or a mapping of enabled, budget and the enricher's own keys; was " + node);
                continue;
            }
            boolean on = bool(node, path + ".enabled", true);
            Duration budget = duration(node, path + ".budget", null, EnrichmentRules.EnricherSettings.BUDGET_MIN,
                    EnrichmentRules.EnricherSettings.BUDGET_MAX);
            Map<String, Object> options = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> o = node.fields(); o.hasNext(); ) {
                Map.Entry<String, JsonNode> option = o.next();
                if (!option.getKey().equals("enabled") && !option.getKey().equals("budget")) {
                    options.put(option.getKey(), PLAIN.convertValue(option.getValue(), Object.class));
                }
            }
            enrichers.put(e.getKey(), new EnrichmentRules.EnricherSettings(on, budget, options));
        }
        JsonNode subjects = section(section, "enrichment.subjects");
        known(subjects, "enrichment.subjects.", Set.of("file", "reload_interval"));
        String file = string(subjects, "enrichment.subjects.file", null);
        Path subjectsFile = null;
        if (file != null) {
            try {
                subjectsFile = baseDir == null ? Path.of(file) : baseDir.resolve(file).normalize();
            } catch (java.nio.file.InvalidPathException ex) {
                problems.add("enrichment.subjects.file: not a path: " + ex.getMessage());
            }
        }
        Duration reload = duration(subjects, "enrichment.subjects.reload_interval", d.reloadInterval(),
                EnrichmentRules.RELOAD_INTERVAL_MIN, EnrichmentRules.RELOAD_INTERVAL_MAX);
        EnrichmentRules.SeverityRules severity = severity(section(section, "enrichment.severity"));
        JsonNode breaker = section(section, "enrichment.breaker");
        known(breaker, "enrichment.breaker.", Set.of("failures", "cool_down"));
        int failures = integer(breaker, "enrichment.breaker.failures", d.breakerFailures(), 1, EnrichmentRules.BREAKER_FAILURES_MAX);
        Duration coolDown = duration(breaker, "enrichment.breaker.cool_down", d.breakerCoolDown(), Duration.ZERO,
                EnrichmentRules.BREAKER_COOL_DOWN_MAX);
        return new EnrichmentRules(enabled, enrichers, subjectsFile, reload, severity, failures, coolDown);
    }

    private static final ObjectMapper PLAIN = new ObjectMapper();
    private static final java.util.regex.Pattern TAG = java.util.regex.Pattern.compile("[a-z0-9_-]{1,32}");

    private EnrichmentRules.SeverityRules severity(JsonNode section) {
        EnrichmentRules.SeverityRules d = EnrichmentRules.SeverityRules.DEFAULT;
        int cap = EnrichmentRules.SeverityRules.SEVERITY_MAX;
        known(section, "enrichment.severity.", Set.of("base", "types", "labels", "tags", "max"));
        int base = integer(section, "enrichment.severity.base", d.base(), 0, cap);
        int max = integer(section, "enrichment.severity.max", d.max(), 0, cap);
        Map<Integer, Integer> types = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> e : scores(section(section, "enrichment.severity.types"), "enrichment.severity.types").entrySet()) {
            int code = registry.code(e.getKey());
            if (code < 0) {
                problems.add("enrichment.severity.types." + e.getKey() + ": unknown event type (neither a protocol v1 type nor one of event_types)");
            } else {
                types.put(code, e.getValue());
            }
        }
        Map<String, Integer> labels = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> e : scores(section(section, "enrichment.severity.labels"), "enrichment.severity.labels").entrySet()) {
            if (e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 64) {
                problems.add("enrichment.severity.labels." + e.getKey() + ": a label is at most 64 bytes");
            } else {
                labels.put(e.getKey(), e.getValue());
            }
        }
        Map<String, Integer> tags = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> e : scores(section(section, "enrichment.severity.tags"), "enrichment.severity.tags").entrySet()) {
            if (!TAG.matcher(e.getKey()).matches()) {
                problems.add("enrichment.severity.tags." + e.getKey() + ": a tag is 1..32 of a-z, 0-9, '_', '-'");
            } else {
                tags.put(e.getKey(), e.getValue());
            }
        }
        return new EnrichmentRules.SeverityRules(base, types, labels, tags, max);
    }

    /** A mapping of name to score (an integer within -1000..1000); each bad value is reported. */
    private Map<String, Integer> scores(JsonNode mapping, String path) {
        int cap = EnrichmentRules.SeverityRules.SEVERITY_MAX;
        Map<String, Integer> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = mapping.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (!v.isInt() || v.intValue() < -cap || v.intValue() > cap) {
                problems.add(path + "." + e.getKey() + ": must be an integer within " + -cap + ".." + cap + "; was " + v);
            } else {
                out.put(e.getKey(), v.intValue());
            }
        }
        return out;
    }

    // ---- alerts

    private static final java.util.regex.Pattern HOURS = java.util.regex.Pattern.compile("(\\d{2}):(\\d{2})-(\\d{2}):(\\d{2})");
    private static final int RULE_CHANNELS_MAX = 8;

    private AlertRules alerts(JsonNode section, JsonNode siteNode, Site site) {
        if (section.isMissingNode()) {
            return AlertRules.NONE;
        }
        known(section, "alerts.", Set.of("timezone", "channels", "rules"));
        java.time.ZoneId zone = java.time.ZoneId.systemDefault();
        String zoneName = string(section, "alerts.timezone", null);
        if (zoneName != null) {
            try {
                zone = java.time.ZoneId.of(zoneName);
            } catch (java.time.DateTimeException e) {
                problems.add("alerts.timezone: unknown time zone '" + zoneName + "', e.g. Europe/Berlin or UTC");
            }
        }
        Map<String, AlertRules.Channel> channels = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : entries(section(section, "alerts.channels"), "alerts.channels")) {
            AlertRules.Channel channel = channel(e.getKey(), e.getValue(), "alerts.channels." + e.getKey());
            if (channel != null) {
                channels.put(e.getKey(), channel);
            }
        }
        List<AlertRules.Rule> rules = new ArrayList<>();
        JsonNode list = section.path("rules");
        if (!list.isMissingNode() && !list.isNull()) {
            if (!list.isArray()) {
                problems.add("alerts.rules: must be a list of rules, each a mapping with name, when, channels ...; was " + list);
            } else {
                Set<String> names = new java.util.HashSet<>();
                dev.watchpost.handlers.rules.TagTable tags = new dev.watchpost.handlers.rules.TagTable();
                for (int i = 0; i < list.size(); i++) {
                    AlertRules.Rule rule = alertRule(list.get(i), "alerts.rules[" + i + "]", channels, section.path("channels"), site, tags,
                            names);
                    if (rule != null) {
                        rules.add(rule);
                    }
                }
            }
        }
        rules.removeIf(r -> !channels.keySet().containsAll(r.channels())); // a channel with a problem, reported
        return new AlertRules(zone, channels, rules);
    }

    private AlertRules.Channel channel(String name, JsonNode node, String path) {
        known(node, path + ".", Set.of("type", "enabled", "url", "timeout", "backoff_initial", "backoff_max", "breaker", "topic", "client_id"));
        String typeName = string(node, path + ".type", null);
        AlertRules.ChannelType type = typeName == null ? null : AlertRules.ChannelType.fromConfigName(typeName);
        if (type == null) {
            problems.add(path + ".type: must be websocket, webhook or mqtt; was " + (typeName == null ? "missing" : "'" + typeName + "'"));
            return null;
        }
        boolean enabled = bool(node, path + ".enabled", true);
        if (type == AlertRules.ChannelType.WEBSOCKET) {
            for (String key : List.of("url", "timeout", "backoff_initial", "backoff_max", "breaker", "topic", "client_id")) {
                if (node.has(key)) {
                    problems.add(path + "." + key + ": a websocket channel has no " + key + " (it is the /v1/alerts stream)");
                }
            }
            AlertRules.Channel c = AlertRules.Channel.websocket(name);
            return new AlertRules.Channel(name, type, enabled, null, c.timeout(), c.backoffInitial(), c.backoffMax(), c.breakerFailures(),
                    c.breakerCoolDown(), null, null);
        }
        java.net.URI url = null;
        String text = string(node, path + ".url", null);
        Set<String> schemes = type == AlertRules.ChannelType.WEBHOOK ? Set.of("http", "https") : Set.of("tcp", "ssl");
        String example = type == AlertRules.ChannelType.WEBHOOK ? "http://127.0.0.1:8080/alerts" : "tcp://127.0.0.1:1883";
        if (text == null) {
            problems.add(path + ".url: required for a " + type.configName() + " channel, e.g. " + example);
        } else {
            try {
                url = new java.net.URI(text);
                if (url.getScheme() == null || !schemes.contains(url.getScheme()) || url.getHost() == null
                        || (type == AlertRules.ChannelType.MQTT && url.getPort() < 0)) {
                    url = null;
                }
            } catch (java.net.URISyntaxException e) {
                url = null;
            }
            if (url == null) {
                problems.add(path + ".url: must be a URL like " + example + "; was '" + text + "'");
            }
        }
        Duration timeout = duration(node, path + ".timeout", AlertRules.WEBHOOK_TIMEOUT_DEFAULT, Duration.ofMillis(100), Duration.ofMinutes(5));
        Duration initial = duration(node, path + ".backoff_initial", AlertRules.BACKOFF_INITIAL_DEFAULT, Duration.ofMillis(10), Duration.ofHours(1));
        Duration max = duration(node, path + ".backoff_max", AlertRules.BACKOFF_MAX_DEFAULT, Duration.ofMillis(10), Duration.ofHours(1));
        if (max.compareTo(initial) < 0) {
            problems.add(path + ".backoff_max: must be at least backoff_initial (" + pretty(initial) + "), was " + pretty(max));
            max = initial;
        }
        JsonNode breaker = section(node, path + ".breaker");
        known(breaker, path + ".breaker.", Set.of("failures", "cool_down"));
        int failures = integer(breaker, path + ".breaker.failures", AlertRules.BREAKER_FAILURES_DEFAULT, 1, 1000);
        Duration coolDown = duration(breaker, path + ".breaker.cool_down", AlertRules.BREAKER_COOL_DOWN_DEFAULT, Duration.ofMillis(10), Duration.ofHours(1));
        String topic = null;
        String clientId = null;
        if (type == AlertRules.ChannelType.MQTT) {
            topic = string(node, path + ".topic", AlertRules.MQTT_TOPIC_DEFAULT);
            if (topic.isEmpty() || topic.contains("#") || topic.contains("+")) {
                problems.add(path + ".topic: must be a topic name without wildcards (# +), e.g. " + AlertRules.MQTT_TOPIC_DEFAULT + "; was '" + topic + "'");
            }
            clientId = string(node, path + ".client_id", "watchpost-" + name);
            if (clientId.isEmpty() || clientId.length() > 23) {
                problems.add(path + ".client_id: must be 1..23 characters (MQTT 3.1.1), was '" + clientId + "'");
            }
        } else {
            for (String key : List.of("topic", "client_id")) {
                if (node.has(key)) {
                    problems.add(path + "." + key + ": only an mqtt channel has " + key);
                }
            }
        }
        if (url == null) {
            return null;
        }
        return new AlertRules.Channel(name, type, enabled, url, timeout, initial, max, failures, coolDown, topic, clientId);
    }

    private AlertRules.Rule alertRule(JsonNode node, String path, Map<String, AlertRules.Channel> channels, JsonNode channelNodes, Site site,
                                      dev.watchpost.handlers.rules.TagTable tagTable, Set<String> names) {
        if (!node.isObject()) {
            problems.add(path + ": must be a mapping with name, when, channels ...; was " + node);
            return null;
        }
        int before = problems.size();
        known(node, path + ".", Set.of("name", "when", "channels", "message", "throttle", "include_repeats"));
        String name = string(node, path + ".name", null);
        if (name == null) {
            problems.add(path + ".name: required, the rule's name (it goes into each alert)");
        } else if (!SITE_KEY.matcher(name).matches()) {
            problems.add(path + ".name: a name is 1..64 letters, digits, '_' or '-'; was '" + name + "'");
        } else if (!names.add(name)) {
            problems.add(path + ".name: '" + name + "' is the name of another rule too");
        }
        JsonNode when = section(node, path + ".when");
        known(when, path + ".when.", Set.of("types", "labels", "cameras", "zones", "tags", "min_severity", "hours", "min_confidence"));
        Set<Integer> types = null;
        List<String> typeNames = strings(when.path("types"), path + ".when.types", "[object.detected, track.started]");
        if (typeNames != null) {
            types = new java.util.HashSet<>();
            for (int i = 0; i < typeNames.size(); i++) {
                int code = registry.code(typeNames.get(i));
                if (code < 0) {
                    problems.add(path + ".when.types[" + i + "]: unknown event type '" + typeNames.get(i) + "'");
                } else if (code == dev.watchpost.ringbuffer.codec.EventTypeRegistry.ALERT_RAISED) {
                    problems.add(path + ".when.types[" + i + "]: alert.raised never triggers an alert");
                } else {
                    types.add(code);
                }
            }
        }
        List<String> labelList = strings(when.path("labels"), path + ".when.labels", "[person, knife]");
        Set<String> labels = null;
        if (labelList != null) {
            labels = new java.util.HashSet<>();
            for (int i = 0; i < labelList.size(); i++) {
                if (labelList.get(i).getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 64) {
                    problems.add(path + ".when.labels[" + i + "]: a label is at most 64 bytes");
                } else {
                    labels.add(labelList.get(i));
                }
            }
        }
        Set<java.util.UUID> cameras = null;
        List<String> cameraKeys = strings(when.path("cameras"), path + ".when.cameras", "[door, till]");
        if (cameraKeys != null) {
            cameras = new java.util.HashSet<>();
            for (int i = 0; i < cameraKeys.size(); i++) {
                Site.Camera camera = site.cameraByKey(cameraKeys.get(i));
                if (camera == null) {
                    problems.add(path + ".when.cameras[" + i + "]: no camera '" + cameraKeys.get(i) + "' under site.cameras");
                } else {
                    cameras.add(camera.id());
                }
            }
        }
        Set<java.util.UUID> zones = null;
        List<String> zoneKeys = strings(when.path("zones"), path + ".when.zones", "[entrance]");
        if (zoneKeys != null) {
            zones = new java.util.HashSet<>();
            for (int i = 0; i < zoneKeys.size(); i++) {
                String key = zoneKeys.get(i);
                Site.Zone zone = site.zones().stream().filter(z -> z.key().equals(key)).findFirst().orElse(null);
                if (zone == null) {
                    problems.add(path + ".when.zones[" + i + "]: no zone '" + key + "' under site.zones");
                } else {
                    zones.add(zone.id());
                }
            }
        }
        List<String> tags = strings(when.path("tags"), path + ".when.tags", "[banned, vip]");
        if (tags == null) {
            tags = List.of();
        }
        for (int i = 0; i < tags.size(); i++) {
            if (tagTable.bit(tags.get(i)) < 0) {
                problems.add(path + ".when.tags[" + i + "]: more than " + dev.watchpost.handlers.rules.TagTable.MAX_TAGS + " distinct tags in the rules");
            }
        }
        int minSeverity = integer(when, path + ".when.min_severity", -1, 0, dev.watchpost.handlers.rules.TrackRules.SEVERITY_MAX);
        float minConfidence = -1;
        JsonNode confidence = when.path("min_confidence");
        if (!confidence.isMissingNode() && !confidence.isNull()) {
            if (!confidence.isNumber() || confidence.doubleValue() < 0 || confidence.doubleValue() > 1) {
                problems.add(path + ".when.min_confidence: must be a number within 0..1, was " + confidence);
            } else {
                minConfidence = confidence.floatValue();
            }
        }
        int hoursFrom = -1;
        int hoursTo = -1;
        String hours = string(when, path + ".when.hours", null);
        if (hours != null) {
            java.util.regex.Matcher m = HOURS.matcher(hours.trim());
            int h1 = m.matches() ? Integer.parseInt(m.group(1)) : -1;
            int m1 = m.matches() ? Integer.parseInt(m.group(2)) : -1;
            int h2 = m.matches() ? Integer.parseInt(m.group(3)) : -1;
            int m2 = m.matches() ? Integer.parseInt(m.group(4)) : -1;
            if (!m.matches() || h1 > 23 || h2 > 24 || m1 > 59 || m2 > 59 || (h2 == 24 && m2 != 0)) {
                problems.add(path + ".when.hours: must be a time-of-day span HH:MM-HH:MM such as 22:00-06:00; was '" + hours + "'");
            } else if (h1 * 60 + m1 == (h2 * 60 + m2) % (24 * 60)) {
                problems.add(path + ".when.hours: start and end are the same time; leave hours out for all day");
            } else {
                hoursFrom = h1 * 60 + m1;
                hoursTo = (h2 * 60 + m2) % (24 * 60);
            }
        }
        List<String> channelNames = strings(node.path("channels"), path + ".channels", "[dashboard, office_webhook]");
        if (channelNames == null || channelNames.isEmpty()) {
            problems.add(path + ".channels: required, a non-empty list of channel names under alerts.channels");
            channelNames = List.of();
        } else if (channelNames.size() > RULE_CHANNELS_MAX) {
            problems.add(path + ".channels: at most " + RULE_CHANNELS_MAX + " channels per rule, was " + channelNames.size());
        }
        for (int i = 0; i < channelNames.size(); i++) {
            if (!channels.containsKey(channelNames.get(i)) && !channelNodes.has(channelNames.get(i))) {
                problems.add(path + ".channels[" + i + "]: no channel '" + channelNames.get(i) + "' under alerts.channels");
            }
        }
        String message = string(node, path + ".message", "{type} on {camera}");
        if (message.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > AlertRules.MESSAGE_MAX_BYTES) {
            problems.add(path + ".message: at most " + AlertRules.MESSAGE_MAX_BYTES + " bytes");
        }
        java.util.regex.Matcher placeholder = java.util.regex.Pattern.compile("\\{[^}]*}").matcher(message);
        while (placeholder.find()) {
            if (!List.of("{label}", "{camera}", "{type}", "{subject}").contains(placeholder.group())) {
                problems.add(path + ".message: unknown placeholder " + placeholder.group() + " (known: {label}, {camera}, {type}, {subject})");
            }
        }
        JsonNode throttle = section(node, path + ".throttle");
        known(throttle, path + ".throttle.", Set.of("max", "per", "key", "max_keys"));
        int max = integer(throttle, path + ".throttle.max", AlertRules.THROTTLE_MAX_DEFAULT, 1, AlertRules.THROTTLE_MAX_MAX);
        Duration per = duration(throttle, path + ".throttle.per", AlertRules.THROTTLE_PER_DEFAULT, Duration.ZERO, AlertRules.THROTTLE_PER_MAX);
        int maxKeys = integer(throttle, path + ".throttle.max_keys", AlertRules.THROTTLE_MAX_KEYS_DEFAULT, 1, AlertRules.THROTTLE_MAX_KEYS_MAX);
        String keyName = string(throttle, path + ".throttle.key", "rule");
        AlertRules.ThrottleKey key = AlertRules.ThrottleKey.fromConfigName(keyName);
        if (key == null) {
            problems.add(path + ".throttle.key: must be rule, camera, subject or track; was '" + keyName + "'");
            key = AlertRules.ThrottleKey.RULE;
        }
        boolean includeRepeats = bool(node, path + ".include_repeats", false);
        if (problems.size() > before || name == null) {
            return null;
        }
        return new AlertRules.Rule(name, types, labels, cameras, zones, tags, minSeverity, hoursFrom, hoursTo, minConfidence,
                channelNames, message, max, per, key, maxKeys, includeRepeats);
    }

    /** A list of strings, or {@code null} when absent; a bad one is reported (and {@code null}). */
    private List<String> strings(JsonNode node, String path, String example) {
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (!node.isArray()) {
            problems.add(path + ": must be a list, e.g. " + example + "; was " + node);
            return null;
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            if (!node.get(i).isTextual()) {
                problems.add(path + "[" + i + "]: must be a string, was " + node.get(i));
            } else {
                out.add(node.get(i).asText());
            }
        }
        return out;
    }

    // ---- site

    private static final java.util.regex.Pattern SITE_KEY = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private Site site(JsonNode section) {
        known(section, "site.", Set.of("name", "cameras", "zones"));
        String name = string(section, "site.name", null);
        List<Site.Camera> cameras = new ArrayList<>();
        Set<java.util.UUID> cameraIds = new java.util.HashSet<>();
        for (Map.Entry<String, JsonNode> e : entries(section(section, "site.cameras"), "site.cameras")) {
            String path = "site.cameras." + e.getKey();
            JsonNode node = e.getValue();
            known(node, path + ".", Set.of("id", "name", "floor", "position", "neighbours", "group"));
            java.util.UUID id = uuid(node, path + ".id");
            double[] position = null;
            JsonNode at = node.path("position");
            if (!at.isMissingNode() && !at.isNull()) {
                if (!at.isArray() || at.size() != 2 || !at.get(0).isNumber() || !at.get(1).isNumber()) {
                    problems.add(path + ".position: must be [x, y], two numbers; was " + at);
                } else {
                    position = new double[] {at.get(0).doubleValue(), at.get(1).doubleValue()};
                }
            }
            List<String> neighbours = new ArrayList<>();
            JsonNode list = node.path("neighbours");
            if (!list.isMissingNode() && !list.isNull()) {
                if (!list.isArray()) {
                    problems.add(path + ".neighbours: must be a list of camera keys, e.g. [till, aisle]; was " + list);
                } else {
                    for (int i = 0; i < list.size(); i++) {
                        String key = list.get(i).asText();
                        if (!list.get(i).isTextual() || !section.path("cameras").has(key)) {
                            problems.add(path + ".neighbours[" + i + "]: no camera " + list.get(i) + " under site.cameras");
                        } else if (key.equals(e.getKey())) {
                            problems.add(path + ".neighbours[" + i + "]: a camera is not its own neighbour");
                        } else {
                            neighbours.add(key);
                        }
                    }
                }
            }
            if (id != null && !cameraIds.add(id)) {
                problems.add(path + ".id: " + id + " is the id of another camera too");
            }
            if (id != null) {
                cameras.add(new Site.Camera(e.getKey(), id, string(node, path + ".name", null), string(node, path + ".floor", null),
                        position, neighbours, string(node, path + ".group", null)));
            }
        }
        List<Site.Zone> zones = new ArrayList<>();
        Set<java.util.UUID> zoneIds = new java.util.HashSet<>();
        for (Map.Entry<String, JsonNode> e : entries(section(section, "site.zones"), "site.zones")) {
            String path = "site.zones." + e.getKey();
            JsonNode node = e.getValue();
            known(node, path + ".", Set.of("id", "name", "camera"));
            java.util.UUID id = uuid(node, path + ".id");
            String camera = string(node, path + ".camera", null);
            if (camera != null && !section.path("cameras").has(camera)) {
                problems.add(path + ".camera: no camera '" + camera + "' under site.cameras");
                camera = null;
            }
            if (id != null && !zoneIds.add(id)) {
                problems.add(path + ".id: " + id + " is the id of another zone too");
            }
            if (id != null) {
                zones.add(new Site.Zone(e.getKey(), id, string(node, path + ".name", null), camera));
            }
        }
        return cameras.isEmpty() && zones.isEmpty() && name == null ? Site.EMPTY : new Site(name, cameras, zones);
    }

    /** The entries of a mapping of key to mapping, keys checked; each bad one is reported. */
    private List<Map.Entry<String, JsonNode>> entries(JsonNode mapping, String path) {
        List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = mapping.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!SITE_KEY.matcher(e.getKey()).matches()) {
                problems.add(path + "." + e.getKey() + ": a key is 1..64 letters, digits, '_' or '-'");
            } else if (!e.getValue().isObject()) {
                problems.add(path + "." + e.getKey() + ": must be a mapping with at least id; was " + e.getValue());
            } else {
                out.add(e);
            }
        }
        return out;
    }

    /** A required UUID, or {@code null} with the problem reported. */
    private java.util.UUID uuid(JsonNode parent, String path) {
        String text = string(parent, path, null);
        if (text == null) {
            problems.add(path + ": required, the UUID the detectors send");
            return null;
        }
        try {
            java.util.UUID id = java.util.UUID.fromString(text);
            if (text.length() == 36 && id.getMostSignificantBits() != 0 | id.getLeastSignificantBits() != 0) {
                return id;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        problems.add(path + ": must be a non-nil UUID such as 0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a01; was '" + text + "'");
        return null;
    }

    // ---- tracks

    private TrackRules tracks(JsonNode section) {
        TrackRules d = TrackRules.DEFAULT;
        known(section, "tracks.", Set.of("enabled", "idle_timeout", "update_interval", "max_open_tracks", "types", "severity",
                "restore_horizon"));
        boolean enabled = bool(section, "tracks.enabled", d.enabled());
        Duration idle = duration(section, "tracks.idle_timeout", d.idleTimeout(), TrackRules.IDLE_TIMEOUT_MIN, TrackRules.IDLE_TIMEOUT_MAX);
        Duration interval = duration(section, "tracks.update_interval", d.updateInterval(), Duration.ZERO, TrackRules.UPDATE_INTERVAL_MAX);
        int maxOpen = integer(section, "tracks.max_open_tracks", d.maxOpenTracks(), TrackRules.MAX_OPEN_TRACKS_MIN,
                TrackRules.MAX_OPEN_TRACKS_MAX);
        Duration horizon = duration(section, "tracks.restore_horizon", d.restoreHorizon(), Duration.ZERO, TrackRules.RESTORE_HORIZON_MAX);
        Set<Integer> types = null;
        JsonNode typesNode = section.path("types");
        if (!typesNode.isMissingNode() && !typesNode.isNull()) {
            if (!typesNode.isArray()) {
                problems.add("tracks.types: must be a list of event type names, e.g. [object.detected, face.recognized]; was " + typesNode);
            } else {
                types = new java.util.HashSet<>();
                for (int i = 0; i < typesNode.size(); i++) {
                    JsonNode name = typesNode.get(i);
                    int code = name.isTextual() ? registry.code(name.asText()) : -1;
                    if (code < 0) {
                        problems.add("tracks.types[" + i + "]: unknown event type " + name + " (neither a protocol v1 type nor one of event_types)");
                    } else if (registry.isDerived(code)) {
                        problems.add("tracks.types[" + i + "]: " + name.asText() + " is a derived type; only detections make tracks");
                    } else {
                        types.add(code);
                    }
                }
            }
        }
        Map<String, Integer> severity = new LinkedHashMap<>();
        JsonNode severityNode = section.path("severity");
        if (!severityNode.isMissingNode() && !severityNode.isNull()) {
            if (!severityNode.isObject()) {
                problems.add("tracks.severity: must be a mapping of label to severity, e.g. {person: 1, knife: 5}; was " + severityNode);
            } else {
                for (Iterator<Map.Entry<String, JsonNode>> it = severityNode.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    String path = "tracks.severity." + e.getKey();
                    JsonNode v = e.getValue();
                    if (!v.isInt() || v.intValue() < 0 || v.intValue() > TrackRules.SEVERITY_MAX) {
                        problems.add(path + ": must be an integer within 0.." + TrackRules.SEVERITY_MAX + "; was " + v);
                    } else if (e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 64) {
                        problems.add(path + ": a label is at most 64 bytes");
                    } else {
                        severity.put(e.getKey(), v.intValue());
                    }
                }
            }
        }
        return new TrackRules(enabled, idle, interval, maxOpen, types, severity, horizon);
    }

    // ---- window_dedup

    private WindowDedupRules windowDedup(JsonNode section) {
        known(section, "window_dedup.", Set.of("max_open_keys", "default", "types"));
        int maxOpenKeys = integer(section, "window_dedup.max_open_keys", WindowDedupRules.MAX_OPEN_KEYS_DEFAULT,
                WindowDedupRules.MAX_OPEN_KEYS_MIN, WindowDedupRules.MAX_OPEN_KEYS_MAX);
        WindowDedupRule defaultRule = windowRule(section.path("default"), "window_dedup.default", WindowDedupRule.DEFAULT);
        Map<Integer, WindowDedupRule> byType = new LinkedHashMap<>();
        JsonNode types = section.path("types");
        if (!types.isMissingNode() && !types.isNull()) {
            if (!types.isObject()) {
                problems.add("window_dedup.types: must be a mapping of event type name to rule, e.g. {motion.detected: {window: 10s}}");
            } else {
                for (Iterator<Map.Entry<String, JsonNode>> it = types.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    String path = "window_dedup.types." + e.getKey();
                    int code = registry.code(e.getKey());
                    if (code < 0) {
                        problems.add(path + ": unknown event type (neither a protocol v1 type nor one of event_types)");
                        continue;
                    }
                    if (registry.isDerived(code)) {
                        problems.add(path + ": a derived type; content-window dedup sees only detections");
                        continue;
                    }
                    byType.put(code, windowRule(e.getValue(), path, defaultRule));
                }
            }
        }
        return new WindowDedupRules(maxOpenKeys, defaultRule, byType);
    }

    /**
     * One window rule: {@code off} (or {@code false}), or a mapping of {@code window}, {@code mode},
     * {@code key} and {@code enabled}, each falling back to {@code base}'s; a mapping is on unless it
     * says {@code enabled: false}.
     */
    private WindowDedupRule windowRule(JsonNode node, String path, WindowDedupRule base) {
        if (node.isMissingNode() || node.isNull()) {
            return base;
        }
        // YAML 1.1 reads a bare off/on as a boolean
        if ((node.isBoolean() && !node.booleanValue()) || (node.isTextual() && node.asText().equals("off"))) {
            return base.off();
        }
        if ((node.isBoolean() && node.booleanValue()) || (node.isTextual() && node.asText().equals("on"))) {
            return new WindowDedupRule(true, base.window(), base.mode(), base.key());
        }
        if (!node.isObject()) {
            problems.add(path + ": must be off, or a mapping of window, mode, key and enabled; was " + node);
            return base;
        }
        known(node, path + ".", Set.of("enabled", "window", "mode", "key"));
        boolean enabled = bool(node, path + ".enabled", true);
        Duration window = duration(node, path + ".window", base.window(), WindowDedupRule.WINDOW_MIN, WindowDedupRule.WINDOW_MAX);
        WindowDedupRule.Mode mode = base.mode();
        String modeName = string(node, path + ".mode", mode.configName());
        if (WindowDedupRule.Mode.fromConfigName(modeName) == null) {
            problems.add(path + ".mode: must be fixed or sliding; was '" + modeName + "'");
        } else {
            mode = WindowDedupRule.Mode.fromConfigName(modeName);
        }
        List<WindowDedupRule.KeyField> key = keyFields(node.path("key"), path + ".key", base.key());
        return new WindowDedupRule(enabled, window, mode, key);
    }

    private List<WindowDedupRule.KeyField> keyFields(JsonNode node, String path, List<WindowDedupRule.KeyField> fallback) {
        if (node.isMissingNode() || node.isNull()) {
            return fallback;
        }
        if (!node.isArray() || node.isEmpty()) {
            problems.add(path + ": must be a non-empty list of fields among " + KEY_NAMES + "; was " + node);
            return fallback;
        }
        List<WindowDedupRule.KeyField> fields = new ArrayList<>();
        EnumSet<WindowDedupRule.KeyField> seen = EnumSet.noneOf(WindowDedupRule.KeyField.class);
        boolean ok = true;
        for (int i = 0; i < node.size(); i++) {
            JsonNode name = node.get(i);
            WindowDedupRule.KeyField field = name.isTextual() ? WindowDedupRule.KeyField.fromConfigName(name.asText()) : null;
            if (field == null) {
                problems.add(path + "[" + i + "]: unknown field " + name + " (known: " + KEY_NAMES + ")");
                ok = false;
            } else if (!seen.add(field)) {
                problems.add(path + "[" + i + "]: " + field.configName() + " is listed twice");
                ok = false;
            } else {
                fields.add(field);
            }
        }
        return ok ? fields : fallback;
    }
}
