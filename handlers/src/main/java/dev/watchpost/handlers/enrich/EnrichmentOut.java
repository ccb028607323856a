package dev.watchpost.handlers.enrich;

import dev.watchpost.ringbuffer.Enrichment;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Where an enricher writes: members of the event's {@code enrichment} JSON object, and the facts
 * later stages read (severity, watch-list tags). A member is either a precomputed fragment
 * ({@code "name":value}, see {@link #fragment}) or a name followed by exactly one value; fragments and
 * raw values must be valid JSON (they are copied as they are). The object is bounded
 * ({@link #MAX_OBJECT} bytes): what would not fit is not written, and the enricher's call counts as
 * failed, as does a name left without its value or a value without a name. Reused for every event;
 * no method allocates.
 */
public final class EnrichmentOut {
    /** Most bytes of one event's enrichment object, before the failed/overrun/skipped lists. */
    public static final int MAX_OBJECT = 4096;

    private final byte[] bytes;
    private int p;
    private int members;
    private boolean overflow;
    /** A name was written and its value not yet. */
    private boolean expectValue;
    /** A call out of order: a value without a name, a member or name while a value is due. */
    private boolean misuse;
    private Enrichment facts;

    EnrichmentOut(int listRoom) {
        this.bytes = new byte[MAX_OBJECT + listRoom];
    }

    void reset(Enrichment facts) {
        this.facts = facts;
        bytes[0] = '{';
        p = 1;
        members = 0;
        overflow = false;
        expectValue = false;
        misuse = false;
    }

    int mark() {
        return p;
    }

    int memberMark() {
        return members;
    }

    void rollback(int mark, int memberMark) {
        p = mark;
        members = memberMark;
        overflow = false;
        expectValue = false;
        misuse = false;
    }

    /** True when the last enricher's writes cannot stand: past the bound, or out of order. */
    boolean spoiled() {
        return overflow || misuse || expectValue;
    }

    byte[] array() {
        return bytes;
    }

    int position() {
        return p;
    }

    int members() {
        return members;
    }

    /** Appends raw bytes past the bound; the stage's own lists only. */
    void putUnbounded(byte[] text) {
        System.arraycopy(text, 0, bytes, p, text.length);
        p += text.length;
    }

    void countMember() {
        members++;
    }

    void putUnbounded(byte c) {
        bytes[p++] = c;
    }

    /** The bytes of a member {@code "name":value} built at configuration time from a name and a JSON value. */
    public static byte[] fragment(String name, String jsonValue) {
        return (Json.string(name) + ":" + jsonValue).getBytes(StandardCharsets.UTF_8);
    }

    /** Appends a precomputed member (see {@link #fragment}). */
    public EnrichmentOut member(byte[] fragment) {
        if (expectValue) {
            misuse = true;
        }
        if (!room(fragment.length + 1)) {
            return this;
        }
        comma();
        System.arraycopy(fragment, 0, bytes, p, fragment.length);
        p += fragment.length;
        return this;
    }

    /** Starts a member: {@code nameJson} is the quoted name and colon as bytes, e.g. {@code "score":}; a value call follows. */
    public EnrichmentOut name(byte[] nameJson) {
        if (expectValue) {
            misuse = true;
        }
        expectValue = true;
        if (!room(nameJson.length + 1)) {
            return this;
        }
        comma();
        System.arraycopy(nameJson, 0, bytes, p, nameJson.length);
        p += nameJson.length;
        return this;
    }

    /** A precomputed JSON value. */
    public EnrichmentOut value(byte[] json) {
        if (!valueDue()) {
            return this;
        }
        if (room(json.length)) {
            System.arraycopy(json, 0, bytes, p, json.length);
            p += json.length;
        }
        return this;
    }

    public EnrichmentOut value(long n) {
        if (!valueDue() || !room(20)) {
            return this;
        }
        if (n < 0) {
            if (n == Long.MIN_VALUE) {
                n = Long.MIN_VALUE + 1; // never a real value here
            }
            bytes[p++] = '-';
            n = -n;
        }
        int digits = 1;
        for (long v = n; v >= 10; v /= 10) {
            digits++;
        }
        for (int i = p + digits - 1; i >= p; i--) {
            bytes[i] = (byte) ('0' + n % 10);
            n /= 10;
        }
        p += digits;
        return this;
    }

    /** A JSON string of valid UTF-8 bytes read in place (a label): quote, backslash and control characters escaped. */
    public EnrichmentOut value(ByteBuffer utf8, int from, int length) {
        if (!valueDue() || !room(2 + 6 * length)) {
            return this;
        }
        bytes[p++] = '"';
        for (int i = 0; i < length; i++) {
            p = Json.escape(utf8.get(from + i), bytes, p);
        }
        bytes[p++] = '"';
        return this;
    }

    public void severity(int severity) {
        facts.severity(severity);
    }

    /** The severity set so far, or {@link Enrichment#NO_SEVERITY}. */
    public int severity() {
        return facts.severity();
    }

    /** Adds watch-list tag bits. */
    public void addTags(long bits) {
        facts.tags(facts.tags() | bits);
    }

    public long tags() {
        return facts.tags();
    }

    private boolean valueDue() {
        if (!expectValue) {
            misuse = true;
            return false;
        }
        expectValue = false;
        return true;
    }

    private boolean room(int n) {
        if (overflow || p + n > MAX_OBJECT) {
            overflow = true;
            return false;
        }
        return true;
    }

    private void comma() {
        if (members++ > 0) {
            bytes[p++] = ',';
        }
    }
}
