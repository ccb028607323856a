package dev.watchpost.ringbuffer.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Flyweight over a HELLO frame (protocol v1, section 3) in a little-endian buffer. {@link #wrap}
 * checks the body once; a frame that is not {@link #isValid()} gets NACK 5 and the connection closes.
 * The other accessors are meaningful only on a valid frame.
 *
 * <pre>
 *  offset  size  field
 *       0    16  frame header (length, magic, version, type 3, seq 0)
 *      16     2  token_len   uint16 (T), at most 256
 *      18     T  token       UTF-8
 *    18+T     2  name_len    uint16 (N), at most 64
 *    20+T     N  name        UTF-8, the detector's name
 *                length = 20 + T + N exactly
 * </pre>
 */
public final class HelloFrame {
    public static final int TOKEN_LEN_OFFSET = Protocol.HEADER_LENGTH;
    public static final int TOKEN_OFFSET = TOKEN_LEN_OFFSET + 2;
    /** A HELLO with an empty token and an empty name. */
    public static final int MIN_LENGTH = TOKEN_OFFSET + 2;
    public static final int MAX_TOKEN_LENGTH = Protocol.HELLO_MAX_TOKEN;
    public static final int MAX_NAME_LENGTH = Protocol.HELLO_MAX_NAME;
    public static final int MAX_LENGTH = MIN_LENGTH + MAX_TOKEN_LENGTH + MAX_NAME_LENGTH;

    private ByteBuffer buffer;
    private int offset;
    private boolean valid;
    private int tokenLength;
    private int nameLength;

    /**
     * Points this flyweight at the HELLO frame at {@code offset} and checks its body.
     *
     * @param frameLength the frame's length field; every one of these bytes must be in the buffer
     */
    public HelloFrame wrap(ByteBuffer buffer, int offset, int frameLength) {
        if (buffer.order() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalArgumentException("buffer must be little-endian, was " + buffer.order());
        }
        this.buffer = buffer;
        this.offset = offset;
        this.valid = check(frameLength);
        return this;
    }

    private boolean check(int frameLength) {
        tokenLength = 0;
        nameLength = 0;
        if (frameLength < MIN_LENGTH) {
            return false;
        }
        int t = buffer.getShort(offset + TOKEN_LEN_OFFSET) & 0xFFFF;
        if (t > MAX_TOKEN_LENGTH || MIN_LENGTH + t > frameLength) {
            return false;
        }
        int n = buffer.getShort(offset + TOKEN_OFFSET + t) & 0xFFFF;
        if (n > MAX_NAME_LENGTH || MIN_LENGTH + t + n != frameLength) {
            return false;
        }
        if (!Utf8.isValid(buffer, offset + TOKEN_OFFSET, t) || !Utf8.isValid(buffer, offset + MIN_LENGTH + t, n)) {
            return false;
        }
        tokenLength = t;
        nameLength = n;
        return true;
    }

    /** True when the lengths add up to the frame length, are within their limits and both texts are UTF-8. */
    public boolean isValid() {
        return valid;
    }

    /** {@code null} for a valid HELLO, else {@link NackCode#BAD_HELLO}: NACK 5 and close. */
    public NackCode check() {
        return valid ? null : NackCode.BAD_HELLO;
    }

    public int tokenLength() {
        return tokenLength;
    }

    /** Absolute buffer index of the first token byte. */
    public int tokenIndex() {
        return offset + TOKEN_OFFSET;
    }

    public int nameLength() {
        return nameLength;
    }

    /** Absolute buffer index of the first name byte. */
    public int nameIndex() {
        return offset + MIN_LENGTH + tokenLength;
    }

    /**
     * True when the frame is valid and its token is exactly {@code expected} (UTF-8 bytes). Takes the
     * same time whichever byte differs, so a wrong token reveals nothing but its length.
     */
    public boolean tokenEquals(byte[] expected) {
        if (!valid || expected.length != tokenLength) {
            return false;
        }
        int at = tokenIndex();
        int diff = 0;
        for (int i = 0; i < tokenLength; i++) {
            diff |= buffer.get(at + i) ^ expected[i];
        }
        return diff == 0;
    }

    /** The detector's name as a new String, for logs and status; allocates, so call it once per connection. */
    public String name() {
        byte[] bytes = new byte[nameLength];
        buffer.get(nameIndex(), bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
