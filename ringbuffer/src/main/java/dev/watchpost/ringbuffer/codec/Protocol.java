package dev.watchpost.ringbuffer.codec;

/**
 * Constants of the detector wire protocol, version 1: the frame header every frame starts with,
 * frame types and the limits. All integers on the wire are little-endian.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                        length (uint32)                        |  0
 *  +-------------------------------+---------------+---------------+
 *  |        magic 'W' 'P'          |   version 1   |     type      |  4
 *  +-------------------------------+---------------+---------------+
 *  |                          seq (uint64)                         |  8
 *  |                                                               |
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class Protocol {
    private Protocol() {
    }

    public static final int LENGTH_OFFSET = 0;
    public static final int MAGIC_OFFSET = 4;
    public static final int VERSION_OFFSET = 6;
    public static final int TYPE_OFFSET = 7;
    public static final int SEQ_OFFSET = 8;
    public static final int HEADER_LENGTH = 16;

    /** The bytes 'W' 'P' read as a little-endian uint16. */
    public static final short MAGIC = 0x5057;
    public static final byte VERSION = 1;

    public static final int MIN_FRAME_LENGTH = HEADER_LENGTH;
    public static final int MAX_FRAME_LENGTH = 65536;

    public static final byte TYPE_EVENT = 1;
    public static final byte TYPE_HEARTBEAT = 2;
    public static final byte TYPE_HELLO = 3;
    public static final byte TYPE_ACK = (byte) 0x81;
    public static final byte TYPE_NACK = (byte) 0x82;
    public static final byte TYPE_WELCOME = (byte) 0x83;

    /** HELLO limits (section 3). */
    public static final int HELLO_MAX_TOKEN = 256;
    public static final int HELLO_MAX_NAME = 64;

    /** Bytes needed to decide every header check: length, magic, version and type. */
    public static final int HEADER_CHECK_BYTES = 8;
}
