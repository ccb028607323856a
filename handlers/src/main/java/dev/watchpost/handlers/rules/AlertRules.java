package dev.watchpost.handlers.rules;

import java.net.URI;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * Alert routing ({@code alerts:}): rules on any stored event that raise {@code alert.raised}, and the
 * channels that deliver those alerts. The alert stage reads the rules; the daemon's delivery workers
 * read the channels.
 *
 * @param timezone the site's time zone, in which rules' {@code hours} are read
 * @param channels the channels by name, in the order the file lists them
 * @param rules    the rules, in the order the file lists them
 */
public record AlertRules(ZoneId timezone, Map<String, Channel> channels, List<Rule> rules) {
    /** No channels, no rules: the alert stage passes every slot by. */
    public static final AlertRules NONE = new AlertRules(ZoneId.systemDefault(), Map.of(), List.of());

    /** A stuck detector at 15 fps would raise 54,000 alerts an hour; one a minute per rule is what a person reads. */
    public static final int THROTTLE_MAX_DEFAULT = 1;
    public static final Duration THROTTLE_PER_DEFAULT = Duration.ofMinutes(1);
    /** Each throttle key keeps the times of its last {@code max} alerts: the bound keeps that small. */
    public static final int THROTTLE_MAX_MAX = 100;
    public static final Duration THROTTLE_PER_MAX = Duration.ofDays(1);
    /** Throttle keys a rule tracks at once; the one whose last alert is oldest makes room. */
    public static final int THROTTLE_MAX_KEYS_DEFAULT = 1024;
    public static final int THROTTLE_MAX_KEYS_MAX = 1 << 16;
    /** The payload's message is bounded so that an alert always fits its frame. */
    public static final int MESSAGE_MAX_BYTES = 512;

    /** Webhook: a receiver that answers in more than 5 s is down for our purposes. */
    public static final Duration WEBHOOK_TIMEOUT_DEFAULT = Duration.ofSeconds(5);
    public static final Duration BACKOFF_INITIAL_DEFAULT = Duration.ofMillis(500);
    public static final Duration BACKOFF_MAX_DEFAULT = Duration.ofMinutes(1);
    public static final int BREAKER_FAILURES_DEFAULT = 5;
    public static final Duration BREAKER_COOL_DOWN_DEFAULT = Duration.ofSeconds(30);
    public static final String MQTT_TOPIC_DEFAULT = "watchpost/alerts/{rule}";

