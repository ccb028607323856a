package dev.watchpost.handlers.rules;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Content-window dedup for every event type: one default rule, and a rule per type that overrides
 * it. Types are registry codes.
 *
 * @param maxOpenKeys at most this many keys are held at once; when full, the key whose window closes
 *                    first is evicted (and counted)
 * @param defaultRule the rule of every type not named in {@code byType}
 * @param byType      rules by event type code
 */
public record WindowDedupRules(int maxOpenKeys, WindowDedupRule defaultRule, Map<Integer, WindowDedupRule> byType) {
    /**
     * A site of a few dozen cameras opens a few hundred keys per window; a hundred thousand is room
     * for bursts and busy sites at about 8 MB.
     */
    public static final int MAX_OPEN_KEYS_DEFAULT = 100_000;
    public static final int MAX_OPEN_KEYS_MIN = 16;
    public static final int MAX_OPEN_KEYS_MAX = 1 << 22;

    public WindowDedupRules {
        if (maxOpenKeys < MAX_OPEN_KEYS_MIN || maxOpenKeys > MAX_OPEN_KEYS_MAX) {
            throw new IllegalArgumentException("max open keys must be within " + MAX_OPEN_KEYS_MIN + ".." + MAX_OPEN_KEYS_MAX
                    + ", was " + maxOpenKeys);
        }
        Objects.requireNonNull(defaultRule, "defaultRule");
        byType = Map.copyOf(byType);
    }

    /** The default rule for every type: a 5 s fixed window keyed on camera, type and identity. */
    public static WindowDedupRules defaults() {
        return new WindowDedupRules(MAX_OPEN_KEYS_DEFAULT, WindowDedupRule.DEFAULT, Map.of());
    }

    /** The rule for events of this type code. */
    public WindowDedupRule ruleFor(int eventType) {
        return byType.getOrDefault(eventType, defaultRule);
    }

    /** The longest window of any rule that is on; zero when none is. */
    public Duration longestWindow() {
        Duration longest = defaultRule.enabled() ? defaultRule.window() : Duration.ZERO;
        for (WindowDedupRule rule : byType.values()) {
            if (rule.enabled() && rule.window().compareTo(longest) > 0) {
                longest = rule.window();
            }
        }
        return longest;
    }
}
