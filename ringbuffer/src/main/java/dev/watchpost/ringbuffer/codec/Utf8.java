package dev.watchpost.ringbuffer.codec;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Validates RFC 3629 UTF-8 in place: no overlong forms, no encoded surrogates (U+D800–U+DFFF),
 * nothing above U+10FFFF, no truncated sequence at the end. A heap buffer is read through its array,
 * leaving its position and limit alone and allocating nothing; a buffer without an accessible array
 * (direct, read-only) is copied first.
 */
public final class Utf8 {
    private Utf8() {
    }

    /** True when the {@code length} bytes at {@code index} are well-formed UTF-8. */
    public static boolean isValid(ByteBuffer buffer, int index, int length) {
        return check(buffer, index, length, false);
    }

    /**
     * True when the bytes are well-formed UTF-8 and hold no control character (U+0000–U+001F,
     * U+007F): the rule for labels.
     */
    public static boolean isValidWithoutControls(ByteBuffer buffer, int index, int length) {
        return check(buffer, index, length, true);
    }

    private static boolean check(ByteBuffer buffer, int index, int length, boolean rejectControls) {
        if (buffer.hasArray()) {
            return check(buffer.array(), buffer.arrayOffset() + index, length, rejectControls);
        }
        byte[] copy = new byte[length];
        buffer.get(index, copy, 0, length);
        return check(copy, 0, length, rejectControls);
    }

    private static boolean check(byte[] bytes, int index, int length, boolean rejectControls) {
        Objects.checkFromIndexSize(index, length, bytes.length);
        int end = index + length;
        int i = index;
        while (i < end) {
            int b = bytes[i];
            if (b >= 0) {
                if (rejectControls && (b < 0x20 || b == 0x7F)) {
                    return false;
                }
                i++;
            } else {
                int n = sequenceLength(bytes, i, end);
                if (n == 0) {
                    return false;
                }
                i += n;
            }
        }
        return true;
    }

    /**
     * Length (1–4) of the well-formed sequence starting at {@code index}, or 0 when the bytes from
     * there up to {@code end} do not start one.
     */
    static int sequenceLength(byte[] bytes, int index, int end) {
        int b0 = bytes[index] & 0xFF;
        if (b0 < 0x80) {
            return 1;
        }
        if (b0 < 0xC2) {
            return 0; // continuation byte, or C0/C1 (always overlong)
        }
        if (b0 < 0xE0) {
            return index + 1 < end && isContinuation(bytes[index + 1]) ? 2 : 0;
        }
        if (b0 < 0xF0) {
            if (index + 2 >= end) {
                return 0;
            }
            int b1 = bytes[index + 1] & 0xFF;
            int min = b0 == 0xE0 ? 0xA0 : 0x80; // E0 80..9F would be overlong
            int max = b0 == 0xED ? 0x9F : 0xBF; // ED A0..BF would be a surrogate
            return b1 >= min && b1 <= max && isContinuation(bytes[index + 2]) ? 3 : 0;
        }
        if (b0 < 0xF5) {
            if (index + 3 >= end) {
                return 0;
            }
            int b1 = bytes[index + 1] & 0xFF;
            int min = b0 == 0xF0 ? 0x90 : 0x80; // F0 80..8F would be overlong
            int max = b0 == 0xF4 ? 0x8F : 0xBF; // F4 90.. would be above U+10FFFF
            return b1 >= min && b1 <= max
                && isContinuation(bytes[index + 2])
                && isContinuation(bytes[index + 3]) ? 4 : 0;
        }
        return 0;
    }

    /** The code point of the well-formed sequence of {@code length} bytes at {@code index}. */
    static int codePoint(byte[] bytes, int index, int length) {
        int b0 = bytes[index] & 0xFF;
        switch (length) {
            case 1:
                return b0;
            case 2:
                return (b0 & 0x1F) << 6 | bytes[index + 1] & 0x3F;
            case 3:
                return (b0 & 0x0F) << 12 | (bytes[index + 1] & 0x3F) << 6 | bytes[index + 2] & 0x3F;
            default:
                return (b0 & 0x07) << 18 | (bytes[index + 1] & 0x3F) << 12
                    | (bytes[index + 2] & 0x3F) << 6 | bytes[index + 3] & 0x3F;
        }
    }

    private static boolean isContinuation(byte b) {
        return (b & 0xC0) == 0x80;
    }
}
