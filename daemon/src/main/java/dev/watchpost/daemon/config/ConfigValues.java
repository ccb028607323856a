package dev.watchpost.daemon.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed readers of a YAML tree shared by the configuration's loaders ({@code watchpost.yml} and the
 * rules file): each reads the key at the end of a dotted path under a parent node, reports its own
 * problem into {@link #problems} naming the path, and returns the fallback so reading goes on.
 * Durations are written {@code 250ms}, {@code 30s}, {@code 5m}, {@code 24h}, {@code 7d}; sizes
 * {@code 512}, {@code 64KiB}, {@code 16MiB}, {@code 1GiB}.
 */
class ConfigValues {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(us|ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB)?");

    final List<String> problems = new ArrayList<>();

    JsonNode section(JsonNode parent, String key) {
        JsonNode node = parent.path(leaf(key));
        if (node.isMissingNode() || node.isNull()) {
            return MissingNode.getInstance();
        }
        if (!node.isObject()) {
            problems.add(key + ": must be a mapping of keys");
            return MissingNode.getInstance();
        }
        return node;
    }

    void known(JsonNode node, String prefix, Set<String> keys) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!keys.contains(name)) {
                problems.add(prefix + name + ": unknown key (known: " + String.join(", ", new java.util.TreeSet<>(keys)) + ")");
            }
        }
    }

    static String leaf(String path) {
        return path.substring(path.lastIndexOf('.') + 1);
    }

    String string(JsonNode parent, String path, String fallback) {
        JsonNode node = parent.path(leaf(path));
        if (node.isMissingNode() || node.isNull()) {
            return fallback;
        }
        if (!node.isValueNode() || node.isBoolean()) {
            problems.add(path + ": must be a string");
            return fallback;
        }
        return node.asText();
    }

    boolean bool(JsonNode parent, String path, boolean fallback) {
        JsonNode node = parent.path(leaf(path));
        if (node.isMissingNode() || node.isNull()) {
            return fallback;
        }
        if (!node.isBoolean()) {
            problems.add(path + ": must be true or false, was " + node);
            return fallback;
        }
        return node.booleanValue();
    }

    int integer(JsonNode parent, String path, int fallback, int min, int max) {
        return (int) longValue(parent, path, fallback, min, max);
    }

    long longValue(JsonNode parent, String path, long fallback, long min, long max) {
        JsonNode node = parent.path(leaf(path));
        if (node.isMissingNode() || node.isNull()) {
            return fallback;
        }
        if (!node.canConvertToLong() || !node.isIntegralNumber()) {
            problems.add(path + ": must be an integer, was " + node);
            return fallback;
        }
        long value = node.longValue();
        if (value < min || value > max) {
            problems.add(path + ": must be within " + min + ".." + max + ", was " + value);
            return fallback;
        }
        return value;
    }

    int port(JsonNode parent, String path, int fallback) {
        return integer(parent, path, fallback, 0, 65535);
    }

    int port(String flag, int value) {
        if (value < 0 || value > 65535) {
            problems.add(flag + ": must be within 0..65535, was " + value);
        }
        return value;
    }

    Duration duration(JsonNode parent, String path, Duration fallback, Duration min, Duration max) {
        JsonNode node = parent.path(leaf(path));
        if (node.isMissingNode() || node.isNull()) {
            return fallback;
        }
        Matcher m = node.isTextual() ? DURATION.matcher(node.asText().trim()) : null;
        if (m == null || !m.matches()) {
            problems.add(path + ": must be a duration such as 250ms, 30s, 5m, 24h or 7d; was " + node);
            return fallback;
        }
        long n = Long.parseLong(m.group(1));
        Duration value;
        switch (m.group(2)) {
            case "us": value = Duration.ofNanos(n * 1000); break;
            case "ms": value = Duration.ofMillis(n); break;
            case "s": value = Duration.ofSeconds(n); break;
            case "m": value = Duration.ofMinutes(n); break;
            case "h": value = Duration.ofHours(n); break;
            default: value = Duration.ofDays(n); break;
        }
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            problems.add(path + ": must be within " + pretty(min) + ".." + pretty(max) + ", was " + node.asText());
            return fallback;
        }
        return value;
    }

    /** A duration as the configuration writes it: 250us, 10ms, 1h, 30m5s. */
    static String pretty(Duration d) {
        long nanos = d.isZero() || d.compareTo(Duration.ofSeconds(1)) >= 0 ? -1 : d.toNanos();
        if (nanos > 0 && nanos % 1_000_000 == 0) {
            return nanos / 1_000_000 + "ms";
        }
        if (nanos > 0 && nanos % 1_000 == 0) {
            return nanos / 1_000 + "us";
        }
        return d.toString().substring(2).toLowerCase(Locale.ROOT);
    }

    long size(JsonNode parent, String path, long fallback, long min, long max) {
        JsonNode node = parent.path(leaf(path));
        if (node.isMissingNode() || node.isNull()) {
            return fallback;
        }
        Matcher m = node.isIntegralNumber() || node.isTextual() ? SIZE.matcher(node.asText().trim()) : null;
        if (m == null || !m.matches()) {
            problems.add(path + ": must be a size such as 65536, 64KiB, 16MiB or 1GiB; was " + node);
            return fallback;
        }
        long unit = m.group(2) == null || m.group(2).equals("B") ? 1
                : m.group(2).equals("KiB") ? 1024 : m.group(2).equals("MiB") ? 1024 * 1024 : 1024L * 1024 * 1024;
        long value = Long.parseLong(m.group(1)) * unit;
        if (value < min || value > max) {
            problems.add(path + ": must be within " + min + ".." + max + " bytes, was " + node.asText());
            return fallback;
        }
        return value;
    }
}
