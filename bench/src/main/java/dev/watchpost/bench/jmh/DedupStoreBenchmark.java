package dev.watchpost.bench.jmh;

import dev.watchpost.persistence.dedup.DedupConfig;
import dev.watchpost.persistence.dedup.DedupStore;
import dev.watchpost.persistence.dedup.ReceiptSource;
import net.openhft.chronicle.core.values.LongValue;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;
import net.openhft.chronicle.values.Values;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
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
 * The dedup stage's work per event, on Watchpost's receipt table ({@code store = watchpost}: a
 * {@link DedupStore}) and, as the peer, on a persisted Chronicle Map of receipt_id to seq
 * ({@code store = chronicle-map}, the dedup store's former design) that already hold
 * {@code keysPresent} receipts.
 *
 * <ul>
 *   <li>{@code insertNew}: one op = one receipt_id never seen before, recorded with the next seq
 *       (the path of every new event);</li>
 *   <li>{@code lookupDuplicate}: one op = one receipt_id already present, found and its seq returned
 *       (the path of a retry); keys are visited in a scattered order so that consecutive ops do not
 *       share cache lines. On the receipt table an old receipt is confirmed through its
 *       {@link ReceiptSource}, here a computation (the daemon reads its journal; recent receipts are
 *       confirmed from memory).</li>
 *   <li>{@code insertNewPrefetched}: as {@code insertNew}, the way the dedup stage runs a batch:
 *       {@value #PREFETCH} receipts are prefetched ({@link DedupStore#lookupStart}, then
 *       {@link DedupStore#touch} in a loop of their own) and then inserted;
 *       one op = one receipt. On Chronicle Map the prefetch does nothing.</li>
 * </ul>
 *
 * Each trial fills a fresh store once (10 M receipts take about 12 s on Chronicle Map), sized
 * {@code keysPresent + 12 M} so that one iteration's inserts fit; after each iteration the receipts
 * it inserted are removed again, so every iteration starts from {@code keysPresent} receipts. Keys are spread by a 64-bit mix, like
 * random UUIDs; receipt {@code k} is stored under seq {@code k}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class DedupStoreBenchmark {
    /** Room above {@code keysPresent} for one iteration's inserts (1 s at up to 12 M/s). */
    static final long INSERT_HEADROOM = 12_000_000L;
    /** A large odd step, coprime with any key count that is not a multiple of it: a scattered full cycle. */
    private static final long SCATTER_STEP = 0x9E3779B97F4A7C15L >>> 1 | 1;
    /** Receipts prefetched together, as the stage thread does ({@code Pipeline.PREFETCH_AHEAD}). */
    static final int PREFETCH = 32;

    @Param({"1000000"})
    long keysPresent;

    @Param({"watchpost", "chronicle-map"})
    String store;

    private Path directory;
    private Receipts receipts;
    private long nowMillis;
    private long nextNewKey;
    private long lookupCursor;
    private final int[] lookupStarts = new int[PREFETCH];

    /** The two stores behind one pair of operations. */
    private interface Receipts extends AutoCloseable {
        long lookupOrInsert(long msb, long lsb, long seqIfNew);

        int lookupStart(long msb, long lsb);

        long touch(int lookupStart);

        /** Removes the receipts of keys {@code from..to}, inserted by the last iteration. */
        void remove(long from, long to);

        @Override
        void close();
    }

    @Setup(Level.Trial)
    public void createAndPrefill() throws IOException {
        directory = BenchFrames.tempDirectory("watchpost-bench-dedup-");
        nowMillis = System.currentTimeMillis();
        long capacity = keysPresent + INSERT_HEADROOM;
        receipts = "chronicle-map".equals(store) ? new ChronicleReceipts(directory, capacity) : watchpost(capacity);
        for (long i = 1; i <= keysPresent; i++) {
            if (receipts.lookupOrInsert(mix(i), i, i) != DedupStore.NOT_FOUND) {
                throw new IllegalStateException("prefill key " + i + " collided");
            }
        }
        nextNewKey = keysPresent + 1;
    }

    private Receipts watchpost(long capacity) throws IOException {
        ReceiptSource source = (seq, out) -> {
            out[0] = mix(seq);
            out[1] = seq;
            return true;
        };
        DedupStore dedup = DedupStore.open(new DedupConfig(directory, capacity, DedupConfig.TTL_MILLIS_DEFAULT), source);
        return new Receipts() {
            @Override
            public long lookupOrInsert(long msb, long lsb, long seqIfNew) {
                return dedup.lookupOrInsert(msb, lsb, seqIfNew, nowMillis);
            }

            @Override
            public int lookupStart(long msb, long lsb) {
                return dedup.lookupStart(msb, lsb);
            }

            @Override
            public long touch(int lookupStart) {
                return dedup.touch(lookupStart);
            }

            @Override
            public void remove(long from, long to) {
                dedup.removeSeqsAbove(from - 1);
            }

            @Override
            public void close() {
                // No snapshot: the trial's store is thrown away.
            }
        };
    }

    @TearDown(Level.Iteration)
    public void removeInsertedKeys() {
        receipts.remove(keysPresent + 1, nextNewKey - 1);
        nextNewKey = keysPresent + 1;
    }

    @TearDown(Level.Trial)
    public void delete() {
        if (receipts != null) {
            receipts.close();
        }
        BenchFrames.deleteRecursively(directory);
    }

    @Benchmark
    public long insertNew() {
        long k = nextNewKey++;
        return receipts.lookupOrInsert(mix(k), k, k);
    }

    @Benchmark
    @OperationsPerInvocation(PREFETCH)
    public long insertNewPrefetched() {
        long first = nextNewKey;
        long kept = 0;
        for (int i = 0; i < PREFETCH; i++) {
            lookupStarts[i] = receipts.lookupStart(mix(first + i), first + i);
        }
        for (int i = 0; i < PREFETCH; i++) {
            kept ^= receipts.touch(lookupStarts[i]);
        }
        for (long k = first; k < first + PREFETCH; k++) {
            kept ^= receipts.lookupOrInsert(mix(k), k, k);
        }
        nextNewKey = first + PREFETCH;
        return kept;
    }

    @Benchmark
    public long lookupDuplicate() {
        long k = Math.floorMod(lookupCursor += SCATTER_STEP, keysPresent) + 1;
        return receipts.lookupOrInsert(mix(k), k, nextNewKey);
    }

    /** SplitMix64's finaliser: turns a counter into a well-spread msb, as a random UUID would be. */
    private static long mix(long x) {
        x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
        x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
        return x ^ (x >>> 31);
    }

    /** The key of the Chronicle Map peer: a receipt_id, off-heap. */
    public interface ReceiptKey {
        long getMsb();

        void setMsb(long msb);

        long getLsb();

        void setLsb(long lsb);
    }

    /** Receipt_id to seq in a persisted Chronicle Map, looked up and inserted under one segment lock, allocation-free. */
    private static final class ChronicleReceipts implements Receipts {
        private final ChronicleMap<ReceiptKey, LongValue> map;
        private final ReceiptKey key = Values.newHeapInstance(ReceiptKey.class);
        private final LongValue value = Values.newHeapInstance(LongValue.class);

        ChronicleReceipts(Path directory, long capacity) throws IOException {
            map = ChronicleMap.of(ReceiptKey.class, LongValue.class).name("receipts").entries(capacity)
                    .createPersistedTo(directory.resolve("receipts.cmap").toFile());
        }

        @Override
        public long lookupOrInsert(long msb, long lsb, long seqIfNew) {
            key.setMsb(msb);
            key.setLsb(lsb);
            try (ExternalMapQueryContext<ReceiptKey, LongValue, ?> c = map.queryContext(key)) {
                c.updateLock().lock();
                MapEntry<ReceiptKey, LongValue> entry = c.entry();
                if (entry != null) {
                    return entry.value().get().getValue();
                }
                value.setValue(seqIfNew);
                c.absentEntry().doInsert(c.wrapValueAsData(value));
                return DedupStore.NOT_FOUND;
            }
        }

        @Override
        public int lookupStart(long msb, long lsb) {
            return 0;
        }

        @Override
        public long touch(int lookupStart) {
            return 0;
        }

        @Override
        public void remove(long from, long to) {
            for (long k = from; k <= to; k++) {
                key.setMsb(mix(k));
                key.setLsb(k);
                map.remove(key);
            }
        }

        @Override
        public void close() {
            map.close();
        }
    }
}
