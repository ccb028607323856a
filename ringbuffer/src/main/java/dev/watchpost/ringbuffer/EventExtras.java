package dev.watchpost.ringbuffer;

import java.nio.ByteBuffer;

/**
 * Layout of an event's extras, the bytes that travel beside the frame: from HTTP ingest the
 * {@code meta} object and the receipt key as sent when it is not a UUID, and from the window stage
 * the marking of a repeat (the seq of the event it repeats and which repeat it is). The slot holds
 * them in this layout and the journal stores them as they are, so a replay reads them the way the
 * live path does. An event with none of them has no extras at all (length 0).
 *
 * <pre>
 *  offset  size  field
 *       0     4  header       uint32, little-endian: bits 0..23 meta_len (M), bit 24 window section present,
 *                             bits 25..31 zero
 *       4     M  meta         compact JSON object
 *     4+M     R  receipt      UTF-8 text as sent; R = extras length - 4 - M - (12 when the window section is present)
 *   4+M+R     8  duplicate_of int64, the seq this event repeats within its content window   } window section,
 *  12+M+R     4  repeat       uint32, 1 for the first repeat, 2 for the second ...         } only when bit 24
 * </pre>
 *
 * Records written before the window section existed have a header equal to M (meta is at most
 * 64 KiB), so they read the same.
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

    /** Length of {@code meta} in extras of {@code length} bytes at {@code offset}. */
    public static int metaLength(ByteBuffer extras, int offset, int length) {
        return length == 0 ? 0 : extras.getInt(offset + META_LENGTH_OFFSET) & META_LENGTH_MASK;
    }

    /** True when extras of {@code length} bytes at {@code offset} end with a window section. */
    public static boolean hasWindowSection(ByteBuffer extras, int offset, int length) {
        return length != 0 && (extras.getInt(offset + META_LENGTH_OFFSET) & FLAG_WINDOW_SECTION) != 0;
    }

    /** Length of the receipt text in extras of {@code length} bytes at {@code offset}. */
    public static int receiptTextLength(ByteBuffer extras, int offset, int length) {
        if (length == 0) {
            return 0;
        }
        int section = hasWindowSection(extras, offset, length) ? WINDOW_SECTION_LENGTH : 0;
        return length - META_OFFSET - metaLength(extras, offset, length) - section;
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
        return hasWindowSection(extras, offset, length) ? extras.getLong(offset + length - WINDOW_SECTION_LENGTH) : 0;
    }

    /** Which repeat the event is (1, 2, ...), or 0 when it is not a repeat. */
    public static int repeat(ByteBuffer extras, int offset, int length) {
        return hasWindowSection(extras, offset, length) ? extras.getInt(offset + length - 4) : 0;
    }

    /**
     * Appends a window section to extras of {@code length} bytes at {@code offset} (which hold no
     * window section yet; length 0 for none) and sets its header bit. The buffer must have room for
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
