package dev.watchpost.ringbuffer.codec;

import static dev.watchpost.ringbuffer.codec.TestBytes.hex;
import static dev.watchpost.ringbuffer.codec.TestBytes.slice;
import static dev.watchpost.ringbuffer.codec.TestBytes.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EventValidatorTest {
    private static final UUID RECEIPT = UUID.fromString("0f8fad5b-d9cb-469f-a165-70867728950e");
    private static final UUID STORE = UUID.fromString("5d3c1f7a-2b4e-4c6d-8e9f-0a1b2c3d4e5f");
    private static final UUID CAMERA = UUID.fromString("a0b1c2d3-e4f5-4a6b-8c7d-8e9fa0b1c2d3");
    private static final UUID SUBJECT = UUID.fromString("11111111-2222-4333-8444-555555555555");
    private static final long TS_US = 1_763_884_800_000_000L;
    private static final long NOW_US = TS_US;
    /** Frames are written away from index 0 so that every offset is taken relative to the frame. */
    private static final int AT = 40;

    private final ByteBuffer buffer = TestBytes.buffer(AT + Protocol.MAX_FRAME_LENGTH + 64);
    private final EventFrameEncoder encoder = new EventFrameEncoder();
    private final EventFrame frame = new EventFrame();
    private final EventValidator validator = new EventValidator(EventTypeRegistry.v1());
    private int length;

    @BeforeEach
    void writeTheWorkedExample() {
        writeExample(utf8("person"), utf8("{\"hint\":\"a\"}"));
    }

    /** The worked example of protocol section 7, with this label and payload. */
    private void writeExample(byte[] label, byte[] payload) {
        encoder.wrap(buffer, AT)
            .seq(1)
            .receiptId(RECEIPT)
            .tsUs(TS_US)
            .eventType(EventTypeRegistry.FACE_RECOGNIZED)
            .source(EventFrame.SOURCE_EDGE)
            .confidence(0.93f)
            .storeId(STORE)
            .cameraId(CAMERA)
            .bbox(0.25f, 0.10f, 0.20f, 0.40f)
            .subjectId(SUBJECT)
            .label(label, 0, label.length)
            .payload(payload, 0, payload.length);
        length = encoder.finish();
        frame.wrap(buffer, AT);
    }

    private void writePayload(String json) {
        writeExample(utf8("person"), utf8(json));
    }

    private NackCode validate() {
        return validator.validate(frame, length, NOW_US);
    }

    private void putFlags(int flags) {
        buffer.put(AT + EventFrame.FLAGS_OFFSET, (byte) flags);
    }

    private void putBbox(float x, float y, float w, float h) {
        int at = AT + EventFrame.BBOX_OFFSET;
        buffer.putFloat(at, x).putFloat(at + 4, y).putFloat(at + 8, w).putFloat(at + 12, h);
    }

    private void putZero16(int fieldOffset) {
        buffer.putLong(AT + fieldOffset, 0).putLong(AT + fieldOffset + 8, 0);
    }

    // the worked example

    @Test
    void shouldEncodeTheWorkedExampleByteForByte() {
        assertEquals(176, length);
        assertArrayEquals(hex("b0 00 00 00 57 50 01 01"), slice(buffer, AT, 8));
        assertArrayEquals(hex("01 00 00 00 00 00 00 00"), slice(buffer, AT + Protocol.SEQ_OFFSET, 8));
        assertArrayEquals(hex("0f 8f ad 5b d9 cb 46 9f a1 65 70 86 77 28 95 0e"), slice(buffer, AT + 16, 16));
        assertArrayEquals(hex("00 c0 ed 6e 3e 44 06 00"), slice(buffer, AT + 32, 8));
        assertArrayEquals(hex("04 00 01 05 7b 14 6e 3f"), slice(buffer, AT + 40, 8));
        assertArrayEquals(hex("00 00 80 3e cd cc cc 3d cd cc 4c 3e cd cc cc 3e"), slice(buffer, AT + 120, 16));
        assertArrayEquals(hex("06 00 70 65 72 73 6f 6e 0c 00 00 00"), slice(buffer, AT + 152, 12));
        assertArrayEquals(utf8("{\"hint\":\"a\"}"), slice(buffer, AT + 164, 12));
    }

    @Test
    void shouldAcceptTheWorkedExample() {
        assertNull(validate());
    }

    @Test
    void shouldAcceptTheSmallestEvent() {
        writeExample(new byte[0], new byte[0]);
        assertEquals(EventFrame.MIN_LENGTH, length);
        assertNull(validate());
    }

    // 19: structure

    @Test
    void shouldReportCode19WhenTheLengthDoesNotMatchLabelAndPayloadLengths() {
        assertEquals(NackCode.LENGTH_MISMATCH, validator.validate(frame, length + 1, NOW_US));
        assertEquals(NackCode.LENGTH_MISMATCH, validator.validate(frame, length - 1, NOW_US));
    }

    @Test
    void shouldReportCode19ForAFrameShorterThanTheFixedPart() {
        assertEquals(NackCode.LENGTH_MISMATCH, validator.validate(frame, EventFrame.MIN_LENGTH - 1, NOW_US));
        assertEquals(NackCode.LENGTH_MISMATCH, validator.validate(frame, Protocol.HEADER_LENGTH, NOW_US));
    }

    @Test
    void shouldReportCode19WhenTheLabelLengthPointsBeyondTheFrame() {
        buffer.putShort(AT + EventFrame.LABEL_LEN_OFFSET, (short) 0xFFFF);
        assertEquals(NackCode.LENGTH_MISMATCH, validate());
    }

    @Test
    void shouldReportCode19WhenThePayloadLengthWouldWrapAroundInIntArithmetic() {
        // 158 + 6 + 0xFFFFFFFF wraps to 164 + (-1) = 163 in int; in long it is far beyond the frame
        writeExample(utf8("person"), new byte[0]);
        buffer.putInt(AT + EventFrame.LABEL_OFFSET + 6, 0xFFFF_FFFF);
        assertEquals(NackCode.LENGTH_MISMATCH, validator.validate(frame, 163, NOW_US));
        buffer.putInt(AT + EventFrame.LABEL_OFFSET + 6, 0x8000_0000);
        assertEquals(NackCode.LENGTH_MISMATCH, validate());
    }

    @Test
    void shouldReportStructureBeforeEveryFieldRule() {
        putZero16(EventFrame.RECEIPT_ID_OFFSET);
        buffer.putLong(AT + EventFrame.TS_US_OFFSET, -1);
        buffer.put(AT + EventFrame.SOURCE_OFFSET, (byte) 9);
        buffer.putFloat(AT + EventFrame.CONFIDENCE_OFFSET, Float.NaN);
        buffer.put(AT + EventFrame.LABEL_OFFSET, (byte) 0);
        buffer.putInt(AT + EventFrame.LABEL_OFFSET + 6, 13);
        assertEquals(NackCode.LENGTH_MISMATCH, validate());
    }

    // 13: receipt_id

    @Test
    void shouldReportCode13ForAZeroReceiptId() {
        putZero16(EventFrame.RECEIPT_ID_OFFSET);
        assertEquals(NackCode.ZERO_RECEIPT_ID, validate());
    }

    @Test
    void shouldAcceptAReceiptIdWithASingleNonZeroByte() {
        putZero16(EventFrame.RECEIPT_ID_OFFSET);
        buffer.put(AT + EventFrame.RECEIPT_ID_OFFSET + 15, (byte) 1);
        assertNull(validate());
    }

    // 11: ts_us

    @Test
    void shouldReportCode11ForATimestampThatIsNotPositive() {
        buffer.putLong(AT + EventFrame.TS_US_OFFSET, 0);
        assertEquals(NackCode.BAD_TIMESTAMP, validate());
        buffer.putLong(AT + EventFrame.TS_US_OFFSET, -1);
        assertEquals(NackCode.BAD_TIMESTAMP, validate());
        buffer.putLong(AT + EventFrame.TS_US_OFFSET, Long.MIN_VALUE);
        assertEquals(NackCode.BAD_TIMESTAMP, validate());
    }

    @Test
    void shouldReportCode11ForATimestampBeyondTheClockSkew() {
        buffer.putLong(AT + EventFrame.TS_US_OFFSET, NOW_US + EventValidator.DEFAULT_MAX_CLOCK_SKEW_US + 1);
        assertEquals(NackCode.BAD_TIMESTAMP, validate());
        buffer.putLong(AT + EventFrame.TS_US_OFFSET, Long.MAX_VALUE);
        assertEquals(NackCode.BAD_TIMESTAMP, validate());
    }

    @Test
    void shouldAcceptATimestampExactlyAtTheClockSkewOrInThePast() {
        buffer.putLong(AT + EventFrame.TS_US_OFFSET, NOW_US + EventValidator.DEFAULT_MAX_CLOCK_SKEW_US);
        assertNull(validate());
        buffer.putLong(AT + EventFrame.TS_US_OFFSET, 1);
        assertNull(validate());
    }

    @Test
    void shouldUseTheConfiguredClockSkew() {
        EventValidator strict = new EventValidator(EventTypeRegistry.v1(), 1_000);
        buffer.putLong(AT + EventFrame.TS_US_OFFSET, NOW_US + 1_000);
        assertNull(strict.validate(frame, length, NOW_US));
        buffer.putLong(AT + EventFrame.TS_US_OFFSET, NOW_US + 1_001);
        assertEquals(NackCode.BAD_TIMESTAMP, strict.validate(frame, length, NOW_US));
    }

    // 10: event_type

    @Test
    void shouldReportCode10ForAnUnknownEventType() {
        for (int code : new int[] {0, 12, 999, 1000, 32767}) {
            buffer.putShort(AT + EventFrame.EVENT_TYPE_OFFSET, (short) code);
            assertEquals(NackCode.UNKNOWN_EVENT_TYPE, validate(), "code " + code);
        }
    }

    @Test
    void shouldReportCode10ForADerivedTypeEvenWhenItIsNamed() {
        EventValidator named = new EventValidator(EventTypeRegistry.v1().withDerived(Map.of(32768, "track.fused")));
        for (int code : new int[] {32768, 40000, 65535}) {
            buffer.putShort(AT + EventFrame.EVENT_TYPE_OFFSET, (short) code);
            assertEquals(NackCode.UNKNOWN_EVENT_TYPE, named.validate(frame, length, NOW_US), "code " + code);
        }
    }

    @Test
    void shouldAcceptADeclaredSiteType() {
        EventValidator site = new EventValidator(EventTypeRegistry.v1().withSiteTypes(Map.of(1000, "shelf.empty")));
        buffer.putShort(AT + EventFrame.EVENT_TYPE_OFFSET, (short) 1000);
        assertNull(site.validate(frame, length, NOW_US));
    }

    // 15: source

    @Test
    void shouldReportCode15ForASourceOutside1To3() {
        for (int source : new int[] {0, 4, 255}) {
            buffer.put(AT + EventFrame.SOURCE_OFFSET, (byte) source);
            assertEquals(NackCode.BAD_SOURCE, validate(), "source " + source);
        }
        for (int source = 1; source <= 3; source++) {
            buffer.put(AT + EventFrame.SOURCE_OFFSET, (byte) source);
            assertNull(validate(), "source " + source);
        }
    }

    // 16: flags, track, bbox, subject

    @Test
    void shouldReportCode16ForAnyReservedFlagBit() {
        for (int bit = 3; bit < 8; bit++) {
            putFlags(0b101 | 1 << bit);
            assertEquals(NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, validate(), "bit " + bit);
        }
    }

    @Test
    void shouldReportCode16ForATrackIdWithoutItsFlag() {
        buffer.putLong(AT + EventFrame.TRACK_ID_OFFSET, 42);
        assertEquals(NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, validate());
        putFlags(0b111);
        assertNull(validate());
    }

    @Test
    void shouldReportCode16ForASubjectIdWithoutItsFlag() {
        putFlags(0b001);
        assertEquals(NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, validate());
        putZero16(EventFrame.SUBJECT_ID_OFFSET);
        assertNull(validate());
    }

    @Test
    void shouldAcceptAZeroSubjectIdWhenItsFlagIsSetBecauseTheRuleSaysOnlyZeroUnlessFlagged() {
        putZero16(EventFrame.SUBJECT_ID_OFFSET);
        assertNull(validate());
    }

    @Test
    void shouldAcceptABboxWithinTheToleranceAtTheFramesEdge() {
        putBbox(0.5f, 0.0f, 0.5000005f, 1.0f);
        assertNull(validate());
        putBbox(0.0f, 0.7f, 1.0f, 0.3f);
        assertNull(validate());
    }

    @Test
    void shouldReportCode16ForABboxBeyondTheTolerance() {
        putBbox(0.5f, 0.0f, 0.500002f, 0.5f);
        assertEquals(NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, validate());
        putBbox(0.0f, 0.5f, 0.5f, 0.500002f);
        assertEquals(NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, validate());
    }

    @Test
    void shouldReportCode16ForABboxValueOutsideTheUnitRange() {
        putBbox(-0.1f, 0.1f, 0.2f, 0.2f);
        assertEquals(NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, validate());
        putBbox(0.1f, 0.1f, 1.5f, 0.2f);
        assertEquals(NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, validate());
    }

    @Test
    void shouldReportCode16ForAPresentBboxWithoutArea() {
        putBbox(0.1f, 0.1f, 0.0f, 0.2f);
        assertEquals(NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, validate());
        putBbox(0.1f, 0.1f, 0.2f, -0.0f);
        assertEquals(NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, validate());
    }

    @Test
    void shouldCountNegativeZeroAsZeroInAPresentBbox() {
        putBbox(-0.0f, -0.0f, 1.0f, 1.0f);
        assertNull(validate());
    }

    @Test
    void shouldReportCode16ForNaNOrInfinityInABbox() {
        putBbox(Float.NaN, 0.1f, 0.2f, 0.2f);
        assertEquals(NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, validate());
        putBbox(0.1f, 0.1f, Float.POSITIVE_INFINITY, 0.2f);
        assertEquals(NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, validate());
        putFlags(0b100);
        putBbox(0f, Float.NaN, 0f, 0f);
        assertEquals(NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, validate());
    }

    @Test
    void shouldAcceptAnAbsentBboxOfZerosAndNegativeZeros() {
        putFlags(0b100);
        putBbox(0f, -0.0f, -0.0f, 0f);
        assertNull(validate());
    }

    @Test
    void shouldReportCode16ForAnAbsentBboxThatIsNotZero() {
        putFlags(0b100);
        assertEquals(NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, validate());
        putBbox(0f, 0f, 0f, Float.MIN_VALUE);
        assertEquals(NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, validate());
    }

    // 12: confidence

    @Test
    void shouldReportCode12ForNaNConfidence() {
        buffer.putFloat(AT + EventFrame.CONFIDENCE_OFFSET, Float.NaN);
        assertEquals(NackCode.BAD_CONFIDENCE, validate());
    }

    @Test
    void shouldReportCode12ForConfidenceOutsideZeroToOne() {
        for (float c : new float[] {-0.01f, 1.0000001f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -Float.MIN_VALUE}) {
            buffer.putFloat(AT + EventFrame.CONFIDENCE_OFFSET, c);
            assertEquals(NackCode.BAD_CONFIDENCE, validate(), "confidence " + c);
        }
    }

    @Test
    void shouldAcceptConfidenceAtBothEndsAndNegativeZero() {
        for (float c : new float[] {0f, -0.0f, 1f}) {
            buffer.putFloat(AT + EventFrame.CONFIDENCE_OFFSET, c);
            assertNull(validate(), "confidence " + c);
        }
    }

    // 14: store_id

    @Test
    void shouldReportCode14ForAZeroStoreId() {
        putZero16(EventFrame.STORE_ID_OFFSET);
        assertEquals(NackCode.ZERO_STORE_ID, validate());
    }

    @Test
    void shouldAcceptZeroOrgCameraAndZone() {
        putZero16(EventFrame.ORG_ID_OFFSET);
        putZero16(EventFrame.CAMERA_ID_OFFSET);
        putZero16(EventFrame.ZONE_ID_OFFSET);
        assertNull(validate());
    }

    // 17: label

    @Test
    void shouldReportCode17ForALabelLongerThan64Bytes() {
        writeExample(utf8("x".repeat(64)), new byte[0]);
        assertNull(validate());
        writeExample(utf8("x".repeat(65)), new byte[0]);
        assertEquals(NackCode.BAD_LABEL, validate());
    }

    @Test
    void shouldReportCode17ForAnOverlongUtf8Label() {
        writeExample(hex("70 c0 af"), new byte[0]);
        assertEquals(NackCode.BAD_LABEL, validate());
    }

    @Test
    void shouldReportCode17ForAnEncodedSurrogateInTheLabel() {
        writeExample(hex("ed a0 80"), new byte[0]);
        assertEquals(NackCode.BAD_LABEL, validate());
    }

    @Test
    void shouldReportCode17ForAControlCharacterInTheLabel() {
        for (String label : new String[] {"per\nson", "\u0000", "tab\t", "del\u007f"}) {
            writeExample(utf8(label), new byte[0]);
            assertEquals(NackCode.BAD_LABEL, validate(), label);
        }
    }

    @Test
    void shouldAcceptANonAsciiLabel() {
        writeExample(utf8("visage reconnu 😀"), new byte[0]);
        assertNull(validate());
    }

    // 18: payload

    @Test
    void shouldReportCode18ForAPayloadThatIsNotAnIJsonObject() {
        for (String payload : new String[] {"[]", "{\"a\":1e400}", "{\"a\":1,\"a\":2}", "{\"a\":\"\\ud800\"}", "{", "null"}) {
            writePayload(payload);
            assertEquals(NackCode.BAD_PAYLOAD, validate(), payload);
        }
    }

    @Test
    void shouldReportCode18ForAPayloadStartingWithAByteOrderMark() {
        writeExample(utf8("person"), hex("ef bb bf 7b 7d"));
        assertEquals(NackCode.BAD_PAYLOAD, validate());
    }

    @Test
    void shouldAcceptPayloadDepth16AndReportCode18ForDepth17() {
        writePayload("{\"a\":" + "[".repeat(15) + "]".repeat(15) + "}");
        assertNull(validate());
        writePayload("{\"a\":" + "[".repeat(16) + "]".repeat(16) + "}");
        assertEquals(NackCode.BAD_PAYLOAD, validate());
    }

    // order of the checks

    @Test
    void shouldReportSourceBeforeConfidenceBecauseItComesFirstInTheTable() {
        buffer.put(AT + EventFrame.SOURCE_OFFSET, (byte) 0);
        buffer.putFloat(AT + EventFrame.CONFIDENCE_OFFSET, Float.NaN);
        assertEquals(NackCode.BAD_SOURCE, validate());
    }

    @Test
    void shouldReportReceiptIdBeforeTimestampAndTimestampBeforeEventType() {
        putZero16(EventFrame.RECEIPT_ID_OFFSET);
        buffer.putLong(AT + EventFrame.TS_US_OFFSET, 0);
        buffer.putShort(AT + EventFrame.EVENT_TYPE_OFFSET, (short) 0);
        assertEquals(NackCode.ZERO_RECEIPT_ID, validate());
        buffer.put(AT + EventFrame.RECEIPT_ID_OFFSET, (byte) 1);
        assertEquals(NackCode.BAD_TIMESTAMP, validate());
    }

    @Test
    void shouldReportFlagsBeforeConfidenceAndConfidenceBeforeStoreId() {
        putFlags(0xFF);
        buffer.putFloat(AT + EventFrame.CONFIDENCE_OFFSET, 2f);
        putZero16(EventFrame.STORE_ID_OFFSET);
        assertEquals(NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, validate());
        putFlags(0b101);
        assertEquals(NackCode.BAD_CONFIDENCE, validate());
    }

    @Test
    void shouldReportStoreIdBeforeTrackBecauseItComesFirstInTheTable() {
        putZero16(EventFrame.STORE_ID_OFFSET);
        buffer.putLong(AT + EventFrame.TRACK_ID_OFFSET, 7);
        assertEquals(NackCode.ZERO_STORE_ID, validate());
    }

    @Test
    void shouldReportSubjectBeforeLabelAndLabelBeforePayload() {
        writeExample(utf8("bad\u0001"), utf8("[]"));
        putFlags(0b001);
        assertEquals(NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS, validate());
        putFlags(0b101);
        assertEquals(NackCode.BAD_LABEL, validate());
    }

    // garbage

    @Test
    void shouldValidateWithoutAllocatingOnceWarm() {
        writePayload("{\"hint\":\"a\",\"score\":[0.5,1e-3,-12],\"box\":{\"x\":1,\"\\u0079\":2},\"ok\":true,\"n\":null}");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 20_000; i++) {
            assertNull(validate());
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 10_000; i++) {
            validate();
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        // Any allocation per validation is at least 16 bytes, 160,000 in all; a JIT recompilation
        // during the loop may allocate a few bytes once.
        assertTrue(allocated < 10_000, "bytes allocated by 10,000 validations: " + allocated);
    }

    @Test
    void shouldReportCode10ForASitesOwnDerivedType() {
        EventValidator site = new EventValidator(EventTypeRegistry.standard().withSiteTypes(Map.of(1000, "shelf.empty", 40000, "customer.waved")));
        buffer.putShort(AT + EventFrame.EVENT_TYPE_OFFSET, (short) 40000);
        assertEquals(NackCode.UNKNOWN_EVENT_TYPE, site.validate(frame, length, NOW_US));
    }
}
