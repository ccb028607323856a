package dev.watchpost.daemon.alerts;

import dev.watchpost.handlers.EventSink;
import dev.watchpost.handlers.rules.AlertRules;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.DerivedEvent;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The alert channels' delivery, off the ring thread: one {@link ChannelWorker} per enabled webhook or
 * mqtt channel, each following the journal from its cursor under {@code <data_dir>/alerts/}. The
 * websocket channel needs none: it is the {@code /v1/alerts} stream, which clients resume by seq.
 * The publish stage's sink is wrapped ({@link #wakingAfter}) so that each batch's end wakes the workers.
 */
public final class AlertDelivery implements AutoCloseable {
    /** Sub-directory of the data directory that holds the cursors and the rejected files. */
    public static final String DIRECTORY_NAME = "alerts";

    private final AlertRules rules;
    private final List<ChannelWorker> workers = new ArrayList<>();

    /**
     * @param committed the last seq the journal has committed (durable under the fsync policy)
     */
    public AlertDelivery(AlertRules rules, Journal journal, LongSupplier committed, Path dataDir, EventTypeRegistry registry,
                         Counters counters) {
        this.rules = rules;
        Path directory = dataDir.resolve(DIRECTORY_NAME);
        for (AlertRules.Channel channel : rules.channels().values()) {
            if (!channel.enabled()) {
                continue;
            }
            switch (channel.type()) {
                case WEBHOOK -> workers.add(new WebhookWorker(channel, journal, committed, directory, registry, counters));
                case MQTT -> workers.add(new MqttWorker(channel, journal, committed, directory, registry, counters));
                default -> { }
            }
        }
    }

    /** Starts every worker from its cursor. */
    public AlertDelivery start() throws IOException {
        for (ChannelWorker worker : workers) {
            worker.start();
        }
        return this;
    }

    /** Wakes every worker: something new may be committed. Any thread. */
    public void signal() {
        for (ChannelWorker worker : workers) {
            worker.signal();
        }
    }

    /** {@code sink} that also wakes the workers at the end of each batch. */
    public EventSink wakingAfter(EventSink sink) {
        if (workers.isEmpty()) {
            return sink;
        }
        return new EventSink() {
            @Override
            public void publish(EventSlot slot) {
                sink.publish(slot);
            }

            @Override
            public void publishDerived(DerivedEvent event, long receivedAtUs) {
                sink.publishDerived(event, receivedAtUs);
            }

            @Override
            public void endOfBatch() {
                try {
                    sink.endOfBatch();
                } finally {
                    signal();
                }
            }
        };
    }

    /** Each channel's state, by name, for /v1/status. */
    public Map<String, Object> status() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (AlertRules.Channel channel : rules.channels().values()) {
            ChannelWorker worker = workers.stream().filter(w -> w.channel.name().equals(channel.name())).findFirst().orElse(null);
            if (worker != null) {
                out.put(channel.name(), worker.status());
                continue;
            }
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("type", channel.type().configName());
            s.put("enabled", channel.enabled());
            if (channel.type() == AlertRules.ChannelType.WEBSOCKET) {
                s.put("stream", "/v1/alerts");
            }
            out.put(channel.name(), s);
        }
        return out;
    }

    /** Stops every worker; what was not delivered is delivered after the next start. */
    @Override
    public void close() {
        for (ChannelWorker worker : workers) {
            worker.stop();
        }
    }
}
