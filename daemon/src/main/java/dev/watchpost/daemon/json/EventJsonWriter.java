package dev.watchpost.daemon.json;

import dev.watchpost.ringbuffer.EventExtras;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Writes a stored event as the one JSON object every output shows (protocol v1, section 8): the
 * WebSocket and SSE streams, REST queries, the CLI. The object is written straight into a Netty
 * {@link ByteBuf} as UTF-8, fields in the table's order, with no tree and no per-field strings:
 *
 * <pre>
 * {"seq":1,"receipt_id":"0f8fad5b-d9cb-469f-a165-70867728950e","event_name":"face.recognized",
 *  "ts":"2025-11-23T08:00:00.000000Z","received_at":"2025-11-23T08:00:00.001234Z",
 *  "store_id":"…","org_id":null,"camera_id":"…","zone_id":null,"subject_id":"…","source":"edge",
 *  "confidence":0.93,"track_id":null,"bbox":[0.25,0.1,0.2,0.4],"label":"person",
 *  "payload":{"hint":"a"},"meta":null}
 * </pre>
 *
 * An event stored as a repeat within its content window ends with {@code "duplicate_of":N,"repeat":k}
 * (the seq it repeats, and which repeat it is); other events have neither field. An event the daemon
 * derived itself (track.started …) ends with {@code "parents":[…],"correlation_id":"…"}: the seqs it
 * came from and the id shared by everything of one incident. An event the enrich stage found out
 * about ends with {@code "enrichment":{…}}, the object as it was stored (see docs/protocol.md).
 *
 * <p>The frame must have passed the validator: lengths are trusted, and the payload and meta
 * bytes are copied as they are. Thread-safe: holds nothing but the registry.
 */
public final class EventJsonWriter {
    private static final byte[] NULL = ascii("null");
    private static final byte[] HEX = ascii("0123456789abcdef");
    private static final byte[][] SOURCES = {null, ascii("edge"), ascii("backend"), ascii("system")};

    private static final byte[] SEQ = ascii("{\"seq\":");
    private static final byte[] RECEIPT_ID = ascii(",\"receipt_id\":");
    private static final byte[] EVENT_NAME = ascii(",\"event_name\":");
    private static final byte[] TS = ascii(",\"ts\":\"");
    private static final byte[] RECEIVED_AT = ascii("\",\"received_at\":\"");
    private static final byte[] STORE_ID = ascii("\",\"store_id\":");
    private static final byte[] ORG_ID = ascii(",\"org_id\":");
    private static final byte[] CAMERA_ID = ascii(",\"camera_id\":");
    private static final byte[] ZONE_ID = ascii(",\"zone_id\":");
    private static final byte[] SUBJECT_ID = ascii(",\"subject_id\":");
    private static final byte[] SOURCE = ascii(",\"source\":");
    private static final byte[] CONFIDENCE = ascii(",\"confidence\":");
    private static final byte[] TRACK_ID = ascii(",\"track_id\":");
    private static final byte[] BBOX = ascii(",\"bbox\":");
    private static final byte[] LABEL = ascii(",\"label\":");
    private static final byte[] PAYLOAD = ascii(",\"payload\":");
    private static final byte[] META = ascii(",\"meta\":");
    private static final byte[] DUPLICATE_OF = ascii(",\"duplicate_of\":");
    private static final byte[] REPEAT = ascii(",\"repeat\":");
    private static final byte[] PARENTS = ascii(",\"parents\":[");
    private static final byte[] CORRELATION_ID = ascii("],\"correlation_id\":");
    private static final byte[] ENRICHMENT = ascii(",\"enrichment\":");

    private final EventTypeRegistry registry;

