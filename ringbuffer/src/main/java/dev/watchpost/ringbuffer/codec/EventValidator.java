package dev.watchpost.ringbuffer.codec;

import java.nio.ByteBuffer;

/**
 * Applies every EVENT rule of protocol v1, section 2, in the protocol's order, and names the first
 * one that fails: structure (19) first, then the fields in table order. Reads through the
 * {@link EventFrame} flyweight and allocates nothing in the steady state.
 *
 * <p>One instance per validating thread: it owns a {@link JsonValidator}, which is not thread-safe.
 */
public final class EventValidator {
    /** The protocol's default for how far ahead of the daemon's clock ts_us may be: 300 s. */
    public static final long DEFAULT_MAX_CLOCK_SKEW_US = 300_000_000L;
    /** Tolerance on x + w and y + h that absorbs float32 rounding at the frame's edge. */
    public static final double BBOX_EDGE_LIMIT = 1.000001;

    private final EventTypeRegistry registry;
    private final long maxClockSkewUs;
    private final JsonValidator json = new JsonValidator();

    /** A validator with the default clock skew, {@value #DEFAULT_MAX_CLOCK_SKEW_US} µs. */
    public EventValidator(EventTypeRegistry registry) {
        this(registry, DEFAULT_MAX_CLOCK_SKEW_US);
    }

    /** @param maxClockSkewUs how far ahead of {@code nowUs} an event's ts_us may be, in microseconds */
    public EventValidator(EventTypeRegistry registry, long maxClockSkewUs) {
        if (registry == null) {
            throw new IllegalArgumentException("registry must not be null");
        }
        if (maxClockSkewUs < 0) {
            throw new IllegalArgumentException("maxClockSkewUs must be >= 0, was " + maxClockSkewUs);
        }
        this.registry = registry;
        this.maxClockSkewUs = maxClockSkewUs;
    }

    public EventTypeRegistry registry() {
        return registry;
    }

    /**
     * The first rule the frame breaks, or {@code null} when it is valid.
     *
     * @param frame the flyweight over an EVENT frame whose header has passed {@link FrameHeader#checkHeader}
     * @param frameLength the frame's length field; every one of these bytes must be in the buffer
     * @param nowUs the daemon's clock, microseconds since the epoch
     */
    public NackCode validate(EventFrame frame, int frameLength, long nowUs) {
        if (!hasConsistentStructure(frame, frameLength)) {
            return NackCode.LENGTH_MISMATCH;
        }
        if (frame.isZero16(EventFrame.RECEIPT_ID_OFFSET)) {
            return NackCode.ZERO_RECEIPT_ID;
        }
        long tsUs = frame.tsUs();
        if (tsUs <= 0 || (tsUs > nowUs && tsUs - nowUs > maxClockSkewUs)) {
            return NackCode.BAD_TIMESTAMP;
        }
        if (!registry.isAcceptedFromDetector(frame.eventType())) {
            return NackCode.UNKNOWN_EVENT_TYPE;
        }
        int source = frame.source();
        if (source < EventFrame.SOURCE_EDGE || source > EventFrame.SOURCE_SYSTEM) {
            return NackCode.BAD_SOURCE;
        }
        int flags = frame.flags();
        if ((flags & ~EventFrame.FLAGS_KNOWN) != 0) {
            return NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS;
        }
        float confidence = frame.confidence();
        if (!(confidence >= 0f && confidence <= 1f)) {
            return NackCode.BAD_CONFIDENCE;
        }
        if (frame.isZero16(EventFrame.STORE_ID_OFFSET)) {
            return NackCode.ZERO_STORE_ID;
        }
        if ((flags & EventFrame.FLAG_TRACK) == 0 && frame.trackId() != 0) {
            return NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS;
        }
        if (!isValidBbox(frame, (flags & EventFrame.FLAG_BBOX) != 0)) {
            return NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS;
        }
        if ((flags & EventFrame.FLAG_SUBJECT) == 0 && !frame.isZero16(EventFrame.SUBJECT_ID_OFFSET)) {
            return NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS;
        }
        int labelLength = frame.labelLength();
        ByteBuffer buffer = frame.buffer();
        if (labelLength > EventFrame.MAX_LABEL_LENGTH
            || !Utf8.isValidWithoutControls(buffer, frame.labelIndex(), labelLength)) {
            return NackCode.BAD_LABEL;
        }
        int payloadLength = frameLength - EventFrame.MIN_LENGTH - labelLength;
        if (payloadLength > 0 && !json.isValidObject(buffer, frame.payloadIndex(), payloadLength)) {
            return NackCode.BAD_PAYLOAD;
        }
        return null;
    }

    /** length ≥ 158 and length = 158 + L + P, read without trusting L or P. */
    private static boolean hasConsistentStructure(EventFrame frame, int frameLength) {
        if (frameLength < EventFrame.MIN_LENGTH) {
            return false;
        }
        int labelLength = frame.labelLength();
        if ((long) EventFrame.MIN_LENGTH + labelLength > frameLength) {
            return false; // payload_len would lie beyond the frame
        }
        return (long) EventFrame.MIN_LENGTH + labelLength + frame.payloadLength() == frameLength;
    }

    private static boolean isValidBbox(EventFrame frame, boolean present) {
        float x = frame.bbox(0);
        float y = frame.bbox(1);
        float w = frame.bbox(2);
        float h = frame.bbox(3);
        if (!present) {
            return x == 0f && y == 0f && w == 0f && h == 0f; // -0.0f == 0f; NaN fails
        }
        return isUnit(x) && isUnit(y) && isUnit(w) && isUnit(h)
            && w > 0f && h > 0f
            && (double) x + (double) w <= BBOX_EDGE_LIMIT
            && (double) y + (double) h <= BBOX_EDGE_LIMIT;
    }

    /** In [0, 1]; false for NaN and the infinities. */
    private static boolean isUnit(float v) {
        return v >= 0f && v <= 1f;
    }
}
