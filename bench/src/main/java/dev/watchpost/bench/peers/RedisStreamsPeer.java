package dev.watchpost.bench.peers;

import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntryBinary;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Peer of watchpostd's ingest, dedup and journal built on Redis Streams, as a site would build it:
 *
 * <pre>
 *   producer 0 ─ XADD ×K, pipelined ─┐                    ┌─ XREADGROUP COUNT k ─ consumer ─ SET receipt NX EX ×k ─ XACK
 *   producer 1 ─ XADD ×K, pipelined ─┴─► stream "events" ─┘        (one consumer of group "watchpost")
 * </pre>
 *
 * <p>Producers send the load generator's EVENT frames, byte for byte, as the one field of each
 * entry; the consumer takes receipt_id out of each frame, dedups it with {@code SET NX EX} (24 h, as
 * {@code dedup.ttl}) and acknowledges the batch. An event is complete once consumed, deduped and
 * acknowledged; that rate is the result. Producers keep at most {@code --window} events each ahead
 * of the consumer, as the load generator keeps a window of unacknowledged events. Durability is
 * Redis's own: run the server with {@code appendonly yes} and the {@code appendfsync} under test.
 */
@Command(name = "redis-streams-peer", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Redis Streams peer: pipelined XADD, XREADGROUP, SET NX EX per receipt_id, XACK; prints events/s end to end.")
public final class RedisStreamsPeer implements Callable<Integer> {
    private static final byte[] STREAM = "events".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] GROUP = "watchpost".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONSUMER = "consumer-0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FIELD = "f".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ONE = {'1'};

    @Mixin
    PeerOptions options;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Redis host (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", required = true, description = "Redis port (a private server: the run flushes it).")
    int port;

    @Option(names = "--count", defaultValue = "1024", paramLabel = "k",
        description = "XREADGROUP COUNT: most entries the consumer takes per read (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--ttl", defaultValue = "86400", paramLabel = "S", description = "EX of the dedup keys, s (default: ${DEFAULT-VALUE}, as dedup.ttl).")
    long ttl;

    private final AtomicLong produced = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private volatile boolean running = true;
    private volatile Throwable failure;

    public static void main(String[] args) {
        System.exit(new CommandLine(new RedisStreamsPeer()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        options.check();
        try (Jedis admin = new Jedis(host, port)) {
            admin.flushAll();
            admin.xgroupCreate(STREAM, GROUP, "$".getBytes(StandardCharsets.US_ASCII), true);
            System.out.println("Redis Streams peer: " + options.producers + " producers (XADD pipelined by " + options.batch
                + "), 1 consumer (XREADGROUP COUNT " + count + ", SET NX EX, XACK); appendfsync "
                + admin.configGet("appendfsync").get("appendfsync") + ", appendonly " + admin.configGet("appendonly").get("appendonly"));
        }
        List<Thread> threads = new ArrayList<>();
        Histogram[] latency = new Histogram[options.producers];
        for (int i = 0; i < options.producers; i++) {
            int index = i;
            latency[i] = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
            threads.add(new Thread(() -> guard(() -> produce(index, latency[index])), "redis-producer-" + i));
        }
        threads.add(new Thread(() -> guard(this::consume), "redis-consumer"));
        threads.forEach(Thread::start);
        double rate = PeerMeasurement.eventsPerSecond(options, completed::get, System.err);
        running = false;
        for (Thread thread : threads) {
            thread.join(10_000);
        }
        if (failure != null) {
            failure.printStackTrace();
            return 1;
        }
        Histogram all = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        for (Histogram h : latency) {
            all.add(h);
        }
        System.out.printf(Locale.ROOT, "produced %,d, consumed+deduped+acked %,d, duplicates %,d%n",
            produced.get(), completed.get(), duplicates.get());
        System.out.printf(Locale.ROOT, "XADD pipeline round trip (µs, whole run): p50 %.0f p99 %.0f p99.9 %.0f max %.0f%n",
            all.getValueAtPercentile(50) / 1e3, all.getValueAtPercentile(99) / 1e3,
            all.getValueAtPercentile(99.9) / 1e3, all.getMaxValue() / 1e3);
        PeerMeasurement.printResult(System.out, rate);
        return 0;
    }

    private void produce(int index, Histogram latency) {
        PeerEvents events = new PeerEvents(index, options);
        long window = (long) options.window * options.producers;
        XAddParams params = XAddParams.xAddParams();
        try (Jedis jedis = new Jedis(host, port)) {
            Pipeline pipeline = jedis.pipelined();
            while (running) {
                if (produced.get() - completed.get() > window - options.batch) {
                    LockSupport.parkNanos(50_000);
                    continue;
                }
                long start = System.nanoTime();
                for (int i = 0; i < options.batch; i++) {
                    pipeline.xadd(STREAM, params, Map.of(FIELD, events.nextBytes()));
                }
                pipeline.sync();
                latency.recordValue(Math.min(System.nanoTime() - start, latency.getHighestTrackableValue()));
                produced.addAndGet(options.batch);
            }
        }
    }

    private void consume() {
        XReadGroupParams read = XReadGroupParams.xReadGroupParams().count(count).block(100);
        Map<byte[], StreamEntryID> from = Map.of(STREAM, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY);
        SetParams dedup = SetParams.setParams().nx().ex(ttl);
        List<Response<String>> answers = new ArrayList<>(count);
        try (Jedis jedis = new Jedis(host, port); Jedis reader = new Jedis(host, port)) {
            Pipeline pipeline = jedis.pipelined();
            while (running) {
                List<Map.Entry<byte[], List<StreamEntryBinary>>> batches = reader.xreadGroupBinary(GROUP, CONSUMER, read, from);
                if (batches == null || batches.isEmpty()) {
                    continue;
                }
                for (Map.Entry<byte[], List<StreamEntryBinary>> batch : batches) {
                    List<StreamEntryBinary> entries = batch.getValue();
                    byte[][] ids = new byte[entries.size()][];
                    answers.clear();
                    for (int i = 0; i < entries.size(); i++) {
                        StreamEntryBinary entry = entries.get(i);
                        ids[i] = entry.getID().toString().getBytes(StandardCharsets.US_ASCII);
                        byte[] frame = entry.getFields().values().iterator().next();
                        answers.add(pipeline.set(PeerEvents.receiptId(frame), ONE, dedup));
                    }
                    pipeline.xack(STREAM, GROUP, ids);
                    pipeline.sync();
                    long seen = 0;
                    for (Response<String> answer : answers) {
                        if (answer.get() == null) {
                            seen++;
                        }
                    }
                    duplicates.addAndGet(seen);
                    completed.addAndGet(entries.size());
                }
            }
        }
    }

    private void guard(Runnable work) {
        try {
            work.run();
        } catch (Throwable t) {
            failure = t;
            running = false;
        }
    }
}
