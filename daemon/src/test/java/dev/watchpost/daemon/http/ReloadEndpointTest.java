package dev.watchpost.daemon.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code POST /v1/reload} answers even when the reload never completes (a pipeline that has stopped). */
class ReloadEndpointTest {
    @TempDir
    Path dir;

    private TestServer test;

    @AfterEach
    void stop() throws Exception {
        if (test != null) {
            test.close();
        }
    }

    @Test
    void shouldAnswerWhenThePipelineNeverReachesTheReload() throws Exception {
        test = new TestServer(dir, 16 << 20, 1024);
        test.server.reloadWith(CompletableFuture::new).reloadTimeout(Duration.ofMillis(300)); // never completes

        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + test.server.port() + "/v1/reload")).timeout(TestServer.TIMEOUT)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());

        assertEquals(500, answer.statusCode(), answer.body());
        JsonNode body = new ObjectMapper().readTree(answer.body());
        assertFalse(body.get("reloaded").asBoolean());
        assertTrue(body.get("problems").get(0).asText().startsWith("the pipeline did not reach the reload"), answer.body());
    }

    @Test
    void shouldAnswerTheLinesOfAReloadThatCompletes() throws Exception {
        test = new TestServer(dir, 16 << 20, 1024);
        test.server.reloadWith(() -> CompletableFuture.completedFuture(List.of("rules reloaded from r.yml")));

        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + test.server.port() + "/v1/reload")).timeout(TestServer.TIMEOUT)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());

        assertEquals(200, answer.statusCode(), answer.body());
        assertEquals("rules reloaded from r.yml", new ObjectMapper().readTree(answer.body()).get("lines").get(0).asText());
    }
}
