package dev.watchpost.daemon.http;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/** The little JSON the HTTP answers need, written straight into a {@link ByteBuf} as UTF-8. */
final class JsonText {
    private static final byte[] HEX = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

    private JsonText() {
    }

    /**
     * Appends {@code s} as a JSON string: quotes, backslash and control characters escaped, other
     * characters as UTF-8; a lone surrogate becomes U+FFFD so the output is always valid UTF-8.
     */
    static void writeString(CharSequence s, ByteBuf out) {
        int n = s.length();
        out.ensureWritable(n + 2);
        out.writeByte('"');
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.writeByte('\\').writeByte(c);
            } else if (c < 0x20) {
                switch (c) {
                    case '\n':
                        out.writeByte('\\').writeByte('n');
                        break;
                    case '\r':
                        out.writeByte('\\').writeByte('r');
                        break;
                    case '\t':
                        out.writeByte('\\').writeByte('t');
                        break;
                    default:
                        out.writeByte('\\').writeByte('u').writeByte('0').writeByte('0')
                                .writeByte(HEX[c >>> 4]).writeByte(HEX[c & 0xF]);
                }
            } else if (c < 0x80) {
                out.writeByte(c);
            } else if (c < 0x800) {
                out.writeByte(0xC0 | c >>> 6).writeByte(0x80 | c & 0x3F);
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                out.writeByte(0xF0 | cp >>> 18).writeByte(0x80 | cp >>> 12 & 0x3F)
                        .writeByte(0x80 | cp >>> 6 & 0x3F).writeByte(0x80 | cp & 0x3F);
            } else {
                if (Character.isSurrogate(c)) {
                    c = '\uFFFD';
                }
                out.writeByte(0xE0 | c >>> 12).writeByte(0x80 | c >>> 6 & 0x3F).writeByte(0x80 | c & 0x3F);
            }
        }
        out.writeByte('"');
    }

    /** Appends a long in decimal without building a string. */
    static void writeLong(long value, ByteBuf out) {
        if (value == Long.MIN_VALUE) {
            out.writeCharSequence("-9223372036854775808", StandardCharsets.US_ASCII);
            return;
        }
        if (value < 0) {
            out.writeByte('-');
            value = -value;
        }
        int digits = 1;
        for (long v = value; v >= 10; v /= 10) {
            digits++;
        }
        out.ensureWritable(digits);
        int at = out.writerIndex();
        for (int i = at + digits - 1; i >= at; i--) {
            out.setByte(i, (int) ('0' + value % 10));
            value /= 10;
        }
        out.writerIndex(at + digits);
    }

    /** Appends {@code {"error":"<reason>"}}. */
    static void writeError(String reason, ByteBuf out) {
        out.writeCharSequence("{\"error\":", StandardCharsets.US_ASCII);
        writeString(reason, out);
        out.writeByte('}');
    }
}
