package dev.watchpost.ringbuffer.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class FrameHeaderTest {
    private static final int AT = 3;

    private final ByteBuffer buffer = TestBytes.buffer(AT + Protocol.HEADER_CHECK_BYTES);

    private NackCode check(long length, int magic, int version, int type) {
        buffer.putInt(AT + Protocol.LENGTH_OFFSET, (int) length);
        buffer.putShort(AT + Protocol.MAGIC_OFFSET, (short) magic);
        buffer.put(AT + Protocol.VERSION_OFFSET, (byte) version);
        buffer.put(AT + Protocol.TYPE_OFFSET, (byte) type);
        NackCode fromBuffer = FrameHeader.checkHeader(buffer, AT);
        assertEquals(fromBuffer, FrameHeader.checkHeader(length, magic, version, type), "both forms agree");
        return fromBuffer;
    }

    @Test
    void shouldAcceptTheFramesADetectorMaySend() {
        assertNull(check(176, Protocol.MAGIC, 1, Protocol.TYPE_EVENT));
        assertNull(check(Protocol.MAX_FRAME_LENGTH, Protocol.MAGIC, 1, Protocol.TYPE_EVENT));
        assertNull(check(16, Protocol.MAGIC, 1, Protocol.TYPE_HEARTBEAT));
        assertNull(check(31, Protocol.MAGIC, 1, Protocol.TYPE_HELLO));
    }

    @Test
    void shouldLeaveAShortEventToTheStructureCheck() {
        assertNull(check(16, Protocol.MAGIC, 1, Protocol.TYPE_EVENT));
    }

    @Test
    void shouldReportCode1ForBadMagic() {
        assertEquals(NackCode.BAD_MAGIC, check(176, 0x5157, 1, Protocol.TYPE_EVENT));
        assertEquals(NackCode.BAD_MAGIC, check(176, 0x5750, 1, Protocol.TYPE_EVENT)); // 'P' 'W'
    }

    @Test
    void shouldReportCode2ForAnUnsupportedVersion() {
        assertEquals(NackCode.UNSUPPORTED_VERSION, check(176, Protocol.MAGIC, 0, Protocol.TYPE_EVENT));
        assertEquals(NackCode.UNSUPPORTED_VERSION, check(176, Protocol.MAGIC, 2, Protocol.TYPE_EVENT));
    }

    @Test
    void shouldReportCode3ForALengthOutside16To65536() {
        assertEquals(NackCode.BAD_LENGTH, check(15, Protocol.MAGIC, 1, Protocol.TYPE_EVENT));
        assertEquals(NackCode.BAD_LENGTH, check(0, Protocol.MAGIC, 1, Protocol.TYPE_EVENT));
        assertEquals(NackCode.BAD_LENGTH, check(65537, Protocol.MAGIC, 1, Protocol.TYPE_EVENT));
        assertEquals(NackCode.BAD_LENGTH, check(0xFFFF_FFFFL, Protocol.MAGIC, 1, Protocol.TYPE_EVENT));
    }

    @Test
    void shouldReportCode3ForAHeartbeatThatIsNotExactly16Bytes() {
        assertEquals(NackCode.BAD_LENGTH, check(17, Protocol.MAGIC, 1, Protocol.TYPE_HEARTBEAT));
        assertEquals(NackCode.BAD_LENGTH, check(176, Protocol.MAGIC, 1, Protocol.TYPE_HEARTBEAT));
    }

    @Test
    void shouldReportCode4ForATypeADetectorMayNotSend() {
        for (int type : new int[] {0, 4, 0x7F, 0x81, 0x82, 0x83, 0xFF}) {
            assertEquals(NackCode.UNKNOWN_FRAME_TYPE, check(16, Protocol.MAGIC, 1, type), "type " + type);
        }
    }

    @Test
    void shouldReportTheFirstFailureInMagicVersionLengthTypeOrder() {
        assertEquals(NackCode.BAD_MAGIC, check(1, 0, 9, 9));
        assertEquals(NackCode.UNSUPPORTED_VERSION, check(1, Protocol.MAGIC, 9, 9));
        assertEquals(NackCode.BAD_LENGTH, check(1, Protocol.MAGIC, 1, 9));
    }
}
