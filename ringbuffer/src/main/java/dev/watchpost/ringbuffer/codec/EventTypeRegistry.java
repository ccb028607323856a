package dev.watchpost.ringbuffer.codec;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The event types of protocol v1 (section 4): the built-in codes 1–11, a site's own types in
 * {@value #SITE_MIN}–{@value #SITE_MAX} declared by name, and names for the codes the daemon derives
 * itself ({@value #DERIVED_MIN}–{@value #DERIVED_MAX}), which a detector may never send.
 *
 * <p>Immutable: {@link #withSiteTypes} and {@link #withDerived} return a new registry. Safe to share
 * between threads. Lookup by code is an array index.
 */
public final class EventTypeRegistry {
    public static final int MAX_CODE = 0xFFFF;
    public static final int BUILT_IN_MIN = 1;
    public static final int BUILT_IN_MAX = 11;
    public static final int SITE_MIN = 1000;
    public static final int SITE_MAX = 32767;
    public static final int DERIVED_MIN = 32768;
    public static final int DERIVED_MAX = 65535;
    /** The first derived code a site may name for its own rules: above the built-in derived types. */
    public static final int SITE_DERIVED_MIN = 32775;

    public static final int MOTION_DETECTED = 1;
    public static final int OBJECT_DETECTED = 2;
    public static final int FACE_DETECTED = 3;
    public static final int FACE_RECOGNIZED = 4;
    public static final int GESTURE_DETECTED = 5;
    public static final int CAMERA_HEALTH = 6;
    public static final int CAMERA_SNAPSHOT = 7;
    public static final int QUEUE_DETECTED = 8;
    public static final int IDLE_DETECTED = 9;
    public static final int COMPLIANCE_DETECTED = 10;
    public static final int VISION_METRICS_V1 = 11;

    public static final int TRACK_STARTED = 32768;
    public static final int TRACK_UPDATED = 32769;
    public static final int TRACK_ENDED = 32770;
    public static final int ACTION_DETECTED = 32771;
    public static final int SEQUENCE_MATCHED = 32772;
    public static final int INCIDENT_CORRELATED = 32773;
    public static final int ALERT_RAISED = 32774;

    /** The types the daemon derives itself, by code; a site's rules may name further derived types. */
    public static final Map<Integer, String> DERIVED_BUILT_IN = Map.of(
            TRACK_STARTED, "track.started",
            TRACK_UPDATED, "track.updated",
            TRACK_ENDED, "track.ended",
            ACTION_DETECTED, "action.detected",
            SEQUENCE_MATCHED, "sequence.matched",
            INCIDENT_CORRELATED, "incident.correlated",
            ALERT_RAISED, "alert.raised");

    private static final String[] BUILT_IN_NAMES = {
        null,
        "motion.detected",
        "object.detected",
        "face.detected",
        "face.recognized",
        "gesture.detected",
        "camera.health",
        "camera.snapshot",
        "queue.detected",
        "idle.detected",
        "compliance.detected",
        "vision.metrics.v1",
    };

    private static final EventTypeRegistry V1 = new EventTypeRegistry(builtInNames(), builtInAccepted());
    private static final EventTypeRegistry STANDARD = V1.withDerived(DERIVED_BUILT_IN);

    private final String[] names;
    private final byte[][] namesUtf8;
    private final boolean[] accepted;
    private final Map<String, Integer> codesByName;

    private EventTypeRegistry(String[] names, boolean[] accepted) {
        this.names = names;
        this.accepted = accepted;
        this.namesUtf8 = new byte[MAX_CODE + 1][];
        this.codesByName = new HashMap<>();
        for (int code = 0; code <= MAX_CODE; code++) {
            String name = names[code];
            if (name != null) {
                namesUtf8[code] = name.getBytes(StandardCharsets.UTF_8);
                codesByName.put(name, code);
            }
        }
    }

    /** The v1 built-in types only. */
    public static EventTypeRegistry v1() {
        return V1;
    }

    /** The v1 built-in types and the daemon's built-in derived types ({@link #DERIVED_BUILT_IN}): what the daemon runs on. */
    public static EventTypeRegistry standard() {
        return STANDARD;
    }

    /**
     * A registry with these site types added, code to name: detections in {@value #SITE_MIN}–{@value #SITE_MAX},
     * and derived types the site's rules emit in {@value #SITE_DERIVED_MIN}–{@value #DERIVED_MAX}, which
     * stay rejected from detectors.
     *
     * @throws IllegalArgumentException for a code outside those ranges, a code
     *     already declared, or a name that is blank or already taken
     */
    public EventTypeRegistry withSiteTypes(Map<Integer, String> siteTypes) {
        Map<Integer, String> detections = new TreeMap<>();
        Map<Integer, String> derived = new TreeMap<>();
        for (Map.Entry<Integer, String> e : siteTypes.entrySet()) {
            if (e.getKey() != null && e.getKey() >= SITE_DERIVED_MIN && e.getKey() <= DERIVED_MAX) {
                derived.put(e.getKey(), e.getValue());
            } else {
                detections.put(e.getKey(), e.getValue());
            }
        }
        return with(detections, SITE_MIN, SITE_MAX, "site", true).with(derived, SITE_DERIVED_MIN, DERIVED_MAX, "derived", false);
    }

    /**
     * A registry with names for these derived codes added; they stay rejected from detectors.
     *
     * @throws IllegalArgumentException for a code outside {@value #DERIVED_MIN}–{@value #DERIVED_MAX}, a
     *     code already named, or a name that is blank or already taken
     */
    public EventTypeRegistry withDerived(Map<Integer, String> derivedTypes) {
        return with(derivedTypes, DERIVED_MIN, DERIVED_MAX, "derived", false);
    }

    /** The type's name, or {@code null} when the code has none. */
    public String name(int code) {
        return code >= 0 && code <= MAX_CODE ? names[code] : null;
    }

    /** The name as UTF-8, or {@code null} when the code has none; shared, never modify. */
    public byte[] nameUtf8(int code) {
        return code >= 0 && code <= MAX_CODE ? namesUtf8[code] : null;
    }

    /** The code of a named type, or -1 when the name is unknown. */
    public int code(String name) {
        Integer code = codesByName.get(name);
        return code == null ? -1 : code;
    }

    /** True for a built-in or a declared site type: the codes a detector may send. */
    public boolean isAcceptedFromDetector(int code) {
        return code >= 0 && code <= MAX_CODE && accepted[code];
    }

    /** True for a code in the range the daemon derives itself, named or not. */
    public boolean isDerived(int code) {
        return code >= DERIVED_MIN && code <= DERIVED_MAX;
    }

    /** Every named type, code to name, in code order; for configuration dumps and the CLI. */
    public Map<Integer, String> all() {
        Map<Integer, String> all = new TreeMap<>();
        for (int code = 0; code <= MAX_CODE; code++) {
            if (names[code] != null) {
                all.put(code, names[code]);
            }
        }
        return all;
    }

    private EventTypeRegistry with(Map<Integer, String> types, int min, int max, String kind, boolean acceptFromDetector) {
        String[] newNames = names.clone();
        boolean[] newAccepted = accepted.clone();
        Map<String, Integer> taken = new HashMap<>(codesByName);
        for (Map.Entry<Integer, String> e : types.entrySet()) {
            Integer code = e.getKey();
            String name = e.getValue();
            if (code == null || code < min || code > max) {
                throw new IllegalArgumentException(kind + " event type code must be in " + min + ".." + max + ", was " + code);
            }
            if (newNames[code] != null) {
                throw new IllegalArgumentException(kind + " event type code " + code + " is already declared as '" + newNames[code] + "'");
            }
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException(kind + " event type " + code + " needs a name, was '" + name + "'");
            }
            Integer previous = taken.putIfAbsent(name, code);
            if (previous != null) {
                throw new IllegalArgumentException("event type name '" + name + "' of code " + code + " is already taken by code " + previous);
            }
            newNames[code] = name;
            newAccepted[code] = acceptFromDetector;
        }
        return new EventTypeRegistry(newNames, newAccepted);
    }

    private static String[] builtInNames() {
        String[] names = new String[MAX_CODE + 1];
        System.arraycopy(BUILT_IN_NAMES, 0, names, 0, BUILT_IN_NAMES.length);
        return names;
    }

    private static boolean[] builtInAccepted() {
        boolean[] accepted = new boolean[MAX_CODE + 1];
        for (int code = BUILT_IN_MIN; code <= BUILT_IN_MAX; code++) {
            accepted[code] = true;
        }
        return accepted;
    }
}
