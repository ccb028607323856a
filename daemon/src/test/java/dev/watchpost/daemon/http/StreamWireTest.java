package dev.watchpost.daemon.http;

import dev.watchpost.daemon.NettyBytes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class StreamWireTest {
    @Test
    void shouldCopyIntoTheDefaultAllocatorsBuffersWithoutAllocating() {
        // The live path's two copies: the JSON scratch (heap) into a page, a page into a client's write buffer (both direct).
        ByteBuf json = Unpooled.buffer(512).writeBytes(json(300));
        ByteBuf page = ByteBufAllocator.DEFAULT.directBuffer(64 * 1024);
        ByteBuf out = ByteBufAllocator.DEFAULT.directBuffer(64 * 1024);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        // Not warmed up: compiled by C2, the loop's Netty calls may be inlined far enough for escape
        // analysis to hide an allocation that the daemon's deeper call paths do not escape.
        int copies = 10_000;
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int n = 0; n < copies; n++) {
            page.clear();
            out.clear();
            StreamWire.writeTextFrame(json, 0, 300, page);
            NettyBytes.append(page, 0, page.readableBytes(), out);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertArrayEquals(EncodedByNetty.textFrame(json(300)), bytes(out));
        json.release();
        page.release();
        out.release();
        assertEquals(0, allocated / copies, "bytes per event (" + allocated + " in all)");
    }

    @Test
    void shouldWriteAShortTextFrameWithA7BitLength() {
        byte[] frame = textFrame(json(125));

        assertEquals(2 + 125, frame.length);
        assertEquals(0x81, frame[0] & 0xFF);
        assertEquals(125, frame[1], "not masked, the length in 7 bits");
        assertArrayEquals(EncodedByNetty.textFrame(json(125)), frame);
    }

    @Test
    void shouldWriteATextFrameOf126To65535BytesWithA16BitLength() {
        for (int length : new int[] {126, 300, 65_535}) {
            byte[] frame = textFrame(json(length));

            assertEquals(4 + length, frame.length);
            assertEquals(0x81, frame[0] & 0xFF);
            assertEquals(126, frame[1]);
            assertEquals(length, (frame[2] & 0xFF) << 8 | frame[3] & 0xFF);
            assertArrayEquals(EncodedByNetty.textFrame(json(length)), frame, "length " + length);
        }
    }

    @Test
    void shouldWriteALongTextFrameWithA64BitLength() {
        for (int length : new int[] {65_536, 200_000}) {
            byte[] frame = textFrame(json(length));

            assertEquals(10 + length, frame.length);
            assertEquals(0x81, frame[0] & 0xFF);
            assertEquals(127, frame[1]);
            assertEquals(length, Unpooled.wrappedBuffer(frame).getLong(2));
            assertArrayEquals(EncodedByNetty.textFrame(json(length)), frame, "length " + length);
        }
    }

    @Test
    void shouldWriteAnEmptyTextFrame() {
        assertArrayEquals(new byte[] {(byte) 0x81, 0}, textFrame(new byte[0]));
        assertEquals(2, StreamWire.textFrameLength(0));
    }

    @Test
    void shouldWriteAnEventAsOneChunkOfItsMessage() {
        String json = "{\"seq\":42,\"x\":\"é\"}";
        ByteBuf out = Unpooled.buffer();

        StreamWire.writeSseEvent(42, utf8(json), 0, utf8(json).readableBytes(), out);

        String expected = "22\r\nid: 42\ndata: " + json + "\n\n\r\n";
        assertArrayEquals(expected.getBytes(StandardCharsets.UTF_8), bytes(out));
        assertArrayEquals(EncodedByNetty.sseEvent(42, json), bytes(out));
        assertEquals(out.writerIndex(), StreamWire.sseEventLength(42, utf8(json).readableBytes()));
    }

    @Test
    void shouldSizeEachChunkAsNettysEncoderDid() {
        for (long seq : new long[] {1, 9, 10, 99_999, Long.MAX_VALUE}) {
            for (int length : new int[] {2, 14, 15, 240, 4_000, 70_000}) {
                byte[] json = json(length);
                ByteBuf out = Unpooled.buffer();
                StreamWire.writeSseEvent(seq, Unpooled.wrappedBuffer(json), 0, length, out);

                assertEquals(StreamWire.sseEventLength(seq, length), out.readableBytes());
                assertArrayEquals(EncodedByNetty.sseEvent(seq, new String(json, StandardCharsets.UTF_8)), bytes(out),
                        "seq " + seq + ", " + length + " bytes");
            }
        }
    }

    @Test
    void shouldWriteOnlyTheGivenRangeOfTheJson() {
        ByteBuf json = Unpooled.copiedBuffer("xx{\"seq\":7}yy", StandardCharsets.UTF_8);
        ByteBuf frame = Unpooled.buffer();
        ByteBuf chunk = Unpooled.buffer();

        StreamWire.writeTextFrame(json, 2, 9, frame);
        StreamWire.writeSseEvent(7, json, 2, 9, chunk);

        assertArrayEquals(EncodedByNetty.textFrame(ascii("{\"seq\":7}")), bytes(frame));
        assertArrayEquals(EncodedByNetty.sseEvent(7, "{\"seq\":7}"), bytes(chunk));
        assertEquals(0, json.readerIndex(), "the source's indices are left alone");
    }

    @Test
    void shouldEndTheResponseWithACloseMessageAndTheLastChunk() {
        String reason = "too slow (outbox full); reconnect with from_seq=17 \"now\"";
        ByteBuf out = Unpooled.buffer();

        StreamWire.writeSseClose(1008, reason, out);

        byte[] expected = concat(EncodedByNetty.chunk("event: close\ndata: {\"code\":1008,\"reason\":\""
                + reason.replace("\"", "\\\"") + "\"}\n\n"), EncodedByNetty.lastChunk());
        assertArrayEquals(expected, bytes(out));
        assertEquals("0\r\n\r\n", new String(EncodedByNetty.lastChunk(), StandardCharsets.US_ASCII));
    }

    @Test
    void shouldCountDigits() {
        assertEquals(1, StreamWire.decimalLength(0));
        assertEquals(1, StreamWire.decimalLength(9));
        assertEquals(2, StreamWire.decimalLength(10));
        assertEquals(19, StreamWire.decimalLength(Long.MAX_VALUE));
        assertEquals(1, StreamWire.hexLength(15));
        assertEquals(2, StreamWire.hexLength(16));
        assertEquals(8, StreamWire.hexLength(Integer.MAX_VALUE));
    }

    private static byte[] textFrame(byte[] json) {
        ByteBuf out = Unpooled.buffer();
        StreamWire.writeTextFrame(Unpooled.wrappedBuffer(json), 0, json.length, out);
        assertEquals(StreamWire.textFrameLength(json.length), out.readableBytes());
        return bytes(out);
    }

    /** A JSON object of exactly {@code length} bytes (at least 2). */
    private static byte[] json(int length) {
        byte[] json = new byte[length];
        Arrays.fill(json, (byte) ' ');
        json[0] = '{';
        json[length - 1] = '}';
        return json;
    }

    private static ByteBuf utf8(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] bytes(ByteBuf buf) {
        byte[] bytes = new byte[buf.readableBytes()];
        buf.getBytes(buf.readerIndex(), bytes);
        return bytes;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
