package dev.watchpost.bench.peers;

import dev.watchpost.bench.load.EventStream;
import dev.watchpost.ringbuffer.codec.EventFrame;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The EVENT frames detector connection {@code index} of the load generator sends, byte for byte,
 * for a peer's producer: same mix, same seed, fresh receipt ids per run.
 *
 * <p>One instance per producing thread: not thread-safe.
 */
final class PeerEvents {
    private static final SecureRandom RECEIPTS = new SecureRandom();

    private final EventStream stream;
    private final ByteBuffer frame;
    private long seq;

    PeerEvents(int index, PeerOptions options) {
        this.stream = EventStream.forDetector(index, options.seed, options.motionShare, options.labelBytes,
            options.payloadBytes, RECEIPTS.nextLong(), 0, 0);
        this.frame = ByteBuffer.allocate(stream.maxFrameLength()).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Writes the next frame at the start of {@link #frame()}; returns its length. */
    int next() {
        stream.write(frame, 0, ++seq, TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis()));
        return stream.lastFrameLength();
    }

    /** The next frame as a new array, for clients that keep what they are given. */
    byte[] nextBytes() {
        int length = next();
        return Arrays.copyOf(frame.array(), length);
    }

    /** Heap buffer holding the last frame from offset 0. */
    ByteBuffer frame() {
        return frame;
    }

    /** The receipt_id of {@code frame}, as 16 bytes (RFC 4122 byte order), copied. */
    static byte[] receiptId(byte[] frame) {
        return Arrays.copyOfRange(frame, EventFrame.RECEIPT_ID_OFFSET, EventFrame.RECEIPT_ID_OFFSET + 16);
    }
}
