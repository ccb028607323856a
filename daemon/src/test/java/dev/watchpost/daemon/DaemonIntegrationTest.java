package dev.watchpost.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.watchpost.daemon.config.ConfigLoader;
import dev.watchpost.daemon.config.WatchpostConfig;
import dev.watchpost.daemon.http.SseSocket;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.client.DetectorClient;
import dev.watchpost.ringbuffer.codec.NackCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Starts a daemon on ephemeral ports and drives TCP, UDP, HTTP and WebSocket against it. */
class DaemonIntegrationTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dataDir;

    private Daemon daemon;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    private Daemon start(String extraIngestYaml) throws Exception {
        return start(extraIngestYaml, "");
    }

    private Daemon start(String extraIngestYaml, String moreYaml) throws Exception {
        WatchpostConfig config = ConfigLoader.parse("data_dir: " + dataDir + "\n"
                + "ingest: {bind: 127.0.0.1, tcp_port: 0, udp_port: 0" + extraIngestYaml + "}\n"
                + "http: {bind: 127.0.0.1, port: 0}\n"
                + "dedup: {capacity: 100000}\n"
                + "journal: {segment_size: 1MiB}\n" + moreYaml, "test", ConfigLoader.Overrides.NONE);
        daemon = Daemon.start(config, fault -> { });
        return daemon;
    }

    private DetectorClient detector() throws Exception {
        return DetectorClient.connect("127.0.0.1", daemon.tcpPort(), TIMEOUT);
    }

    @Test
    void shouldAckValidEventsNackInvalidOnesAndStoreDuplicatesOnce() throws Exception {
        start("");
        UUID first = UUID.randomUUID();
        try (DetectorClient detector = detector()) {
            byte[] frame = TestEvents.valid(first);
            detector.send(frame, 0, frame.length);
            byte[] second = TestEvents.valid(UUID.randomUUID());
            detector.send(second, 0, second.length);
            byte[] invalid = TestEvents.frame(UUID.randomUUID(), 2.0f, TestEvents.CAMERA);
            long invalidSeq = detector.send(invalid, 0, invalid.length);
            byte[] retry = TestEvents.valid(first);
            long last = detector.send(retry, 0, retry.length);

            assertTrue(detector.awaitAck(last));
            assertEquals(List.of(new DetectorClient.Nack(invalidSeq, 12, NackCode.BAD_CONFIDENCE.reason())), detector.nacks());
        }
        assertEquals(2, daemon.counters().get(Counter.EVENTS_STORED));
        assertEquals(1, daemon.counters().get(Counter.EVENTS_DUPLICATE));
        assertEquals(1, daemon.counters().get(Counter.DEADLETTERS_STORED));
        assertEquals(2, daemon.journal().durableSeq());
    }

    @Test
    void shouldWriteTheAnswersThemselvesWhileTheIoThreadWaitsAndKeepThemInOrderWhenTheSocketIsFull() throws Exception {
        start("");
        try (DetectorClient detector = DetectorClient.connect("127.0.0.1", daemon.tcpPort(), TIMEOUT, 4096)) {
            // One event at a time: the I/O thread waits for input when each is answered, and the ack
            // thread writes the ACK itself.
            int valid = 0;
            while (daemon.counters().get(Counter.TCP_ANSWERS_DIRECT) == 0 && valid < 100) {
                byte[] event = TestEvents.valid(UUID.randomUUID());
                assertTrue(detector.awaitAck(detector.send(event, 0, event.length)));
                valid++;
            }
            assertTrue(daemon.counters().get(Counter.TCP_ANSWERS_DIRECT) > 0, "no answer was written directly");

            // Then 6 MB of NACKs (about 50 bytes each) left unread: more than the daemon's side of a
            // socket holds (4 MiB at most here), so that the ack thread finds it full and hands the rest
            // over, and goes on writing directly only once what it handed over is out.
            long firstInvalid = detector.nextSeq();
            int invalid = 120_000;
            for (int i = 0; i < invalid; i++) {
                byte[] frame = TestEvents.frame(UUID.randomUUID(), 2.0f, TestEvents.CAMERA);
                detector.send(frame, 0, frame.length);
                if (i % 500 == 499) {
                    detector.flush();
                }
            }
            long queued = daemon.counters().get(Counter.TCP_ANSWERS_QUEUED);
            assertTrue(queued > 0, "nothing was handed to the I/O thread");

            assertTrue(detector.awaitAck(firstInvalid + invalid - 1));
            assertEquals(invalid, detector.nacks().size());
            for (int i = 0; i < invalid; i++) {
                assertEquals(firstInvalid + i, detector.nacks().get(i).seq(), "NACKs in the order of their events");
                assertEquals(NackCode.BAD_CONFIDENCE, detector.nacks().get(i).nackCode());
            }

            // Read out, the socket has room again: once the I/O thread has seen the last of what it was
            // handed written, the answers go directly again (the counter moves just after the write, so
            // it is read again after the next answer).
            long direct = daemon.counters().get(Counter.TCP_ANSWERS_DIRECT);
            int more = 0;
            while (daemon.counters().get(Counter.TCP_ANSWERS_DIRECT) == direct && more < 100) {
                byte[] event = TestEvents.valid(UUID.randomUUID());
                assertTrue(detector.awaitAck(detector.send(event, 0, event.length)));
                more++;
            }
            assertTrue(daemon.counters().get(Counter.TCP_ANSWERS_DIRECT) > direct, "direct again once the hand-over drained");
            assertEquals(invalid, detector.nacks().size(), "no NACK for a valid event");
            assertEquals(valid + more, daemon.counters().get(Counter.EVENTS_STORED));
        }
    }

    @Test
    void shouldStreamFromThePublishThreadWhileTheHttpThreadWaitsAndKeepEveryEventInOrderWhenTheSocketIsFull() throws Exception {
        start("");
        try (DetectorClient detector = detector();
             SseSocket stream = new SseSocket(daemon.httpPort(), "/v1/stream?from_seq=1&include=duplicates", 4096)) {
            assertTrue(stream.head().startsWith("HTTP/1.1 200 OK\r\n"));
            // One event at a time over TCP, each read as it arrives: the HTTP thread waits for input when
            // the event is published, and the publish thread writes it to the stream's socket itself.
            long seq = 0;
            while (daemon.counters().get(Counter.STREAM_DRAINS_DIRECT) == 0 && seq < 100) {
                sendAndAwaitAck(detector);
                assertEquals(++seq, chunkSeq(stream.nextChunk()));
            }
            assertTrue(daemon.counters().get(Counter.STREAM_DRAINS_DIRECT) > 0, "no outbox was written directly");

            // Then about 6 MB of events left unread: more than the daemon's side of the socket holds (4 MiB
            // at most here), so that the publish thread finds it full and hands the rest over.
            sendMany(detector, 14_000);
            // The last batch's ACKs go out before the batch is published: its drain, which may be the one
            // that finds the socket full, can come after the ACK the sending awaited.
            Conditions.await("a drain handed to the HTTP thread", TIMEOUT,
                () -> daemon.counters().get(Counter.STREAM_DRAINS_QUEUED) > 0);
            // Read while more events come: the socket has room again while the HTTP thread still has
            // bytes to write, and the publish thread must not write past them. (16,000 events in all stay
            // within the default outbox of 16,384: the client is never cut off.)
            long before = seq;
            int behind = 2_000;
            FutureTask<Long> reader = new FutureTask<>(() -> {
                long read = before;
                for (int i = 0; i < 14_000 + behind; i++) {
                    assertEquals(++read, chunkSeq(stream.nextChunk()), "every event once, in the order stored");
                }
                return read;
            });
            new Thread(reader, "stream-reader").start();
            sendMany(detector, behind);
            seq = reader.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

            // Read out: once nothing handed over is unwritten, the publish thread writes directly again.
            long direct = daemon.counters().get(Counter.STREAM_DRAINS_DIRECT);
            int more = 0;
            while (daemon.counters().get(Counter.STREAM_DRAINS_DIRECT) == direct && more++ < 100) {
                sendAndAwaitAck(detector);
                assertEquals(++seq, chunkSeq(stream.nextChunk()));
            }
            assertTrue(daemon.counters().get(Counter.STREAM_DRAINS_DIRECT) > direct, "direct again once the hand-over drained");
            assertEquals(seq, daemon.counters().get(Counter.EVENTS_STORED));
            assertEquals(0, daemon.counters().get(Counter.STREAM_CLIENTS_CUT_OFF));
        }
    }

    /** Sends {@code count} events, flushing every 500, and waits for the ACK of the last. */
    private static void sendMany(DetectorClient detector, int count) throws Exception {
        long last = 0;
        for (int i = 0; i < count; i++) {
            byte[] event = TestEvents.valid(UUID.randomUUID());
            last = detector.send(event, 0, event.length);
            if (i % 500 == 499) {
                detector.flush();
            }
        }
        assertTrue(detector.awaitAck(last));
    }

    private static void sendAndAwaitAck(DetectorClient detector) throws Exception {
        byte[] event = TestEvents.valid(UUID.randomUUID());
        assertTrue(detector.awaitAck(detector.send(event, 0, event.length)));
    }

    /** The seq of a Server-Sent Events chunk ({@code id: <seq>}, then the data). */
    private static long chunkSeq(String chunk) {
        assertTrue(chunk != null && chunk.startsWith("id: "), chunk);
        return Long.parseLong(chunk.substring(4, chunk.indexOf('\n')));
    }

    @Test
    void shouldAckWhatWasReadThenNackABadHeaderAndClose() throws Exception {
        start("");
        try (DetectorClient detector = detector()) {
            byte[] frame = TestEvents.valid(UUID.randomUUID());
            long seq = detector.send(frame, 0, frame.length);
            byte[] garbage = new byte[32];
            garbage[0] = 32;
            garbage[4] = 'X';
            detector.sendRaw(garbage);
            assertTrue(detector.awaitClose());
            assertEquals(seq, detector.ackedSeq());
            assertEquals(List.of(new DetectorClient.Nack(0, 1, NackCode.BAD_MAGIC.reason())), detector.nacks());
        }
    }

    @Test
    void shouldCloseOnASeqGapWithNack20() throws Exception {
        start("");
        try (DetectorClient detector = detector()) {
            byte[] frame = TestEvents.valid(UUID.randomUUID());
            detector.send(frame, 0, frame.length);
            byte[] skipped = TestEvents.valid(UUID.randomUUID());
            java.nio.ByteBuffer.wrap(skipped).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(8, 5);
            detector.sendRaw(skipped);
            assertTrue(detector.awaitClose());
            assertEquals(1, detector.ackedSeq());
            assertEquals(1, detector.nacks().size());
            assertEquals(5, detector.nacks().get(0).seq());
            assertEquals(20, detector.nacks().get(0).code());
        }
        assertEquals(1, daemon.journal().durableSeq());
    }

    @Test
    void shouldRequireAValidTokenWhenTokensAreConfigured() throws Exception {
        start(", tokens: [s3cret]");
        try (DetectorClient anonymous = detector()) {
            byte[] frame = TestEvents.valid(UUID.randomUUID());
            anonymous.send(frame, 0, frame.length);
            assertTrue(anonymous.awaitClose());
            assertEquals(30, anonymous.nacks().get(0).code());
            assertEquals(1, anonymous.nacks().get(0).seq());
        }
        try (DetectorClient wrong = detector()) {
            assertFalse(wrong.hello("nope", "cam-1"));
            assertTrue(wrong.awaitClose());
            assertEquals(30, wrong.nacks().get(0).code());
        }
        try (DetectorClient good = detector()) {
            assertTrue(good.hello("s3cret", "cam-1"));
            assertEquals(65536, good.welcomeMaxFrame());
            byte[] frame = TestEvents.valid(UUID.randomUUID());
            long seq = good.send(frame, 0, frame.length);
            assertTrue(good.awaitAck(seq));
            assertTrue(good.nacks().isEmpty());
        }
    }

    @Test
    void shouldRejectASecondHelloWithNack5() throws Exception {
        start("");
        try (DetectorClient detector = detector()) {
            assertTrue(detector.hello("ignored", "cam-1"));
            assertFalse(detector.hello("ignored", "cam-1"));
            assertTrue(detector.awaitClose());
            assertEquals(5, detector.nacks().get(0).code());
        }
    }

    @Test
    void shouldStoreUdpEventsAndStreamThemLive() throws Exception {
        start("");
        StreamClient subscriber = subscribe("/v1/stream?from_seq=1");
        UUID receipt = UUID.randomUUID();
        byte[] frame = TestEvents.valid(receipt);
        try (DatagramSocket udp = new DatagramSocket()) {
            udp.send(new DatagramPacket(frame, frame.length, InetAddress.getLoopbackAddress(), daemon.udpPort()));
        }
        String json = subscriber.next();
        assertTrue(json.contains("\"receipt_id\":\"" + receipt + "\""), json);
        assertTrue(json.contains("\"seq\":1"), json);
        subscriber.close();
    }

    @Test
    void shouldDropAndCountUdpDatagramsWithABadHeader() throws Exception {
        start("");
        StreamClient subscriber = subscribe("/v1/stream?from_seq=1");
        byte[] bad = TestEvents.valid(UUID.randomUUID());
        bad[4] = 'X';
        byte[] good = TestEvents.valid(UUID.randomUUID());
        try (DatagramSocket udp = new DatagramSocket()) {
            udp.send(new DatagramPacket(bad, bad.length, InetAddress.getLoopbackAddress(), daemon.udpPort()));
            udp.send(new DatagramPacket(good, good.length, InetAddress.getLoopbackAddress(), daemon.udpPort()));
        }
        subscriber.next(); // the good datagram, read after the bad one, was stored
        assertEquals(2, daemon.counters().get(Counter.UDP_FRAMES_RECEIVED));
        assertEquals(1, daemon.counters().get(Counter.UDP_FRAMES_DROPPED));
        assertEquals(1, daemon.journal().durableSeq());
        subscriber.close();
    }

    @Test
    void shouldStopReadingWhenTheRingIsFullAndLoseNothing() throws Exception {
        start("", "pipeline: {ring_size: 4}\n");
        int events = 3000;
        try (DetectorClient detector = detector()) {
            long last = 0;
            for (int i = 0; i < events; i++) {
                byte[] frame = TestEvents.valid(UUID.randomUUID());
                last = detector.send(frame, 0, frame.length);
            }
            assertTrue(detector.awaitAck(last));
            assertTrue(detector.nacks().isEmpty());
        }
        assertEquals(events, daemon.journal().durableSeq());
        assertTrue(daemon.counters().get(Counter.TCP_BACKPRESSURE_PAUSES) > 0, "the I/O thread found the 4-slot ring full");
    }

    @Test
    void shouldAckThenCloseAConnectionSilentForTheIdleTimeout() throws Exception {
        start(", idle_timeout: 1s");
        try (DetectorClient detector = detector()) {
            byte[] frame = TestEvents.valid(UUID.randomUUID());
            long seq = detector.send(frame, 0, frame.length);
            assertTrue(detector.awaitClose(), "closed after a second of silence");
            assertEquals(seq, detector.ackedSeq());
            assertTrue(detector.nacks().isEmpty());
        }
        assertEquals(1, daemon.counters().get(Counter.TCP_IDLE_TIMEOUTS));
    }

    @Test
    void shouldAnswerHttpIngestWithEachEventsOutcome() throws Exception {
        start("");
        String receipt = UUID.randomUUID().toString();
        String event = "{\"receipt_id\":\"" + receipt + "\",\"event_name\":\"object.detected\",\"ts\":\"2026-11-23T07:00:00.123456Z\","
                + "\"store_id\":\"" + TestEvents.STORE + "\",\"source\":\"backend\",\"confidence\":0.5,\"label\":\"car\"}";
        String bad = event.replace(receipt, UUID.randomUUID().toString()).replace("0.5", "1.5");
        HttpResponse<String> response = post("[" + event + "," + event + "," + bad + "]", "application/json");
        assertEquals(200, response.statusCode(), response.body());
        String body = response.body().replace(" ", "");
        assertTrue(body.contains("{\"status\":\"accepted\",\"seq\":1}"), body);
        assertTrue(body.contains("{\"status\":\"duplicate\",\"seq\":1}"), body);
        assertTrue(body.contains("\"status\":\"rejected\",\"code\":12"), body);

        HttpResponse<String> ndjson = post(event + "\n" + event.replace(receipt, "order-42") + "\n", "application/x-ndjson");
        assertEquals(200, ndjson.statusCode(), ndjson.body());
        assertTrue(ndjson.body().replace(" ", "").contains("{\"status\":\"accepted\",\"seq\":2}"), ndjson.body());

        assertEquals(400, post("{not json", "application/json").statusCode());
        assertEquals(2, daemon.journal().durableSeq());
    }

    @Test
    void shouldReplayFromSeqThenContinueLiveWithoutGapOrDuplicate() throws Exception {
        start("");
        try (DetectorClient detector = detector()) {
            for (int i = 0; i < 5; i++) {
                byte[] frame = TestEvents.valid(UUID.randomUUID());
                detector.send(frame, 0, frame.length);
            }
            assertTrue(detector.awaitAck(5));
            // The frames differ only in their receipt_ids, so each after the first is a window repeat,
            // which a plain stream leaves off: ask for them.
            StreamClient subscriber = subscribe("/v1/stream?from_seq=3&include=duplicates");
            for (int i = 0; i < 3; i++) {
                byte[] frame = TestEvents.valid(UUID.randomUUID());
                detector.send(frame, 0, frame.length);
            }
            assertTrue(detector.awaitAck(8));
            for (int seq = 3; seq <= 8; seq++) {
                assertEquals(seq, subscriber.nextSeq());
            }
            subscriber.close();
        }
    }

    @Test
    void shouldRecogniseRetriesAcrossARestart() throws Exception {
        start("");
        UUID receipt = UUID.randomUUID();
        try (DetectorClient detector = detector()) {
            byte[] frame = TestEvents.valid(receipt);
            assertTrue(detector.awaitAck(detector.send(frame, 0, frame.length)));
        }
        daemon.close();
        start("");
        try (DetectorClient detector = detector()) {
            byte[] frame = TestEvents.valid(receipt);
            assertTrue(detector.awaitAck(detector.send(frame, 0, frame.length)));
        }
        assertEquals(1, daemon.journal().durableSeq());
        assertEquals(1, daemon.counters().get(Counter.EVENTS_DUPLICATE));
    }

    @Test
    void shouldRebuildTheDedupStoreFromTheJournalWhenItsFilesAreGone() throws Exception {
        start("");
        UUID receipt = UUID.randomUUID();
        try (DetectorClient detector = detector()) {
            byte[] frame = TestEvents.valid(receipt);
            assertTrue(detector.awaitAck(detector.send(frame, 0, frame.length)));
        }
        daemon.close();
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(dataDir.resolve("dedup"))) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        start("");
        try (DetectorClient detector = detector()) {
            byte[] frame = TestEvents.valid(receipt);
            assertTrue(detector.awaitAck(detector.send(frame, 0, frame.length)));
        }
        assertEquals(1, daemon.journal().durableSeq());
        assertEquals(1, daemon.counters().get(Counter.EVENTS_DUPLICATE));
    }

    @Test
    void shouldAnswerHealthAndStatus() throws Exception {
        start("");
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(uri("/v1/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        HttpResponse<String> status = http.send(HttpRequest.newBuilder(uri("/v1/status")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, status.statusCode());
        assertTrue(status.body().contains("\"events_stored\""), status.body());
        assertTrue(status.body().contains("\"journal_helper_problem\":null"), "the journal's helper works: " + status.body());
        assertTrue(status.body().contains("\"ack_latency_us\":{\"window_s\":0,\"count\":0,\"p50\":null"),
                "no answer timed in a first interval: " + status.body());
    }

    @Test
    void shouldPutTogetherFramesThatArriveInPiecesOfAnySize() throws Exception {
        start("");
        int frames = 40;
        java.io.ByteArrayOutputStream stream = new java.io.ByteArrayOutputStream();
        for (long seq = 1; seq <= frames; seq++) {
            byte[] frame = TestEvents.valid(UUID.randomUUID());
            java.nio.ByteBuffer.wrap(frame).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(dev.watchpost.ringbuffer.codec.Protocol.SEQ_OFFSET, seq);
            stream.write(frame);
        }
        byte[] bytes = stream.toByteArray();

        try (DetectorClient detector = detector()) {
            // Pieces from 1 byte to more than two frames, each flushed and given time to be read on its own,
            // so that frames are cut anywhere: in the header, in the body, between two frames.
            int[] sizes = {1, 7, 3, 150, 1, 900, 41, 2, 333, 64};
            for (int at = 0, i = 0; at < bytes.length; i++) {
                int n = Math.min(sizes[i % sizes.length], bytes.length - at);
                detector.sendRaw(java.util.Arrays.copyOfRange(bytes, at, at + n));
                detector.flush();
                Thread.sleep(1);
                at += n;
            }
            assertTrue(detector.awaitAck(frames));
        }

        assertEquals(frames, daemon.journal().durableSeq());
        assertEquals(frames, daemon.counters().get(Counter.TCP_FRAMES_RECEIVED));
        assertEquals(0, daemon.counters().get(Counter.TCP_PROTOCOL_ERRORS));
    }

    @Test
    void shouldShowInStatusHowLongItsAnswersTook() throws Exception {
        start("");
        try (DetectorClient detector = detector()) {
            for (int i = 0; i < 3; i++) {
                byte[] frame = TestEvents.valid(UUID.randomUUID());
                assertTrue(detector.awaitAck(detector.send(frame, 0, frame.length)));
            }
        }

        JsonNode latency = awaitLastMinute("ack_latency_us");

        assertEquals(3, latency.get("count").asLong(), latency.toString());
        assertTrue(latency.get("window_s").asLong() >= 5, latency.toString());
        assertTrue(latency.get("p50").asLong() > 0 && latency.get("p50").asLong() <= latency.get("max").asLong(), latency.toString());
    }

    @Test
    void shouldShowInStatusHowLongTheJournalsForcesTook() throws Exception {
        start("");
        try (DetectorClient detector = detector()) {
            for (int i = 0; i < 3; i++) { // one at a time: each ACK follows a force of its own
                byte[] frame = TestEvents.valid(UUID.randomUUID());
                assertTrue(detector.awaitAck(detector.send(frame, 0, frame.length)));
            }
        }

        // No force comes after these: the status request itself closes the 5 s interval once it is over.
        JsonNode forces = awaitLastMinute("journal_force_us");

        assertTrue(forces.get("count").asLong() >= 3, forces.toString());
        assertTrue(forces.get("p50").asLong() <= forces.get("max").asLong() && forces.get("max").asLong() > 0, forces.toString());
    }

    /** The status's figures over the last minute under {@code key}, once they count something (they cover closed intervals of 5 s), or after 30 s. */
    private JsonNode awaitLastMinute(String key) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonNode figures;
        do {
            Thread.sleep(200);
            String body = http.send(HttpRequest.newBuilder(uri("/v1/status")).build(), HttpResponse.BodyHandlers.ofString()).body();
            figures = new ObjectMapper().readTree(body).get(key);
        } while (figures.get("count").asLong() == 0 && System.nanoTime() < deadline);
        return figures;
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + daemon.httpPort() + path);
    }

    private HttpResponse<String> post(String body, String contentType) throws Exception {
        return http.send(HttpRequest.newBuilder(uri("/v1/events")).timeout(TIMEOUT)
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private StreamClient subscribe(String path) throws Exception {
        return StreamClient.open(http, daemon.httpPort(), path.substring("/v1/stream".length()), TIMEOUT);
    }
}
