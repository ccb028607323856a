package dev.watchpost.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.watchpost.daemon.config.ConfigLoader;

/**
 * A daemon in the test's JVM for end-to-end tests of the rules' stages: loopback ports, no UDP, a
 * small dedup store, data in {@code dir/data} (so a second start finds the first one's journal), and
 * the given rules file beside its configuration.
 */
final class RulesDaemon {
    static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    private RulesDaemon() {
    }

    /** Writes {@code dir/watchpost.yml} and {@code dir/rules.yml} (the given text) and starts a daemon on them. */
    static Daemon start(Path dir, String rulesYaml) throws Exception {
        Path config = dir.resolve("watchpost.yml");
        Files.writeString(config, "data_dir: " + dir.resolve("data") + "\n"
                + "ingest: {bind: 127.0.0.1, tcp_port: 0, udp_enabled: false}\n"
                + "http: {bind: 127.0.0.1, port: 0}\n"
                + "dedup: {capacity: 10000}\n"
                + "rules: rules.yml\n");
        Files.writeString(dir.resolve("rules.yml"), rulesYaml);
        return Daemon.start(ConfigLoader.load(config, ConfigLoader.Overrides.NONE), fault -> { });
    }

    /** POSTs one JSON event, expects 200, and returns its result, e.g. {@code {"status":"accepted","seq":2}}. */
    static JsonNode post(HttpClient http, Daemon daemon, String event) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.httpPort() + "/v1/events"))
                .timeout(TIMEOUT).POST(HttpRequest.BodyPublishers.ofString(event)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body()).get("results").get(0);
    }
}