    public AlertRules {
        Objects.requireNonNull(timezone, "timezone");
        channels = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(channels)); // in file order
        rules = List.copyOf(rules);
        for (Rule rule : rules) {
            for (String name : rule.channels()) {
                if (!channels.containsKey(name)) {
                    throw new IllegalArgumentException("rule '" + rule.name() + "' names no channel '" + name + "'");
                }
            }
        }
    }

    /** True when some rule can raise an alert. */
    public boolean enabled() {
        return !rules.isEmpty();
    }

    /** The longest throttle period of any rule: how much of the journal's tail a restart reads. */
    public Duration longestThrottle() {
        Duration longest = Duration.ZERO;
        for (Rule rule : rules) {
            if (rule.throttlePer().compareTo(longest) > 0) {
                longest = rule.throttlePer();
            }
        }
        return longest;
    }

    /** The enabled channels among {@code names}, in order. */
    public List<String> enabledChannels(List<String> names) {
        return names.stream().filter(n -> channels.get(n) != null && channels.get(n).enabled()).toList();
    }

    public enum ChannelType {
        WEBSOCKET, WEBHOOK, MQTT;

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static ChannelType fromConfigName(String name) {
            for (ChannelType t : values()) {
                if (t.configName().equals(name)) {
                    return t;
                }
            }
            return null;
        }
    }

    public enum ThrottleKey {
        RULE, CAMERA, SUBJECT, TRACK;

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static ThrottleKey fromConfigName(String name) {
            for (ThrottleKey k : values()) {
                if (k.configName().equals(name)) {
                    return k;
                }
            }
            return null;
        }
    }

    /**
     * One channel. Fields that do not apply to its type are the defaults.
     *
     * @param name            its name in the rules file
     * @param type            websocket, webhook or mqtt
     * @param enabled         whether the daemon delivers to it (a rule's alert names only enabled channels)
     * @param url             webhook: the URL POSTed to; mqtt: the broker, {@code tcp://host:port}
     * @param timeout         webhook: request timeout; mqtt: connection and PUBACK timeout
     * @param backoffInitial  first retry delay after a failure
     * @param backoffMax      longest retry delay (full jitter below it)
     * @param breakerFailures consecutive failures that open the circuit breaker (webhook)
     * @param breakerCoolDown how long the breaker stays open before one probe
     * @param topic           mqtt: the topic template ({@code {rule}}, {@code {camera}}, {@code {type}})
     * @param clientId        mqtt: the client id (stable, so the broker keeps the session)
     */
    public record Channel(String name, ChannelType type, boolean enabled, URI url, Duration timeout, Duration backoffInitial,
                          Duration backoffMax, int breakerFailures, Duration breakerCoolDown, String topic, String clientId) {
        public Channel {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
            if (type != ChannelType.WEBSOCKET) {
                Objects.requireNonNull(url, "url");
            }
        }

        /** The websocket channel: the {@code /v1/alerts} stream. */
        public static Channel websocket(String name) {
            return new Channel(name, ChannelType.WEBSOCKET, true, null, WEBHOOK_TIMEOUT_DEFAULT, BACKOFF_INITIAL_DEFAULT,
                    BACKOFF_MAX_DEFAULT, BREAKER_FAILURES_DEFAULT, BREAKER_COOL_DOWN_DEFAULT, null, null);
        }
    }

    /**
     * One rule: every matcher given must hold (an absent one holds always).
     *
     * @param name           unique name; it goes into each alert and its receipt id
     * @param types          event type codes, or {@code null} for any (alert.raised never matches)
     * @param labels         labels, or {@code null} for any
     * @param cameras        camera ids, or {@code null} for any
     * @param zones          zone ids, or {@code null} for any
     * @param tags           watch-list tags, any of which must be on the event; empty for no condition
     * @param minSeverity    least enrichment severity, or -1 for no condition
     * @param hoursFrom      minute of the day (site time) the rule starts to hold, or -1 for all day
     * @param hoursTo        minute of the day it stops holding (exclusive); before {@code hoursFrom} spans midnight
     * @param minConfidence  least confidence, or -1 for no condition
     * @param channels       channel names
     * @param message        template: {@code {label}}, {@code {camera}}, {@code {type}}, {@code {subject}}
     * @param throttleMax    alerts per key within {@code throttlePer} of event time
     * @param throttlePer    the throttle's sliding period
     * @param throttleKey    what a throttle counts by
     * @param throttleMaxKeys keys tracked at once
     * @param includeRepeats whether window repeats can trigger it
     */
    public record Rule(String name, Set<Integer> types, Set<String> labels, Set<UUID> cameras, Set<UUID> zones, List<String> tags,
                       int minSeverity, int hoursFrom, int hoursTo, float minConfidence, List<String> channels, String message,
                       int throttleMax, Duration throttlePer, ThrottleKey throttleKey, int throttleMaxKeys, boolean includeRepeats) {
        public Rule {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(message, "message");
            Objects.requireNonNull(throttlePer, "throttlePer");
            Objects.requireNonNull(throttleKey, "throttleKey");
            types = types == null ? null : Set.copyOf(types);
            labels = labels == null ? null : Set.copyOf(labels);
            cameras = cameras == null ? null : Set.copyOf(cameras);
            zones = zones == null ? null : Set.copyOf(zones);
            tags = List.copyOf(tags);
            channels = List.copyOf(channels);
            if (throttleMax < 1 || throttleMax > THROTTLE_MAX_MAX) {
                throw new IllegalArgumentException("throttle max must be within 1.." + THROTTLE_MAX_MAX + ", was " + throttleMax);
            }
            if (throttlePer.isNegative() || throttlePer.compareTo(THROTTLE_PER_MAX) > 0) {
                throw new IllegalArgumentException("throttle period must be within 0s..1d, was " + throttlePer);
            }
            if (throttleMaxKeys < 1 || throttleMaxKeys > THROTTLE_MAX_KEYS_MAX) {
                throw new IllegalArgumentException("throttle max keys must be within 1.." + THROTTLE_MAX_KEYS_MAX + ", was " + throttleMaxKeys);
            }
            if ((hoursFrom < 0) != (hoursTo < 0) || hoursFrom >= 24 * 60 || hoursTo >= 24 * 60) {
                throw new IllegalArgumentException("hours must be minutes of the day, was " + hoursFrom + ".." + hoursTo);
            }
        }
    }
}
