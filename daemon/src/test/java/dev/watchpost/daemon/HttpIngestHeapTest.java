package dev.watchpost.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * HTTP ingest needs a heap that does not grow with the body: {@code watchpostd} in a child JVM with
 * a fixed 48 MiB heap takes bodies of 15 MiB, as NDJSON and as one JSON array, and answers every
 * event. A heap that held the whole body read into events (several times its size) would not.
 */
class HttpIngestHeapTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final int BODY_BYTES = 15 << 20;

    @TempDir
    Path dir;

    @Test
    void shouldTakeA15MiBBodyInA48MiBHeap() throws Exception {
        Path config = dir.resolve("watchpost.yml");
        Files.writeString(config, "ingest: {bind: 127.0.0.1}\nhttp: {bind: 127.0.0.1}\ndedup: {capacity: 1000000}\n");
        List<String> jvm = List.of("-Xms48m", "-Xmx48m", "-XX:+UseSerialGC", "-XX:MaxDirectMemorySize=1g");
        try (DaemonProcess daemon = DaemonProcess.start(config, dir.resolve("data"), dir.resolve("daemon.log"), jvm)) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
            long stored = 0;
            for (boolean ndjson : new boolean[]{true, false}) {
                byte[] body = body(ndjson);
                int count = (int) countEvents(body, ndjson);
                HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.httpPort() + "/v1/events"))
                        .timeout(TIMEOUT)
                        .header("Content-Type", ndjson ? "application/x-ndjson" : "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());

                assertEquals(200, response.statusCode(), () -> new String(response.body(), StandardCharsets.UTF_8) + "\n" + log(daemon));
                JsonNode results = new ObjectMapper().readTree(response.body()).get("results");
                assertEquals(count, results.size());
                for (int i = 0; i < count; i++) {
                    assertEquals("{\"status\":\"accepted\",\"seq\":" + (stored + i + 1) + "}", results.get(i).toString());
                }
                stored += count;
            }
            HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.httpPort() + "/v1/status"))
                    .timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(stored, new ObjectMapper().readTree(status.body()).get("journal_last_seq").asLong(), status.body());
            assertFalse(daemon.log().contains(" ERROR "), daemon.log());
        }
    }

    /** About 15 MiB of events (each about 280 bytes of JSON), new receipt_ids every time. */
    private static byte[] body(boolean ndjson) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(BODY_BYTES + 4096);
        out.writeBytes(ndjson ? new byte[0] : "[".getBytes(StandardCharsets.US_ASCII));
        String payload = "x".repeat(40);
        for (int i = 0; out.size() < BODY_BYTES; i++) {
            String event = "{\"receipt_id\":\"" + UUID.randomUUID() + "\",\"event_name\":\"face.detected\","
                    + "\"ts\":\"2026-11-23T07:00:00.123456Z\",\"store_id\":\"6f1c2a3e-1111-4222-8333-444455556666\","
                    + "\"source\":\"edge\",\"confidence\":0.93,\"label\":\"person\",\"payload\":{\"k\":\"" + payload + "\"}}";
            out.writeBytes(((ndjson ? "" : i == 0 ? "" : ",") + event + (ndjson ? "\n" : "")).getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes(ndjson ? new byte[0] : "]".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static long countEvents(byte[] body, boolean ndjson) {
        long n = 0;
        byte marker = (byte) (ndjson ? '\n' : '{');
        for (byte b : body) {
            if (b == marker) {
                n++;
            }
        }
        return ndjson ? n : n / 2; // each event object holds its payload object
    }

    private static String log(DaemonProcess daemon) {
        try {
            return daemon.log();
        } catch (java.io.IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
