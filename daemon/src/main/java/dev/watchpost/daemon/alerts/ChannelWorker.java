package dev.watchpost.daemon.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.watchpost.daemon.Log;
import dev.watchpost.daemon.json.EventJsonWriter;
import dev.watchpost.handlers.rules.AlertRules;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.JournalFormat;
import dev.watchpost.persistence.journal.JournalReader;
import dev.watchpost.persistence.journal.JournalRecord;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * One channel's delivery loop, on its own thread: follows the journal from the channel's durable
 * cursor up to what the journal has committed, and delivers each stored alert.raised that names the
 * channel, one at a time, in seq order. A failed delivery is retried with backoff (and the circuit
 * breaker) until it succeeds or is refused for good, so the cursor never passes an alert that was not
 * delivered or given up: an outage, or a restart during one, loses nothing and keeps the order.
 * Between commits it sleeps; the publish stage wakes it at the end of each batch ({@link #signal}),
 * and it looks again every {@link #IDLE_NANOS} anyway.
 */
abstract class ChannelWorker implements Runnable {
    /** Longest sleep while nothing is committed: a wake-up can only be missed for this long. */
    static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    enum Outcome { DELIVERED, RETRY, REJECTED }

    /** What one attempt found out: the outcome, and for a refusal or failure its reason. */
    record Attempt(Outcome outcome, String reason) {
        static final Attempt DELIVERED = new Attempt(Outcome.DELIVERED, null);
    }

    /** One stored alert, as a delivery sees it. */
    record StoredAlert(long seq, UUID receiptId, byte[] json, JsonNode payload, String triggerType, UUID camera) {
        String rule() {
            return payload.path("rule").asText();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    final AlertRules.Channel channel;
    private final Journal journal;
    private final LongSupplier committed;
    private final AlertCursor cursor;
    private final Path rejectedFile;
    private final Counters counters;
    private final EventJsonWriter writer;
    private final EventTypeRegistry registry;
    private final Backoff backoff;
    final CircuitBreaker breaker;
    private final byte[] channelName;

    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong givenUp = new AtomicLong();
    private volatile long cursorSeq;
    private volatile String lastError;
    private volatile boolean running;
    private volatile boolean signalled;
    private Thread thread;

    ChannelWorker(AlertRules.Channel channel, Journal journal, LongSupplier committed, Path directory, EventTypeRegistry registry,
                  Counters counters) {
        this.channel = channel;
        this.journal = journal;
        this.committed = committed;
        this.cursor = new AlertCursor(directory, channel.name());
        this.rejectedFile = directory.resolve(channel.name() + ".rejected");
        this.counters = counters;
        this.registry = registry;
        this.writer = new EventJsonWriter(registry);
        this.backoff = new Backoff(channel.backoffInitial(), channel.backoffMax());
        this.breaker = new CircuitBreaker(channel.breakerFailures(), channel.breakerCoolDown());
        this.channelName = ("\"" + channel.name() + "\"").getBytes(StandardCharsets.UTF_8);
    }

    /** Reads (or on a first start, creates at the journal's end) the cursor and starts the thread. */
    void start() throws IOException {
        long at = cursor.read();
        if (at == AlertCursor.NONE) {
            at = journal.flushedSeq();
            cursor.write(at);
            Log.info("alert channel " + channel.name() + ": first start, delivering alerts stored after seq " + at);
        } else {
            Log.info("alert channel " + channel.name() + ": delivering alerts stored after seq " + at);
        }
        cursorSeq = at;
        running = true;
        thread = new Thread(this, "watchpost-alerts-" + channel.name());
        thread.setDaemon(true);
        thread.start();
    }

    /** Something new may be committed. Any thread. */
    void signal() {
        signalled = true;
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** Stops the thread (an attempt in flight is abandoned; it is retried at the next start) and closes the connection. */
    void stop() {
        running = false;
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
            t.interrupt();
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeConnection();
    }

    @Override
    public void run() {
        while (running) {
            long limit = committed.getAsLong();
            if (limit > cursorSeq) {
                try {
                    if (scan(limit)) {
                        continue;
                    }
                } catch (IOException | RuntimeException e) {
                    lastError = "reading the journal: " + e;
                    Log.warn("alert channel " + channel.name() + ": " + lastError);
                    pause(backoff.nextNanos());
                    continue;
                }
            }
            if (!signalled) {
                LockSupport.parkNanos(this, IDLE_NANOS);
            }
            signalled = false;
        }
    }

    /** Delivers what lies between the cursor and {@code limit}; false when it found nothing to read there. */
    private boolean scan(long limit) throws IOException {
        JournalRecord record = new JournalRecord();
        EventFrame frame = new EventFrame();
        long passed = cursorSeq;
        long deliveredBefore = delivered.get() + givenUp.get();
        try (JournalReader reader = journal.reader(cursorSeq + 1, limit)) {
            while (running && reader.next(record)) {
                long seq = record.seq();
                if (record.type() == JournalFormat.TYPE_EVENT) {
                    frame.wrap(record.buffer(), record.frameOffset());
                    if (frame.eventType() == EventTypeRegistry.ALERT_RAISED && namesChannel(frame)) {
                        StoredAlert alert = read(seq, record, frame);
                        if (!deliver(alert)) {
                            break; // stopping
                        }
                        cursor.write(seq);
                        cursorSeq = seq;
                        passed = seq;
                        continue;
                    }
                }
                passed = seq;
            }
        }
        boolean moved = passed > cursorSeq;
        if (moved) {
            cursor.write(passed);
            cursorSeq = passed;
        }
        return moved || delivered.get() + givenUp.get() > deliveredBefore;
    }

    /** True when the alert's payload lists this channel in "channels" (names are plain keys, so a quoted match is exact). */
    private boolean namesChannel(EventFrame frame) {
        ByteBuffer b = frame.buffer();
        int from = frame.payloadIndex();
        int end = from + (int) frame.payloadLength();
        int at = indexOf(b, from, end, CHANNELS);
        if (at < 0) {
            return false;
        }
        int close = at;
        while (close < end && b.get(close) != ']') {
            close++;
        }
        return indexOf(b, at, close, channelName) >= 0;
    }

    private static final byte[] CHANNELS = "\"channels\":[".getBytes(StandardCharsets.US_ASCII);

    private static int indexOf(ByteBuffer b, int from, int end, byte[] what) {
        outer:
        for (int i = from; i + what.length <= end; i++) {
            for (int j = 0; j < what.length; j++) {
                if (b.get(i + j) != what[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private StoredAlert read(long seq, JournalRecord record, EventFrame frame) throws IOException {
        String json = writer.toJson(seq, record.receivedAtUs(), frame, record.buffer(), record.extraOffset(), record.extraLength());
        byte[] payload = new byte[(int) frame.payloadLength()];
        frame.buffer().get(frame.payloadIndex(), payload);
        JsonNode node = JSON.readTree(payload);
        return new StoredAlert(seq, new UUID(frame.receiptIdMsb(), frame.receiptIdLsb()), json.getBytes(StandardCharsets.UTF_8), node,
                node.path("trigger").path("type").asText(),
                new UUID(frame.uuidMsb(EventFrame.CAMERA_ID_OFFSET), frame.uuidLsb(EventFrame.CAMERA_ID_OFFSET)));
    }

    /** Delivers or gives up one alert, retrying as long as it takes; false when stopped first. */
    private boolean deliver(StoredAlert alert) throws IOException {
        backoff.reset();
        while (running) {
            long wait = breaker.waitNanos(System.nanoTime());
            if (wait > 0) {
                pause(wait);
                continue;
            }
            Attempt attempt;
            try {
                attempt = attempt(alert);
            } catch (InterruptedException e) {
                return false;
            } catch (RuntimeException e) {
                attempt = new Attempt(Outcome.RETRY, e.toString());
            }
            switch (attempt.outcome()) {
                case DELIVERED -> {
                    breaker.onSuccess();
                    delivered.incrementAndGet();
                    counters.increment(Counter.ALERTS_DELIVERED);
                    return true;
                }
                case REJECTED -> {
                    breaker.onSuccess(); // the receiver is up; it does not want this one
                    givenUp.incrementAndGet();
                    counters.increment(Counter.ALERTS_GIVEN_UP);
                    lastError = "seq " + alert.seq() + " refused: " + attempt.reason();
                    Log.warn("alert channel " + channel.name() + ": alert " + alert.receiptId() + " (seq " + alert.seq()
                            + ") refused for good (" + attempt.reason() + "); recorded in " + rejectedFile);
                    reject(alert, attempt.reason());
                    return true;
                }
                default -> {
                    failed.incrementAndGet();
                    counters.increment(Counter.ALERTS_DELIVERY_FAILED);
                    if (lastError == null || !lastError.equals(attempt.reason())) {
                        Log.warn("alert channel " + channel.name() + ": delivery failed, retrying: " + attempt.reason());
                    }
                    lastError = attempt.reason();
                    breaker.onFailure(System.nanoTime());
                    pause(backoff.nextNanos());
                }
            }
        }
        return false;
    }

    /** Appends a refused alert to {@code <channel>.rejected}, one JSON line, forced to disk. */
    private void reject(StoredAlert alert, String reason) throws IOException {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("seq", alert.seq());
        line.put("receipt_id", alert.receiptId().toString());
        line.put("reason", reason);
        line.put("rejected_at", java.time.Instant.now().toString());
        String head = JSON.writeValueAsString(line);
        byte[] bytes = (head.substring(0, head.length() - 1) + ",\"alert\":" + new String(alert.json(), StandardCharsets.UTF_8) + "}\n")
                .getBytes(StandardCharsets.UTF_8);
        Files.createDirectories(rejectedFile.getParent());
        try (FileChannel file = FileChannel.open(rejectedFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                file.write(buffer);
            }
            file.force(false);
        }
    }

    private void pause(long nanos) {
        long deadline = System.nanoTime() + nanos;
        long left;
        while (running && (left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(this, left);
            Thread.interrupted(); // stop() interrupts to cut a send short; running says whether to go on
        }
    }

    /** One delivery attempt of one alert. */
    abstract Attempt attempt(StoredAlert alert) throws InterruptedException;

    /** Lets go of the connection, if any. */
    abstract void closeConnection();

    /** The channel's state for /v1/status. */
    Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("type", channel.type().configName());
        s.put("enabled", true);
        s.put("cursor", cursorSeq);
        s.put("lag", Math.max(0, journal.flushedSeq() - cursorSeq));
        s.put("breaker", breaker.state().configName());
        s.put("breaker_opened", breaker.timesOpened());
        s.put("delivered", delivered.get());
        s.put("failed", failed.get());
        s.put("given_up", givenUp.get());
        s.put("last_error", lastError);
        return s;
    }

    long cursorSeq() {
        return cursorSeq;
    }

    EventTypeRegistry registry() {
        return registry;
    }
}
