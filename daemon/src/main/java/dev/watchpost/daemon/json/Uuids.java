package dev.watchpost.daemon.json;

import io.netty.buffer.ByteBuf;

import java.nio.ByteBuffer;

/** Canonical UUID text ({@code 8-4-4-4-12} hex digits) to and from the 16 bytes of a frame field. */
final class Uuids {
    private static final byte[] HEX = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
    static final int TEXT_LENGTH = 36;

    private Uuids() {
    }

    /** True when {@code s} is canonical UUID text, hex digits in either case. */
    static boolean isCanonical(CharSequence s) {
        if (s.length() != TEXT_LENGTH) {
            return false;
        }
        for (int i = 0; i < TEXT_LENGTH; i++) {
            char c = s.charAt(i);
            boolean ok = (i == 8 || i == 13 || i == 18 || i == 23) ? c == '-' : hexValue(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Most significant 64 bits of canonical text; call only after {@link #isCanonical}. */
    static long msb(CharSequence s) {
        return hex(s, 0, 8) << 32 | hex(s, 9, 4) << 16 | hex(s, 14, 4);
    }

    /** Least significant 64 bits of canonical text; call only after {@link #isCanonical}. */
    static long lsb(CharSequence s) {
        return hex(s, 19, 4) << 48 | hex(s, 24, 12);
    }

    /** Appends the 16 bytes at {@code index} as lowercase canonical text, without quotes. */
    static void appendText(ByteBuffer buffer, int index, ByteBuf out) {
        int at = out.writerIndex();
        out.ensureWritable(TEXT_LENGTH);
        for (int i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) {
                out.setByte(at++, '-');
            }
            int b = buffer.get(index + i) & 0xFF;
            out.setByte(at++, HEX[b >>> 4]);
            out.setByte(at++, HEX[b & 0xF]);
        }
        out.writerIndex(at);
    }

    private static long hex(CharSequence s, int from, int count) {
        long value = 0;
        for (int i = from; i < from + count; i++) {
            value = value << 4 | hexValue(s.charAt(i));
        }
        return value;
    }

    /** The value of an ASCII hex digit, or -1 ({@link Character#digit} would also take other scripts' digits). */
    private static int hexValue(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
