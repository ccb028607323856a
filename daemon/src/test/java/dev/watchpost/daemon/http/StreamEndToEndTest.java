package dev.watchpost.daemon.http;

import dev.watchpost.daemon.StreamClient;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.handlers.rules.WindowDedupRule;
import dev.watchpost.handlers.rules.WindowDedupRules;
import dev.watchpost.ringbuffer.Counter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code GET /v1/stream} over a real server, ring and journal, with real WebSocket clients. */
class StreamEndToEndTest {
    private static final UUID CAMERA_A = UUID.fromString("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
    private static final UUID CAMERA_B = UUID.fromString("bbbbbbbb-bbbb-4ccc-8ddd-eeeeeeeeeeee");

    @TempDir
    Path dir;

    private TestServer test;

    @AfterEach
    void stop() throws Exception {
        if (test != null) {
            test.close();
        }
    }

    private TestServer start(int streamOutbox) throws Exception {
        test = new TestServer(dir, 16 << 20, streamOutbox);
        return test;
    }

    @Test
    void shouldReplayFromSeqThenContinueLiveWithoutGapOrDuplicate() throws Exception {
        start(1024);
        test.postEvents(5, "object.detected", CAMERA_A);
        StreamClient subscriber = test.subscribe("?from_seq=3");
        test.postEvents(3, "object.detected", CAMERA_A);

        for (long seq = 3; seq <= 8; seq++) {
            assertEquals(seq, subscriber.nextSeq());
        }
        test.postEvents(1, "object.detected", CAMERA_A);
        assertEquals(9, subscriber.nextSeq(), "nothing twice");
        subscriber.close();
    }

    @Test
    void shouldStreamEveryEventOnceWhileEventsArriveDuringTheSubscribe() throws Exception {
        start(1 << 16);
        CountDownLatch warm = new CountDownLatch(1);
        CountDownLatch subscribed = new CountDownLatch(1);
        AtomicInteger batchesAfter = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread poster = new Thread(() -> {
            try {
                for (int batch = 0; batchesAfter.get() < 30; batch++) {
                    test.postEvents(10, "object.detected", CAMERA_A);
                    if (batch == 5) {
                        warm.countDown();
                    }
                    if (subscribed.getCount() == 0) {
                        batchesAfter.incrementAndGet();
                    }
                }
            } catch (Throwable e) {
                failure.set(e);
                warm.countDown();
            }
        }, "poster");
        poster.start();
        assertTrue(warm.await(TestServer.TIMEOUT.toSeconds(), TimeUnit.SECONDS));
        StreamClient subscriber = test.subscribe("?from_seq=1");
        subscribed.countDown();
        poster.join();
        if (failure.get() != null) {
            throw new AssertionError("poster failed", failure.get());
        }

        long last = test.journal.flushedSeq();
        assertTrue(last >= 360, "stored " + last);
        for (long seq = 1; seq <= last; seq++) {
            assertEquals(seq, subscriber.nextSeq());
        }
        test.postEvents(1, "object.detected", CAMERA_A);
        assertEquals(last + 1, subscriber.nextSeq());
        subscriber.close();
    }

    @Test
    void shouldStreamALiveOnlyClientFromTheNextStoredEvent() throws Exception {
        start(1024);
        test.postEvents(3, "object.detected", CAMERA_A);
        StreamClient subscriber = test.subscribe("");
        test.postEvents(2, "object.detected", CAMERA_A);

        assertEquals(4, subscriber.nextSeq());
        assertEquals(5, subscriber.nextSeq());
        subscriber.close();
    }

    @Test
    void shouldWaitLiveForAFromSeqBeyondEverythingStored() throws Exception {
        start(1024);
        test.postEvents(2, "object.detected", CAMERA_A);
        StreamClient subscriber = test.subscribe("?from_seq=5");
        test.postEvents(4, "object.detected", CAMERA_A);

        assertEquals(5, subscriber.nextSeq());
        assertEquals(6, subscriber.nextSeq());
        subscriber.close();
    }

    @Test
    void shouldReplayAndStreamOnlyTheTypesAndCameraAsked() throws Exception {
        start(1024);
        test.postEvents(1, "object.detected", CAMERA_A);   // 1
        test.postEvents(1, "face.detected", CAMERA_A);     // 2
        test.postEvents(1, "object.detected", CAMERA_B);   // 3
        test.postEvents(1, "object.detected", CAMERA_A);   // 4
        StreamClient subscriber = test.subscribe("?from_seq=0&types=object.detected,gesture.detected&camera=" + CAMERA_A);
        test.postEvents(1, "object.detected", null);       // 5
        test.postEvents(1, "gesture.detected", CAMERA_A);  // 6
        test.postEvents(1, "object.detected", CAMERA_B);   // 7
        test.postEvents(1, "object.detected", CAMERA_A);   // 8

        assertEquals(1, subscriber.nextSeq());
        assertEquals(4, subscriber.nextSeq());
        assertEquals(6, subscriber.nextSeq());
        assertEquals(8, subscriber.nextSeq());
        subscriber.close();
    }

    @Test
    void shouldLeaveWindowRepeatsOffUnlessAskedForWithIncludeDuplicates() throws Exception {
        // An hour's window: no wall-clock advance of the watermark can close the burst during the test.
        Rules rules = new Rules(Rules.ALLOWED_LATENESS_DEFAULT, Rules.CLOCK_SKEW_DEFAULT, new WindowDedupRules(
                WindowDedupRules.MAX_OPEN_KEYS_DEFAULT, new WindowDedupRule(true, Duration.ofHours(1), WindowDedupRule.Mode.FIXED,
                WindowDedupRule.KEY_DEFAULT), Map.of()));
        test = new TestServer(dir, 16 << 20, 1024, rules);
        test.postEvents(3, "object.detected", CAMERA_A);    // 1, and its repeats 2 and 3
        StreamClient plain = test.subscribe("?from_seq=1");
        StreamClient everything = test.subscribe("?from_seq=1&include=duplicates");
        StreamClient liveOnly = test.subscribe("?types=object.detected&include=duplicates");
        test.postEvents(1, "object.detected", CAMERA_A);    // 4, a repeat of 1
        test.postEvents(1, "object.detected", CAMERA_B);    // 5

        assertEquals(1, plain.nextSeq());
        assertEquals(5, plain.nextSeq(), "replayed and live repeats left off");
        for (long seq = 1; seq <= 5; seq++) {
            String json = everything.next();
            assertTrue(json.startsWith("{\"seq\":" + seq + ","), json);
            assertEquals(seq >= 2 && seq <= 4, json.endsWith(",\"duplicate_of\":1,\"repeat\":" + (seq - 1) + "}"), json);
        }
        assertEquals(4, liveOnly.nextSeq());
        assertEquals(5, liveOnly.nextSeq());
        assertEquals(3, test.counter(Counter.EVENTS_WINDOW_REPEATS));
        plain.close();
        everything.close();
        liveOnly.close();
    }

    @Test
    void shouldRefuseAnUnknownInclude() throws Exception {
        start(1024);
        java.net.http.HttpResponse<String> response = test.get("/v1/stream?include=everything");
        assertEquals(400, response.statusCode());
        assertTrue(response.body().contains("include: unknown value 'everything'"), response.body());
    }

    @Test
    void shouldReplayAnHttpEventsMetaAndReceiptTextAsStored() throws Exception {
        start(1024);
        String event = TestServer.event("order-42", "object.detected", CAMERA_A);
        event = event.substring(0, event.length() - 1) + ",\"meta\":{ \"line\": \"till 3\" }}";
        assertEquals(200, test.post(event, "application/json").statusCode());

        StreamClient replayed = test.subscribe("?from_seq=1");
        String json = replayed.next();
        assertTrue(json.contains("\"receipt_id\":\"order-42\""), json);
        assertTrue(json.endsWith("\"meta\":{\"line\":\"till 3\"}}"), json);

        StreamClient live = test.subscribe("");
        assertEquals(200, test.post(event.replace("order-42", "order-43"), "application/json").statusCode());
        String second = live.next();
        assertTrue(second.contains("\"receipt_id\":\"order-43\""), second);
        assertTrue(second.endsWith("\"meta\":{\"line\":\"till 3\"}}"), second);
        assertEquals(second, replayed.next(), "a replayed client goes on live with the same JSON");
        replayed.close();
        live.close();
    }

    @Test
    void shouldServeANewClientAfterOneLeftDuringItsReplay() throws Exception {
        start(1024);
        test.postEvents(2000, "object.detected", CAMERA_A);
        StreamClient leaving = test.subscribe("?from_seq=1");
        leaving.close();

        StreamClient subscriber = test.subscribe("?from_seq=1995");
        for (long seq = 1995; seq <= 2000; seq++) {
            assertEquals(seq, subscriber.nextSeq());
        }
        subscriber.close();
    }

    @Test
    void shouldStreamManyEventsToManyClientsCompleteInOrderAndAlikeOverWebSocketAndServerSentEvents() throws Exception {
        start(1 << 14);
        List<StreamClient> webSockets = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            webSockets.add(test.subscribe(""));
        }
        List<SseSocket> eventSources = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            SseSocket sse = new SseSocket(test.server.port(), "/v1/stream", 0);
            assertTrue(sse.head().startsWith("HTTP/1.1 200 OK\r\n"));
            eventSources.add(sse);
        }
        int events = 2000;
        for (int posted = 0; posted < events; posted += 100) {
            test.postEvents(100, "object.detected", posted % 300 == 0 ? CAMERA_B : CAMERA_A);
        }

