package dev.watchpost.ringbuffer;

import java.nio.ByteBuffer;

/**
 * Layout of an event's extras, the bytes that travel beside the frame: from HTTP ingest the
 * {@code meta} object and the receipt key as sent when it is not a UUID, and from the window stage
 * the marking of a repeat (the seq of the event it repeats and which repeat it is), and for an event
 * the daemon derives itself its parents, correlation id and revision. The slot holds
 * them in this layout and the journal stores them as they are, so a replay reads them the way the
 * live path does. The enrich stage appends last what it found out (the enrichment object, as it was
 * when the event was stored). An event with none of them has no extras at all (length 0).
 *
 * <pre>
 *  offset  size  field
 *       0     4  header       uint32, little-endian: bits 0..23 meta_len (M), bit 24 window section present,
 *                             bit 25 derived section present, bit 26 enrichment section present,
 *                             bits 27..31 zero
 *       4     M  meta         compact JSON object
 *     4+M     R  receipt      UTF-8 text as sent; R = what the other parts leave of the extras length
 *   4+M+R    8n  parents      n x int64, the seqs the derived event came from               } derived section
 *     ...    16  correlation  UUID (RFC 4122 order) shared by everything of one incident    } (D = 24 + 8n bytes),
 *     ...     4  revision     uint32, the derived event's revision within its correlation   } only when bit 25
 *     ...     4  n            uint32, parent count                                         }
 * 4+M+R+D     8  duplicate_of int64, the seq this event repeats within its content window   } window section,
 * 12+M+R+D    4  repeat       uint32, 1 for the first repeat, 2 for the second ...         } only when bit 24
 *     ...     E  enrichment   compact JSON object, UTF-8                                   } enrichment section
 *     ...     4  E            uint32, the object's length                                  } (E + 4 bytes), bit 26
 * </pre>
 *
 * Every section after the receipt text is found from the end of the extras, the enrichment section
 * first (its length ends it), so the receipt text is what the other parts leave. Records written
 * before a section existed have a header without its bit (meta is at most 64 KiB), so they read the
 * same.
 */
public final class EventExtras {
    public static final int META_LENGTH_OFFSET = 0;
    public static final int META_OFFSET = 4;
    /** Header bits holding meta_len. */
    public static final int META_LENGTH_MASK = 0x00FF_FFFF;
    /** Header bit: the window section ends the extras. */
    public static final int FLAG_WINDOW_SECTION = 1 << 24;
    /** Bytes of the window section: duplicate_of and repeat. */
    public static final int WINDOW_SECTION_LENGTH = 12;
    /** Header bit: a derived section precedes the window section (or ends the extras). */
    public static final int FLAG_DERIVED_SECTION = 1 << 25;
    /** Bytes of a derived section besides its parents: correlation id, revision, count. */
    public static final int DERIVED_SECTION_FIXED = 24;
    /** Header bit: an enrichment section ends the extras. */
    public static final int FLAG_ENRICHMENT_SECTION = 1 << 26;
    /** Bytes of an enrichment section besides its JSON object: the length that ends it. */
    public static final int ENRICHMENT_SECTION_FIXED = 4;
    /** Most parents a derived event carries. */
    public static final int MAX_PARENTS = 16;

    private EventExtras() {
    }

    /** Bytes of extras holding meta and receipt text only: 0 when both are empty. */
    public static int length(int metaLength, int receiptTextLength) {
        return length(metaLength, receiptTextLength, false);
    }

    /** Bytes of extras holding these parts: 0 when there are none. */
    public static int length(int metaLength, int receiptTextLength, boolean windowSection) {
        if (!windowSection) {
            return metaLength + receiptTextLength == 0 ? 0 : META_OFFSET + metaLength + receiptTextLength;
        }
        return META_OFFSET + metaLength + receiptTextLength + WINDOW_SECTION_LENGTH;
    }

    /**
     * Bytes of extras holding these parts and an enrichment section of {@code enrichmentSection}
     * bytes ({@link #ENRICHMENT_SECTION_FIXED} + the object's length; 0 for none).
     */
    public static int length(int metaLength, int receiptTextLength, boolean windowSection, int enrichmentSection) {
        int base = length(metaLength, receiptTextLength, windowSection);
        if (enrichmentSection == 0) {
            return base;
        }
        return (base == 0 ? META_OFFSET : base) + enrichmentSection;
    }

