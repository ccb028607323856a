package dev.watchpost.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.watchpost.persistence.journal.JournalReader;
import dev.watchpost.persistence.journal.JournalRecord;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Alert routing through a whole daemon: alert.raised on the /v1/alerts stream, webhook delivery that
 * survives a receiver's outage and a daemon restart in the middle of it, refusals given up and
 * recorded, and MQTT at QoS 1 to the real local Mosquitto. Everything talks to loopback only.
 */
class AlertDeliveryDaemonTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String CAMERA = "0b6f3a52-6c1e-4d7a-9a51-2f0c1d9e7a01";
    private static final String SITE = "site:\n"
            + "  cameras:\n"
            + "    door: {id: " + CAMERA + ", name: Front door}\n";

    @TempDir
    Path dir;

    private Daemon daemon;
    private HttpServer receiver;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final ObjectMapper json = new ObjectMapper();
    private final Instant base = Instant.now().minusSeconds(60).truncatedTo(ChronoUnit.SECONDS);
    private int millis;

    /** What the receiver took, in arrival order: Idempotency-Key and body. */
    private final List<String[]> received = new CopyOnWriteArrayList<>();
    /** Requests the receiver still answers with 503. */
    private final AtomicInteger unavailable = new AtomicInteger();

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    private void start(String rules) throws Exception {
        daemon = RulesDaemon.start(dir, "window_dedup: {default: off}\n" + SITE + rules);
    }

    private long post(String label) throws Exception {
        millis += 10;
        String event = "{\"receipt_id\":\"" + UUID.randomUUID() + "\",\"event_name\":\"object.detected\",\"ts\":\""
                + base.plusMillis(millis) + "\",\"store_id\":\"" + TestEvents.STORE + "\",\"camera_id\":\"" + CAMERA
                + "\",\"confidence\":0.9,\"label\":\"" + label + "\"}";
        return RulesDaemon.post(http, daemon, event).get("seq").asLong();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Conditions.await(what, TIMEOUT, condition);
    }

    private JsonNode status() {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.httpPort() + "/v1/status"))
                    .timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
            return json.readTree(response.body());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** The seqs of the stored alert.raised events, in order. */
    private List<Long> storedAlertSeqs() throws IOException {
        List<Long> out = new ArrayList<>();
        JournalRecord record = new JournalRecord();
        EventFrame frame = new EventFrame();
        try (JournalReader reader = daemon.journal().reader(1, daemon.journal().flushedSeq())) {
            while (reader.next(record)) {
                frame.wrap(record.buffer(), record.frameOffset());
                if (frame.eventType() == EventTypeRegistry.ALERT_RAISED) {
                    out.add(record.seq());
                }
            }
        }
        return out;
    }

    // ---- the webhook receiver

    private void startReceiver(int port, int status503) throws IOException, InterruptedException {
        unavailable.set(status503);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            try {
                receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
                break;
            } catch (BindException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50); // the old socket is still being let go of
            }
        }
        receiver.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String text = new String(body, StandardCharsets.UTF_8);
            int code;
            if (unavailable.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                code = 503;
            } else if (text.contains("\"label\":\"bad\"")) {
                code = 400;
            } else if (!"application/json".equals(exchange.getRequestHeaders().getFirst("Content-Type"))) {
                code = 415;
            } else {
                code = 200;
                received.add(new String[] {exchange.getRequestHeaders().getFirst("Idempotency-Key"), text});
            }
            exchange.sendResponseHeaders(code, -1);
            exchange.close();
        });
        receiver.start();
    }

    private static String webhookRules(int port) {
        return "alerts:\n"
                + "  timezone: UTC\n"
                + "  channels:\n"
                + "    hook: {type: webhook, url: 'http://127.0.0.1:" + port + "/hook', timeout: 2s, backoff_initial: 20ms,"
                + " backoff_max: 200ms, breaker: {failures: 3, cool_down: 300ms}}\n"
                + "  rules:\n"
                + "    - name: everyone\n"
                + "      when: {types: [object.detected]}\n"
                + "      channels: [hook]\n"
                + "      message: '{label} at {camera}'\n"
                + "      throttle: {max: 100, per: 1s}\n";
    }

    @Test
    void shouldDeliverEveryAlertInOrderThroughAnOutageAndARestart() throws Exception {
        startReceiver(0, 6); // answers 503 six times first
        int port = receiver.getAddress().getPort();
        start(webhookRules(port));
        Set<Long> alertSeqs = new LinkedHashSet<>();

        for (int i = 0; i < 5; i++) {
            post("p" + i);
        }
        await("the breaker to open on the 503s", () -> "open".equals(status().path("alerts").path("hook").path("breaker").asText()));
        await("the first alerts past the 503s", () -> received.size() >= 5);
        JsonNode hook = status().path("alerts").path("hook");
        assertEquals("closed", hook.path("breaker").asText(), "a success closes it again");
        assertTrue(hook.path("breaker_opened").asLong() >= 1);
        assertTrue(hook.path("failed").asLong() >= 6, hook.toString());

        receiver.stop(0); // the receiver goes away entirely
        receiver = null;
        for (int i = 5; i < 10; i++) {
            post("p" + i);
        }
        await("delivery attempts to fail", () -> status().path("alerts").path("hook").path("lag").asLong() > 0
                && status().path("alerts").path("hook").path("failed").asLong() >= 1);
        alertSeqs.addAll(storedAlertSeqs());
        daemon.close(); // and the daemon restarts in the middle of the outage
        start(webhookRules(port));
        for (int i = 10; i < 15; i++) {
            post("p" + i);
        }
        alertSeqs.addAll(storedAlertSeqs());
        assertEquals(15, alertSeqs.size(), "one alert per event");
        startReceiver(port, 0); // it comes back

        await("every alert", () -> received.stream().map(r -> r[0]).distinct().count() >= 15);
        List<String> keys = new ArrayList<>();
        List<Long> seqs = new ArrayList<>();
        for (String[] r : received) {
            if (!keys.contains(r[0])) {
                keys.add(r[0]);
                JsonNode alert = json.readTree(r[1]);
                assertEquals("alert.raised", alert.get("event_name").asText());
                assertEquals(r[0], alert.get("receipt_id").asText(), "Idempotency-Key is the alert's receipt_id");
                seqs.add(alert.get("seq").asLong());
            }
        }
        assertEquals(15, keys.size(), "as many distinct keys as alerts raised");
        assertEquals(List.copyOf(alertSeqs), seqs, "every alert, in order");
        JsonNode first = json.readTree(received.get(0)[1]);
        assertTrue(first.get("payload").get("message").asText().equals("p0 at Front door"), first.toString());
        await("the cursor to reach the last alert", () -> status().path("alerts").path("hook").path("lag").asLong() == 0);
        String cursor = Files.readString(dir.resolve("data").resolve("alerts").resolve("hook.cursor")).trim();
        assertTrue(Long.parseLong(cursor) >= seqs.get(seqs.size() - 1), cursor);
    }

    @Test
    void shouldGiveUpARefusedAlertRecordItAndGoOn() throws Exception {
        startReceiver(0, 0);
        start(webhookRules(receiver.getAddress().getPort()));

        post("bad");
        post("good");

        await("the good alert", () -> daemon.counters().get(Counter.ALERTS_DELIVERED) == 1);
        assertEquals(1, received.size());
        assertTrue(received.get(0)[1].contains("\"label\":\"good\""));
        assertEquals(1, daemon.counters().get(Counter.ALERTS_GIVEN_UP));
        assertEquals(1, daemon.counters().get(Counter.ALERTS_DELIVERED));
        List<String> rejected = Files.readAllLines(dir.resolve("data").resolve("alerts").resolve("hook.rejected"));
        assertEquals(1, rejected.size());
        JsonNode line = json.readTree(rejected.get(0));
        assertEquals("HTTP 400", line.get("reason").asText());
        assertEquals("bad", line.get("alert").get("label").asText());
        assertEquals(1, status().path("alerts").path("hook").path("given_up").asLong());
    }

    // ---- the alerts stream

    @Test
    void shouldStreamAlertsOnlyOnV1AlertsAndResumeFromASeq() throws Exception {
        start("alerts:\n"
                + "  channels: {dashboard: {type: websocket}}\n"
                + "  rules:\n"
                + "    - {name: people, when: {labels: [person]}, channels: [dashboard], message: '{label} at {camera}',"
                + " throttle: {max: 10, per: 1m}}\n");
        post("person");
        post("cat");
        post("person");

        StreamClient all = StreamClient.open(http, daemon.httpPort(), "/v1/alerts", "?from_seq=1", TIMEOUT);
        JsonNode a1 = json.readTree(all.next());
        JsonNode a2 = json.readTree(all.next());
        assertEquals("alert.raised", a1.get("event_name").asText());
        assertEquals("alert.raised", a2.get("event_name").asText());
        assertEquals("people", a1.get("payload").get("rule").asText());
        assertEquals("[\"dashboard\"]", a1.get("payload").get("channels").toString());
        assertEquals(1, a1.get("payload").get("trigger").get("seq").asLong());
        assertEquals("[1]", a1.get("parents").toString());
        post("person"); // live
        JsonNode a3 = json.readTree(all.next());
        assertEquals("alert.raised", a3.get("event_name").asText());
        assertTrue(a3.get("seq").asLong() > a2.get("seq").asLong());
        all.close();

        StreamClient resumed = StreamClient.open(http, daemon.httpPort(), "/v1/alerts", "?from_seq=" + a2.get("seq").asLong(), TIMEOUT);
        assertEquals(a2.get("seq").asLong(), resumed.nextSeq());
        assertEquals(a3.get("seq").asLong(), resumed.nextSeq());
        resumed.close();
        assertEquals(3, daemon.counters().get(Counter.ALERTS_RAISED));

        HttpResponse<String> bad = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.httpPort()
                + "/v1/alerts?types=object.detected")).timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, bad.statusCode(), bad.body());
    }

    // ---- clean stop and restart

    @Test
    void shouldStoreAlertsOnTracksEndedAtAStopAndRaiseNothingTwiceAfterARestart() throws Exception {
        String rules = "tracks: {idle_timeout: 1h}\n"
                + "alerts:\n"
                + "  channels: {dashboard: {type: websocket}}\n"
                + "  rules:\n"
                + "    - {name: ended, when: {types: [track.ended]}, channels: [dashboard], throttle: {max: 10, per: 1m}}\n"
                + "    - {name: started, when: {types: [track.started]}, channels: [dashboard], throttle: {max: 10, per: 1m}}\n";
        start(rules);
        for (int track = 1; track <= 3; track++) {
            millis += 10;
            RulesDaemon.post(http, daemon, "{\"receipt_id\":\"" + UUID.randomUUID() + "\",\"event_name\":\"object.detected\",\"ts\":\""
                    + base.plusMillis(millis) + "\",\"store_id\":\"" + TestEvents.STORE + "\",\"camera_id\":\"" + CAMERA
                    + "\",\"confidence\":0.9,\"track_id\":" + track + ",\"label\":\"person\"}");
        }
        assertEquals(3, storedAlertSeqs().size(), "one per track.started");
        daemon.close(); // a clean stop ends the three tracks: three track.ended, three alerts, through the journal
        daemon = null;

        start(rules);
        List<Long> alerts = storedAlertSeqs();
        assertEquals(6, alerts.size(), "the stop's alerts are stored, and the restart raised nothing again");
        assertEquals(0, daemon.counters().get(Counter.ALERTS_RAISED));
    }

    // ---- MQTT, on the local Mosquitto

    @Test
    void shouldPublishAlertsToMqttAtQos1() throws Exception {
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress("127.0.0.1", 1883), 2000);
        } catch (IOException e) {
            fail("no MQTT broker on 127.0.0.1:1883; start one with: mosquitto -d -c /etc/mosquitto/mosquitto.conf (.ci/run does)");
        }
        String prefix = "watchpost-test/" + UUID.randomUUID();
        BlockingQueue<String[]> messages = new LinkedBlockingQueue<>();
        MqttClient subscriber = new MqttClient("tcp://127.0.0.1:1883", "wpt-" + UUID.randomUUID().toString().substring(0, 8), new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(true);
        subscriber.connect(options);
        try {
            subscriber.subscribe(prefix + "/#", 1, (topic, message) -> messages.add(new String[] {topic,
                    new String(message.getPayload(), StandardCharsets.UTF_8), Integer.toString(message.getQos())}));
            start("alerts:\n"
                    + "  channels:\n"
                    + "    broker: {type: mqtt, url: 'tcp://127.0.0.1:1883', topic: '" + prefix + "/{rule}/{type}',"
                    + " client_id: wp-" + UUID.randomUUID().toString().substring(0, 8) + ", timeout: 5s, backoff_initial: 20ms, backoff_max: 500ms}\n"
                    + "  rules:\n"
                    + "    - {name: people, when: {labels: [person]}, channels: [broker], throttle: {max: 10, per: 1m}}\n");
            List<Long> seqs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                seqs.add(post("person") + 1); // each alert follows its trigger
            }
            for (int i = 0; i < 3; i++) {
                String[] m = messages.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                assertNotNull(m, "message " + i);
                assertEquals(prefix + "/people/object.detected", m[0]);
                assertEquals("1", m[2], "QoS 1");
                JsonNode alert = json.readTree(m[1]);
                assertEquals("alert.raised", alert.get("event_name").asText());
                assertEquals(seqs.get(i), alert.get("seq").asLong(), "in order");
            }
            await("the cursor to follow", () -> status().path("alerts").path("broker").path("delivered").asLong() == 3);
        } finally {
            subscriber.disconnect();
            subscriber.close();
        }
    }
}
