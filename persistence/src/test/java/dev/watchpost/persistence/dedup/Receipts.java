package dev.watchpost.persistence.dedup;

/** Deterministic receipt_ids for tests: number {@code i} maps to a well-mixed 128-bit id, like a UUID. */
final class Receipts {
    private Receipts() {
    }

    static long msb(long i) {
        return mix(i * 0x9E3779B97F4A7C15L);
    }

    static long lsb(long i) {
        return mix(i * 0xC2B2AE3D27D4EB4FL + 0x165667B19E3779F9L);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
