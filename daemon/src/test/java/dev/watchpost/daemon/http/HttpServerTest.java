package dev.watchpost.daemon.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.watchpost.ringbuffer.Counter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HttpServerTest {
    @TempDir
    Path dir;

    private TestServer test;

    @AfterEach
    void stop() throws Exception {
        if (test != null) {
            test.close();
        }
    }

    private TestServer start(int maxBodyBytes) throws Exception {
        test = new TestServer(dir, maxBodyBytes, 1024);
        return test;
    }

    @Test
    void shouldSayOkWhenReadyAndStartingBefore() throws Exception {
        start(1 << 20);
        HttpResponse<String> ok = test.get("/v1/health");
        assertEquals(200, ok.statusCode());
        assertEquals("{\"status\":\"ok\"}", ok.body());
        assertEquals("application/json", ok.headers().firstValue("content-type").orElse(""));

        test.ready = false;
        HttpResponse<String> starting = test.get("/v1/health");
        assertEquals(503, starting.statusCode());
        assertEquals("{\"status\":\"starting\"}", starting.body());

        test.server.stopIngest();
        assertEquals("{\"status\":\"stopping\"}", test.get("/v1/health").body());
    }

    @Test
    void shouldShowTheStatusFieldsCountersAndNackCounts() throws Exception {
        start(1 << 20);
        String bad = TestServer.event(UUID.randomUUID().toString(), "object.detected", null).replace("0.5", "1.5");
        assertEquals(200, test.post("[" + bad + "]", "application/json").statusCode());

        String body = test.get("/v1/status").body();
        assertTrue(body.startsWith("{\"state\":\"ready\","), body);
        assertTrue(body.contains("\"counters\":{\"tcp_connections_opened\":0,"), body);
        assertTrue(body.contains("\"events_rejected\":1"), body);
        assertTrue(body.contains("\"http_requests\":2"), body);
        assertTrue(body.contains("\"nacks\":{\"12\":1}"), body);
    }

    @Test
    void shouldAnswerEachEventsOutcomeInInputOrder() throws Exception {
        start(1 << 20);
        String receipt = UUID.randomUUID().toString();
        String event = TestServer.event(receipt, "object.detected", null);
        String tooConfident = TestServer.event(UUID.randomUUID().toString(), "object.detected", null).replace("0.5", "1.5");
        String noStore = TestServer.event(UUID.randomUUID().toString(), "object.detected", null).replace(TestServer.STORE, "x");

        HttpResponse<String> response = test.post("[" + event + "," + event + "," + tooConfident + "," + noStore + "]", "application/json");

        assertEquals(200, response.statusCode(), response.body());
        String body = response.body();
        assertTrue(body.startsWith("{\"results\":[{\"status\":\"accepted\",\"seq\":1},{\"status\":\"duplicate\",\"seq\":1},"
                + "{\"status\":\"rejected\",\"code\":12,\"reason\":\"bad confidence\"},{\"status\":\"rejected\",\"code\":14,\"reason\":\"store_id"), body);
        assertEquals(1, test.journal.flushedSeq());
        assertEquals(4, test.counter(Counter.HTTP_EVENTS_RECEIVED));
    }

    @Test
    void shouldReadNdjsonAndAnswerAnEmptyArrayAtOnce() throws Exception {
        start(1 << 20);
        String a = TestServer.event(UUID.randomUUID().toString(), "object.detected", null);
        String b = TestServer.event("order-42", "face.detected", null);
        HttpResponse<String> ndjson = test.post(a + "\n\n" + b + "\n", "application/x-ndjson; charset=utf-8");
        assertEquals("{\"results\":[{\"status\":\"accepted\",\"seq\":1},{\"status\":\"accepted\",\"seq\":2}]}", ndjson.body());

        HttpResponse<String> empty = test.post("[]", "application/json");
        assertEquals(200, empty.statusCode());
        assertEquals("{\"results\":[]}", empty.body());
    }

    @Test
    void shouldPutABodyLargerThanTheRingThroughInOrder() throws Exception {
        start(16 << 20);
        int count = TestServer.RING_SIZE * 3 + 7;
        String body = test.postEvents(count, "object.detected", null);
        StringBuilder expected = new StringBuilder("{\"results\":[");
        for (int seq = 1; seq <= count; seq++) {
            expected.append(seq == 1 ? "" : ",").append("{\"status\":\"accepted\",\"seq\":").append(seq).append('}');
        }
        assertEquals(expected.append("]}").toString(), body);
    }

    @Test
    void shouldAnswerEveryEventOfALargeNdjsonBodyInOrderAndStoreEachNewOneOnce() throws Exception {
        start(16 << 20);
        int count = 30_000;
        StringBuilder body = new StringBuilder(count * 260);
        List<String> receipts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String receipt = i % 50 == 49 ? receipts.get(i - 7) : UUID.randomUUID().toString(); // a retry of an earlier event
            receipts.add(receipt);
            String event = TestServer.event(receipt, "object.detected", null);
            if (i % 100 == 13) {
                event = event.replace(TestServer.STORE, "store-" + i); // the reader's own rejection
            } else if (i % 97 == 5) {
                event = event.replace("0.5", "1.5"); // the validator's
            }
            body.append(event).append('\n');
        }

        HttpResponse<String> response = test.post(body.toString(), "application/x-ndjson");

        assertEquals(200, response.statusCode(), () -> response.body().substring(0, Math.min(300, response.body().length())));
        JsonNode results = new ObjectMapper().readTree(response.body()).get("results");
        assertEquals(count, results.size());
        java.util.Map<String, Long> stored = new java.util.HashMap<>();
        java.util.Set<String> rejectedReceipts = new java.util.HashSet<>();
        long seq = 0;
        int rejected = 0;
        for (int i = 0; i < count; i++) {
            JsonNode result = results.get(i);
            String receipt = receipts.get(i);
            String where = "event " + i + ": " + result;
            if (i % 100 == 13) {
                assertEquals("rejected", result.get("status").asText(), where);
                assertEquals(14, result.get("code").asInt(), where);
                assertEquals("store_id: not a UUID", result.get("reason").asText(), where);
                rejected++;
            } else if (i % 97 == 5) {
                assertEquals("rejected", result.get("status").asText(), where);
                assertEquals(12, result.get("code").asInt(), where);
                assertEquals("bad confidence", result.get("reason").asText(), where);
                rejected++;
            } else if (stored.containsKey(receipt)) {
                assertEquals("duplicate", result.get("status").asText(), where);
                assertEquals((long) stored.get(receipt), result.get("seq").asLong(), where);
            } else {
                assertEquals("accepted", result.get("status").asText(), where);
                assertEquals(++seq, result.get("seq").asLong(), where);
                stored.put(receipt, seq);
            }
        }
        assertEquals(seq, test.journal.flushedSeq());
        assertEquals(count, test.counter(Counter.HTTP_EVENTS_RECEIVED));
        assertEquals(rejected, test.counter(Counter.EVENTS_REJECTED));
        assertEquals(rejected, test.deadLetters.count());
    }

    @Test
    void shouldRefuseABodyWithAnErrorAfterThousandsOfGoodEventsAndStoreNoneOfThem() throws Exception {
        start(16 << 20);
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < 5000; i++) {
            body.append(TestServer.event(UUID.randomUUID().toString(), "object.detected", null)).append(',');
        }
        HttpResponse<String> response = test.post(body.append("{\"receipt_id\": }]").toString(), "application/json");
        assertEquals(400, response.statusCode());
        assertTrue(response.body().startsWith("{\"error\":\"body is not JSON at line 1, column "), response.body());
        assertEquals(0, test.counter(Counter.HTTP_EVENTS_RECEIVED));
        assertEquals(0, test.journal.flushedSeq());
        assertEquals(0, test.deadLetters.count());
    }

    @Test
    void shouldAnswer503AndLogWhenOutOfMemoryWhileAnsweringAndThenServeNewConnections() throws Exception {
        start(1 << 20);
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        test.server.logTo(log::add);
        test.status = () -> {
            throw new OutOfMemoryError("test: no heap left");
        };

        HttpResponse<String> status = test.get("/v1/status");

        assertEquals(503, status.statusCode());
        assertEquals("{\"error\":\"the daemon is out of memory; try again later\"}", status.body());
        awaitLine(log);
        assertEquals(1, log.size(), log::toString);
        assertTrue(log.get(0).matches("(?s)http 127\\.0\\.0\\.1:\\d+: answered 503 and closed the connection after "
                + "java\\.lang\\.OutOfMemoryError: test: no heap left\n\tat .*"), log.get(0));
        assertEquals(200, test.get("/v1/health").statusCode());
    }

    /** The log line is written on the event loop after the answer: wait for it (bounded) before looking. */
    private static void awaitLine(List<String> log) throws InterruptedException {
        for (int i = 0; i < 200 && log.isEmpty(); i++) {
            Thread.sleep(50);
        }
    }

    @Test
    void shouldAnswer500AndLogTheStackTraceOnceForABug() throws Exception {
        start(1 << 20);
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        test.server.logTo(log::add);
        test.status = () -> {
            throw new IllegalStateException("test: a bug");
        };

        HttpResponse<String> status = test.get("/v1/status");

        assertEquals(500, status.statusCode());
        assertTrue(status.body().contains("internal error (IllegalStateException)"), status.body());
        awaitLine(log);
        assertEquals(1, log.size(), log::toString);
        assertTrue(log.get(0).contains("answered 500 and closed the connection after java.lang.IllegalStateException: test: a bug"), log.get(0));
        assertTrue(log.get(0).contains("\tat dev.watchpost.daemon.http.HttpRequestHandler.status"), log.get(0));
    }

    @Test
    void shouldRefuseABodyThatIsNotJsonAndStoreNothingOfIt() throws Exception {
        start(1 << 20);
        String event = TestServer.event(UUID.randomUUID().toString(), "object.detected", null);
        HttpResponse<String> response = test.post(event + "\n{not json\n", "application/x-ndjson");
        assertEquals(400, response.statusCode());
        assertTrue(response.body().startsWith("{\"error\":\""), response.body());
        assertEquals(0, test.journal.flushedSeq());
        assertEquals(1, test.counter(Counter.HTTP_BAD_REQUESTS));
    }

    @Test
    void shouldAnswer413WithAReasonForABodyOverTheLimit() throws Exception {
        start(1024);
        String big = "[" + (TestServer.event(UUID.randomUUID().toString(), "object.detected", null) + ",").repeat(20) + "{}]";

        HttpResponse<String> known = test.post(big, "application/json");
        assertEquals(413, known.statusCode());
        assertTrue(known.body().contains("body larger than 1024 bytes"), known.body());

        HttpResponse<String> chunked = test.http.send(HttpRequest.newBuilder(test.uri("/v1/events"))
                .timeout(TestServer.TIMEOUT)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big.getBytes()))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(413, chunked.statusCode());
        assertTrue(chunked.body().contains("body larger than 1024 bytes"), chunked.body());
        assertEquals(2, test.counter(Counter.HTTP_BAD_REQUESTS));
        assertEquals(0, test.journal.flushedSeq());
    }

    @Test
    void shouldAnswerUnknownPathsAndWrongMethodsWithJsonReasons() throws Exception {
        start(1 << 20);
        HttpResponse<String> notFound = test.get("/v2/nothing");
        assertEquals(404, notFound.statusCode());
        assertEquals("{\"error\":\"no such path: /v2/nothing\"}", notFound.body());

        HttpResponse<String> wrongMethod = test.get("/v1/events");
        assertEquals(405, wrongMethod.statusCode());
        assertEquals("POST", wrongMethod.headers().firstValue("allow").orElse(""));
        assertTrue(wrongMethod.body().startsWith("{\"error\":"), wrongMethod.body());

        HttpResponse<String> notUpgraded = test.get("/v1/stream");
        assertEquals(426, notUpgraded.statusCode());
        assertEquals(3, test.counter(Counter.HTTP_BAD_REQUESTS));
    }

    @Test
    void shouldRefuseAStreamWithAnUnknownTypeBadCameraOrBadFromSeq() throws Exception {
        start(1 << 20);
        HttpResponse<String> type = test.get("/v1/stream?types=object.detected,nope");
        assertEquals(400, type.statusCode());
        assertEquals("{\"error\":\"types: unknown event type 'nope'\"}", type.body());

        assertEquals(400, test.get("/v1/stream?camera=nope").statusCode());
        assertEquals(400, test.get("/v1/stream?from_seq=-1").statusCode());
        assertEquals(400, test.get("/v1/stream?from_seq=x").statusCode());
    }
}
