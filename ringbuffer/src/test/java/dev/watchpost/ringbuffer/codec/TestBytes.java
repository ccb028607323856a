package dev.watchpost.ringbuffer.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Byte helpers for the codec tests: hex literals and buffers holding given bytes. */
final class TestBytes {
    private TestBytes() {
    }

    /** Bytes from hex pairs separated by spaces, e.g. {@code "b0 00 57 50"}. */
    static byte[] hex(String pairs) {
        String[] parts = pairs.trim().split("\\s+");
        byte[] bytes = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            bytes[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return bytes;
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** A little-endian heap buffer of {@code capacity} bytes. */
    static ByteBuffer buffer(int capacity) {
        return ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A little-endian buffer holding {@code bytes} at {@code offset}, with junk around them. */
    static ByteBuffer bufferWith(byte[] bytes, int offset) {
        ByteBuffer buffer = buffer(offset + bytes.length + 8);
        for (int i = 0; i < buffer.capacity(); i++) {
            buffer.put(i, (byte) '{');
        }
        buffer.put(offset, bytes);
        return buffer;
    }

    /** {@code length} bytes of {@code buffer} from {@code index}. */
    static byte[] slice(ByteBuffer buffer, int index, int length) {
        byte[] bytes = new byte[length];
        buffer.get(index, bytes);
        return bytes;
    }
}
