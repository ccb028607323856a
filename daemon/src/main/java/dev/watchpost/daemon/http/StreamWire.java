package dev.watchpost.daemon.http;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.watchpost.daemon.NettyBytes;
import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * The bytes a stream client receives, built once per event and written as they are to every client
 * of that kind: no frame or HTTP object is made per client.
 *
 * <p>WebSocket (RFC 6455 §5.2): one text frame per event, final, not masked (the server never masks),
 * no extension bits. The length takes 7 bits up to 125 bytes, else 126 and 16 bits up to 65,535, else
 * 127 and 64 bits; network byte order.
 * <pre>
 *   0               1               2               4 or 10
 *  +-+-+-+-+-------+-+-------------+---------------+------------------
 *  |F|R|R|R| opcode|M| length 7    | length 16/64  | payload: the event's JSON
 *  |1|0|0|0|  0x1  |0| 0..125, 126 | (126, 127)    |
 *  |     0x81      | , 127         |               |
 *  +---------------+---------------+---------------+------------------
 * </pre>
 *
 * <p>Server-Sent Events: the response is chunked (RFC 9112 §7.1), so each message is one chunk, its
 * size in lower-case hex, exactly as Netty's HTTP encoder wrote it before the stream took over the
 * channel; the response ends with the last chunk.
 * <pre>
 *  &lt;size hex&gt; CR LF | id: &lt;seq&gt; LF data: &lt;json&gt; LF LF | CR LF         one event
 *  &lt;size hex&gt; CR LF | event: close LF data: {"code":…,"reason":"…"} LF LF | CR LF   the close
 *  0 CR LF CR LF                                                            the last chunk
 * </pre>
 * The {@code id} is what an EventSource sends back as {@code Last-Event-ID} to resume; the JSON is
 * one line.
 */
final class StreamWire {
    /** FIN and the text opcode. */
    static final int TEXT_FRAME_FIN = 0x81;
    /** Longest payload whose length fits the 7-bit field. */
    static final int MAX_LENGTH_7 = 125;
    /** Longest payload whose length fits 16 bits. */
    static final int MAX_LENGTH_16 = 0xFFFF;
    /** 7-bit length values that announce a 16-bit and a 64-bit length. */
    static final int LENGTH_16 = 126;
    static final int LENGTH_64 = 127;

    private static final byte[] SSE_ID = ascii("id: ");
    private static final byte[] SSE_DATA = ascii("\ndata: ");
    private static final byte[] SSE_END = ascii("\n\n");
    private static final byte[] SSE_CLOSE = ascii("event: close\ndata: {\"code\":");
    private static final byte[] SSE_CLOSE_REASON = ascii(",\"reason\":\"");
    private static final byte[] SSE_CLOSE_END = ascii("\"}\n\n");
    private static final byte[] CRLF = ascii("\r\n");
    private static final byte[] LAST_CHUNK = ascii("0\r\n\r\n");
    private static final byte[] HEX = ascii("0123456789abcdef");

    private StreamWire() {
    }

    /** Bytes of a text frame carrying {@code payloadLength} bytes. */
    static int textFrameLength(int payloadLength) {
        return (payloadLength <= MAX_LENGTH_7 ? 2 : payloadLength <= MAX_LENGTH_16 ? 4 : 10) + payloadLength;
    }

    /** Appends a text frame whose payload is {@code payload[offset, offset + length)}. */
    static void writeTextFrame(ByteBuf payload, int offset, int length, ByteBuf out) {
        out.writeByte(TEXT_FRAME_FIN);
        if (length <= MAX_LENGTH_7) {
            out.writeByte(length);
        } else if (length <= MAX_LENGTH_16) {
            out.writeByte(LENGTH_16);
            out.writeShort(length);
        } else {
            out.writeByte(LENGTH_64);
            out.writeLong(length);
        }
        NettyBytes.append(payload, offset, length, out);
    }

    /** Bytes of the chunk of one event's message. */
    static int sseEventLength(long seq, int jsonLength) {
        int size = SSE_ID.length + decimalLength(seq) + SSE_DATA.length + jsonLength + SSE_END.length;
        return hexLength(size) + CRLF.length + size + CRLF.length;
    }

    /** Appends the chunk of one event's message, {@code json[offset, offset + length)} its data. */
    static void writeSseEvent(long seq, ByteBuf json, int offset, int length, ByteBuf out) {
        int digits = decimalLength(seq);
        writeChunkSize(SSE_ID.length + digits + SSE_DATA.length + length + SSE_END.length, out);
        out.writeBytes(SSE_ID);
        writeDecimal(seq, digits, out);
        out.writeBytes(SSE_DATA);
        NettyBytes.append(json, offset, length, out);
        out.writeBytes(SSE_END);
        out.writeBytes(CRLF);
    }

    /**
     * Appends the close message ({@code event: close}, its data {@code {"code":…,"reason":"…"}}) and
     * the last chunk, which ends the response. Once per client: it may allocate.
     */
    static void writeSseClose(int code, String reason, ByteBuf out) {
        byte[] quoted = JsonStringEncoder.getInstance().quoteAsUTF8(reason);
        int digits = decimalLength(code);
        writeChunkSize(SSE_CLOSE.length + digits + SSE_CLOSE_REASON.length + quoted.length + SSE_CLOSE_END.length, out);
        out.writeBytes(SSE_CLOSE);
        writeDecimal(code, digits, out);
        out.writeBytes(SSE_CLOSE_REASON);
        out.writeBytes(quoted);
        out.writeBytes(SSE_CLOSE_END);
        out.writeBytes(CRLF);
        out.writeBytes(LAST_CHUNK);
    }

    private static void writeChunkSize(int size, ByteBuf out) {
        for (int shift = (hexLength(size) - 1) * 4; shift >= 0; shift -= 4) {
            out.writeByte(HEX[(size >>> shift) & 0xF]);
        }
        out.writeBytes(CRLF);
    }

    /** Hex digits of a positive chunk size. */
    static int hexLength(int size) {
        return Math.max(1, (Integer.SIZE - Integer.numberOfLeadingZeros(size) + 3) / 4);
    }

    /** Decimal digits of a value that is not negative. */
    static int decimalLength(long value) {
        int digits = 1;
        for (long v = value; v >= 10; v /= 10) {
            digits++;
        }
        return digits;
    }

    private static void writeDecimal(long value, int digits, ByteBuf out) {
        int at = out.writerIndex();
        out.ensureWritable(digits);
        for (int i = at + digits - 1; i >= at; i--) {
            out.setByte(i, (int) ('0' + value % 10));
            value /= 10;
        }
        out.writerIndex(at + digits);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
