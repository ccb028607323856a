package dev.watchpost.bench.crash;

import dev.watchpost.ringbuffer.WallClock;
import dev.watchpost.ringbuffer.client.DetectorClient;
import dev.watchpost.ringbuffer.codec.EventFrameEncoder;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A detector that keeps what the daemon has not acknowledged: it streams valid EVENT frames in
 * batches over a blocking {@link DetectorClient}, at most two batches unacknowledged, reading ACKs
 * between batches. When the connection dies (the daemon was killed) it waits for the next run of the
 * daemon, reconnects (seqs from 1 again) and resends every unacknowledged event with its receipt_id
 * before any new one. Runs on its own thread; the harness reads its results after it has ended.
 */
final class CrashDetector implements Runnable {
    static final UUID STORE = UUID.fromString("6f1c2a3e-1111-4222-8333-444455556666");
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(20);
    /** Behind schedule by more than this (a restart), the pacing starts over rather than bursting. */
    private static final long MAX_LAG_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final int id;
    private final DaemonTarget target;
    private final int batch;
    private final long batchIntervalNanos;
    private final long maxNewEvents;
    private final Random random;
    private final CountDownLatch done;

    private final ByteBuffer frame = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
    private final EventFrameEncoder encoder = new EventFrameEncoder();
    private final byte[] label = "person".getBytes(StandardCharsets.UTF_8);
    private final byte[] payload;
    private final UUID camera;

    // Results, read by the harness once the thread has ended.
    /** Every receipt this detector created, in order. */
    final List<UUID> sent = new ArrayList<>();
    /** Every receipt some ACK has covered. */
    final Set<UUID> acked = new HashSet<>();
    /** Receipts sent but not acknowledged yet, not on the current connection. */
    final ArrayDeque<UUID> unacknowledged = new ArrayDeque<>();
    long framesSent;
    long resends;
    int connections;
    int nacks;
    String error;

    CrashDetector(int id, DaemonTarget target, int batch, double eventsPerSecond, long maxNewEvents, long seed, CountDownLatch done) {
        this.id = id;
        this.target = target;
        this.batch = batch;
        this.batchIntervalNanos = eventsPerSecond <= 0 ? 0 : (long) (batch * 1e9 / eventsPerSecond);
        this.maxNewEvents = maxNewEvents <= 0 ? Long.MAX_VALUE : maxNewEvents;
        this.random = new Random(seed);
        this.done = done;
        this.camera = new UUID(0xaaaaaaaa_bbbb_4cccL, 0x8ddd_0000_0000_0000L | id);
        this.payload = ("{\"detector\":" + id + "}").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void run() {
        try {
            long generation = 0;
            while (true) {
                DaemonTarget.Run run = target.awaitAfter(generation);
                if (run == null) {
                    return;
                }
                generation = run.generation();
                boolean finished = connectAndSend(run);
                if (finished) {
                    return;
                }
                if (run.last()) {
                    error = "lost the connection to the last run of the daemon (the one not killed); "
                            + unacknowledged.size() + " events unacknowledged";
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            error = e.toString();
        } finally {
            done.countDown();
        }
    }

    /**
     * One connection to one run of the daemon. Returns true when the run is finishing and every event
     * sent is acknowledged; false when the connection was lost (its unacknowledged events are put
     * back in {@link #unacknowledged}).
     */
    private boolean connectAndSend(DaemonTarget.Run run) throws InterruptedException {
        List<UUID> onConnection = new ArrayList<>(); // index i travelled with seq i + 1
        int harvested = 0;
        DetectorClient client = null;
        try {
            client = DetectorClient.connect("127.0.0.1", run.port(), SOCKET_TIMEOUT);
            connections++;
            long nextBatchAt = System.nanoTime();
            long previousBatchEnd = 0;
            while (true) {
                int n = 0;
                while (n < batch && !unacknowledged.isEmpty()) {
                    UUID receipt = unacknowledged.poll();
                    send(client, receipt);
                    onConnection.add(receipt);
                    resends++;
                    n++;
                }
                boolean finishing = target.finishing();
                while (n < batch && !finishing && sent.size() < maxNewEvents) {
                    UUID receipt = new UUID(random.nextLong(), random.nextLong());
                    sent.add(receipt);
                    send(client, receipt);
                    onConnection.add(receipt);
                    n++;
                }
                if (n == 0) {
                    // Nothing to send: the budget is spent or the run is finishing.
                    if (!client.awaitAck(onConnection.size())) {
                        break;
                    }
                    harvested = harvest(client, onConnection, harvested);
                    if (finishing) {
                        return true;
                    }
                    target.awaitChange(run.generation(), 50);
                    continue;
                }
                client.flush();
                long batchEnd = onConnection.size();
                if (!client.awaitAck(previousBatchEnd)) {
                    break;
                }
                harvested = harvest(client, onConnection, harvested);
                previousBatchEnd = batchEnd;
                if (batchIntervalNanos > 0) {
                    nextBatchAt += batchIntervalNanos;
                    long wait = nextBatchAt - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    } else if (-wait > MAX_LAG_NANOS) {
                        nextBatchAt = System.nanoTime();
                    }
                }
            }
        } catch (IOException e) {
            // The daemon died under us (refused, reset or broken pipe): handled below like a close.
        } finally {
            if (client != null) {
                harvested = harvest(client, onConnection, harvested);
                nacks += client.nacks().size();
                try {
                    client.close();
                } catch (IOException ignored) {
                    // closing a dead socket
                }
            }
            // Unacknowledged ones first, so resends keep their original order.
            ArrayDeque<UUID> rest = new ArrayDeque<>(onConnection.subList(harvested, onConnection.size()));
            rest.addAll(unacknowledged);
            unacknowledged.clear();
            unacknowledged.addAll(rest);
        }
        return false;
    }

    private void send(DetectorClient client, UUID receipt) throws IOException {
        int length = encoder.wrap(frame, 0)
                .receiptId(receipt)
                .tsUs(WallClock.nowMicros())
                .eventType(3)
                .source(1)
                .confidence(0.9f)
                .storeId(STORE)
                .cameraId(camera)
                .bbox(0.25f, 0.1f, 0.2f, 0.4f)
                .label(label, 0, label.length)
                .payload(payload, 0, payload.length)
                .finish();
        client.send(frame.array(), 0, length);
        framesSent++;
    }

    /** Moves the receipts newly covered by the connection's ACK into {@link #acked}. */
    private int harvest(DetectorClient client, List<UUID> onConnection, int harvested) {
        long ackedSeq = client.ackedSeq();
        if (ackedSeq > onConnection.size()) {
            throw new IllegalStateException("detector " + id + ": ACK " + ackedSeq + " for a seq not sent (last " + onConnection.size() + ")");
        }
        while (harvested < ackedSeq) {
            acked.add(onConnection.get(harvested++));
        }
        return harvested;
    }
}
