package dev.watchpost.bench.load;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * Reads the two fields the stream subscriber needs from the start of one event's JSON text, in
 * place, without building a tree or a string: the journal {@code seq} and the {@code receipt_id}
 * as two longs. The daemon writes every event with these two fields first (protocol v1, section 8):
 *
 * <pre>
 *   {"seq":1234,"receipt_id":"0f8fad5b-d9cb-469f-a165-70867728950e","event_name":…
 *    └ SEQ_KEY ┘    └── RECEIPT_KEY ──┘└──────────── 36 characters ───────────┘
 * </pre>
 *
 * <p>Anything else (a receipt_id that is not a UUID, as HTTP ingest allows) is not read. One
 * instance per thread: {@link #parse} overwrites the fields.
 */
final class StreamEventText {
    private static final byte[] SEQ_KEY = ascii("{\"seq\":");
    private static final byte[] RECEIPT_KEY = ascii(",\"receipt_id\":\"");
    private static final int UUID_TEXT_LENGTH = 36;
    /** Most digits of a seq read: 18 always fit in a long. */
    private static final int MAX_SEQ_DIGITS = 18;

    private long seq;
    private long receiptMsb;
    private long receiptLsb;

    /**
     * Reads the text between {@code text}'s reader and writer index; neither index moves.
     *
     * @return false when the text does not start as an event with a UUID receipt_id does
     */
    boolean parse(ByteBuf text) {
        int at = text.readerIndex();
        int end = text.writerIndex();
        if (!startsWith(text, at, end, SEQ_KEY)) {
            return false;
        }
        at += SEQ_KEY.length;
        long value = 0;
        int digits = 0;
        while (at < end && digits <= MAX_SEQ_DIGITS) {
            int c = text.getByte(at) - '0';
            if (c < 0 || c > 9) {
                break;
            }
            value = value * 10 + c;
            digits++;
            at++;
        }
        if (digits == 0 || digits > MAX_SEQ_DIGITS || !startsWith(text, at, end, RECEIPT_KEY)) {
            return false;
        }
        at += RECEIPT_KEY.length;
        if (end - at < UUID_TEXT_LENGTH + 1 || text.getByte(at + UUID_TEXT_LENGTH) != '"') {
            return false;
        }
        // 8-4-4-4-12 hex digits: the msb is the first three groups, the lsb the last two.
        long g1 = hex(text, at, 8);
        long g2 = hex(text, at + 9, 4);
        long g3 = hex(text, at + 14, 4);
        long g4 = hex(text, at + 19, 4);
        long g5 = hex(text, at + 24, 12);
        if ((g1 | g2 | g3 | g4 | g5) < 0 || text.getByte(at + 8) != '-' || text.getByte(at + 13) != '-'
            || text.getByte(at + 18) != '-' || text.getByte(at + 23) != '-') {
            return false;
        }
        long msb = (g1 << 32) | (g2 << 16) | g3;
        long lsb = (g4 << 48) | g5;
        this.seq = value;
        this.receiptMsb = msb;
        this.receiptLsb = lsb;
        return true;
    }

    /** The event's journal seq, after a successful {@link #parse}. */
    long seq() {
        return seq;
    }

    long receiptMsb() {
        return receiptMsb;
    }

    long receiptLsb() {
        return receiptLsb;
    }

    /** The value of {@code count} (at most 15) hex digits at {@code at}, or -1 when one is not a hex digit. */
    private static long hex(ByteBuf text, int at, int count) {
        long value = 0;
        for (int i = 0; i < count; i++) {
            int c = text.getByte(at + i);
            int digit;
            if (c >= '0' && c <= '9') {
                digit = c - '0';
            } else if (c >= 'a' && c <= 'f') {
                digit = c - 'a' + 10;
            } else if (c >= 'A' && c <= 'F') {
                digit = c - 'A' + 10;
            } else {
                return -1;
            }
            value = (value << 4) | digit;
        }
        return value;
    }

    private static boolean startsWith(ByteBuf text, int at, int end, byte[] prefix) {
        if (end - at < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (text.getByte(at + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
