package dev.watchpost.ringbuffer;

import java.nio.ByteBuffer;

/**
 * Layout of an event's extras, the bytes that travel beside the frame from HTTP ingest: the
 * {@code meta} object and the receipt key as sent when it is not a UUID. The slot holds them in this
 * layout and the journal stores them as they are, so a replay reads them the way the live path does.
 * An event with neither has no extras at all (length 0).
 *
 * <pre>
 *  offset  size  field
 *       0     4  meta_len   uint32 (M), little-endian
 *       4     M  meta       compact JSON object
 *     4+M     R  receipt    UTF-8 text as sent; R = extras length - 4 - M
 * </pre>
 */
public final class EventExtras {
    public static final int META_LENGTH_OFFSET = 0;
    public static final int META_OFFSET = 4;

    private EventExtras() {
    }

    /** Bytes of extras holding these two parts: 0 when both are empty. */
    public static int length(int metaLength, int receiptTextLength) {
        return metaLength + receiptTextLength == 0 ? 0 : META_OFFSET + metaLength + receiptTextLength;
    }

    /** Length of {@code meta} in extras of {@code length} bytes at {@code offset}. */
    public static int metaLength(ByteBuffer extras, int offset, int length) {
        return length == 0 ? 0 : extras.getInt(offset + META_LENGTH_OFFSET);
    }

    /** Length of the receipt text in extras of {@code length} bytes at {@code offset}. */
    public static int receiptTextLength(ByteBuffer extras, int offset, int length) {
        return length == 0 ? 0 : length - META_OFFSET - metaLength(extras, offset, length);
    }

    /** Index of the first {@code meta} byte. */
    public static int metaIndex(int offset) {
        return offset + META_OFFSET;
    }

    /** Index of the first receipt text byte. */
    public static int receiptTextIndex(ByteBuffer extras, int offset, int length) {
        return offset + META_OFFSET + metaLength(extras, offset, length);
    }
}
