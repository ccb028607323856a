package dev.watchpost.daemon.http;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.watchpost.daemon.json.ParsedEvent;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.Origin;
import dev.watchpost.ringbuffer.codec.NackCode;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

/**
 * The origin of one {@code POST /v1/events} body: each event went into the ring with its index in
 * the body as origin seq. The ack stage hands every one back through {@link #onHandled}, which only
 * records its outcome; once the last one is handled, {@link #flush} passes this origin to
 * {@code onComplete}, which has the answer written on the request's I/O thread.
 *
 * <p>Threads: {@link #onHandled} and {@link #flush} run on the ack stage's thread; {@link #writeResults}
 * runs after {@code onComplete}, on whichever thread that hands it to (the hand-off through an executor
 * queue makes the recorded outcomes visible there).
 */
final class HttpIngestOrigin implements Origin {
    private static final byte PENDING = 0;
    private static final byte ACCEPTED = 1;
    private static final byte DUPLICATE = 2;
    private static final byte REJECTED = 3;


    private final int count;
    private final byte[] outcomes;
    private final long[] seqs;
    private final NackCode[] nacks;
    /** The reader's own reason for each event it rejected, by index; null when it rejected none. */
    private final String[] parserReasons;
    private final NackCode[] parserCodes;
    private final byte[] description;
    private final Consumer<HttpIngestOrigin> onComplete;
    private int handled;
    private boolean completed;

    /**
     * @param events      the body's events, in input order; only their rejections are kept
     * @param description who sent them, e.g. {@code http 10.0.0.7:51234}, as UTF-8
     * @param onComplete  told once, on the ack thread, when every event is handled; must not block
     */
    HttpIngestOrigin(List<ParsedEvent> events, byte[] description, Consumer<HttpIngestOrigin> onComplete) {
        this.count = events.size();
        this.outcomes = new byte[count];
        this.seqs = new long[count];
        this.nacks = new NackCode[count];
        String[] reasons = null;
        NackCode[] codes = null;
        for (int i = 0; i < count; i++) {
            ParsedEvent event = events.get(i);
            if (event.isRejected()) {
                if (reasons == null) {
                    reasons = new String[count];
                    codes = new NackCode[count];
                }
                reasons[i] = event.reason();
                codes[i] = event.rejection();
            }
        }
        this.parserReasons = reasons;
        this.parserCodes = codes;
        this.description = description;
        this.onComplete = onComplete;
    }

    /** Events in the body. */
    int count() {
        return count;
    }

    @Override
    public boolean onHandled(EventSlot slot) {
        long index = slot.originSeq();
        if (!slot.isEvent() || index < 0 || index >= count || outcomes[(int) index] != PENDING) {
            return false;
        }
        int i = (int) index;
        NackCode nack = slot.nack();
        if (nack != null) {
            outcomes[i] = REJECTED;
            nacks[i] = nack;
        } else {
            outcomes[i] = slot.isDuplicate() ? DUPLICATE : ACCEPTED;
            seqs[i] = slot.journalSeq();
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
        try (JsonGenerator json = JsonText.generator(out)) {
            json.writeStartObject();
            json.writeArrayFieldStart("results");
            for (int i = 0; i < count; i++) {
                json.writeStartObject();
                switch (outcomes[i]) {
                    case ACCEPTED:
                        json.writeStringField("status", "accepted");
                        json.writeNumberField("seq", seqs[i]);
                        break;
                    case DUPLICATE:
                        json.writeStringField("status", "duplicate");
                        json.writeNumberField("seq", seqs[i]);
                        break;
                    case REJECTED:
                        json.writeStringField("status", "rejected");
                        json.writeNumberField("code", nacks[i].code());
                        json.writeStringField("reason", reason(i));
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

    /** The reader's specific reason when it rejected the event itself, else the NACK code's text. */
    private String reason(int i) {
        if (parserReasons != null && parserReasons[i] != null && parserCodes[i] == nacks[i]) {
            return parserReasons[i];
        }
        return nacks[i].reason();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
