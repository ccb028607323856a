package dev.watchpost.daemon.http;

import dev.watchpost.daemon.StreamClient;
import com.lmax.disruptor.EventHandler;
import dev.watchpost.daemon.config.WatchpostConfig;
import dev.watchpost.handlers.AckHandler;
import dev.watchpost.handlers.ErrorLog;
import dev.watchpost.handlers.FsyncPolicy;
import dev.watchpost.handlers.JournalHandler;
import dev.watchpost.handlers.PublishHandler;
import dev.watchpost.handlers.ValidateHandler;
import dev.watchpost.handlers.WindowDedupHandler;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.handlers.rules.WindowDedupRule;
import dev.watchpost.handlers.rules.WindowDedupRules;
import dev.watchpost.persistence.deadletter.DeadLetterStore;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import dev.watchpost.ringbuffer.codec.EventValidator;
import dev.watchpost.ringbuffer.pipeline.Pipeline;
import dev.watchpost.ringbuffer.pipeline.PipelineSpec;
import dev.watchpost.ringbuffer.pipeline.Stage;
import dev.watchpost.ringbuffer.pipeline.WaitStrategyKind;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * An {@link HttpServer} over a real ring: the real validate, window, journal, ack and publish stages with a
 * journal and dead-letter store in a test directory, and an in-memory sequencer standing in for the
 * dedup stage (same contract: a retried receipt_id is a duplicate of the stored original).
 */
final class TestServer implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(20);
    static final String STORE = "6f1c2a3e-1111-4222-8333-444455556666";
    static final int RING_SIZE = 1024;

    final Counters counters = new Counters();
    final EventTypeRegistry registry = EventTypeRegistry.v1();
    final Journal journal;
    final DeadLetterStore deadLetters;
    final StreamHub hub;
    final Pipeline pipeline;
    final HttpServer server;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    volatile boolean ready = true;
    /** What {@code /v1/status} shows besides the counters; replace it to make the status fail. */
    volatile Supplier<Map<String, Object>> status;

    /** Rules with content-window dedup off, so every event streams by default. */
    static final Rules NO_WINDOW_DEDUP = new Rules(Rules.ALLOWED_LATENESS_DEFAULT, Rules.CLOCK_SKEW_DEFAULT,
            new WindowDedupRules(WindowDedupRules.MAX_OPEN_KEYS_DEFAULT, WindowDedupRule.DEFAULT.off(), Map.of()));

    TestServer(Path dir, int maxBodyBytes, int streamOutbox) throws Exception {
        this(dir, maxBodyBytes, streamOutbox, NO_WINDOW_DEDUP);
    }

    TestServer(Path dir, int maxBodyBytes, int streamOutbox, Rules rules) throws Exception {
        journal = Journal.open(dir.resolve("journal"));
        deadLetters = DeadLetterStore.open(dir.resolve("deadletter"));
        hub = new StreamHub(registry, journal, counters, streamOutbox);
        ErrorLog errors = new ErrorLog(counters, System.err::println);
        Map<Stage, EventHandler<EventSlot>> stages = new EnumMap<>(Stage.class);
        stages.put(Stage.VALIDATE, new ValidateHandler(new EventValidator(registry), counters, errors));
        stages.put(Stage.DEDUP, new Sequencer(journal.lastSeq() + 1));
        stages.put(Stage.WINDOW, new WindowDedupHandler(rules, counters, errors));
        stages.put(Stage.FUSE, (slot, sequence, endOfBatch) -> { });
        stages.put(Stage.CORRELATE, (slot, sequence, endOfBatch) -> { });
        stages.put(Stage.ENRICH, (slot, sequence, endOfBatch) -> { });
        stages.put(Stage.ALERT, (slot, sequence, endOfBatch) -> { });
        stages.put(Stage.JOURNAL, new JournalHandler(journal, deadLetters, FsyncPolicy.NEVER, 8192, 2_000_000, counters));
        stages.put(Stage.ACK, new AckHandler(errors));
        stages.put(Stage.PUBLISH, new PublishHandler(hub, errors));
        pipeline = new Pipeline(new PipelineSpec(RING_SIZE, WaitStrategyKind.BLOCKING, PipelineSpec.THREADS_DEFAULT, 512),
                stages, fault -> { }).start();
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("state", "ready");
        status = () -> fields;
        server = new HttpServer(new WatchpostConfig.Http("127.0.0.1", 0, maxBodyBytes, streamOutbox), registry,
                pipeline.ring(), journal, hub, counters, () -> ready, () -> status.get()).start();
    }

    @Override
    public void close() throws IOException {
        server.stopIngest();
        pipeline.drainAndStop(10, TimeUnit.SECONDS);
        server.close();
        hub.close();
        journal.close();
        deadLetters.close();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String body, String contentType) throws Exception {
        return http.send(HttpRequest.newBuilder(uri("/v1/events")).timeout(TIMEOUT)
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Posts {@code count} new events as one JSON array; returns the answer's body. */
    String postEvents(int count, String type, UUID camera) throws Exception {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            body.append(i == 0 ? "" : ",").append(event(UUID.randomUUID().toString(), type, camera));
        }
        HttpResponse<String> response = post(body.append(']').toString(), "application/json");
        if (response.statusCode() != 200) {
            throw new AssertionError("POST answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    static String event(String receipt, String type, UUID camera) {
        return "{\"receipt_id\":\"" + receipt + "\",\"event_name\":\"" + type + "\",\"ts\":\""
                + Instant.now().minusSeconds(5) + "\",\"store_id\":\"" + STORE + "\",\"confidence\":0.5,\"label\":\"car\""
                + (camera == null ? "" : ",\"camera_id\":\"" + camera + "\"") + "}";
    }

    StreamClient subscribe(String query) throws Exception {
        return StreamClient.open(http, server.port(), query, TIMEOUT);
    }

    long counter(Counter counter) {
        return counters.get(counter);
    }

    /** The dedup stage's contract without a dedup store: new events numbered in ring order, retries found. */
    private static final class Sequencer implements EventHandler<EventSlot> {
        private final Map<UUID, Long> stored = new HashMap<>();
        private long nextSeq;

        Sequencer(long nextSeq) {
            this.nextSeq = nextSeq;
        }

        @Override
        public void onEvent(EventSlot slot, long sequence, boolean endOfBatch) {
            if (!slot.isEvent() || slot.nack() != null) {
                return;
            }
            EventFrame frame = slot.frame();
            UUID receipt = new UUID(frame.receiptIdMsb(), frame.receiptIdLsb());
            Long original = stored.get(receipt);
            if (original != null) {
                slot.duplicateOf(original);
            } else {
                stored.put(receipt, nextSeq);
                slot.sequence(nextSeq++);
            }
        }
    }
}
