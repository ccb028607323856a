package dev.watchpost.handlers.correlate;

import dev.watchpost.handlers.SipHash128;
import dev.watchpost.ringbuffer.codec.EventFrame;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Join keys as 128-bit digests of a frame's fields, read in place: each method leaves the key in
 * {@link #hi}/{@link #lo} and returns true. A domain byte keeps keys of different kinds apart.
 */
final class Keys {
    private static final int TRACK = 1;
    private static final int SUBJECT = 2;
    private static final int SUBJECT_ON_CAMERA = 3;
    private static final int CAMERA = 4;
    private static final int LABEL_ZONE = 5;
    private static final int LABEL = 6;

    private final SipHash128 digest = new SipHash128(0x6b65_7973_5f6b_3031L, 0x636f_7272_656c_6b31L);
    private final ByteBuffer scratch = ByteBuffer.allocate(1 + 32 + 2 + EventFrame.MAX_LABEL_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    long hi;
    long lo;

    boolean track(EventFrame frame) {
        scratch.put(0, (byte) TRACK);
        putUuid(1, frame, EventFrame.CAMERA_ID_OFFSET);
        scratch.putLong(17, frame.trackId());
        return done(25);
    }

    boolean subject(EventFrame frame, boolean onCamera) {
        scratch.put(0, (byte) (onCamera ? SUBJECT_ON_CAMERA : SUBJECT));
        putUuid(1, frame, EventFrame.SUBJECT_ID_OFFSET);
        if (onCamera) {
            putUuid(17, frame, EventFrame.CAMERA_ID_OFFSET);
            return done(33);
        }
        return done(17);
    }

    boolean camera(EventFrame frame) {
        scratch.put(0, (byte) CAMERA);
        putUuid(1, frame, EventFrame.CAMERA_ID_OFFSET);
        return done(17);
    }

    boolean labelZone(EventFrame frame) {
        scratch.put(0, (byte) LABEL_ZONE);
        putUuid(1, frame, EventFrame.ZONE_ID_OFFSET);
        return done(putLabel(17, frame));
    }

    boolean label(EventFrame frame) {
        scratch.put(0, (byte) LABEL);
        return done(putLabel(1, frame));
    }

    private int putLabel(int at, EventFrame frame) {
        int length = Math.min(frame.labelLength(), EventFrame.MAX_LABEL_LENGTH);
        scratch.putShort(at, (short) length);
        ByteBuffer b = frame.buffer();
        int from = frame.labelIndex();
        for (int i = 0; i < length; i++) {
            scratch.put(at + 2 + i, b.get(from + i));
        }
        return at + 2 + length;
    }

    private void putUuid(int at, EventFrame frame, int field) {
        scratch.putLong(at, frame.uuidMsb(field)).putLong(at + 8, frame.uuidLsb(field));
    }

    private boolean done(int length) {
        digest.hash(scratch, length);
        hi = digest.hi;
        lo = digest.lo;
        return true;
    }
}
