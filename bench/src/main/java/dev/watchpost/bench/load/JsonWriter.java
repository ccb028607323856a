package dev.watchpost.bench.load;

import java.util.Locale;

/**
 * Just enough JSON output for the results: nested objects and arrays, numbers, strings, booleans and
 * null, indented two spaces. Not for a hot path; not thread-safe.
 */
final class JsonWriter {
    private final StringBuilder out = new StringBuilder(4096);
    private int depth;
    private boolean first = true;

    JsonWriter beginObject(String name) {
        key(name);
        out.append('{');
        depth++;
        first = true;
        return this;
    }

    JsonWriter endObject() {
        return close('}');
    }

    JsonWriter beginArray(String name) {
        key(name);
        out.append('[');
        depth++;
        first = true;
        return this;
    }

    JsonWriter endArray() {
        return close(']');
    }

    JsonWriter field(String name, long value) {
        key(name);
        out.append(value);
        return this;
    }

    /** Finite values with up to {@code decimals} decimals; NaN and the infinities as null. */
    JsonWriter field(String name, double value, int decimals) {
        key(name);
        if (Double.isFinite(value)) {
            out.append(String.format(Locale.ROOT, "%." + decimals + "f", value));
        } else {
            out.append("null");
        }
        return this;
    }

    JsonWriter field(String name, boolean value) {
        key(name);
        out.append(value);
        return this;
    }

    /** A string, or null for {@code null}. */
    JsonWriter field(String name, String value) {
        key(name);
        if (value == null) {
            out.append("null");
        } else {
            string(value);
        }
        return this;
    }

    /** Array element: a string. */
    JsonWriter value(String value) {
        return field(null, value);
    }

    @Override
    public String toString() {
        return out.toString();
    }

    /** Separator and indentation, then {@code "name": } unless {@code name} is null (inside an array, or the root). */
    private void key(String name) {
        if (depth > 0) {
            if (!first) {
                out.append(',');
            }
            newline();
        }
        first = false;
        if (name != null) {
            string(name);
            out.append(": ");
        }
    }

    private JsonWriter close(char bracket) {
        depth--;
        if (!first) {
            newline();
        }
        out.append(bracket);
        first = false;
        return this;
    }

    private void newline() {
        out.append('\n');
        for (int i = 0; i < depth; i++) {
            out.append("  ");
        }
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
