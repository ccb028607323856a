package dev.watchpost.daemon.json;

import io.netty.buffer.ByteBuf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Canonical UUID text ({@code 8-4-4-4-12} hex digits) to and from the 16 bytes of a frame field. */
final class Uuids {
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

    /**
     * Appends the 16 bytes at {@code index} as lowercase canonical text, without quotes: eight hex
     * digits at a time ({@link #hexDigits}), in ten writes instead of 36.
     */
    static void appendText(ByteBuffer buffer, int index, ByteBuf out) {
        long msb = buffer.getLong(index);
        long lsb = buffer.getLong(index + 8);
        if (buffer.order() == ByteOrder.LITTLE_ENDIAN) { // the text is the bytes in their order
            msb = Long.reverseBytes(msb);
            lsb = Long.reverseBytes(lsb);
        }
        long timeMidHi = hexDigits((int) msb);
        long clockNode = hexDigits((int) (lsb >>> 32));
        int at = out.writerIndex();
        out.ensureWritable(TEXT_LENGTH);
        out.setLong(at, hexDigits((int) (msb >>> 32)));
        out.setByte(at + 8, '-');
        out.setInt(at + 9, (int) (timeMidHi >>> 32));
        out.setByte(at + 13, '-');
        out.setInt(at + 14, (int) timeMidHi);
        out.setByte(at + 18, '-');
        out.setInt(at + 19, (int) (clockNode >>> 32));
        out.setByte(at + 23, '-');
        out.setInt(at + 24, (int) clockNode);
        out.setLong(at + 28, hexDigits((int) lsb));
        out.writerIndex(at + TEXT_LENGTH);
    }

    /**
     * The eight lowercase hex digits of {@code value}, as ASCII bytes in a long whose most significant
     * byte is the first digit: each nibble is spread into a byte of its own, then turned into {@code
     * '0'}–{@code '9'} or {@code 'a'}–{@code 'f'} in all eight bytes at once.
     */
    static long hexDigits(int value) {
        long x = Integer.toUnsignedLong(value);
        x = (x | x << 16) & 0x0000FFFF0000FFFFL;
        x = (x | x << 8) & 0x00FF00FF00FF00FFL;
        x = (x | x << 4) & 0x0F0F0F0F0F0F0F0FL;
        long letters = (x + 0x0606060606060606L) >>> 4 & 0x0101010101010101L; // 1 in each byte whose nibble is 10 or more
        return x + 0x3030303030303030L + letters * ('a' - '0' - 10);
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
