package dev.watchpost.daemon.json;

import dev.watchpost.ringbuffer.EventExtras;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.Protocol;
import dev.watchpost.ringbuffer.Origin;
import dev.watchpost.ringbuffer.codec.NackCode;

import java.nio.ByteBuffer;

/**
 * One event of an HTTP ingest body, as {@link JsonEventReader#read} read it: either the EVENT frame a
 * detector would have sent (seq 0) with the HTTP-only extras, or a rejection that the JSON form
 * alone decides (a field that cannot be put into a frame). Either way it goes into the ring through
 * {@link #copyInto}, so that the pipeline answers, dead-letters and counts both kinds alike. (HTTP
 * ingest itself reads each event straight into its slot, {@link JsonEventReader.Cursor#next(
 * dev.watchpost.ringbuffer.EventSlot, Origin, long, long)}, with the same result.)
 *
 * <p>Immutable once built; the arrays returned are the event's own, not copies: do not modify them.
 */
public final class ParsedEvent {
    private final NackCode rejection;
    private final String reason;
    private final byte[] frame;
    private final int frameLength;
    private final byte[] meta;
    private final byte[] receiptText;
    private final byte[] raw;

    private ParsedEvent(NackCode rejection, String reason, byte[] frame, int frameLength,
                        byte[] meta, byte[] receiptText, byte[] raw) {
        this.rejection = rejection;
        this.reason = reason;
        this.frame = frame;
        this.frameLength = frameLength;
        this.meta = meta;
        this.receiptText = receiptText;
        this.raw = raw;
    }

    static ParsedEvent accepted(byte[] frame, int frameLength, byte[] meta, byte[] receiptText, byte[] raw) {
        return new ParsedEvent(null, null, frame, frameLength, meta, receiptText, raw);
    }

    static ParsedEvent rejected(NackCode code, String reason, byte[] raw) {
        return new ParsedEvent(code, reason, null, 0, null, null, raw);
    }

    /** True when the JSON form alone rejects the event; it has no frame then. */
    public boolean isRejected() {
        return rejection != null;
    }

    /** The NACK code of a rejected event, or {@code null}. */
    public NackCode rejection() {
        return rejection;
    }

    /** What exactly is wrong, naming the field (e.g. {@code store_id: not a UUID}), or {@code null}. */
    public String reason() {
        return reason;
    }

    /** The EVENT frame at index 0 (seq 0), or {@code null} when rejected. */
    public byte[] frame() {
        return frame;
    }

    public int frameLength() {
        return frameLength;
    }

    /** The {@code meta} object, whitespace outside strings removed; {@code null} when absent. */
    public byte[] meta() {
        return meta;
    }

    /** The receipt key as sent, in UTF-8, when it is not a UUID; {@code null} when it is. */
    public byte[] receiptText() {
        return receiptText;
    }

    /** The event's own JSON bytes as received (one NDJSON line, one array element), for the dead-letter store. */
    public byte[] raw() {
        return raw;
    }

    /**
     * Claims {@code slot} for this event and copies it in: the frame, then {@code meta} and the
     * receipt text into the slot's extra buffer. A rejected event puts its {@link #raw()} JSON where
     * the frame would go and marks the slot rejected, so that the validator passes it by and the
     * pipeline dead-letters and answers it like any rejected frame. Producer thread only.
     */
    public void copyInto(EventSlot slot, Origin origin, long originSeq, long receivedAtUs) {
        if (rejection != null) {
            // The dead-letter store keeps at most a frame's worth of the event's JSON.
            int kept = Math.min(raw.length, Protocol.MAX_FRAME_LENGTH);
            ByteBuffer buffer = slot.claimEvent(kept, origin, originSeq, receivedAtUs);
            buffer.put(0, raw, 0, kept);
            slot.reject(rejection);
            return;
        }
        ByteBuffer buffer = slot.claimEvent(frameLength, origin, originSeq, receivedAtUs);
        buffer.put(0, frame, 0, frameLength);
        int metaLength = meta == null ? 0 : meta.length;
        int receiptTextLength = receiptText == null ? 0 : receiptText.length;
        if (metaLength + receiptTextLength > 0) {
            ByteBuffer extra = slot.claimExtra(metaLength, receiptTextLength);
            if (metaLength > 0) {
                extra.put(EventExtras.META_OFFSET, meta, 0, metaLength);
            }
            if (receiptTextLength > 0) {
                extra.put(EventExtras.META_OFFSET + metaLength, receiptText, 0, receiptTextLength);
            }
        }
    }

    @Override
    public String toString() {
        return rejection != null
                ? "ParsedEvent{rejected " + rejection.code() + ": " + reason + "}"
                : "ParsedEvent{frame " + frameLength + " bytes}";
    }
}
