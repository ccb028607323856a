package dev.watchpost.handlers.rules;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Numbers the site's watch-list tags (vip, banned, staff ...) so that an event's tags travel as the
 * bits of one long ({@link dev.watchpost.ringbuffer.Enrichment#tags()}): the alert rules number the
 * tags they name when they are read, the subject directory the tags it holds each time it is
 * (re)loaded; a tag keeps its number for the life of the process. At most 64 tags are numbered;
 * {@link #bit} answers -1 beyond that, and the caller reports it. Safe from any thread.
 */
public final class TagTable {
    public static final int MAX_TAGS = 64;

    private final Map<String, Integer> bits = new LinkedHashMap<>();

    /** The tag's bit number, numbering it if new; -1 when 64 tags are numbered already. */
    public synchronized int bit(String tag) {
        Integer bit = bits.get(tag);
        if (bit != null) {
            return bit;
        }
        if (bits.size() == MAX_TAGS) {
            return -1;
        }
        bits.put(tag, bits.size());
        return bits.size() - 1;
    }

    /** The tag numbered {@code bit}, or {@code null}. */
    public synchronized String name(int bit) {
        for (Map.Entry<String, Integer> e : bits.entrySet()) {
            if (e.getValue() == bit) {
                return e.getKey();
            }
        }
        return null;
    }
}
