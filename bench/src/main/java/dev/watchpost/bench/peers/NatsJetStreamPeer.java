package dev.watchpost.bench.peers;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Peer of watchpostd's TCP ingest on NATS JetStream: each producer publishes the load generator's
 * frames asynchronously to a file-backed stream with {@code Nats-Msg-Id} = receipt_id, so that the
 * stream's duplicate window does the dedup, and counts an event complete when its PubAck arrives.
 *
 * <pre>
 *   producer 0 ─ publishAsync ×K, then wait for the K PubAcks ─┐
 *   producer 1 ─ …                                             ┴─► nats-server ─► stream EVENTS (file, dup window 24 h)
 * </pre>
 *
 * <p>A producer keeps up to {@code --window} publishes unacknowledged, waiting for the oldest
 * {@code --batch} PubAcks before sending more, as the load generator's window does with ACKs.
 */
@Command(name = "nats-jetstream-peer", mixinStandardHelpOptions = true, sortOptions = false,
    description = "NATS JetStream peer: async publish with Nats-Msg-Id = receipt_id to a file stream; prints PubAcks/s.")
public final class NatsJetStreamPeer implements Callable<Integer> {
    private static final String STREAM = "EVENTS";
    private static final String SUBJECT = "events";

    @Mixin
    PeerOptions options;

    @Option(names = "--url", required = true, description = "Server URL, e.g. nats://127.0.0.1:14222 (a private server: the stream is recreated).")
    String url;

    @Option(names = "--duplicate-window", defaultValue = "24h", description = "The stream's duplicate window, as dedup.ttl (default: ${DEFAULT-VALUE}).")
    String duplicateWindow;

    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private volatile boolean running = true;
    private volatile Throwable failure;

    public static void main(String[] args) {
        System.exit(new CommandLine(new NatsJetStreamPeer()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        options.check();
        Duration window = Duration.parse("PT" + duplicateWindow.toUpperCase(Locale.ROOT));
        try (Connection admin = Nats.connect(url)) {
            JetStreamManagement management = admin.jetStreamManagement();
            if (management.getStreamNames().contains(STREAM)) {
                management.deleteStream(STREAM);
            }
            management.addStream(StreamConfiguration.builder().name(STREAM).subjects(SUBJECT)
                .storageType(StorageType.File).duplicateWindow(window).build());
            System.out.println("NATS JetStream peer: " + options.producers + " producers, publishAsync with Nats-Msg-Id, window "
                + options.window + ", PubAcks awaited by " + options.batch + "; file stream, duplicate window " + window
                + "; server " + admin.getServerInfo().getVersion());
        }
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < options.producers; i++) {
            int index = i;
            threads.add(new Thread(() -> produce(index), "nats-producer-" + i));
        }
        threads.forEach(Thread::start);
        double rate = PeerMeasurement.eventsPerSecond(options, completed::get, System.err);
        running = false;
        for (Thread thread : threads) {
            thread.join(30_000);
        }
        if (failure != null) {
            failure.printStackTrace();
            return 1;
        }
        System.out.printf(Locale.ROOT, "PubAcks %,d, duplicates %,d%n", completed.get(), duplicates.get());
        PeerMeasurement.printResult(System.out, rate);
        return 0;
    }

    private void produce(int index) {
        PeerEvents events = new PeerEvents(index, options);
        Options connectOptions = new Options.Builder().server(url).maxMessagesInOutgoingQueue(options.window * 2).build();
        @SuppressWarnings("unchecked")
        CompletableFuture<PublishAck>[] pending = new CompletableFuture[options.window];
        long sent = 0;
        long acked = 0;
        try (Connection connection = Nats.connect(connectOptions)) {
            JetStream jetStream = connection.jetStream();
            while (running) {
                while (sent - acked < options.window && running) {
                    byte[] frame = events.nextBytes();
                    ByteBuffer view = ByteBuffer.wrap(frame).order(ByteOrder.BIG_ENDIAN);
                    String receiptId = new UUID(view.getLong(16), view.getLong(24)).toString();
                    Headers headers = new Headers().put("Nats-Msg-Id", receiptId);
                    pending[(int) (sent++ % options.window)] = jetStream.publishAsync(SUBJECT, headers, frame);
                }
                long until = Math.min(sent, acked + options.batch);
                while (acked < until) {
                    PublishAck ack = pending[(int) (acked % options.window)].join();
                    pending[(int) (acked++ % options.window)] = null;
                    if (ack.isDuplicate()) {
                        duplicates.incrementAndGet();
                    }
                    completed.incrementAndGet();
                }
            }
            while (acked < sent) {
                pending[(int) (acked++ % options.window)].join();
            }
        } catch (Throwable t) {
            failure = t;
            running = false;
        }
    }
}
