package dev.watchpost.daemon.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.watchpost.ringbuffer.EventExtras;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.Origin;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventFrameEncoder;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import dev.watchpost.ringbuffer.codec.JsonValidator;
import dev.watchpost.ringbuffer.codec.NackCode;
import dev.watchpost.ringbuffer.codec.Protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Reads the JSON form of events (protocol v1, section 8) from an HTTP ingest body and turns each
 * into the same EVENT frame a detector would send, so that the pipeline's one validator judges
 * both. The reader decides only what the JSON form alone can decide (a field that cannot be put
 * into a frame); value rules (ranges, zero ids, the label's characters, the payload's I-JSON rules,
 * the clock skew) are left to the validator, on the frame.
 *
 * <p>A body is one JSON object, a JSON array of objects, or NDJSON (one object per non-blank
 * line). A body that is not UTF-8 JSON, or an NDJSON line that is not, throws
 * {@link JsonBodyException} and yields nothing; anything else yields one event per input event, in
 * input order, each either a frame or a rejection with a NACK code and a reason.
 *
 * <p>Two ways to read a body: {@link #read} gives all its events as {@link ParsedEvent}s at once
 * (each holding copies of its bytes); HTTP ingest instead checks the body whole with {@link #check},
 * which builds nothing, then reads the events one at a time straight into ring slots through a
 * {@link Cursor}, so that the heap a body needs does not grow with its size. The body is then read
 * where it lies, in the Netty buffer it arrived in (direct memory, a composite of pieces).
 *
 * <p>Fields (any other top-level field, {@code seq} and {@code received_at} included, is ignored,
 * so that an event as the daemon prints it can be posted back as it is):
 * <pre>
 *  field        JSON                               absent or null        wrong
 *  receipt_id   UUID text (any case) -> 16 bytes;  13 (required)         13: empty, over 64
 *               other text -> first 16 bytes of                              characters, not a
 *               SHA-256 of its UTF-8, text kept                              string, lone surrogate
 *  ts           RFC 3339 with offset -> micros UTC 11 (required)         11
 *  event_name   registry name -> code              10 (required)         10: unknown, derived type
 *  source       "edge" | "backend" | "system"      "backend"             15
 *  confidence   number -> float32                  12 (required)         12: not a number
 *  store_id     UUID text                          14 (required)         14
 *  org_id,      UUID text                          zero                  16
 *  camera_id,
 *  zone_id
 *  track_id     int64 -> flag bit 1                no flag               16
 *  bbox         [x, y, w, h] numbers -> flag bit 0 no flag               16
 *  subject_id   UUID text -> flag bit 2            no flag               16
 *  label        string, at most 64 UTF-8 bytes     ""                    17
 *  payload      object, its bytes as received      P = 0                 18; also 18 when it does
 *                                                                            not fit in one frame
 *  meta         object, whitespace removed         none                  18; also 18 over 65536 bytes
 *                                                                            or not I-JSON as a payload
 *                                                                            must be (the validator
 *                                                                            never sees meta)
 *  (event)      an object                                                19: not an object, or a
 *                                                                            field given twice
 * </pre>
 * <ul>
 *   <li>{@code source} defaults to {@code backend}: HTTP ingest is the backends' path.</li>
 *   <li>{@code org_id}, {@code camera_id} and {@code zone_id} that are not UUID text get 16, the
 *       code for the frame's reference fields whose text form can be malformed (bbox, track,
 *       subject): like a malformed {@code subject_id}, the id cannot be put into its field. 19 is
 *       kept for the structure of the event itself, which a field's value does not change.</li>
 *   <li>An array element, NDJSON line or whole body that is a JSON value but not an object (nor,
 *       for a whole body, an array), and an object with a known field given twice (Jackson's
 *       streaming parser would let the last one win silently), get 19: the event has no
 *       well-defined fields. Such an event is still answered and dead-lettered, never dropped.</li>
 *   <li>When several fields are wrong, the one reported is the first in the frame's field order
 *       (section 2), as for a detector's frame.</li>
 *   <li>Fraction digits of {@code ts} past the sixth are dropped.</li>
 * </ul>
 *
 * <p>Thread-safe: all state of a read lives in that call or in its {@link Cursor}. Allocates per event
 * (Jackson's field texts), but keeps nothing of an event once the next is read.
 */
public final class JsonEventReader {
    /** Deepest nesting of arrays and objects a body may have; a deeper body is refused whole. */
    public static final int MAX_NESTING_DEPTH = 1000;
    /** Longest non-UUID receipt key, in characters (code points). */
    public static final int MAX_RECEIPT_TEXT_CHARS = 64;
    /** Largest {@code meta} object, in bytes after whitespace is removed. */
    public static final int MAX_META_LENGTH = Protocol.MAX_FRAME_LENGTH;
    /** {@code source} when the event has none: HTTP ingest is the backends' path. */
    public static final int DEFAULT_SOURCE = EventFrame.SOURCE_BACKEND;

    // Field ids double as the rank of their failure: the protocol's check order (section 2).
    private static final int RANK_STRUCTURE = -1;
    private static final int F_RECEIPT_ID = 0;
    private static final int F_TS = 1;
    private static final int F_EVENT_NAME = 2;
    private static final int F_SOURCE = 3;
    private static final int F_CONFIDENCE = 4;
    private static final int F_STORE_ID = 5;
    private static final int F_ORG_ID = 6;
    private static final int F_CAMERA_ID = 7;
    private static final int F_ZONE_ID = 8;
    private static final int F_TRACK_ID = 9;
    private static final int F_BBOX = 10;
    private static final int F_SUBJECT_ID = 11;
    private static final int F_LABEL = 12;
    private static final int F_PAYLOAD = 13;
    private static final int F_META = 14;
    private static final int NO_FAILURE = Integer.MAX_VALUE;

    private static final String[] FIELD_NAMES = {
            "receipt_id", "ts", "event_name", "source", "confidence", "store_id", "org_id", "camera_id",
            "zone_id", "track_id", "bbox", "subject_id", "label", "payload", "meta"};

    /** Fields whose string value the reading asks Jackson for as text (so decodes in full); the others it skips. */
    private static final int READ_AS_TEXT = 1 << F_RECEIPT_ID | 1 << F_TS | 1 << F_EVENT_NAME | 1 << F_SOURCE
            | 1 << F_STORE_ID | 1 << F_ORG_ID | 1 << F_CAMERA_ID | 1 << F_ZONE_ID | 1 << F_SUBJECT_ID | 1 << F_LABEL;

    /** Where each UUID field's 16 bytes go, by field id; 0 for fields that are not optional UUIDs. */
    private static final int[] UUID_OFFSET = new int[FIELD_NAMES.length];

    static {
        UUID_OFFSET[F_STORE_ID] = EventFrame.STORE_ID_OFFSET;
        UUID_OFFSET[F_ORG_ID] = EventFrame.ORG_ID_OFFSET;
        UUID_OFFSET[F_CAMERA_ID] = EventFrame.CAMERA_ID_OFFSET;
        UUID_OFFSET[F_ZONE_ID] = EventFrame.ZONE_ID_OFFSET;
        UUID_OFFSET[F_SUBJECT_ID] = EventFrame.SUBJECT_ID_OFFSET;
    }

    // How a Cursor reads the body.
    private static final int DOCUMENT = 0;
    private static final int LINES = 1;
    private static final int LINES_ONE_PARSER = 2;

    private static final byte[] EMPTY = new byte[0];
    private static final int MAX_NAME_IN_REASON = 64;

    private final EventTypeRegistry registry;
    private final JsonFactory factory;

    public JsonEventReader(EventTypeRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
        // Lengths are bounded by the HTTP body limit; only nesting, which costs parser state per
        // level, keeps a bound of its own. A long number in a payload is the validator's to judge.
        this.factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING_DEPTH)
                        .maxNumberLength(Integer.MAX_VALUE)
                        .maxStringLength(Integer.MAX_VALUE)
                        .maxNameLength(Integer.MAX_VALUE)
                        .build())
                .build();
    }

    /**
     * Checks the whole of {@code body[offset, offset + length)} as {@link #read} would and counts its
     * events, building none, then returns a cursor that reads them one at a time: what HTTP ingest
     * runs before it puts the first event into the ring, so that a body it must refuse is refused
     * whole. The body is read where it lies (a composite of the pieces it arrived in, in direct
     * memory, is read without a copy); its reader and writer indexes are not used, and it must stay
     * unchanged and not be released until the cursor is closed.
     *
     * <p>NDJSON is first tried with one parser for the whole body, which costs far less than a parser
     * per line; a body that is not one JSON value on each non-blank line that way (or fails in any
     * way) is checked again line by line, which gives the exact answer.
     *
     * @return a cursor over {@link Cursor#count()} events, 0 only for an empty JSON array
     * @throws JsonBodyException exactly when {@link #read} would, with the same message
     */
    public Cursor check(ByteBuf body, int offset, int length, boolean ndjson) throws JsonBodyException {
        Objects.checkFromIndexSize(offset, length, body.capacity());
        if (ndjson) {
            try (Cursor oneParser = new Cursor(body, offset, length, LINES_ONE_PARSER, -1)) {
                return new Cursor(body, offset, length, LINES_ONE_PARSER, oneParser.skipAll());
            } catch (JsonBodyException | RuntimeException e) {
                // not one clean value per line, or not JSON: line by line decides
            }
        }
        int mode = ndjson ? LINES : DOCUMENT;
        try (Cursor exact = new Cursor(body, offset, length, mode, -1)) {
            return new Cursor(body, offset, length, mode, exact.skipAll());
        } catch (RuntimeException e) {
            throw new JsonBodyException("body could not be read: " + e);
        }
    }

    /**
     * Reads every event of {@code body[offset, offset + length)}: one JSON object, a JSON array of
     * them, or, when {@code ndjson}, one per non-blank line.
     *
     * @return one entry per input event, in input order; empty only for an empty JSON array
     * @throws JsonBodyException when the body (or an NDJSON line) is not UTF-8 JSON, is empty, or
     *                           has anything but whitespace after its value
     */
    public List<ParsedEvent> read(byte[] body, int offset, int length, boolean ndjson) throws JsonBodyException {
        Objects.checkFromIndexSize(offset, length, body.length);
        List<ParsedEvent> events = new ArrayList<>();
        try (Cursor cursor = new Cursor(Unpooled.wrappedBuffer(body), offset, length, ndjson ? LINES : DOCUMENT, -1)) {
            while (cursor.hasNext()) {
                events.add(cursor.next());
            }
            return events;
        } catch (RuntimeException e) {
            // Nothing in a body should get here; if something does, the body is refused, not the daemon.
            throw new JsonBodyException("body could not be read: " + e);
        }
    }

    /**
     * The reading of one body, event by event: {@link #hasNext}, then {@link #next()} (the event as a
     * {@link ParsedEvent}) or {@link #next(EventSlot, Origin, long, long)} (the event straight into a
     * ring slot). One thread at a time. Of an event it allocates
     * only what is asked for (a {@link ParsedEvent}) and the field texts Jackson gives as strings;
     * nothing of it is kept once the next is read.
     */
    public final class Cursor implements AutoCloseable {
        private final ByteBuf body;
        private final int bodyStart;
        private final int bodyEnd;
        private final int mode;
        private final int count;
        private final EventFrameEncoder encoder = new EventFrameEncoder();
        private final EventFields fields = new EventFields();
        private MessageDigest sha256;
        private JsonValidator jsonValidator;
        /** {@code meta} without whitespace, at most {@link #MAX_META_LENGTH} bytes. */
        private byte[] metaScratch;
        /** A frame's worth of the body at most, on its way into a slot. */
        private byte[] copyScratch;

        /** The parser over the whole body (a document, or NDJSON read with one parser). */
        private JsonParser document;
        private boolean inArray;
        // NDJSON: where the next line starts, and the number and end of the line being read.
        private int linePos;
        private int lineNumber;
        private int lineEnd;
        private boolean anyLine;

        /** The first token of the next event, when read ahead (a document, or NDJSON with one parser). */
        private JsonToken pending;
        /** The start of the next event's line (NDJSON), when found; else -1. */
        private int pendingLine = -1;
        private boolean done;

        // The event just read: where its JSON lies in the body, and the verdict on it.
        private int rawStart;
        private int rawEnd;
        private NackCode rejection;
        private String reason;
        private int frameLength;
        private int metaLength;

        private Cursor(ByteBuf body, int offset, int length, int mode, int count) {
            this.body = body;
            this.bodyStart = offset;
            this.bodyEnd = offset + length;
            this.mode = mode;
            this.count = count;
            this.linePos = offset;
        }

        /** The number of events in the body, as {@link #check} counted them. */
        public int count() {
            return count;
        }

        /** True when there is another event; reads ahead as far as its first token. */
        public boolean hasNext() throws JsonBodyException {
            if (done) {
                return false;
            }
            if (pending != null || pendingLine >= 0) {
                return true;
            }
            switch (mode) {
                case DOCUMENT:
                    return nextInDocument();
                case LINES:
                    return nextLine();
                default:
                    return nextLineOfOneParser();
            }
        }

        /** Reads the next event into a {@link ParsedEvent} of its own. */
        public ParsedEvent next() throws JsonBodyException {
            read(false);
            byte[] raw = copy(rawStart, rawEnd - rawStart);
            if (rejection != null) {
                return ParsedEvent.rejected(rejection, reason, raw);
            }
            byte[] frame = new byte[frameLength];
            encode(ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN));
            byte[] meta = metaLength < 0 ? null : Arrays.copyOf(metaScratch, metaLength);
            return ParsedEvent.accepted(frame, frameLength, meta, fields.receiptText, raw);
        }

        /**
         * Reads the next event and claims {@code slot} for it, as {@link ParsedEvent#copyInto} would
         * for the same event: its frame and extras, or, when this reader rejects it, its JSON (at most
         * a frame's worth) with the slot marked rejected.
         *
         * @return the code this reader rejected the event with ({@link #reason()} says why), or
         *         {@code null} when the event went in as a frame
         */
        public NackCode next(EventSlot slot, Origin origin, long originSeq, long receivedAtUs) throws JsonBodyException {
            read(false);
            if (rejection != null) {
                int kept = Math.min(rawEnd - rawStart, Protocol.MAX_FRAME_LENGTH);
                ByteBuffer buffer = slot.claimEvent(kept, origin, originSeq, receivedAtUs);
                buffer.put(0, scratchCopy(rawStart, kept), 0, kept);
                slot.reject(rejection);
                return rejection;
            }
            encode(slot.claimEvent(frameLength, origin, originSeq, receivedAtUs));
            int meta = Math.max(metaLength, 0);
            int receiptText = fields.receiptText == null ? 0 : fields.receiptText.length;
            if (meta + receiptText > 0) {
                ByteBuffer extra = slot.claimExtra(meta, receiptText);
                if (meta > 0) {
                    extra.put(EventExtras.META_OFFSET, metaScratch, 0, meta);
                }
                if (receiptText > 0) {
                    extra.put(EventExtras.META_OFFSET + meta, fields.receiptText, 0, receiptText);
                }
            }
            return null;
        }

        /** What exactly is wrong with the event just read, when this reader rejected it. */
        public String reason() {
            return reason;
        }

        /** Passes over the next event, checking it as a read would but building nothing. */
        private void skip() throws JsonBodyException {
            read(true);
        }

        @Override
        public void close() {
            done = true;
            if (document != null) {
                try {
                    document.close();
                } catch (IOException e) {
                    // nothing to release: the source is memory
                }
                document = null;
            }
        }

        /** Passes over every event left; returns how many there were. */
        private int skipAll() throws JsonBodyException {
            int n = 0;
            while (hasNext()) {
                skip();
                n++;
            }
            return n;
        }

        private void read(boolean skipOnly) throws JsonBodyException {
            if (!hasNext()) {
                throw new java.util.NoSuchElementException("no event left in the body");
            }
            if (mode == LINES) {
                int start = pendingLine;
                pendingLine = -1;
                line(start, lineEnd - start, lineNumber, skipOnly);
                return;
            }
            JsonToken first = pending;
            pending = null;
            pendingLine = -1;
            try {
                event(document, first, bodyStart, skipOnly);
            } catch (JsonProcessingException e) {
                throw notJson(e);
            } catch (IOException e) {
                throw new JsonBodyException("body could not be read: " + e.getMessage());
            }
            if (mode == LINES_ONE_PARSER && (rawEnd > lineEnd || !isBlank(rawEnd, lineEnd))) {
                throw new JsonBodyException("NDJSON line " + lineNumber + ": the event does not end on its line");
            }
        }

        private boolean nextInDocument() throws JsonBodyException {
            try {
                if (document == null) {
                    checkUtf8Start(bodyStart, bodyEnd - bodyStart, "body");
                    document = parser(bodyStart, bodyEnd - bodyStart);
                    JsonToken t = document.nextToken();
                    if (t == null) {
                        throw new JsonBodyException("body is empty");
                    }
                    if (t != JsonToken.START_ARRAY) {
                        pending = t;
                        return true;
                    }
                    inArray = true;
                }
                if (inArray) {
                    JsonToken t = document.nextToken();
                    if (t == null) {
                        throw new JsonBodyException("body ends inside its array");
                    }
                    if (t != JsonToken.END_ARRAY) {
                        pending = t;
                        return true;
                    }
                    inArray = false;
                }
                if (document.nextToken() != null) {
                    throw new JsonBodyException("body has more than one JSON value (at byte "
                            + (document.currentTokenLocation().getByteOffset()) + ")");
                }
            } catch (JsonProcessingException e) {
                throw notJson(e);
            } catch (IOException e) {
                throw new JsonBodyException("body could not be read: " + e.getMessage());
            }
            close();
            return false;
        }

        private JsonBodyException notJson(JsonProcessingException e) {
            return new JsonBodyException("body is not JSON" + where(e, 0, true) + ": " + e.getOriginalMessage());
        }

        /**
         * NDJSON with one parser: the next value must start on the next non-blank line, where a
         * parser for that line alone would start it. (That it also ends there is checked after it is
         * read.) Anything else fails, and {@link #check} then reads the body line by line.
         */
        private boolean nextLineOfOneParser() throws JsonBodyException {
            try {
                if (document == null) {
                    checkUtf8Start(bodyStart, bodyEnd - bodyStart, "body");
                    document = parser(bodyStart, bodyEnd - bodyStart);
                }
                if (!nextLine()) {
                    close();
                    return false;
                }
                int first = pendingLine;
                while (isWhitespace(body.getByte(first))) {
                    first++;
                }
                JsonToken t = document.nextToken();
                if (t == null || bodyStart + tokenOffset(document) != first) {
                    throw new JsonBodyException("NDJSON line " + lineNumber + ": not where one parser per line would start");
                }
                pending = t;
                return true;
            } catch (JsonProcessingException e) {
                throw notJson(e);
            } catch (IOException e) {
                throw new JsonBodyException("body could not be read: " + e.getMessage());
            }
        }

        /** Finds the next non-blank NDJSON line. */
        private boolean nextLine() throws JsonBodyException {
            while (linePos < bodyEnd) {
                int start = linePos;
                int end = body.indexOf(start, bodyEnd, (byte) '\n');
                if (end < 0) {
                    end = bodyEnd;
                }
                lineNumber++;
                linePos = end + 1;
                if (!isBlank(start, end)) {
                    anyLine = true;
                    pendingLine = start;
                    lineEnd = end;
                    return true;
                }
            }
            if (!anyLine) {
                throw new JsonBodyException("body is empty");
            }
            done = true;
            return false;
        }

        private void line(int offset, int length, int line, boolean skipOnly) throws JsonBodyException {
            checkUtf8Start(offset, length, "NDJSON line " + line);
            try (JsonParser p = parser(offset, length)) {
                JsonToken t = p.nextToken();
                if (t == null) {
                    throw new JsonBodyException("NDJSON line " + line + " is not JSON");
                }
                event(p, t, offset, skipOnly);
                if (p.nextToken() != null) {
                    throw new JsonBodyException("NDJSON line " + line + " has more than one JSON value (at column "
                            + p.currentTokenLocation().getColumnNr() + ")");
                }
            } catch (JsonProcessingException e) {
                throw new JsonBodyException("NDJSON line " + line + " is not JSON" + where(e, offset - bodyStart, false)
                        + ": " + e.getOriginalMessage());
            } catch (IOException e) {
                throw new JsonBodyException("NDJSON line " + line + " could not be read: " + e.getMessage());
            }
        }

        /** A parser over {@code body[offset, offset + length)}; byte offsets it reports count from {@code offset}. */
        private JsonParser parser(int offset, int length) throws IOException {
            if (body.hasArray()) {
                return factory.createParser(body.array(), body.arrayOffset() + offset, length);
            }
            return factory.createParser((InputStream) new ByteBufInputStream(body.slice(offset, length)));
        }

        /**
         * Reads one event whose first token {@code first} has just been read; {@code base} is the
         * parser's start in body. Leaves the verdict in {@link #rejection}, {@link #frameLength} etc.
         */
        private void event(JsonParser p, JsonToken first, int base, boolean skipOnly) throws IOException, JsonBodyException {
            if (skipOnly) {
                skipEvent(p, first, base);
                return;
            }
            int start = base + tokenOffset(p);
            if (first != JsonToken.START_OBJECT) {
                int end = base + endOfValue(p, first);
                while (end > start + 1 && isWhitespace(body.getByte(end - 1))) {
                    end--;
                }
                rawStart = start;
                rawEnd = end;
                reject(NackCode.LENGTH_MISMATCH, "event: not a JSON object");
                return;
            }
            EventFields e = fields.reset();
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                int field = fieldId(p.currentName());
                JsonToken value = p.nextToken();
                if (field < 0) {
                    p.skipChildren();
                } else if ((e.seen & (1 << field)) != 0) {
                    e.fail(RANK_STRUCTURE, NackCode.LENGTH_MISMATCH, "event: field \"" + FIELD_NAMES[field] + "\" given twice");
                    p.skipChildren();
                } else {
                    e.seen |= 1 << field;
                    field(p, value, field, e, base);
                }
            }
            if (t != JsonToken.END_OBJECT) {
                throw new JsonBodyException("unexpected " + t + " in an event object");
            }
            rawStart = start;
            rawEnd = base + tokenOffset(p) + 1;
            decide(e);
        }

        /**
         * Passes over one event as {@link #event} reads it, building nothing: the same tokens, and
         * the same strings decoded in full (a field's text that the event's reading asks Jackson for),
         * so that it fails exactly where reading would.
         */
        private void skipEvent(JsonParser p, JsonToken first, int base) throws IOException, JsonBodyException {
            int start = base + tokenOffset(p);
            if (first != JsonToken.START_OBJECT) {
                int end = base + endOfValue(p, first);
                while (end > start + 1 && isWhitespace(body.getByte(end - 1))) {
                    end--;
                }
                rawStart = start;
                rawEnd = end;
                return;
            }
            int seen = 0;
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                int field = fieldId(p.currentName());
                JsonToken value = p.nextToken();
                if (field >= 0 && (seen & (1 << field)) == 0) {
                    seen |= 1 << field;
                    if (value == JsonToken.VALUE_STRING && (READ_AS_TEXT & (1 << field)) != 0) {
                        p.finishToken();
                        continue;
                    }
                    if (value == JsonToken.START_OBJECT && (field == F_PAYLOAD || field == F_META)) {
                        tokenOffset(p);
                        p.skipChildren();
                        tokenOffset(p);
                        continue;
                    }
                }
                p.skipChildren();
            }
            if (t != JsonToken.END_OBJECT) {
                throw new JsonBodyException("unexpected " + t + " in an event object");
            }
            rawStart = start;
            rawEnd = base + tokenOffset(p) + 1;
        }

        private void reject(NackCode code, String why) {
            rejection = code;
            reason = why;
            frameLength = 0;
            metaLength = -1;
        }

        private void field(JsonParser p, JsonToken t, int field, EventFields e, int base) throws IOException, JsonBodyException {
            switch (field) {
                case F_RECEIPT_ID:
                    receiptId(p, t, e);
                    break;
                case F_TS:
                    if (t == JsonToken.VALUE_STRING) {
                        e.tsUs = Rfc3339.parseMicros(p.getText());
                        if (e.tsUs == Rfc3339.INVALID) {
                            e.fail(F_TS, NackCode.BAD_TIMESTAMP, "ts: not an RFC 3339 date-time with an offset");
                        }
                    } else {
                        wrongType(p, t, F_TS, NackCode.BAD_TIMESTAMP, "ts: not a string");
                    }
                    break;
                case F_EVENT_NAME:
                    eventName(p, t, e);
                    break;
                case F_SOURCE:
                    source(p, t, e);
                    break;
                case F_CONFIDENCE:
                    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                        // Straight from the text: a decimal rounded once to float32, not via double.
                        e.confidence = Float.parseFloat(p.getText());
                    } else {
                        wrongType(p, t, F_CONFIDENCE, NackCode.BAD_CONFIDENCE, "confidence: not a number");
                    }
                    break;
                case F_STORE_ID:
                    uuid(p, t, F_STORE_ID, NackCode.ZERO_STORE_ID, e);
                    break;
                case F_ORG_ID:
                case F_CAMERA_ID:
                case F_ZONE_ID:
                case F_SUBJECT_ID:
                    uuid(p, t, field, NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, e);
                    break;
                case F_TRACK_ID:
                    trackId(p, t, e);
                    break;
                case F_BBOX:
                    bbox(p, t, e);
                    break;
                case F_LABEL:
                    label(p, t, e);
                    break;
                case F_PAYLOAD:
                case F_META:
                    object(p, t, field, e, base);
                    break;
                default:
                    p.skipChildren();
            }
        }

        private void receiptId(JsonParser p, JsonToken t, EventFields e) throws IOException {
            if (t != JsonToken.VALUE_STRING) {
                wrongType(p, t, F_RECEIPT_ID, NackCode.ZERO_RECEIPT_ID, "receipt_id: not a string");
                return;
            }
            String s = p.getText();
            if (Uuids.isCanonical(s)) {
                e.receiptMsb = Uuids.msb(s);
                e.receiptLsb = Uuids.lsb(s);
                return;
            }
            if (s.isEmpty()) {
                e.fail(F_RECEIPT_ID, NackCode.ZERO_RECEIPT_ID, "receipt_id: empty");
            } else if (s.codePointCount(0, s.length()) > MAX_RECEIPT_TEXT_CHARS) {
                e.fail(F_RECEIPT_ID, NackCode.ZERO_RECEIPT_ID,
                        "receipt_id: longer than " + MAX_RECEIPT_TEXT_CHARS + " characters and not a UUID");
            } else if (hasLoneSurrogate(s)) {
                e.fail(F_RECEIPT_ID, NackCode.ZERO_RECEIPT_ID, "receipt_id: not valid Unicode (a lone surrogate)");
            } else {
                byte[] text = s.getBytes(StandardCharsets.UTF_8);
                byte[] hash = sha256().digest(text);
                e.receiptMsb = longAt(hash, 0);
                e.receiptLsb = longAt(hash, 8);
                e.receiptText = text;
                if (e.receiptMsb == 0 && e.receiptLsb == 0) {
                    e.fail(F_RECEIPT_ID, NackCode.ZERO_RECEIPT_ID, "receipt_id: hashes to zero");
                }
            }
        }

        private void eventName(JsonParser p, JsonToken t, EventFields e) throws IOException {
            if (t != JsonToken.VALUE_STRING) {
                wrongType(p, t, F_EVENT_NAME, NackCode.UNKNOWN_EVENT_TYPE, "event_name: not a string");
                return;
            }
            String name = p.getText();
            int code = registry.code(name);
            if (code < 0) {
                e.fail(F_EVENT_NAME, NackCode.UNKNOWN_EVENT_TYPE, "event_name: unknown \"" + shorten(name) + "\"");
            } else if (!registry.isAcceptedFromDetector(code)) {
                e.fail(F_EVENT_NAME, NackCode.UNKNOWN_EVENT_TYPE,
                        "event_name: \"" + shorten(name) + "\" is derived by the daemon and not accepted as input");
            } else {
                e.eventType = code;
            }
        }

        private void source(JsonParser p, JsonToken t, EventFields e) throws IOException {
            if (t == JsonToken.VALUE_NULL) {
                return;
            }
            if (t == JsonToken.VALUE_STRING) {
                switch (p.getText()) {
                    case "edge":
                        e.source = EventFrame.SOURCE_EDGE;
                        return;
                    case "backend":
                        e.source = EventFrame.SOURCE_BACKEND;
                        return;
                    case "system":
                        e.source = EventFrame.SOURCE_SYSTEM;
                        return;
                    default:
                        break;
                }
            }
            wrongType(p, t, F_SOURCE, NackCode.BAD_SOURCE, "source: not one of \"edge\", \"backend\", \"system\"");
        }

        private void uuid(JsonParser p, JsonToken t, int field, NackCode code, EventFields e) throws IOException {
            if (t == JsonToken.VALUE_NULL) {
                if (field == F_STORE_ID) {
                    e.fail(F_STORE_ID, code, "store_id: missing (null)");
                }
                return; // zero
            }
            if (t == JsonToken.VALUE_STRING) {
                String s = p.getText();
                if (Uuids.isCanonical(s)) {
                    e.present |= 1 << field;
                    e.msb[field] = Uuids.msb(s);
                    e.lsb[field] = Uuids.lsb(s);
                    return;
                }
            }
            wrongType(p, t, field, code, FIELD_NAMES[field] + ": not a UUID");
        }

        private void trackId(JsonParser p, JsonToken t, EventFields e) throws IOException {
            if (t == JsonToken.VALUE_NULL) {
                return;
            }
            if (t == JsonToken.VALUE_NUMBER_INT) {
                JsonParser.NumberType type = p.getNumberType();
                if (type == JsonParser.NumberType.INT || type == JsonParser.NumberType.LONG) {
                    e.present |= 1 << F_TRACK_ID;
                    e.trackId = p.getLongValue();
                } else {
                    e.fail(F_TRACK_ID, NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, "track_id: outside the int64 range");
                }
                return;
            }
            wrongType(p, t, F_TRACK_ID, NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, "track_id: not an integer");
        }

        private void bbox(JsonParser p, JsonToken t, EventFields e) throws IOException {
            if (t == JsonToken.VALUE_NULL) {
                return;
            }
            if (t != JsonToken.START_ARRAY) {
                wrongType(p, t, F_BBOX, NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, "bbox: not an array [x, y, w, h]");
                return;
            }
            int count = 0;
            boolean numbers = true;
            JsonToken c;
            while ((c = p.nextToken()) != JsonToken.END_ARRAY) {
                if (c == JsonToken.VALUE_NUMBER_INT || c == JsonToken.VALUE_NUMBER_FLOAT) {
                    if (count < 4) {
                        e.bbox[count] = Float.parseFloat(p.getText());
                    }
                } else {
                    numbers = false;
                    p.skipChildren();
                }
                count++;
            }
            if (!numbers || count != 4) {
                e.fail(F_BBOX, NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, "bbox: not an array of four numbers [x, y, w, h]");
            } else {
                e.present |= 1 << F_BBOX;
            }
        }

        private void label(JsonParser p, JsonToken t, EventFields e) throws IOException {
            if (t == JsonToken.VALUE_NULL) {
                return;
            }
            if (t != JsonToken.VALUE_STRING) {
                wrongType(p, t, F_LABEL, NackCode.BAD_LABEL, "label: not a string");
                return;
            }
            String s = p.getText();
            if (hasLoneSurrogate(s)) {
                e.fail(F_LABEL, NackCode.BAD_LABEL, "label: not valid Unicode (a lone surrogate)");
                return;
            }
            byte[] label = s.getBytes(StandardCharsets.UTF_8);
            if (label.length > EventFrame.MAX_LABEL_LENGTH) {
                e.fail(F_LABEL, NackCode.BAD_LABEL, "label: longer than " + EventFrame.MAX_LABEL_LENGTH + " UTF-8 bytes");
                return;
            }
            e.label = label;
        }

        /** payload or meta: remembers where the object's bytes lie in the body. */
        private void object(JsonParser p, JsonToken t, int field, EventFields e, int base) throws IOException, JsonBodyException {
            if (t == JsonToken.VALUE_NULL) {
                return;
            }
            if (t != JsonToken.START_OBJECT) {
                wrongType(p, t, field, NackCode.BAD_PAYLOAD, FIELD_NAMES[field] + ": not a JSON object");
                return;
            }
            int start = base + tokenOffset(p);
            p.skipChildren();
            int end = base + tokenOffset(p) + 1;
            if (field == F_PAYLOAD) {
                e.payloadStart = start;
                e.payloadLength = end - start;
            } else {
                e.metaStart = start;
                e.metaLength = end - start;
            }
        }

        private void wrongType(JsonParser p, JsonToken t, int field, NackCode code, String reason) throws IOException {
            if (t == JsonToken.VALUE_NULL) {
                fields.fail(field, code, FIELD_NAMES[field] + ": missing (null)");
            } else {
                fields.fail(field, code, reason);
            }
            p.skipChildren();
        }

        /** Decides what {@link #read} makes of the event whose fields were just read; meta goes to the scratch. */
        private void decide(EventFields e) {
            requirePresent(e, F_RECEIPT_ID, NackCode.ZERO_RECEIPT_ID);
            requirePresent(e, F_TS, NackCode.BAD_TIMESTAMP);
            requirePresent(e, F_EVENT_NAME, NackCode.UNKNOWN_EVENT_TYPE);
            requirePresent(e, F_CONFIDENCE, NackCode.BAD_CONFIDENCE);
            if ((e.present & (1 << F_STORE_ID)) == 0) {
                e.fail(F_STORE_ID, NackCode.ZERO_STORE_ID, "store_id: missing");
            }
            if (e.failCode != null) {
                reject(e.failCode, e.failReason);
                return;
            }
            int labelLength = e.label.length;
            int length = EventFrameEncoder.frameLength(labelLength, e.payloadLength);
            if (length > Protocol.MAX_FRAME_LENGTH) {
                reject(NackCode.BAD_PAYLOAD, "payload: " + e.payloadLength + " bytes; at most "
                        + (Protocol.MAX_FRAME_LENGTH - EventFrame.MIN_LENGTH - labelLength) + " fit in a frame with this label");
                return;
            }
            int meta = -1;
            if (e.metaStart >= 0) {
                int room = Math.min(e.metaLength, MAX_META_LENGTH);
                if (metaScratch == null || metaScratch.length < room) {
                    metaScratch = new byte[room];
                }
                meta = compact(body, e.metaStart, e.metaStart + e.metaLength, metaScratch, room);
                if (meta < 0) {
                    reject(NackCode.BAD_PAYLOAD, "meta: larger than " + MAX_META_LENGTH + " bytes");
                    return;
                }
                if (!jsonValidator().isValidObject(ByteBuffer.wrap(metaScratch), 0, meta)) {
                    reject(NackCode.BAD_PAYLOAD, "meta: not an I-JSON object nested at most "
                            + JsonValidator.MAX_DEPTH + " deep (as a payload must be)");
                    return;
                }
            }
            rejection = null;
            reason = null;
            frameLength = length;
            metaLength = meta;
        }

        /** Writes the frame of the event just read, accepted by {@link #decide}, at index 0 of {@code dst}. */
        private void encode(ByteBuffer dst) {
            EventFields e = fields;
            encoder.wrap(dst, 0)
                    .seq(0)
                    .receiptId(e.receiptMsb, e.receiptLsb)
                    .tsUs(e.tsUs)
                    .eventType(e.eventType)
                    .source(e.source)
                    .confidence(e.confidence);
            int flags = 0;
            for (int field = F_STORE_ID; field <= F_SUBJECT_ID; field++) {
                if (UUID_OFFSET[field] != 0 && (e.present & (1 << field)) != 0) {
                    encoder.uuid(UUID_OFFSET[field], e.msb[field], e.lsb[field]);
                }
            }
            if ((e.present & (1 << F_TRACK_ID)) != 0) {
                encoder.trackId(e.trackId);
                flags |= EventFrame.FLAG_TRACK;
            }
            if ((e.present & (1 << F_BBOX)) != 0) {
                encoder.bbox(e.bbox[0], e.bbox[1], e.bbox[2], e.bbox[3]);
                flags |= EventFrame.FLAG_BBOX;
            }
            if ((e.present & (1 << F_SUBJECT_ID)) != 0) {
                flags |= EventFrame.FLAG_SUBJECT;
            }
            encoder.flags(flags);
            encoder.label(e.label, 0, e.label.length);
            if (e.payloadLength > 0) {
                encoder.payload(scratchCopy(e.payloadStart, e.payloadLength), 0, e.payloadLength);
            }
            encoder.finish();
        }

        private byte[] copy(int from, int length) {
            byte[] bytes = new byte[length];
            body.getBytes(from, bytes);
            return bytes;
        }

        /** {@code body[from, from + length)}, at most a frame's worth, at the start of a scratch array. */
        private byte[] scratchCopy(int from, int length) {
            if (copyScratch == null || copyScratch.length < length) {
                copyScratch = new byte[Math.max(length, 1024)];
            }
            body.getBytes(from, copyScratch, 0, length);
            return copyScratch;
        }

        private void requirePresent(EventFields e, int field, NackCode code) {
            if ((e.seen & (1 << field)) == 0) {
                e.fail(field, code, FIELD_NAMES[field] + ": missing");
            }
        }

        private JsonValidator jsonValidator() {
            if (jsonValidator == null) {
                jsonValidator = new JsonValidator();
            }
            return jsonValidator;
        }

        private MessageDigest sha256() {
            if (sha256 == null) {
                try {
                    sha256 = MessageDigest.getInstance("SHA-256");
                } catch (NoSuchAlgorithmException e) {
                    throw new IllegalStateException("every Java platform has SHA-256", e);
                }
            }
            return sha256;
        }

        /**
         * Jackson would read UTF-16 or UTF-32 too (and then report no byte offsets); JSON between
         * systems is UTF-8, whose text never starts with a NUL byte or a UTF-16 byte-order mark.
         */
        private void checkUtf8Start(int offset, int length, String what) throws JsonBodyException {
            if (length >= 2 && ((body.getByte(offset) & 0xFF) == 0xFE && (body.getByte(offset + 1) & 0xFF) == 0xFF
                    || (body.getByte(offset) & 0xFF) == 0xFF && (body.getByte(offset + 1) & 0xFF) == 0xFE)) {
                throw new JsonBodyException(what + " is not UTF-8 (it starts with a UTF-16 byte-order mark)");
            }
            for (int i = offset; i < offset + Math.min(length, 4); i++) {
                if (body.getByte(i) == 0) {
                    throw new JsonBodyException(what + " is not UTF-8 JSON (a NUL byte at byte " + (i - bodyStart) + ")");
                }
            }
        }

        private boolean isBlank(int from, int to) {
            for (int i = from; i < to; i++) {
                if (!isWhitespace(body.getByte(i))) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Byte offset of the current token from the parser's start. */
    private static int tokenOffset(JsonParser p) throws JsonBodyException {
        long offset = p.currentTokenLocation().getByteOffset();
        if (offset < 0) {
            throw new JsonBodyException("body is not UTF-8");
        }
        return (int) offset;
    }

    /** Consumes the value {@code t} starts and returns its end (exclusive) from the parser's start. */
    private static int endOfValue(JsonParser p, JsonToken t) throws IOException, JsonBodyException {
        if (t == JsonToken.START_ARRAY) {
            p.skipChildren();
            return tokenOffset(p) + 1;
        }
        p.finishToken();
        long end = p.currentLocation().getByteOffset();
        int start = tokenOffset(p);
        // A number's end is found by reading one byte past it, which may be whitespace.
        return (int) Math.max(start + 1, end);
    }

    private static int fieldId(String name) {
        switch (name) {
            case "receipt_id":
                return F_RECEIPT_ID;
            case "ts":
                return F_TS;
            case "event_name":
                return F_EVENT_NAME;
            case "source":
                return F_SOURCE;
            case "confidence":
                return F_CONFIDENCE;
            case "store_id":
                return F_STORE_ID;
            case "org_id":
                return F_ORG_ID;
            case "camera_id":
                return F_CAMERA_ID;
            case "zone_id":
                return F_ZONE_ID;
            case "track_id":
                return F_TRACK_ID;
            case "bbox":
                return F_BBOX;
            case "subject_id":
                return F_SUBJECT_ID;
            case "label":
                return F_LABEL;
            case "payload":
                return F_PAYLOAD;
            case "meta":
                return F_META;
            default:
                return -1;
        }
    }

    private static String where(JsonProcessingException e, int lineOffsetInBody, boolean withLine) {
        JsonLocation location = e.getLocation();
        if (location == null) {
            return "";
        }
        StringBuilder s = new StringBuilder(" at ");
        if (withLine) {
            s.append("line ").append(location.getLineNr()).append(", ");
        }
        s.append("column ").append(location.getColumnNr());
        if (location.getByteOffset() >= 0) {
            s.append(" (byte ").append(lineOffsetInBody + location.getByteOffset()).append(')');
        }
        return s.toString();
    }

    /** JSON's insignificant whitespace (RFC 8259 section 2). */
    private static boolean isWhitespace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }

    /**
     * Copies the JSON text {@code src[from, to)} into {@code out} without the whitespace between its
     * tokens; returns its length, or -1 when it does not fit in {@code room} bytes of {@code out}.
     */
    static int compact(ByteBuf src, int from, int to, byte[] out, int room) {
        int n = 0;
        boolean inString = false;
        for (int i = from; i < to; i++) {
            byte b = src.getByte(i);
            if (inString) {
                if (n == room) {
                    return -1;
                }
                out[n++] = b;
                if (b == '\\' && i + 1 < to) {
                    if (n == room) {
                        return -1;
                    }
                    out[n++] = src.getByte(++i);
                } else if (b == '"') {
                    inString = false;
                }
            } else if (!isWhitespace(b)) {
                if (n == room) {
                    return -1;
                }
                out[n++] = b;
                inString = b == '"';
            }
        }
        return n;
    }

    static boolean hasLoneSurrogate(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    return true;
                }
            } else if (Character.isLowSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private static long longAt(byte[] b, int from) {
        long value = 0;
        for (int i = from; i < from + 8; i++) {
            value = value << 8 | (b[i] & 0xFF);
        }
        return value;
    }

    private static String shorten(String s) {
        return s.length() <= MAX_NAME_IN_REASON ? s : s.substring(0, MAX_NAME_IN_REASON) + "...";
    }

    /** The fields of the event being read; reset for each. */
    private static final class EventFields {
        int seen;
        int present;
        int failRank;
        NackCode failCode;
        String failReason;

        long receiptMsb;
        long receiptLsb;
        byte[] receiptText;
        long tsUs;
        int eventType;
        int source;
        float confidence;
        final long[] msb = new long[FIELD_NAMES.length];
        final long[] lsb = new long[FIELD_NAMES.length];
        long trackId;
        final float[] bbox = new float[4];
        byte[] label;
        int payloadStart;
        int payloadLength;
        int metaStart;
        int metaLength;

        EventFields reset() {
            seen = 0;
            present = 0;
            failRank = NO_FAILURE;
            failCode = null;
            failReason = null;
            receiptMsb = 0;
            receiptLsb = 0;
            receiptText = null;
            tsUs = 0;
            eventType = 0;
            source = DEFAULT_SOURCE;
            confidence = 0;
            Arrays.fill(msb, 0);
            Arrays.fill(lsb, 0);
            trackId = 0;
            Arrays.fill(bbox, 0);
            label = EMPTY;
            payloadStart = -1;
            payloadLength = 0;
            metaStart = -1;
            metaLength = 0;
            return this;
        }

        /** Records a failure unless one earlier in the protocol's check order is already recorded. */
        void fail(int rank, NackCode code, String reason) {
            if (rank < failRank) {
                failRank = rank;
                failCode = code;
                failReason = reason;
            }
        }
    }
}
