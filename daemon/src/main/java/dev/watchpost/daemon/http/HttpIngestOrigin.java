package dev.watchpost.daemon.http;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.Origin;
import dev.watchpost.ringbuffer.codec.NackCode;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * The origin of one {@code POST /v1/events} body: each event went into the ring with its index in
 * the body as origin seq. The ack stage hands every one back through {@link #onHandled}, which only
 * records its outcome; once the last one is handled, {@link #flush} passes this origin to
 * {@code onComplete}, which has the answer written on the request's I/O thread.
 *
 * <p>Memory: what is kept per event lives off the Java heap, so that a body of many small events
 * costs the heap nothing in proportion: an outcome of 8 bytes per event, and the reader's own reason
 * for each event it rejected (as UTF-16, a reason equal to the one before stored once).
 * <pre>
 *  outcome (long):  63..62 status   61..0
 *                   00 pending      0
 *                   01 accepted     journal seq
 *                   10 duplicate    journal seq of the stored original
 *                   11 rejected     NACK code
 *  reason record:   int index | int NACK code | int length in chars, or -1: the previous record's text | chars
 * </pre>
 *
 * <p>Threads: {@link #rejectedByReader} runs on the I/O thread before the event is published;
 * {@link #onHandled} and {@link #flush} run on the ack stage's thread; {@link #writeResults} runs
 * after {@code onComplete}, on whichever thread that hands it to (the hand-off through an executor
 * queue makes the recorded outcomes visible there).
 */
final class HttpIngestOrigin implements Origin {
    private static final long STATUS = 3L << 62;
    private static final long ACCEPTED = 1L << 62;
    private static final long DUPLICATE = 2L << 62;
    private static final long REJECTED = 3L << 62;
    private static final int REASON_HEADER = 12;
    private static final int SAME_AS_BEFORE = -1;

    private final int count;
    private final ByteBuffer outcomes;
    private final byte[] description;
    private final Consumer<HttpIngestOrigin> onComplete;
    private int handled;
    private boolean completed;

    private ByteBuffer reasons;
    private int reasonsEnd;
    private String lastReason;

    /**
     * @param count       events in the body, at least 1
     * @param description who sent them, e.g. {@code http 10.0.0.7:51234}, as UTF-8
     * @param onComplete  told once, on the ack thread, when every event is handled; must not block
     */
    HttpIngestOrigin(int count, byte[] description, Consumer<HttpIngestOrigin> onComplete) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1, was " + count);
        }
        this.count = count;
        this.outcomes = ByteBuffer.allocateDirect(Math.multiplyExact(count, Long.BYTES));
        this.description = description;
        this.onComplete = onComplete;
    }

    /** Events in the body. */
    int count() {
        return count;
    }

    /**
     * Keeps the reader's reason for rejecting event {@code index}, given in the answer when the
     * pipeline rejects it with the same code. In increasing index order, before the event's slot is
     * published; I/O thread.
     */
    void rejectedByReader(int index, NackCode code, String reason) {
        boolean same = reason.equals(lastReason);
        int length = same ? 0 : reason.length();
        ensureReasonRoom(REASON_HEADER + 2 * length);
        reasons.putInt(reasonsEnd, index);
        reasons.putInt(reasonsEnd + 4, code.code());
        reasons.putInt(reasonsEnd + 8, same ? SAME_AS_BEFORE : length);
        int at = reasonsEnd + REASON_HEADER;
        for (int i = 0; i < length; i++) {
            reasons.putChar(at + 2 * i, reason.charAt(i));
        }
        reasonsEnd = at + 2 * length;
        lastReason = reason;
    }

    private void ensureReasonRoom(int bytes) {
        int need = reasonsEnd + bytes;
        if (reasons != null && need <= reasons.capacity()) {
            return;
        }
        int capacity = reasons == null ? 4096 : reasons.capacity();
        while (capacity < need) {
            capacity = Math.multiplyExact(capacity, 2);
        }
        ByteBuffer grown = ByteBuffer.allocateDirect(capacity);
        if (reasons != null) {
            grown.put(0, reasons, 0, reasonsEnd);
        }
        reasons = grown;
    }

    @Override
    public boolean onHandled(EventSlot slot) {
        long index = slot.originSeq();
        if (!slot.isEvent() || index < 0 || index >= count) {
            return false;
        }
        int at = (int) index * Long.BYTES;
        if ((outcomes.getLong(at) & STATUS) != 0) {
            return false;
        }
        NackCode nack = slot.nack();
        if (nack != null) {
            outcomes.putLong(at, REJECTED | nack.code());
        } else {
            outcomes.putLong(at, (slot.isDuplicate() ? DUPLICATE : ACCEPTED) | slot.journalSeq());
        }
        return ++handled == count;
    }

    @Override
    public void flush() {
        if (handled == count && !completed) {
            completed = true;
            onComplete.accept(this);
        }
    }

    @Override
    public byte[] describeUtf8() {
        return description;
    }

    /** True once every event is handled; read it only where {@link #writeResults} may be called. */
    boolean isComplete() {
        return handled == count;
    }

    /** Appends the answer body, {@code {"results":[...]}}, one object per event in input order. */
    void writeResults(ByteBuf out) {
        int reasonAt = 0;
        char[] text = new char[64];
        int textLength = 0;
        try (JsonGenerator json = JsonText.generator(out)) {
            json.writeStartObject();
            json.writeArrayFieldStart("results");
            for (int i = 0; i < count; i++) {
                int readerCode = -1;
                while (reasonAt < reasonsEnd && reasons.getInt(reasonAt) <= i) {
                    int length = reasons.getInt(reasonAt + 8);
                    if (length != SAME_AS_BEFORE) {
                        if (text.length < length) {
                            text = new char[length];
                        }
                        for (int c = 0; c < length; c++) {
                            text[c] = reasons.getChar(reasonAt + REASON_HEADER + 2 * c);
                        }
                        textLength = length;
                    }
                    if (reasons.getInt(reasonAt) == i) {
                        readerCode = reasons.getInt(reasonAt + 4);
                    }
                    reasonAt += REASON_HEADER + 2 * Math.max(length, 0);
                }
                long outcome = outcomes.getLong(i * Long.BYTES);
                json.writeStartObject();
                switch ((int) (outcome >>> 62)) {
                    case 1:
                        json.writeStringField("status", "accepted");
                        json.writeNumberField("seq", outcome & ~STATUS);
                        break;
                    case 2:
                        json.writeStringField("status", "duplicate");
                        json.writeNumberField("seq", outcome & ~STATUS);
                        break;
                    case 3:
                        NackCode nack = NackCode.of((int) (outcome & ~STATUS));
                        json.writeStringField("status", "rejected");
                        json.writeNumberField("code", nack.code());
                        json.writeFieldName("reason");
                        if (readerCode == nack.code()) {
                            json.writeString(text, 0, textLength); // the reader's specific reason
                        } else {
                            json.writeString(nack.reason());
                        }
                        break;
                    default:
                        throw new IllegalStateException("event " + i + " of " + count + " is not handled yet");
                }
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteBuf does not fail to grow short of memory
        }
    }
}
