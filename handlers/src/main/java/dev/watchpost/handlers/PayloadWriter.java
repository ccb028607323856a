package dev.watchpost.handlers;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Writes a derived event's JSON payload into one reused array, without allocating: the deriving
 * stages compose their payloads from these pieces. The caller keeps the payload within
 * {@link #capacity()}; payload sizes here are bounded by the rules (labels, zones, parents).
 */
public final class PayloadWriter {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LONG_MIN = "-9223372036854775808".getBytes(StandardCharsets.US_ASCII);

    private final byte[] bytes;
    private int p;

    public PayloadWriter(int capacity) {
        this.bytes = new byte[capacity];
    }

    /** Starts a new payload. */
    public PayloadWriter reset() {
        p = 0;
        return this;
    }

    public byte[] array() {
        return bytes;
    }

    public int length() {
        return p;
    }

    public int capacity() {
        return bytes.length;
    }

    /** ASCII text, written as is (JSON punctuation and names). */
    public PayloadWriter put(String ascii) {
        for (int i = 0; i < ascii.length(); i++) {
            bytes[p++] = (byte) ascii.charAt(i);
        }
        return this;
    }

    public PayloadWriter put(byte[] text) {
        System.arraycopy(text, 0, bytes, p, text.length);
        p += text.length;
        return this;
    }

    /** {@code length} bytes of {@code text} from {@code from}, written as they are. */
    public PayloadWriter put(byte[] text, int from, int length) {
        System.arraycopy(text, from, bytes, p, length);
        p += length;
        return this;
    }

    /**
     * A JSON string of {@code length} bytes of validated UTF-8 text (a label), with its quotes;
     * quote and backslash escaped. Control characters never reach here: protocol v1 rejects them.
     */
    public PayloadWriter putString(byte[] text, int from, int length) {
        bytes[p++] = '"';
        for (int i = 0; i < length; i++) {
            byte c = text[from + i];
            if (c == '"' || c == '\\') {
                bytes[p++] = '\\';
            }
            bytes[p++] = c;
        }
        bytes[p++] = '"';
        return this;
    }

    /** The same from a buffer (a frame's label, read in place). */
    public PayloadWriter putString(ByteBuffer text, int from, int length) {
        bytes[p++] = '"';
        for (int i = 0; i < length; i++) {
            byte c = text.get(from + i);
            if (c == '"' || c == '\\') {
                bytes[p++] = '\\';
            }
            bytes[p++] = c;
        }
        bytes[p++] = '"';
        return this;
    }

    public PayloadWriter putLong(long value) {
        if (value < 0) {
            if (value == Long.MIN_VALUE) {
                return put(LONG_MIN);
            }
            bytes[p++] = '-';
            value = -value;
        }
        int digits = 1;
        for (long v = value; v >= 10; v /= 10) {
            digits++;
        }
        for (int i = p + digits - 1; i >= p; i--) {
            bytes[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        p += digits;
        return this;
    }

    /** A value in [0, 1] (a confidence, a box coordinate) with at most six decimals, trailing zeros dropped: 0.93, 1, 0.25. */
    public PayloadWriter putUnit(float value) {
        long micros = Math.round((double) value * 1_000_000);
        putLong(micros / 1_000_000);
        long fraction = micros % 1_000_000;
        if (fraction == 0) {
            return this;
        }
        bytes[p++] = '.';
        int digits = 6;
        while (fraction % 10 == 0) {
            fraction /= 10;
            digits--;
        }
        for (int i = p + digits - 1; i >= p; i--) {
            bytes[i] = (byte) ('0' + fraction % 10);
            fraction /= 10;
        }
        p += digits;
        return this;
    }

    /** A UUID as a JSON string, or {@code null} for the nil UUID. */
    public PayloadWriter putUuidOrNull(long msb, long lsb) {
        if (msb == 0 && lsb == 0) {
            return put("null");
        }
        bytes[p++] = '"';
        putHex(msb >>> 32, 8);
        bytes[p++] = '-';
        putHex(msb >>> 16, 4);
        bytes[p++] = '-';
        putHex(msb, 4);
        bytes[p++] = '-';
        putHex(lsb >>> 48, 4);
        bytes[p++] = '-';
        putHex(lsb, 12);
        bytes[p++] = '"';
        return this;
    }

    private void putHex(long value, int digits) {
        for (int i = digits - 1; i >= 0; i--) {
            bytes[p++] = HEX[(int) (value >>> (4 * i)) & 0xF];
        }
    }

    /** A name-based UUID's high half from a digest's: version 8 (custom). */
    public static long uuidMsb(long hi) {
        return (hi & ~0xF000L) | 0x8000L;
    }

    /** A name-based UUID's low half from a digest's: the RFC 4122 variant. */
    public static long uuidLsb(long lo) {
        return (lo & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
    }
}
