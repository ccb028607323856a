package dev.watchpost.daemon;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class NettyBytesTest {
    @Test
    void shouldAppendTheReadableBytesAndMarkThemReadGrowingTheTarget() {
        ByteBuf src = ByteBufAllocator.DEFAULT.directBuffer(64).writeBytes(new byte[] {1, 2, 3, 4, 5});
        src.readByte();
        ByteBuf out = ByteBufAllocator.DEFAULT.directBuffer(2, 1024).writeByte(9);

        NettyBytes.append(src, out);

        assertEquals(0, src.readableBytes(), "read as writeBytes(src) reads it");
        assertEquals("0902030405", ByteBufUtil.hexDump(out));
        src.release();
        out.release();
    }

    @Test
    void shouldAppendARangeOfAHeapBufferAndLeaveItsIndexes() {
        ByteBuf src = Unpooled.buffer(16).writeBytes(new byte[] {1, 2, 3, 4, 5});
        ByteBuf out = ByteBufAllocator.DEFAULT.directBuffer(16);

        NettyBytes.append(src, 1, 3, out);

        assertEquals(0, src.readerIndex());
        assertEquals(5, src.writerIndex());
        assertEquals("020304", ByteBufUtil.hexDump(out));
        out.release();
    }
}