    /** True when extras of {@code length} bytes at {@code offset} end with an enrichment section. */
    public static boolean hasEnrichmentSection(ByteBuffer extras, int offset, int length) {
        return length != 0 && (extras.getInt(offset + META_LENGTH_OFFSET) & FLAG_ENRICHMENT_SECTION) != 0;
    }

    /** Length of the enrichment JSON object; 0 when the extras hold no enrichment section. */
    public static int enrichmentLength(ByteBuffer extras, int offset, int length) {
        return hasEnrichmentSection(extras, offset, length) ? extras.getInt(offset + length - ENRICHMENT_SECTION_FIXED) : 0;
    }

    /** Index of the enrichment object's first byte; the extras must hold an enrichment section. */
    public static int enrichmentIndex(ByteBuffer extras, int offset, int length) {
        return offset + length - ENRICHMENT_SECTION_FIXED - enrichmentLength(extras, offset, length);
    }

    /** Index just past the sections before the enrichment section (the window section ends there). */
    private static int sectionsEnd(ByteBuffer extras, int offset, int length) {
        return hasEnrichmentSection(extras, offset, length)
                ? offset + length - ENRICHMENT_SECTION_FIXED - extras.getInt(offset + length - ENRICHMENT_SECTION_FIXED)
                : offset + length;
    }

    /**
     * Appends an enrichment section holding {@code objectLength} bytes of {@code object} to extras of
     * {@code length} bytes at {@code offset} (which hold no enrichment section yet; length 0 for
     * none) and sets its header bit. The buffer must have room for the object and
     * {@link #ENRICHMENT_SECTION_FIXED} more bytes, and for the header when {@code length} is 0.
     *
     * @return the extras' new length
     */
    public static int putEnrichmentSection(ByteBuffer extras, int offset, int length, byte[] object, int objectLength) {
        int at;
        if (length == 0) {
            extras.putInt(offset + META_LENGTH_OFFSET, FLAG_ENRICHMENT_SECTION);
            at = offset + META_OFFSET;
        } else {
            extras.putInt(offset + META_LENGTH_OFFSET, extras.getInt(offset + META_LENGTH_OFFSET) | FLAG_ENRICHMENT_SECTION);
            at = offset + length;
        }
        extras.put(at, object, 0, objectLength);
        extras.putInt(at + objectLength, objectLength);
        return at + objectLength + ENRICHMENT_SECTION_FIXED - offset;
    }

    /** Length of {@code meta} in extras of {@code length} bytes at {@code offset}. */
    public static int metaLength(ByteBuffer extras, int offset, int length) {
        return length == 0 ? 0 : extras.getInt(offset + META_LENGTH_OFFSET) & META_LENGTH_MASK;
    }

    /** True when extras of {@code length} bytes at {@code offset} end with a window section. */
    public static boolean hasWindowSection(ByteBuffer extras, int offset, int length) {
        return length != 0 && (extras.getInt(offset + META_LENGTH_OFFSET) & FLAG_WINDOW_SECTION) != 0;
    }

    /** True when extras of {@code length} bytes at {@code offset} hold a derived section. */
    public static boolean hasDerivedSection(ByteBuffer extras, int offset, int length) {
        return length != 0 && (extras.getInt(offset + META_LENGTH_OFFSET) & FLAG_DERIVED_SECTION) != 0;
    }

    /** Length of the receipt text in extras of {@code length} bytes at {@code offset}. */
    public static int receiptTextLength(ByteBuffer extras, int offset, int length) {
        if (length == 0) {
            return 0;
        }
        int section = hasWindowSection(extras, offset, length) ? WINDOW_SECTION_LENGTH : 0;
        int derived = hasDerivedSection(extras, offset, length) ? derivedSectionLength(parentCount(extras, offset, length)) : 0;
        return sectionsEnd(extras, offset, length) - offset - META_OFFSET - metaLength(extras, offset, length) - section - derived;
    }

    /** Bytes of a derived section with {@code parents} parents. */
    public static int derivedSectionLength(int parents) {
        return DERIVED_SECTION_FIXED + 8 * parents;
    }

    /** Index just past the derived section's last byte (its parent count ends there). */
    private static int derivedEnd(ByteBuffer extras, int offset, int length) {
        return sectionsEnd(extras, offset, length) - (hasWindowSection(extras, offset, length) ? WINDOW_SECTION_LENGTH : 0);
    }

