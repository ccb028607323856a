package dev.watchpost.bench.peers;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The single writer shared by {@link JournalOnlyRun} and {@link ChronicleQueuePeer}: it takes the
 * load generator's frames from {@code --producers} streams in turn, appends one record per frame
 * and forces every {@code --batch} records, so that both stores do the same work per event and the
 * same durable write per batch (a group commit, as the daemon's journal stage does at end of batch).
 */
final class AppendLoop {
    /** One store under test; called from the writing thread only. */
    interface Store {
        /** Appends the record of {@code frame[0, length)} with the given seq (1, 2, 3 …). */
        void append(long seq, ByteBuffer frame, int length) throws IOException;

        /** Makes every record appended so far durable. */
        void force() throws IOException;
    }

    private final AtomicLong completed = new AtomicLong();
    private volatile boolean running = true;
    private volatile Throwable failure;

    /** Runs the loop on a new thread, measures as {@link PeerMeasurement} does, and returns events/s. */
    double run(PeerOptions options, Store store) throws InterruptedException {
        PeerEvents[] streams = new PeerEvents[options.producers];
        for (int i = 0; i < streams.length; i++) {
            streams[i] = new PeerEvents(i, options);
        }
        Thread writer = new Thread(() -> {
            long seq = 0;
            try {
                while (running) {
                    for (int i = 0; i < options.batch; i++) {
                        PeerEvents events = streams[(int) (seq % streams.length)];
                        int length = events.next();
                        store.append(++seq, events.frame(), length);
                    }
                    store.force();
                    completed.lazySet(seq);
                }
            } catch (Throwable t) {
                failure = t;
            }
        }, "append-writer");
        writer.start();
        double rate = PeerMeasurement.eventsPerSecond(options, completed::get, System.err);
        running = false;
        writer.join();
        if (failure != null) {
            throw new IllegalStateException("the writer failed", failure);
        }
        return rate;
    }

    long completed() {
        return completed.get();
    }
}