    public EventJsonWriter(EventTypeRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * Appends the event's JSON object to {@code out} at its writer index.
     *
     * @param seq               the event's journal seq
     * @param receivedAtUs      when the daemon received it, microseconds since the epoch
     * @param frame             the stored EVENT frame, already validated
     * @param extra             the extras (HTTP meta and receipt text, window marking) in the
     *                          {@link EventExtras} layout; may be null
     *                          when {@code extraLength} is 0
     * @param extraOffset       index of the first extra byte in {@code extra}
     * @param extraLength       bytes of extras, 0 for none
     */
    public void write(long seq, long receivedAtUs, EventFrame frame, ByteBuffer extra, int extraOffset,
                      int extraLength, ByteBuf out) {
        ByteBuffer b = frame.buffer();
        int base = frame.offset();
        int metaLength = EventExtras.metaLength(extra, extraOffset, extraLength);
        int receiptTextLength = EventExtras.receiptTextLength(extra, extraOffset, extraLength);

        out.writeBytes(SEQ);
        writeLong(seq, out);

        out.writeBytes(RECEIPT_ID);
        if (receiptTextLength > 0) {
            writeString(extra, EventExtras.receiptTextIndex(extra, extraOffset, extraLength), receiptTextLength, out);
        } else {
            writeUuid(b, base + EventFrame.RECEIPT_ID_OFFSET, out);
        }

        out.writeBytes(EVENT_NAME);
        byte[] name = registry.nameUtf8(frame.eventType());
        if (name == null) {
            out.writeBytes(NULL);
        } else {
            writeString(name, out);
        }

        out.writeBytes(TS);
        Rfc3339.appendMicros(frame.tsUs(), out);
        out.writeBytes(RECEIVED_AT);
        Rfc3339.appendMicros(receivedAtUs, out);

        out.writeBytes(STORE_ID);
        writeUuid(b, base + EventFrame.STORE_ID_OFFSET, out);
        out.writeBytes(ORG_ID);
        writeUuid(b, base + EventFrame.ORG_ID_OFFSET, out);
        out.writeBytes(CAMERA_ID);
        writeUuid(b, base + EventFrame.CAMERA_ID_OFFSET, out);
        out.writeBytes(ZONE_ID);
        writeUuid(b, base + EventFrame.ZONE_ID_OFFSET, out);
        out.writeBytes(SUBJECT_ID);
        if (frame.hasSubject()) {
            writeUuid(b, base + EventFrame.SUBJECT_ID_OFFSET, out);
        } else {
            out.writeBytes(NULL);
        }

        out.writeBytes(SOURCE);
        int source = frame.source();
        if (source >= 1 && source < SOURCES.length) {
            out.writeByte('"').writeBytes(SOURCES[source]).writeByte('"');
        } else {
            out.writeBytes(NULL);
        }

        out.writeBytes(CONFIDENCE);
        writeFloat(frame.confidence(), out);

        out.writeBytes(TRACK_ID);
        if (frame.hasTrack()) {
            writeLong(frame.trackId(), out);
        } else {
            out.writeBytes(NULL);
        }

        out.writeBytes(BBOX);
        if (frame.hasBbox()) {
            out.writeByte('[');
            for (int i = 0; i < 4; i++) {
                if (i > 0) {
                    out.writeByte(',');
                }
                writeFloat(frame.bbox(i), out);
            }
            out.writeByte(']');
        } else {
            out.writeBytes(NULL);
        }

        out.writeBytes(LABEL);
        writeString(b, frame.labelIndex(), frame.labelLength(), out);

        out.writeBytes(PAYLOAD);
        int payloadLength = (int) frame.payloadLength();
        if (payloadLength > 0) {
            writeRaw(b, frame.payloadIndex(), payloadLength, out);
        } else {
            out.writeBytes(NULL);
        }

        out.writeBytes(META);
        if (metaLength > 0) {
            writeRaw(extra, EventExtras.metaIndex(extraOffset), metaLength, out);
        } else {
            out.writeBytes(NULL);
        }

        if (EventExtras.hasWindowSection(extra, extraOffset, extraLength)) {
            out.writeBytes(DUPLICATE_OF);
            writeLong(EventExtras.duplicateOf(extra, extraOffset, extraLength), out);
            out.writeBytes(REPEAT);
            writeLong(EventExtras.repeat(extra, extraOffset, extraLength) & 0xFFFF_FFFFL, out);
        }
        if (EventExtras.hasDerivedSection(extra, extraOffset, extraLength)) {
            out.writeBytes(PARENTS);
            int parents = EventExtras.parentCount(extra, extraOffset, extraLength);
            for (int i = 0; i < parents; i++) {
                if (i > 0) {
                    out.writeByte(',');
                }
                writeLong(EventExtras.parent(extra, extraOffset, extraLength, i), out);
            }
            out.writeBytes(CORRELATION_ID);
            writeUuid(extra, EventExtras.correlationIndex(extra, extraOffset, extraLength), out);
        }
        if (EventExtras.hasEnrichmentSection(extra, extraOffset, extraLength)) {
            out.writeBytes(ENRICHMENT);
            writeRaw(extra, EventExtras.enrichmentIndex(extra, extraOffset, extraLength),
                    EventExtras.enrichmentLength(extra, extraOffset, extraLength), out);
        }
        out.writeByte('}');
    }

    /** Appends a slot's stored event: its journal seq, receive time, frame and extras. */
    public void write(EventSlot slot, ByteBuf out) {
        write(slot.journalSeq(), slot.receivedAtUs(), slot.frame(), slot.extra(), 0, slot.extraLength(), out);
    }

    /** The event's JSON object as a string; for the CLI and tests, not for the stream fan-out. */
    public String toJson(long seq, long receivedAtUs, EventFrame frame, ByteBuffer extra, int extraOffset,
                         int extraLength) {
        ByteBuf out = Unpooled.buffer(512);
        try {
            write(seq, receivedAtUs, frame, extra, extraOffset, extraLength, out);
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            out.release();
        }
    }

    private static void writeUuid(ByteBuffer b, int index, ByteBuf out) {
        if (b.getLong(index) == 0 && b.getLong(index + 8) == 0) {
            out.writeBytes(NULL);
            return;
        }
        out.writeByte('"');
        Uuids.appendText(b, index, out);
        out.writeByte('"');
    }

    /** Shortest decimal that reads back as the same float32 (0.93, not 0.9300000071525574). */
    private static void writeFloat(float value, ByteBuf out) {
        if (Float.isNaN(value) || Float.isInfinite(value)) {
            out.writeBytes(NULL); // JSON has no such numbers; a validated frame has none either
            return;
        }
        if (value == 0) {
            value = 0; // -0.0 counts as 0
        }
        // Float.toString on Java 17 is not always the shortest form; Schubfach is.
        FloatText.appendShortest(value, out);
    }

    /** Writes a long in decimal without building a string. */
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

    /** Copies bytes as they are (payload, meta: JSON already). */
    private static void writeRaw(ByteBuffer b, int index, int length, ByteBuf out) {
        if (b.hasArray()) {
            out.writeBytes(b.array(), b.arrayOffset() + index, length);
        } else {
            out.ensureWritable(length);
            for (int i = 0; i < length; i++) {
                out.writeByte(b.get(index + i));
            }
        }
    }

    /** A JSON string of UTF-8 bytes: quotes, backslash and control characters escaped, the rest as is. */
    private static void writeString(ByteBuffer b, int index, int length, ByteBuf out) {
        out.ensureWritable(length + 2);
        out.writeByte('"');
        for (int i = index; i < index + length; i++) {
            writeEscaped(b.get(i), out);
        }
        out.writeByte('"');
    }

    private static void writeString(byte[] s, ByteBuf out) {
        out.ensureWritable(s.length + 2);
        out.writeByte('"');
        for (byte c : s) {
            writeEscaped(c, out);
        }
        out.writeByte('"');
    }

    private static void writeEscaped(byte c, ByteBuf out) {
        if (c == '"' || c == '\\') {
            out.writeByte('\\').writeByte(c);
        } else if (c >= 0 && c < 0x20) {
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
                case '\b':
                    out.writeByte('\\').writeByte('b');
                    break;
                case '\f':
                    out.writeByte('\\').writeByte('f');
                    break;
                default:
                    out.writeByte('\\').writeByte('u').writeByte('0').writeByte('0')
                            .writeByte(HEX[c >>> 4]).writeByte(HEX[c & 0xF]);
            }
        } else {
            out.writeByte(c); // printable ASCII, DEL, and UTF-8 multi-byte sequences pass through
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
