package dev.watchpost.daemon.http;

import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;

import java.util.Arrays;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * What one stream client asked to see: a set of event types and one camera, either absent (every
 * event), and whether window repeats (events marked {@code duplicate_of}) are included: by default
 * they are left off, {@code include=duplicates} shows them. Immutable; {@link #matches} reads two
 * fields of the frame and allocates nothing.
 */
final class StreamFilter {
    /** Every event but window repeats: the filter of a client that asks for nothing. */
    static final StreamFilter ALL = new StreamFilter(null, false, 0, 0, false);
    /** The one value {@code include} knows. */
    static final String INCLUDE_DUPLICATES = "duplicates";

    private static final Pattern UUID_TEXT = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    /** Bit per event type code, only as long as the highest code asked for; null for every type. */
    private final long[] types;
    private final boolean hasCamera;
    private final long cameraMsb;
    private final long cameraLsb;
    private final boolean repeats;

    private StreamFilter(long[] types, boolean hasCamera, long cameraMsb, long cameraLsb, boolean repeats) {
        this.types = types;
        this.hasCamera = hasCamera;
        this.cameraMsb = cameraMsb;
        this.cameraLsb = cameraLsb;
        this.repeats = repeats;
    }

    /** {@link #parse(String, String, String, EventTypeRegistry)} without {@code include}. */
    static StreamFilter parse(String typesParam, String cameraParam, EventTypeRegistry registry) {
        return parse(typesParam, cameraParam, null, registry);
    }

    /**
     * Builds a filter from the query values {@code types} (comma-separated registry names),
     * {@code camera} (canonical UUID text) and {@code include} (comma-separated; {@code duplicates}
     * adds window repeats), each null when absent.
     *
     * @throws IllegalArgumentException with the reason for the client, naming the bad value
     */
    static StreamFilter parse(String typesParam, String cameraParam, String includeParam, EventTypeRegistry registry) {
        long[] types = null;
        if (typesParam != null) {
            int[] codes = new int[16];
            int count = 0;
            int max = 0;
            for (String name : typesParam.split(",", -1)) {
                String trimmed = name.trim();
                if (trimmed.isEmpty()) {
                    throw new IllegalArgumentException("types: empty event type name in '" + typesParam + "'");
                }
                int code = registry.code(trimmed);
                if (code < 0) {
                    throw new IllegalArgumentException("types: unknown event type '" + trimmed + "'");
                }
                if (count == codes.length) {
                    codes = Arrays.copyOf(codes, count * 2);
                }
                codes[count++] = code;
                max = Math.max(max, code);
            }
            types = new long[(max >>> 6) + 1];
            for (int i = 0; i < count; i++) {
                types[codes[i] >>> 6] |= 1L << codes[i];
            }
        }
        boolean hasCamera = false;
        long msb = 0;
        long lsb = 0;
        if (cameraParam != null) {
            if (!UUID_TEXT.matcher(cameraParam).matches()) {
                throw new IllegalArgumentException("camera: not a UUID: '" + cameraParam + "'");
            }
            UUID camera = UUID.fromString(cameraParam);
            hasCamera = true;
            msb = camera.getMostSignificantBits();
            lsb = camera.getLeastSignificantBits();
        }
        boolean repeats = false;
        if (includeParam != null) {
            for (String value : includeParam.split(",", -1)) {
                if (!value.trim().equals(INCLUDE_DUPLICATES)) {
                    throw new IllegalArgumentException("include: unknown value '" + value.trim() + "' (known: " + INCLUDE_DUPLICATES + ")");
                }
                repeats = true;
            }
        }
        return types == null && !hasCamera && !repeats ? ALL : new StreamFilter(types, hasCamera, msb, lsb, repeats);
    }

    /**
     * True when an event of this type from this camera (UUID halves as {@link EventFrame#uuidMsb}
     * gives them) passes; {@code repeat} says whether it is a window repeat.
     */
    boolean matches(int eventType, long cameraMsb, long cameraLsb, boolean repeat) {
        if (repeat && !repeats) {
            return false;
        }
        if (types != null) {
            int word = eventType >>> 6;
            if (word >= types.length || (types[word] & (1L << eventType)) == 0) {
                return false;
            }
        }
        return !hasCamera || (cameraMsb == this.cameraMsb && cameraLsb == this.cameraLsb);
    }

    /** {@link #matches} for a frame. */
    boolean matches(EventFrame frame, boolean repeat) {
        if (this == ALL) {
            return !repeat;
        }
        return matches(frame.eventType(), frame.uuidMsb(EventFrame.CAMERA_ID_OFFSET), frame.uuidLsb(EventFrame.CAMERA_ID_OFFSET), repeat);
    }
}
