package dev.watchpost.handlers.enrich;

/** JSON text at configuration time: strings quoted and escaped. */
final class Json {
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private Json() {
    }

    /** {@code s} as a JSON string, quotes included. */
    static String string(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    /** Writes one UTF-8 byte of a string's content, escaped; returns the next index. */
    static int escape(byte c, byte[] into, int p) {
        if (c == '"' || c == '\\') {
            into[p++] = '\\';
            into[p++] = c;
        } else if (c >= 0 && c < 0x20) {
            into[p++] = '\\';
            into[p++] = 'u';
            into[p++] = '0';
            into[p++] = '0';
            into[p++] = HEX[c >>> 4];
            into[p++] = HEX[c & 0xF];
        } else {
            into[p++] = c;
        }
        return p;
    }
}
