package dev.watchpost.bench.load;

/**
 * The receipt_ids the load generator sends: RFC 4122 version-4 shaped UUIDs that name the
 * connection and the frame seq that first carried them, so that a stream subscriber can find an
 * event's send time from its receipt_id alone, with no map from id to event.
 *
 * <pre>
 *   msb   63 ................................ 16 15 .. 12 11 ........ 0
 *         random, chosen once per run            0 1 0 0    random
 *
 *   lsb   63 62 61 ........ 50 49 ........ 40 39 ....................... 0
 *         1  0  0 (reserved)    connection     seq of the first frame with this id
 * </pre>
 *
 * <p>Receipt ids are never zero (the version bits), unique within a run (one id per connection and
 * seq; a duplicate reuses an earlier id on purpose) and, with 60 random bits in the msb, collide
 * with an earlier run's ids in the daemon's dedup store only by chance. Seqs are taken modulo
 * 2<sup>40</sup> (about 10<sup>12</sup> events per connection).
 */
final class ReceiptIds {
    /** Connections a receipt_id can name: 0 … MAX_CONNECTIONS - 1. */
    static final int MAX_CONNECTIONS = 1 << 10;
    static final int CONNECTION_SHIFT = 40;
    static final long SEQ_MASK = (1L << CONNECTION_SHIFT) - 1;
    private static final long CONNECTION_MASK = MAX_CONNECTIONS - 1L;
    private static final long VERSION_MASK = 0x0000_0000_0000_F000L;
    private static final long VERSION_4_BITS = 0x0000_0000_0000_4000L;
    /** Variant (10) and reserved bits: what every lsb of ours has above the connection. */
    private static final long HIGH_MASK = ~((CONNECTION_MASK << CONNECTION_SHIFT) | SEQ_MASK);
    private static final long VARIANT_BITS = 0x8000_0000_0000_0000L;

    private ReceiptIds() {
    }

    /** The msb of a run's receipt ids from a random long: its version nibble set to 4. */
    static long msb(long random) {
        return (random & ~VERSION_MASK) | VERSION_4_BITS;
    }

    /** The lsb of the receipt_id first sent by {@code connection} in the frame with {@code seq}. */
    static long lsb(int connection, long seq) {
        if (connection < 0 || connection >= MAX_CONNECTIONS) {
            throw new IllegalArgumentException("connection must be 0.." + (MAX_CONNECTIONS - 1) + ", was " + connection);
        }
        return VARIANT_BITS | ((long) connection << CONNECTION_SHIFT) | (seq & SEQ_MASK);
    }

    /** True when {@code lsb} has the shape {@link #lsb} gives: the RFC 4122 variant, reserved bits zero. */
    static boolean isOurs(long lsb) {
        return (lsb & HIGH_MASK) == VARIANT_BITS;
    }

    /** The connection an lsb of {@link #lsb} names. */
    static int connection(long lsb) {
        return (int) ((lsb >>> CONNECTION_SHIFT) & CONNECTION_MASK);
    }

    /** The seq an lsb of {@link #lsb} names. */
    static long seq(long lsb) {
        return lsb & SEQ_MASK;
    }
}
