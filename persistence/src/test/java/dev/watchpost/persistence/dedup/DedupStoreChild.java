package dev.watchpost.persistence.dedup;

import java.nio.file.Path;

/**
 * Child-JVM side of the kill tests: opens the store in {@code args[0]} with capacity {@code args[1]},
 * records receipts 1..n, n = {@code args[2]} (seq = i, inserted at {@link #INSERTED_AT}), prints
 * {@code "INSERTED n"}, then, by {@code args[3]}:
 * <ul>
 *   <li>{@code wait}: waits on stdin; at its end closes the store and exits;</li>
 *   <li>{@code churn}: keeps rewriting receipts n+1..2n (each round expires the last) until killed,
 *       so a kill lands in the middle of a write, holding a segment lock.</li>
 * </ul>
 */
public final class DedupStoreChild {
    static final long INSERTED_AT = 1_700_000_000_000L;

    private DedupStoreChild() {
    }

    public static void main(String[] args) throws Exception {
        Path directory = Path.of(args[0]);
        long capacity = Long.parseLong(args[1]);
        int count = Integer.parseInt(args[2]);
        boolean churn = args[3].equals("churn");
        DedupStore store = DedupStore.open(new DedupConfig(directory, capacity, DedupConfig.TTL_MILLIS_DEFAULT));
        for (int i = 1; i <= count; i++) {
            if (store.lookupOrInsert(Receipts.msb(i), Receipts.lsb(i), i, INSERTED_AT) != DedupStore.NOT_FOUND) {
                throw new IllegalStateException("receipt " + i + " already known");
            }
        }
        System.out.println("INSERTED " + store.size());
        System.out.flush();
        if (churn) {
            for (long round = 1; ; round++) {
                long now = INSERTED_AT + round * DedupConfig.TTL_MILLIS_DEFAULT;
                for (int i = count + 1; i <= 2 * count; i++) {
                    store.lookupOrInsert(Receipts.msb(i), Receipts.lsb(i), round * count + i, now);
                }
            }
        }
        while (System.in.read() >= 0) {
            // Waiting for the parent to kill us, or to close stdin for a clean stop.
        }
        store.close();
    }
}
