package dev.watchpost.handlers.enrich;

import dev.watchpost.ringbuffer.Enrichment;
import dev.watchpost.ringbuffer.codec.EventFrame;

import java.nio.ByteBuffer;

/**
 * The event being enriched, read in place: its fields, and the facts earlier enrichers set. Valid
 * only during the {@link Enricher#enrich} call it is given to; one instance is reused for every
 * event. UUIDs come as the halves {@link java.util.UUID} holds; the nil UUID (0, 0) means absent.
 */
public final class EnrichContext {
    private EventFrame frame;
    private Enrichment facts;
    private long seq;
    private boolean derived;

    void wrap(EventFrame frame, Enrichment facts, long seq, boolean derived) {
        this.frame = frame;
        this.facts = facts;
        this.seq = seq;
        this.derived = derived;
    }

    /** Its journal seq. */
    public long seq() {
        return seq;
    }

    /** True for an event the daemon derived itself (track.*, …). */
    public boolean isDerived() {
        return derived;
    }

    public int eventType() {
        return frame.eventType();
    }

    /** Event time, microseconds since the epoch. */
    public long tsUs() {
        return frame.tsUs();
    }

    public float confidence() {
        return frame.confidence();
    }

    public long cameraMsb() {
        return frame.uuidMsb(EventFrame.CAMERA_ID_OFFSET);
    }

    public long cameraLsb() {
        return frame.uuidLsb(EventFrame.CAMERA_ID_OFFSET);
    }

    public long zoneMsb() {
        return frame.uuidMsb(EventFrame.ZONE_ID_OFFSET);
    }

    public long zoneLsb() {
        return frame.uuidLsb(EventFrame.ZONE_ID_OFFSET);
    }

    public long storeMsb() {
        return frame.uuidMsb(EventFrame.STORE_ID_OFFSET);
    }

    public long storeLsb() {
        return frame.uuidLsb(EventFrame.STORE_ID_OFFSET);
    }

    public boolean hasSubject() {
        return frame.hasSubject();
    }

    /** The subject's id; (0, 0) when it has none. */
    public long subjectMsb() {
        return frame.hasSubject() ? frame.uuidMsb(EventFrame.SUBJECT_ID_OFFSET) : 0;
    }

    public long subjectLsb() {
        return frame.hasSubject() ? frame.uuidLsb(EventFrame.SUBJECT_ID_OFFSET) : 0;
    }

    public boolean hasTrack() {
        return frame.hasTrack();
    }

    public long trackId() {
        return frame.trackId();
    }

    /** Bytes of the label (UTF-8). */
    public int labelLength() {
        return frame.labelLength();
    }

    /** The label's {@code i}th byte. */
    public byte labelByte(int i) {
        return frame.buffer().get(frame.labelIndex() + i);
    }

    /** True when the label is exactly these UTF-8 bytes. */
    public boolean labelEquals(byte[] utf8) {
        int length = frame.labelLength();
        if (length != utf8.length) {
            return false;
        }
        ByteBuffer b = frame.buffer();
        int at = frame.labelIndex();
        for (int i = 0; i < length; i++) {
            if (b.get(at + i) != utf8[i]) {
                return false;
            }
        }
        return true;
    }

    /** The severity set so far, or {@link Enrichment#NO_SEVERITY}. */
    public int severity() {
        return facts.severity();
    }

    /** The watch-list tag bits set so far. */
    public long tags() {
        return facts.tags();
    }
}