    /** Parents of a derived event; 0 when the extras hold no derived section. */
    public static int parentCount(ByteBuffer extras, int offset, int length) {
        return hasDerivedSection(extras, offset, length) ? extras.getInt(derivedEnd(extras, offset, length) - 4) : 0;
    }

    /** The {@code i}th parent seq of a derived event. */
    public static long parent(ByteBuffer extras, int offset, int length, int i) {
        int end = derivedEnd(extras, offset, length);
        int n = extras.getInt(end - 4);
        return extras.getLong(end - DERIVED_SECTION_FIXED - 8 * n + 8 * i);
    }

    /** Index of the correlation id's 16 bytes (RFC 4122 order); the extras must hold a derived section. */
    public static int correlationIndex(ByteBuffer extras, int offset, int length) {
        return derivedEnd(extras, offset, length) - DERIVED_SECTION_FIXED;
    }

    /** The derived event's revision; 0 when the extras hold no derived section. */
    public static int revision(ByteBuffer extras, int offset, int length) {
        return hasDerivedSection(extras, offset, length) ? extras.getInt(derivedEnd(extras, offset, length) - 8) : 0;
    }

    /**
     * Writes extras holding only a derived section at {@code offset}: header, then parents,
     * correlation id (as {@link java.util.UUID} halves), revision and count. The buffer must have
     * room for {@link #META_OFFSET} + {@link #derivedSectionLength} bytes.
     *
     * @return the extras' length
     */
    public static int putDerivedOnly(ByteBuffer extras, int offset, long[] parents, int parentCount,
                                     long correlationMsb, long correlationLsb, int revision) {
        if (parentCount < 0 || parentCount > MAX_PARENTS) {
            throw new IllegalArgumentException("parent count must be within 0.." + MAX_PARENTS + ", was " + parentCount);
        }
        extras.putInt(offset + META_LENGTH_OFFSET, FLAG_DERIVED_SECTION);
        int at = offset + META_OFFSET;
        for (int i = 0; i < parentCount; i++) {
            extras.putLong(at, parents[i]);
            at += 8;
        }
        extras.putLong(at, Long.reverseBytes(correlationMsb));
        extras.putLong(at + 8, Long.reverseBytes(correlationLsb));
        extras.putInt(at + 16, revision);
        extras.putInt(at + 20, parentCount);
        return at + DERIVED_SECTION_FIXED - offset;
    }

    /** Index of the first {@code meta} byte. */
    public static int metaIndex(int offset) {
        return offset + META_OFFSET;
    }

    /** Index of the first receipt text byte. */
    public static int receiptTextIndex(ByteBuffer extras, int offset, int length) {
        return offset + META_OFFSET + metaLength(extras, offset, length);
    }

    /** The seq the event repeats within its content window, or 0 when it is not a repeat. */
    public static long duplicateOf(ByteBuffer extras, int offset, int length) {
        return hasWindowSection(extras, offset, length) ? extras.getLong(sectionsEnd(extras, offset, length) - WINDOW_SECTION_LENGTH) : 0;
    }

    /** Which repeat the event is (1, 2, ...), or 0 when it is not a repeat. */
    public static int repeat(ByteBuffer extras, int offset, int length) {
        return hasWindowSection(extras, offset, length) ? extras.getInt(sectionsEnd(extras, offset, length) - 4) : 0;
    }

    /**
     * Appends a window section to extras of {@code length} bytes at {@code offset} (which hold no
     * window or enrichment section yet; length 0 for none) and sets its header bit. The buffer must have room for
     * {@link #WINDOW_SECTION_LENGTH} more bytes, and for the header when {@code length} is 0.
     *
     * @return the extras' new length
     */
    public static int putWindowSection(ByteBuffer extras, int offset, int length, long duplicateOf, int repeat) {
        int at;
        if (length == 0) {
            extras.putInt(offset + META_LENGTH_OFFSET, FLAG_WINDOW_SECTION);
            at = offset + META_OFFSET;
        } else {
            extras.putInt(offset + META_LENGTH_OFFSET, extras.getInt(offset + META_LENGTH_OFFSET) | FLAG_WINDOW_SECTION);
            at = offset + length;
        }
        extras.putLong(at, duplicateOf);
        extras.putInt(at + 8, repeat);
        return at + WINDOW_SECTION_LENGTH - offset;
    }
}
