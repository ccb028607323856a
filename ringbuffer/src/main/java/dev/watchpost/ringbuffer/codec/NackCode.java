package dev.watchpost.ringbuffer.codec;

/**
 * The NACK codes of protocol v1, section 6. {@link #code()} is what travels on the wire;
 * {@link #reason()} is the fixed text sent for people, so that rejecting a frame builds no string.
 */
public enum NackCode {
    BAD_MAGIC(1, "bad magic"),
    UNSUPPORTED_VERSION(2, "unsupported version"),
    BAD_LENGTH(3, "bad length"),
    UNKNOWN_FRAME_TYPE(4, "unknown frame type"),
    BAD_HELLO(5, "bad HELLO"),
    UNKNOWN_EVENT_TYPE(10, "unknown event type"),
    BAD_TIMESTAMP(11, "bad timestamp"),
    BAD_CONFIDENCE(12, "bad confidence"),
    ZERO_RECEIPT_ID(13, "zero receipt_id"),
    ZERO_STORE_ID(14, "zero store_id"),
    BAD_SOURCE(15, "bad source"),
    BAD_BBOX_TRACK_SUBJECT_OR_FLAGS(16, "bad bbox, track, subject or flags"),
    BAD_LABEL(17, "bad label"),
    BAD_PAYLOAD(18, "bad payload"),
    LENGTH_MISMATCH(19, "length does not match the fields"),
    SEQ_OUT_OF_ORDER(20, "seq out of order"),
    UNAUTHENTICATED(30, "unauthenticated"),
    RATE_LIMITED(31, "rate limited");

    private static final NackCode[] BY_CODE = new NackCode[32];

    static {
        for (NackCode c : values()) {
            BY_CODE[c.code] = c;
        }
    }

    private final int code;
    private final String reason;
    private final byte[] reasonUtf8;

    NackCode(int code, String reason) {
        this.code = code;
        this.reason = reason;
        this.reasonUtf8 = reason.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    public int code() {
        return code;
    }

    public String reason() {
        return reason;
    }

    /** The reason as UTF-8; shared, never modify. */
    public byte[] reasonUtf8() {
        return reasonUtf8;
    }

    /** The code's constant, or {@code null} when {@code code} is not a v1 NACK code. */
    public static NackCode of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