        List<String> texts = new ArrayList<>();
        for (long seq = 1; seq <= events; seq++) {
            String json = webSockets.get(0).next();
            assertTrue(json.startsWith("{\"seq\":" + seq + ","), json);
            texts.add(json);
        }
        for (StreamClient client : webSockets.subList(1, webSockets.size())) {
            for (int i = 0; i < events; i++) {
                assertEquals(texts.get(i), client.next(), "every client receives the same message");
            }
        }
        for (SseSocket sse : eventSources) {
            for (int i = 0; i < events; i++) {
                assertEquals("id: " + (i + 1) + "\ndata: " + texts.get(i) + "\n\n", sse.nextChunk(), "one chunk per message");
            }
        }
        StreamClient replayed = test.subscribe("?from_seq=1");
        for (int i = 0; i < events; i++) {
            assertEquals(texts.get(i), replayed.next(), "a replay sends the same message as the live stream");
        }
        assertEquals(0, test.counter(Counter.STREAM_CLIENTS_CUT_OFF));
        replayed.close();
        for (StreamClient client : webSockets) {
            client.close();
        }
        for (SseSocket sse : eventSources) {
            sse.close();
        }
    }

    @Test
    void shouldCutOffAClientThatStopsReadingAndTellItWhereToResume() throws Exception {
        start(16);
        try (Socket socket = openStream("/v1/stream")) {
            // Stop reading; keep storing events until the server gives up on this client.
            int batches = 0;
            while (test.counter(Counter.STREAM_CLIENTS_CUT_OFF) == 0) {
                assertTrue(batches++ < 400, "never cut off");
                test.postEvents(250, "object.detected", CAMERA_A);
            }
            assertEventsThenTooSlow(socket, 1);
        }
        // The pipeline never waited for the slow client: every event was stored and answered.
        assertTrue(test.journal.flushedSeq() >= 250);
    }

    @Test
    void shouldCutOffAClientThatStopsReadingDuringItsReplayAfterWhatTheReplayWrote() throws Exception {
        start(16);
        for (int i = 0; i < 80; i++) {
            test.postEvents(250, "object.detected", CAMERA_A);
        }
        try (Socket socket = openStream("/v1/stream?from_seq=1")) {
            int batches = 0;
            while (test.counter(Counter.STREAM_CLIENTS_CUT_OFF) == 0) {
                assertTrue(batches++ < 400, "never cut off");
                test.postEvents(10, "object.detected", CAMERA_A);
            }
            assertEventsThenTooSlow(socket, 1);
        }
    }

    /** Connects, upgrades, and reads nothing more. */
    private Socket openStream(String path) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new InetSocketAddress("127.0.0.1", test.server.port()));
        OutputStream out = socket.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String head = readHead(socket.getInputStream());
        assertTrue(head.startsWith("HTTP/1.1 101"), head);
        return socket;
    }

    /** Reads events numbered from {@code first} with no gap, then a 1008 close naming the next seq. */
    private static void assertEventsThenTooSlow(Socket socket, long first) throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        long expected = first;
        for (;;) {
            int b0 = in.readUnsignedByte();
            int b1 = in.readUnsignedByte();
            long length = b1 & 0x7F;
            if (length == 126) {
                length = in.readUnsignedShort();
            } else if (length == 127) {
                length = in.readLong();
            }
            byte[] payload = new byte[(int) length];
            in.readFully(payload);
            int opcode = b0 & 0x0F;
            if (opcode == 1) {
                String json = new String(payload, StandardCharsets.UTF_8);
                assertTrue(json.startsWith("{\"seq\":" + expected + ","), "expected seq " + expected + ": " + json);
                expected++;
            } else {
                assertEquals(8, opcode, "a close frame after the events");
                int status = (payload[0] & 0xFF) << 8 | payload[1] & 0xFF;
                String reason = new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
                assertEquals(1008, status);
                assertTrue(reason.endsWith("reconnect with from_seq=" + expected), reason);
                return;
            }
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed after: " + head);
            }
            head.append((char) c);
        }
        return head.toString();
    }
}
