package dev.watchpost.ringbuffer.codec;

import static dev.watchpost.ringbuffer.codec.TestBytes.hex;
import static dev.watchpost.ringbuffer.codec.TestBytes.slice;
import static dev.watchpost.ringbuffer.codec.TestBytes.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class HelloFrameTest {
    private static final int AT = 5;

    private final ByteBuffer buffer = TestBytes.buffer(AT + 1024);
    private final HelloFrame hello = new HelloFrame();

    private int writeHello(String token, String name) {
        return ControlFrames.writeHello(buffer, AT, utf8(token), utf8(name));
    }

    @Test
    void shouldWriteHelloByteForByte() {
        int length = writeHello("s3cret", "cam-1");
        assertEquals(31, length);
        assertArrayEquals(hex(
            "1f 00 00 00 57 50 01 03 00 00 00 00 00 00 00 00 "
                + "06 00 73 33 63 72 65 74 "
                + "05 00 63 61 6d 2d 31"), slice(buffer, AT, length));
        assertNull(FrameHeader.checkHeader(buffer, AT));
    }

    @Test
    void shouldReadTheTokenAndNameOfAValidHello() {
        int length = writeHello("s3cret", "cam-1");
        hello.wrap(buffer, AT, length);
        assertTrue(hello.isValid());
        assertNull(hello.check());
        assertEquals(6, hello.tokenLength());
        assertEquals(AT + 18, hello.tokenIndex());
        assertEquals(5, hello.nameLength());
        assertEquals(AT + 26, hello.nameIndex());
        assertEquals("cam-1", hello.name());
    }

    @Test
    void shouldMatchOnlyTheExactToken() {
        hello.wrap(buffer, AT, writeHello("s3cret", "cam-1"));
        assertTrue(hello.tokenEquals(utf8("s3cret")));
        assertFalse(hello.tokenEquals(utf8("s3creT")));
        assertFalse(hello.tokenEquals(utf8("s3cre")));
        assertFalse(hello.tokenEquals(utf8("s3crets")));
        assertFalse(hello.tokenEquals(new byte[0]));
    }

    @Test
    void shouldAcceptAnEmptyTokenAndNameAndTheLargestOfEach() {
        hello.wrap(buffer, AT, writeHello("", ""));
        assertTrue(hello.isValid());
        assertTrue(hello.tokenEquals(new byte[0]));
        hello.wrap(buffer, AT, writeHello("t".repeat(256), "n".repeat(64)));
        assertTrue(hello.isValid());
    }

    @Test
    void shouldReportCode5WhenTheLengthsDoNotAddUpToTheFrameLength() {
        int length = writeHello("s3cret", "cam-1");
        assertEquals(NackCode.BAD_HELLO, hello.wrap(buffer, AT, length + 1).check());
        assertEquals(NackCode.BAD_HELLO, hello.wrap(buffer, AT, length - 1).check());
        assertEquals(NackCode.BAD_HELLO, hello.wrap(buffer, AT, Protocol.HEADER_LENGTH).check());
        assertEquals(NackCode.BAD_HELLO, hello.wrap(buffer, AT, 19).check());
        assertFalse(hello.tokenEquals(utf8("s3cret")), "an invalid HELLO matches no token");
    }

    @Test
    void shouldReportCode5WhenTheTokenLengthPointsBeyondTheFrame() {
        int length = writeHello("s3cret", "cam-1");
        buffer.putShort(AT + HelloFrame.TOKEN_LEN_OFFSET, (short) 0xFFFF);
        assertEquals(NackCode.BAD_HELLO, hello.wrap(buffer, AT, length).check());
    }

    @Test
    void shouldReportCode5ForATokenOver256OrANameOver64Bytes() {
        assertEquals(NackCode.BAD_HELLO, hello.wrap(buffer, AT, writeRawHello(257, 0)).check());
        assertEquals(NackCode.BAD_HELLO, hello.wrap(buffer, AT, writeRawHello(0, 65)).check());
        assertNull(hello.wrap(buffer, AT, writeRawHello(256, 64)).check());
    }

    /** A HELLO whose lengths add up but ignore the limits, as a faulty detector might send it. */
    private int writeRawHello(int tokenLength, int nameLength) {
        int length = ControlFrames.writeHello(buffer, AT, new byte[0], new byte[0]) + tokenLength + nameLength;
        buffer.putInt(AT + Protocol.LENGTH_OFFSET, length);
        buffer.putShort(AT + HelloFrame.TOKEN_LEN_OFFSET, (short) tokenLength);
        for (int i = 0; i < tokenLength; i++) {
            buffer.put(AT + HelloFrame.TOKEN_OFFSET + i, (byte) 't');
        }
        buffer.putShort(AT + HelloFrame.TOKEN_OFFSET + tokenLength, (short) nameLength);
        for (int i = 0; i < nameLength; i++) {
            buffer.put(AT + HelloFrame.MIN_LENGTH + tokenLength + i, (byte) 'n');
        }
        return length;
    }

    @Test
    void shouldReportCode5ForATokenOrNameThatIsNotUtf8() {
        int length = writeHello("ab", "cd");
        buffer.put(AT + HelloFrame.TOKEN_OFFSET, (byte) 0xC0);
        assertEquals(NackCode.BAD_HELLO, hello.wrap(buffer, AT, length).check());
        length = writeHello("ab", "cd");
        buffer.put(AT + HelloFrame.MIN_LENGTH + 2 + 1, (byte) 0xFF);
        assertEquals(NackCode.BAD_HELLO, hello.wrap(buffer, AT, length).check());
    }

    @Test
    void shouldRefuseToWriteATokenOrNameOverTheLimit() {
        assertThrows(IllegalArgumentException.class, () -> writeHello("t".repeat(257), ""));
        assertThrows(IllegalArgumentException.class, () -> writeHello("", "n".repeat(65)));
    }
}
