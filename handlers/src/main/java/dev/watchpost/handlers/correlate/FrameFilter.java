package dev.watchpost.handlers.correlate;

import dev.watchpost.handlers.rules.CorrelationRules;
import dev.watchpost.ringbuffer.codec.EventFrame;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** A rule's filter ({@link CorrelationRules.Filter}) compiled for matching frames in place, without allocating. */
final class FrameFilter {
    final int type;
    private final byte[] label;
    private final boolean anyCamera;
    private final long cameraMsb;
    private final long cameraLsb;
    private final boolean anyZone;
    private final long zoneMsb;
    private final long zoneLsb;

    FrameFilter(CorrelationRules.Filter filter) {
        type = filter.type();
        label = filter.label() == null ? null : filter.label().getBytes(StandardCharsets.UTF_8);
        anyCamera = filter.camera() == null;
        cameraMsb = anyCamera ? 0 : filter.camera().getMostSignificantBits();
        cameraLsb = anyCamera ? 0 : filter.camera().getLeastSignificantBits();
        anyZone = filter.zone() == null;
        zoneMsb = anyZone ? 0 : filter.zone().getMostSignificantBits();
        zoneLsb = anyZone ? 0 : filter.zone().getLeastSignificantBits();
    }

    boolean matches(EventFrame frame) {
        if (frame.eventType() != type) {
            return false;
        }
        if (!anyCamera && (frame.uuidMsb(EventFrame.CAMERA_ID_OFFSET) != cameraMsb
                || frame.uuidLsb(EventFrame.CAMERA_ID_OFFSET) != cameraLsb)) {
            return false;
        }
        if (!anyZone && (frame.uuidMsb(EventFrame.ZONE_ID_OFFSET) != zoneMsb || frame.uuidLsb(EventFrame.ZONE_ID_OFFSET) != zoneLsb)) {
            return false;
        }
        return label == null || sameLabel(frame, label);
    }

    static boolean sameLabel(EventFrame frame, byte[] label) {
        if (frame.labelLength() != label.length) {
            return false;
        }
        ByteBuffer b = frame.buffer();
        int from = frame.labelIndex();
        for (int i = 0; i < label.length; i++) {
            if (b.get(from + i) != label[i]) {
                return false;
            }
        }
        return true;
    }
}
