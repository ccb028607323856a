package dev.watchpost.daemon.alerts;

import dev.watchpost.handlers.rules.AlertRules;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * Publishes alerts to an MQTT broker at QoS 1: an alert is delivered when the broker's PUBACK comes
 * back (Paho's synchronous client waits for it). The connection is made on the first alert and made
 * again after any failure; clean session is off with a stable client id, so the broker keeps the
 * session. The topic comes from the channel's template: {@code {rule}}, {@code {type}} (the trigger's
 * type) and {@code {camera}} (its camera id).
 */
final class MqttWorker extends ChannelWorker {
    private MqttClient client;

    MqttWorker(AlertRules.Channel channel, Journal journal, LongSupplier committed, Path directory, EventTypeRegistry registry,
               Counters counters) {
        super(channel, journal, committed, directory, registry, counters);
    }

    @Override
    Attempt attempt(StoredAlert alert) {
        try {
            if (client == null || !client.isConnected()) {
                connect();
            }
            MqttMessage message = new MqttMessage(alert.json());
            message.setQos(1);
            message.setRetained(false);
            client.publish(topic(alert), message);
            return Attempt.DELIVERED;
        } catch (MqttException e) {
            closeConnection();
            return new Attempt(Outcome.RETRY, "MQTT " + e.getReasonCode() + ": " + e.getMessage());
        }
    }

    private void connect() throws MqttException {
        closeConnection();
        MqttClient c = new MqttClient(channel.url().toString(), channel.clientId(), new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(false);
        options.setAutomaticReconnect(false);
        options.setConnectionTimeout((int) Math.max(1, channel.timeout().toSeconds()));
        options.setKeepAliveInterval(30);
        c.setTimeToWait(channel.timeout().toMillis());
        try {
            c.connect(options);
        } catch (MqttException e) {
            try {
                c.close(true);
            } catch (MqttException ignored) {
                // nothing more to let go of
            }
            throw e;
        }
        client = c;
    }

    String topic(StoredAlert alert) {
        return channel.topic()
                .replace("{rule}", alert.rule())
                .replace("{type}", alert.triggerType())
                .replace("{camera}", alert.camera().toString());
    }

    @Override
    void closeConnection() {
        MqttClient c = client;
        client = null;
        if (c == null) {
            return;
        }
        try {
            if (c.isConnected()) {
                c.disconnectForcibly(0, 1000);
            }
        } catch (MqttException ignored) {
            // going away anyway
        }
        try {
            c.close(true);
        } catch (MqttException ignored) {
            // going away anyway
        }
    }
}
