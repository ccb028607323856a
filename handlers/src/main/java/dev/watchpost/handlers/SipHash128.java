package dev.watchpost.handlers;

import java.nio.ByteBuffer;

/**
 * SipHash-2-4 with a 128-bit output (Aumasson and Bernstein's reference {@code siphash.c} with
 * {@code outlen} 16): a keyed pseudo-random function, so that without the key no one can build two
 * inputs with the same digest. The content-window table keeps only this digest of each key; two
 * distinct keys share one with probability 2^-128, and a detector cannot make them collide on
 * purpose. Allocates nothing; the result of the last {@link #hash} is in {@link #hi} and {@link #lo}.
 * One thread at a time.
 */
public final class SipHash128 {
    private final long k0;
    private final long k1;
    private long v0;
    private long v1;
    private long v2;
    private long v3;
    /** First 8 bytes of the last digest, as a little-endian long. */
    public long lo;
    /** Last 8 bytes of the last digest, as a little-endian long. */
    public long hi;

    public SipHash128(long k0, long k1) {
        this.k0 = k0;
        this.k1 = k1;
    }

    /** Hashes {@code buffer[0, length)}; the buffer must be little-endian. */
    public void hash(ByteBuffer buffer, int length) {
        v0 = k0 ^ 0x736f6d6570736575L;
        v1 = k1 ^ 0x646f72616e646f6dL ^ 0xeeL;
        v2 = k0 ^ 0x6c7967656e657261L;
        v3 = k1 ^ 0x7465646279746573L;
        int words = length & ~7;
        for (int i = 0; i < words; i += 8) {
            long m = buffer.getLong(i);
            v3 ^= m;
            round();
            round();
            v0 ^= m;
        }
        long last = (long) length << 56;
        for (int i = length - 1; i >= words; i--) {
            last |= (buffer.get(i) & 0xFFL) << ((i - words) * 8);
        }
        v3 ^= last;
        round();
        round();
        v0 ^= last;

        v2 ^= 0xeeL;
        round();
        round();
        round();
        round();
        lo = v0 ^ v1 ^ v2 ^ v3;
        v1 ^= 0xddL;
        round();
        round();
        round();
        round();
        hi = v0 ^ v1 ^ v2 ^ v3;
    }

    private void round() {
        v0 += v1;
        v1 = Long.rotateLeft(v1, 13);
        v1 ^= v0;
        v0 = Long.rotateLeft(v0, 32);
        v2 += v3;
        v3 = Long.rotateLeft(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = Long.rotateLeft(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = Long.rotateLeft(v1, 17);
        v1 ^= v2;
        v2 = Long.rotateLeft(v2, 32);
    }
}
