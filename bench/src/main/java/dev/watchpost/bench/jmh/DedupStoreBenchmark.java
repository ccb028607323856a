package dev.watchpost.bench.jmh;

import dev.watchpost.persistence.dedup.DedupConfig;
import dev.watchpost.persistence.dedup.DedupStore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The dedup stage's work per event: {@link DedupStore#lookupOrInsert} on a persisted Chronicle Map
 * that already holds {@code keysPresent} receipts.
 *
 * <ul>
 *   <li>{@code insertNew}: one op = one receipt_id never seen before, recorded with the next seq
 *       (the path of every new event);</li>
 *   <li>{@code lookupDuplicate}: one op = one receipt_id already present and within the TTL, found
 *       and its seq returned (the path of a retry); keys are visited in a scattered order so that
 *       consecutive ops do not share cache lines.</li>
 * </ul>
 *
 * The store is created in a temp directory and prefilled once per fork (10 M receipts take about
 * 12 s), sized {@code keysPresent + 2 M} so that one iteration's inserts fit; after each iteration
 * the receipts it inserted are removed again ({@link DedupStore#removeSeqsAbove}), so every iteration
 * starts from {@code keysPresent} receipts. Keys are spread by a 64-bit mix, like random UUIDs.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class DedupStoreBenchmark {
    /** Room above {@code keysPresent} for one iteration's inserts (about 1 M/s on the target box). */
    static final long INSERT_HEADROOM = 2_000_000L;
    /** A large odd step, coprime with any key count that is not a multiple of it: a scattered full cycle. */
    private static final long SCATTER_STEP = 0x9E3779B97F4A7C15L >>> 1 | 1;

    @Param({"1000000"})
    long keysPresent;

    private Path directory;
    private DedupStore store;
    private long nowMillis;
    private long nextNewKey;
    private long lookupCursor;

    @Setup(Level.Trial)
    public void createAndPrefill() throws IOException {
        directory = BenchFrames.tempDirectory("watchpost-bench-dedup-");
        store = DedupStore.open(new DedupConfig(directory, keysPresent + INSERT_HEADROOM, DedupConfig.TTL_MILLIS_DEFAULT));
        nowMillis = System.currentTimeMillis();
        for (long i = 1; i <= keysPresent; i++) {
            if (store.lookupOrInsert(mix(i), i, i, nowMillis) != DedupStore.NOT_FOUND) {
                throw new IllegalStateException("prefill key " + i + " collided");
            }
        }
        nextNewKey = keysPresent + 1;
    }

    @TearDown(Level.Iteration)
    public void removeInsertedKeys() {
        store.removeSeqsAbove(keysPresent);
        nextNewKey = keysPresent + 1;
        if (store.size() != keysPresent) {
            throw new IllegalStateException("store holds " + store.size() + " receipts after the iteration, expected " + keysPresent);
        }
    }

    @TearDown(Level.Trial)
    public void delete() {
        if (store != null) {
            store.close();
        }
        BenchFrames.deleteRecursively(directory);
    }

    @Benchmark
    public long insertNew() {
        long k = nextNewKey++;
        return store.lookupOrInsert(mix(k), k, k, nowMillis);
    }

    @Benchmark
    public long lookupDuplicate() {
        long k = Math.floorMod(lookupCursor += SCATTER_STEP, keysPresent) + 1;
        return store.lookupOrInsert(mix(k), k, Long.MAX_VALUE, nowMillis);
    }

    /** SplitMix64's finaliser: turns a counter into a well-spread msb, as a random UUID would be. */
    private static long mix(long x) {
        x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
        x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
        return x ^ (x >>> 31);
    }
}
