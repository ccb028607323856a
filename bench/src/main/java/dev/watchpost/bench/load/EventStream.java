package dev.watchpost.bench.load;

import dev.watchpost.ringbuffer.codec.EventFrameEncoder;
import dev.watchpost.ringbuffer.codec.NackCode;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * One detector's stream of EVENT frames: content from an {@link EventMix}, a fresh receipt_id per
 * event, and on request a share of duplicates (a valid event that reuses the receipt_id of an
 * earlier valid event of this stream, as a retry would) and of invalid events, each broken in one
 * field so that the daemon must answer with a known NACK code.
 *
 * <p>Receipt ids are RFC 4122 version-4 shaped ({@link ReceiptIds}): a random most significant half,
 * chosen afresh every run so that no run's events are duplicates of an earlier run's within the
 * daemon's receipt retention, and the detector's index and the frame's seq in the least significant
 * half, which lets a stream subscriber tell which frame an event it receives came from.
 *
 * <p>One instance per sending thread: not thread-safe. Allocates nothing per event. Public so that
 * the peer benchmarks ({@code dev.watchpost.bench.peers}) send exactly the frames a detector
 * connection sends ({@link #forDetector}).
 */
public final class EventStream {
    /** Remembered receipt ids of valid events, the pool duplicates draw from. */
    static final int RECENT_RECEIPTS = 4096;

    /** The ways an event is made invalid, each with the NACK code the protocol prescribes for it. */
    enum Corruption {
        /** confidence 2.0: outside [0, 1]. */
        CONFIDENCE(NackCode.BAD_CONFIDENCE) {
            @Override
            void apply(EventFrameEncoder encoder) {
                encoder.confidence(2.0f);
            }
        },
        /** store_id all zero. */
        ZERO_STORE(NackCode.ZERO_STORE_ID) {
            @Override
            void apply(EventFrameEncoder encoder) {
                encoder.storeId(null);
            }
        },
        /** source 9: neither edge, backend nor system. */
        SOURCE(NackCode.BAD_SOURCE) {
            @Override
            void apply(EventFrameEncoder encoder) {
                encoder.source(9);
            }
        },
        /** a bbox that leaves the frame: x + w = 1.3. */
        BBOX(NackCode.BAD_BBOX_TRACK_SUBJECT_OR_FLAGS) {
            @Override
            void apply(EventFrameEncoder encoder) {
                encoder.bbox(0.8f, 0.1f, 0.5f, 0.2f);
            }
        };

        private static final Corruption[] ALL = values();
        final NackCode nack;

        Corruption(NackCode nack) {
            this.nack = nack;
        }

        /** Breaks one field of an event whose content is written; only fixed-offset fields are touched. */
        abstract void apply(EventFrameEncoder encoder);
    }

    private final EventFrameEncoder encoder = new EventFrameEncoder();
    private final EventMix mix;
    private final SplittableRandom random;
    private final double invalidShare;
    private final double duplicateShare;
    private final int detector;
    private final long receiptMsb;
    private final long[] recentLsb = new long[RECENT_RECEIPTS];
    private int recentCount;
    private int recentNext;

    private int lastFrameLength;
    private boolean lastNew;
    private long duplicatesWritten;
    private long invalidWritten;
    private final long[] invalidWrittenByCode = new long[DetectorConnection.CODE_SLOTS];

    /**
     * @param mix the events' content
     * @param seed seed of the duplicate/invalid choices
     * @param detector the detector (connection) index, 0 … {@link ReceiptIds#MAX_CONNECTIONS} - 1, named in the receipt ids
     * @param receiptMsb most significant half of this stream's receipt ids; pick it at random per run
     * @param duplicateShare share of events that reuse an earlier receipt_id, 0 … 1
     * @param invalidShare share of events made invalid, 0 … 1 (with duplicateShare at most 1)
     */
    EventStream(EventMix mix, long seed, int detector, long receiptMsb, double duplicateShare, double invalidShare) {
        if (!(duplicateShare >= 0 && invalidShare >= 0 && duplicateShare + invalidShare <= 1)) {
            throw new IllegalArgumentException("duplicateShare and invalidShare must be >= 0 with a sum <= 1, were "
                + duplicateShare + " and " + invalidShare);
        }
        if (detector < 0 || detector >= ReceiptIds.MAX_CONNECTIONS) {
            throw new IllegalArgumentException("detector must be 0.." + (ReceiptIds.MAX_CONNECTIONS - 1) + ", was " + detector);
        }
        this.mix = mix;
        this.random = new SplittableRandom(seed);
        this.detector = detector;
        this.receiptMsb = ReceiptIds.msb(receiptMsb);
        this.duplicateShare = duplicateShare;
        this.invalidShare = invalidShare;
    }

    /**
     * The stream of detector {@code index}, built as {@link DetectorConnection} builds it: the same
     * seed, index and sizes give the same frames (receipt ids aside, which come from {@code receiptMsb}).
     *
     * @param labelBytes as {@code --label-bytes}, -1 for the natural labels
     * @param payloadBytes as {@code --payload-bytes}, -1 for the natural payloads
     */
    public static EventStream forDetector(int index, long seed, double motionShare, int labelBytes, int payloadBytes,
                                          long receiptMsb, double duplicateShare, double invalidShare) {
        EventMix mix = new EventMix(seed * 31 + index, motionShare, labelBytes, payloadBytes, (long) index << 40);
        return new EventStream(mix, seed * 131 + index, index, receiptMsb, duplicateShare, invalidShare);
    }

    /** The longest frame {@link #write} can produce. */
    public int maxFrameLength() {
        return mix.maxFrameLength();
    }

    /**
     * Writes the next EVENT frame at {@code index} of a little-endian buffer with room for
     * {@link #maxFrameLength()} bytes there.
     *
     * @param seq the frame's seq; a new receipt_id is made from it, so never pass the same seq twice
     * @return the NACK code the daemon must answer this frame with, or 0 when it is valid
     *         (the frame's length is then {@link #lastFrameLength()})
     */
    public int write(ByteBuffer buffer, int index, long seq, long tsUs) {
        encoder.wrap(buffer, index).seq(seq).tsUs(tsUs);
        double roll = random.nextDouble();
        int expectedNack = 0;
        lastNew = false;
        if (roll < invalidShare) {
            encoder.receiptId(receiptMsb, ReceiptIds.lsb(detector, seq));
            mix.writeNext(encoder);
            Corruption corruption = Corruption.ALL[random.nextInt(Corruption.ALL.length)];
            corruption.apply(encoder);
            expectedNack = corruption.nack.code();
            invalidWritten++;
            invalidWrittenByCode[expectedNack]++;
        } else if (roll < invalidShare + duplicateShare && recentCount > 0) {
            encoder.receiptId(receiptMsb, recentLsb[random.nextInt(recentCount)]);
            mix.writeNext(encoder);
            duplicatesWritten++;
        } else {
            long lsb = ReceiptIds.lsb(detector, seq);
            encoder.receiptId(receiptMsb, lsb);
            mix.writeNext(encoder);
            recentLsb[recentNext] = lsb;
            recentNext = (recentNext + 1) & (RECENT_RECEIPTS - 1);
            recentCount = Math.min(recentCount + 1, RECENT_RECEIPTS);
            lastNew = true;
        }
        lastFrameLength = encoder.finish();
        return expectedNack;
    }

    /** Length of the frame the last {@link #write} produced. */
    public int lastFrameLength() {
        return lastFrameLength;
    }

    /**
     * True when the last {@link #write} produced a valid event with a receipt_id never sent before:
     * one the daemon stores and streams (duplicates and invalid events are neither).
     */
    public boolean lastWasNew() {
        return lastNew;
    }

    long receiptMsb() {
        return receiptMsb;
    }

    long duplicatesWritten() {
        return duplicatesWritten;
    }

    long invalidWritten() {
        return invalidWritten;
    }

    /** Invalid events written, by the NACK code they must get; shared, never modify. */
    long[] invalidWrittenByCode() {
        return invalidWrittenByCode;
    }
}
