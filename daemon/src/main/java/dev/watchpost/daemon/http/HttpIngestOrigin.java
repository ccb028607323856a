package dev.watchpost.daemon.http;

import dev.watchpost.daemon.json.ParsedEvent;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.Origin;
import dev.watchpost.ringbuffer.codec.NackCode;
import io.netty.buffer.ByteBuf;

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

    private static final byte[] RESULTS_START = ascii("{\"results\":[");
    private static final byte[] RESULTS_END = ascii("]}");
    private static final byte[] ACCEPTED_START = ascii("{\"status\":\"accepted\",\"seq\":");
    private static final byte[] DUPLICATE_START = ascii("{\"status\":\"duplicate\",\"seq\":");
    private static final byte[] REJECTED_START = ascii("{\"status\":\"rejected\",\"code\":");
    private static final byte[] REASON = ascii(",\"reason\":");

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
        out.ensureWritable(16 + count * 40);
        out.writeBytes(RESULTS_START);
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                out.writeByte(',');
            }
            switch (outcomes[i]) {
                case ACCEPTED:
                    out.writeBytes(ACCEPTED_START);
                    JsonText.writeLong(seqs[i], out);
                    break;
                case DUPLICATE:
                    out.writeBytes(DUPLICATE_START);
                    JsonText.writeLong(seqs[i], out);
                    break;
                case REJECTED:
                    out.writeBytes(REJECTED_START);
                    JsonText.writeLong(nacks[i].code(), out);
                    out.writeBytes(REASON);
                    JsonText.writeString(reason(i), out);
                    break;
                default:
                    throw new IllegalStateException("event " + i + " of " + count + " is not handled yet");
            }
            out.writeByte('}');
        }
        out.writeBytes(RESULTS_END);
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
