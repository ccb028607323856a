package dev.watchpost.ringbuffer.codec;

import static dev.watchpost.ringbuffer.codec.TestBytes.hex;
import static dev.watchpost.ringbuffer.codec.TestBytes.slice;
import static dev.watchpost.ringbuffer.codec.TestBytes.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class ControlFramesTest {
    private static final int AT = 7;

    private final ByteBuffer buffer = TestBytes.buffer(AT + Protocol.MAX_FRAME_LENGTH + 16);

    @Test
    void shouldWriteAckByteForByte() {
        int length = ControlFrames.writeAck(buffer, AT, 0x0102L);
        assertEquals(16, length);
        assertArrayEquals(hex("10 00 00 00 57 50 01 81 02 01 00 00 00 00 00 00"), slice(buffer, AT, length));
        assertEquals(0x81, ControlFrames.frameType(buffer, AT));
        assertEquals(0x0102L, ControlFrames.seq(buffer, AT));
    }

    @Test
    void shouldWriteHeartbeatByteForByteAsAFrameADetectorMaySend() {
        int length = ControlFrames.writeHeartbeat(buffer, AT);
        assertEquals(16, length);
        assertArrayEquals(hex("10 00 00 00 57 50 01 02 00 00 00 00 00 00 00 00"), slice(buffer, AT, length));
        assertNull(FrameHeader.checkHeader(buffer, AT));
    }

    @Test
    void shouldWriteNackWithTheCodesReasonByteForByte() {
        int length = ControlFrames.writeNack(buffer, AT, 3, NackCode.BAD_LABEL);
        assertEquals(29, length);
        assertArrayEquals(hex(
            "1d 00 00 00 57 50 01 82 03 00 00 00 00 00 00 00 "
                + "11 00 09 00 62 61 64 20 6c 61 62 65 6c"), slice(buffer, AT, length));
        assertEquals(17, ControlFrames.nackCode(buffer, AT));
        assertEquals(9, ControlFrames.nackMessageLength(buffer, AT));
        assertArrayEquals(utf8("bad label"), slice(buffer, ControlFrames.nackMessageIndex(AT), 9));
    }

    @Test
    void shouldWriteANackWithSeqZeroAndAnyMessage() {
        byte[] message = utf8("xx slow down xx");
        int length = ControlFrames.writeNack(buffer, AT, 0, 31, message, 3, 9);
        assertEquals(29, length);
        assertArrayEquals(hex(
            "1d 00 00 00 57 50 01 82 00 00 00 00 00 00 00 00 "
                + "1f 00 09 00 73 6c 6f 77 20 64 6f 77 6e"), slice(buffer, AT, length));
    }

    @Test
    void shouldRefuseANackThatWouldNotFitTheLargestFrame() {
        byte[] message = new byte[ControlFrames.NACK_MAX_MESSAGE_LENGTH + 1];
        assertThrows(IllegalArgumentException.class,
            () -> ControlFrames.writeNack(buffer, AT, 1, 18, message, 0, message.length));
        assertEquals(Protocol.MAX_FRAME_LENGTH,
            ControlFrames.writeNack(buffer, AT, 1, 18, message, 0, message.length - 1));
    }

    @Test
    void shouldWriteWelcomeByteForByte() {
        int length = ControlFrames.writeWelcome(buffer, AT, Protocol.MAX_FRAME_LENGTH, 5_000);
        assertEquals(24, length);
        assertArrayEquals(hex(
            "18 00 00 00 57 50 01 83 00 00 00 00 00 00 00 00 "
                + "00 00 01 00 88 13 00 00"), slice(buffer, AT, length));
        assertEquals(65536, ControlFrames.welcomeMaxFrame(buffer, AT));
        assertEquals(5_000, ControlFrames.welcomeAckIntervalUs(buffer, AT));
    }

    @Test
    void shouldCarryAnAckIntervalUpToUint32Max() {
        ControlFrames.writeWelcome(buffer, AT, 1024, 0xFFFF_FFFFL);
        assertEquals(0xFFFF_FFFFL, ControlFrames.welcomeAckIntervalUs(buffer, AT));
        assertThrows(IllegalArgumentException.class, () -> ControlFrames.writeWelcome(buffer, AT, 1024, 1L << 32));
        assertThrows(IllegalArgumentException.class, () -> ControlFrames.writeWelcome(buffer, AT, 65537, 1));
    }

    @Test
    void shouldRefuseABigEndianBuffer() {
        ByteBuffer bigEndian = ByteBuffer.allocate(64).order(ByteOrder.BIG_ENDIAN);
        assertThrows(IllegalArgumentException.class, () -> ControlFrames.writeAck(bigEndian, 0, 1));
    }
}
