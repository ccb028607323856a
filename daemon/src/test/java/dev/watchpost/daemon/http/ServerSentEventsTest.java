package dev.watchpost.daemon.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.watchpost.ringbuffer.Counter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stream as Server-Sent Events: replay from a seq or from Last-Event-ID, then live, one message per event. */
class ServerSentEventsTest {
    private static final java.util.UUID CAMERA = java.util.UUID.fromString("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");

    @TempDir
    Path dir;

    private TestServer test;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @AfterEach
    void stop() throws Exception {
        if (test != null) {
            test.close();
        }
    }

    private Iterator<String> open(String path, String lastEventId) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + test.server.port() + path))
                .header("Accept", "text/event-stream");
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        CompletableFuture<HttpResponse<Stream<String>>> answer = http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofLines());
        HttpResponse<Stream<String>> response = answer.get(TestServer.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"), response.headers().toString());
        return response.body().iterator();
    }

    /** The next message's seq, checking its three lines: id, data (the event, with that seq), blank. */
    private long next(Iterator<String> lines) throws Exception {
        String id = lines.next();
        String data = lines.next();
        assertEquals("", lines.next(), "a blank line ends the message");
        assertTrue(id.startsWith("id: "), id);
        assertTrue(data.startsWith("data: {"), data);
        long seq = Long.parseLong(id.substring(4));
        assertEquals(seq, json.readTree(data.substring(6)).get("seq").asLong(), data);
        return seq;
    }

    @Test
    void shouldReplayFromSeqThenGoOnLive() throws Exception {
        test = new TestServer(dir, 16 << 20, 1024);
        test.postEvents(3, "object.detected", CAMERA);
        Iterator<String> lines = open("/v1/stream?from_seq=2", null);

        assertEquals(2, next(lines));
        assertEquals(3, next(lines));
        test.postEvents(2, "object.detected", CAMERA);
        assertEquals(4, next(lines), "live after the replay, nothing missed");
        assertEquals(5, next(lines));
    }

    @Test
    void shouldResumeAfterTheLastEventIdTheClientHad() throws Exception {
        test = new TestServer(dir, 16 << 20, 1024);
        test.postEvents(4, "object.detected", CAMERA);

        Iterator<String> lines = open("/v1/stream", "2");

        assertEquals(3, next(lines), "EventSource's reconnect: the event after Last-Event-ID");
        assertEquals(4, next(lines));
    }

    @Test
    void shouldEndTheResponseOfAClientThatStopsReadingWithACloseMessageSayingWhereToResume() throws Exception {
        test = new TestServer(dir, 16 << 20, 16);
        try (SseSocket socket = new SseSocket(test.server.port(), "/v1/stream", 4096)) {
            String head = socket.head();
            assertTrue(head.startsWith("HTTP/1.1 200 OK\r\n") && head.contains("transfer-encoding: chunked"), head);
            // Stop reading; keep storing events until the server gives up on this client.
            int batches = 0;
            while (test.counters.get(Counter.STREAM_CLIENTS_CUT_OFF) == 0) {
                assertTrue(batches++ < 400, "never cut off");
                test.postEvents(250, "object.detected", CAMERA);
            }

            long expected = 1;
            String chunk;
            while ((chunk = socket.nextChunk()) != null && chunk.startsWith("id: ")) {
                assertTrue(chunk.startsWith("id: " + expected + "\ndata: {\"seq\":" + expected + ","), chunk);
                assertTrue(chunk.endsWith("}\n\n"), chunk);
                expected++;
            }
            assertEquals("event: close\ndata: {\"code\":1008,\"reason\":\"too slow (outbox full); reconnect with from_seq="
                    + expected + "\"}\n\n", chunk);
            assertNull(socket.nextChunk(), "the last chunk ends the response");
            assertTrue(socket.atEnd(), "then the connection closes");
        }
    }

    @Test
    void shouldAnswerAPlainGetWithHowToAskForTheStream() throws Exception {
        test = new TestServer(dir, 16 << 20, 1024);
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + test.server.port() + "/v1/stream"))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertEquals(426, answer.statusCode());
        assertTrue(answer.body().contains("Accept: text/event-stream"), answer.body());
    }
}
