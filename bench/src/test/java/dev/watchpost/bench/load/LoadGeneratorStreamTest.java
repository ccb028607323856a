package dev.watchpost.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.watchpost.daemon.Daemon;
import dev.watchpost.daemon.config.ConfigLoader;
import dev.watchpost.ringbuffer.Counter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The load generator against a real daemon in this JVM, on loopback and ephemeral ports, with a
 * stream subscriber and this process as the sampled "daemon": every event the daemon stores must
 * arrive on the stream and be timed. About two seconds of load per test.
 */
class LoadGeneratorStreamTest {
    @TempDir
    Path dir;

    private Daemon daemon;

    @BeforeEach
    void startDaemon() throws Exception {
        daemon = Daemon.start(ConfigLoader.parse("data_dir: " + dir.resolve("data") + "\n"
            + "ingest: {bind: 127.0.0.1, tcp_port: 0, udp_enabled: false}\n"
            + "http: {bind: 127.0.0.1, port: 0}\n"
            + "dedup: {capacity: 1000000}\n", "test", ConfigLoader.Overrides.NONE), fault -> { });
    }

    @AfterEach
    void stopDaemon() {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void shouldTimeEveryStoredEventOnTheStreamInOpenLoopAndMissNone() throws Exception {
        JsonNode report = run("--rate", "4000", "--connections", "2", "--warmup", "0.5", "--duration", "1.5",
            "--duplicates", "0.1", "--invalid", "0.02", "--histogram-log", dir.resolve("run.hlog").toString());

        assertStreamedEverythingStored(report);
        assertTrue(report.get("duplicates_sent").asLong() > 0 && report.get("invalid_sent").asLong() > 0);
        assertEquals(report.get("measured").get("sent").asLong(), report.get("latency_us").get("ack").get("count").asLong());
        assertTrue(Files.readString(dir.resolve("run.hlog")).contains("Tag=" + LatencyIntervals.E2E_TAG + ","),
            "end-to-end intervals are in the log, tagged");
        long writes = report.get("writes").asLong();
        assertTrue(writes > 0 && writes <= report.get("sent").asLong(), "writes " + writes);
    }

    @Test
    void shouldWriteAtMostOncePerWriteIntervalAndTimeEachEventFromItsIntendedSend() throws Exception {
        JsonNode report = run("--rate", "4000", "--connections", "2", "--warmup", "0.5", "--duration", "1.5",
            "--write-interval", "20000");

        assertStreamedEverythingStored(report);
        assertEquals(20000, report.get("settings").get("write_interval_us").asLong());
        // 2 s of sending (warm-up and measurement), writes at least 20 ms apart: at most 101 per connection,
        // 202 in all, where 8,000 events due one by one make thousands of writes without the interval.
        long writes = report.get("writes").asLong();
        assertTrue(writes > 0 && writes <= 2 * (2.0 / 0.020 + 1) * 1.25, "writes " + writes);
        // An event waits for its connection's next write, and that wait counts: the send lag's median is
        // of the order of half the interval, never 0.
        assertTrue(report.get("latency_us").get("send_lag").get("p50").asDouble() >= 1000, report.get("latency_us")::toPrettyString);
    }

    @Test
    void shouldRefuseAWriteIntervalOutsideTheOpenLoop() {
        CommandLine cli = new CommandLine(new LoadGenerator());
        cli.setErr(new java.io.PrintWriter(new java.io.StringWriter()));

        assertEquals(2, cli.execute("--port", Integer.toString(daemon.tcpPort()), "--rate", "0", "--write-interval", "1000"));
        assertEquals(2, cli.execute("--port", Integer.toString(daemon.tcpPort()), "--rate", "1000", "--write-interval", "-1"));
    }

    @Test
    void shouldHoldSeveralSubscribersAndCheckThatEveryOneReceivesEveryStoredEvent() throws Exception {
        JsonNode report = run("--rate", "4000", "--connections", "2", "--warmup", "0.5", "--duration", "1.5",
            "--stream-subscribers", "4");

        assertStreamedEverythingStored(report);
        assertEquals(4, report.get("settings").get("stream_subscribers").asInt());
        assertEquals(4, report.get("stream").get("subscribers").asInt());
        assertEquals(4, daemon.counters().get(Counter.STREAM_CLIENTS_OPENED));
        JsonNode others = report.get("stream").get("others");
        assertEquals(3, others.size());
        for (JsonNode other : others) {
            assertEquals(report.get("stream").get("expected").asLong(), other.get("received").asLong());
            assertEquals(0, other.get("missing").asLong());
            assertEquals(0, other.get("out_of_order").asLong());
            assertEquals(0, other.get("seq_breaks").asLong());
            assertTrue(other.get("error").isNull());
        }
    }

    @Test
    void shouldRefuseStreamSubscribersWithoutAStreamOrOutOfRange() {
        CommandLine cli = new CommandLine(new LoadGenerator());
        cli.setErr(new java.io.PrintWriter(new java.io.StringWriter()));
        String port = Integer.toString(daemon.tcpPort());
        String stream = "ws://127.0.0.1:" + daemon.httpPort() + "/v1/stream";

        assertEquals(2, cli.execute("--port", port, "--rate", "1000", "--stream-subscribers", "2"));
        assertEquals(2, cli.execute("--port", port, "--rate", "1000", "--stream", stream, "--stream-subscribers", "0"));
        assertEquals(2, cli.execute("--port", port, "--rate", "1000", "--stream", stream, "--stream-subscribers", "65"));
    }

    @Test
    void shouldTimeEveryStoredEventOnTheStreamInClosedLoopAndMissNone() throws Exception {
        JsonNode report = run("--rate", "0", "--connections", "1", "--window", "128", "--warmup", "0.3", "--duration", "1",
            "--duplicates", "0.05");

        assertStreamedEverythingStored(report);
    }

    private void assertStreamedEverythingStored(JsonNode report) {
        JsonNode stream = report.get("stream");
        long toStream = report.get("sent").asLong() - report.get("duplicates_sent").asLong() - report.get("invalid_sent").asLong();

        assertEquals(0, report.get("exit_code").asInt(), report::toPrettyString);
        assertTrue(report.get("all_acked").asBoolean());
        assertTrue(report.get("all_streamed").asBoolean());
        assertEquals(toStream, stream.get("expected").asLong());
        assertEquals(toStream, stream.get("received").asLong());
        // The daemon also stores the track lifecycle it derives from the detections' track_ids; the stream
        // receiver counts the detections it sent.
        assertEquals(daemon.counters().get(Counter.EVENTS_STORED) - daemon.counters().get(Counter.EVENTS_DERIVED), stream.get("received").asLong());
        assertEquals(0, stream.get("missing").asLong());
        assertEquals(0, stream.get("out_of_order").asLong());
        assertEquals(0, stream.get("seq_breaks").asLong());
        assertEquals(0, stream.get("without_send_time").asLong());
        long derived = daemon.counters().get(Counter.EVENTS_DERIVED); // a track may still end after the receiver closed
        assertTrue(stream.get("foreign").asLong() <= derived,
                "the only other producer is the daemon itself, with the tracks it derives: " + stream.get("foreign") + " of " + derived);
        assertTrue(stream.get("error").isNull());
        long measured = stream.get("measured_expected").asLong();
        assertTrue(measured > 0);
        assertEquals(measured, report.get("latency_us").get("e2e").get("count").asLong(), "every stored event sent in the measured period is timed");
        assertTrue(report.get("latency_us").get("e2e").has("p99_9"));

        JsonNode sampled = report.get("daemon");
        assertEquals(ProcessHandle.current().pid(), sampled.get("pid").asLong());
        assertTrue(sampled.get("samples").asInt() >= 2);
        assertTrue(sampled.get("cpu_percent_of_core").get("mean").asDouble() >= 0);
        assertTrue(sampled.get("cpu_percent_of_box").has("max_1s"));
        assertTrue(sampled.get("rss_kib").get("start").asLong() > 0);
        assertTrue(sampled.get("rss_kib").get("max").asLong() >= sampled.get("rss_kib").get("end").asLong());
        assertTrue(sampled.get("error").isNull());
    }

    private JsonNode run(String... options) throws Exception {
        Path json = dir.resolve("report.json");
        List<String> args = new ArrayList<>(List.of("--port", Integer.toString(daemon.tcpPort()),
            "--stream", "ws://127.0.0.1:" + daemon.httpPort() + "/v1/stream",
            "--daemon-pid", Long.toString(ProcessHandle.current().pid()),
            "--grace", "5", "--json", json.toString()));
        args.addAll(Arrays.asList(options));
        int exit = new CommandLine(new LoadGenerator()).execute(args.toArray(new String[0]));
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertEquals(report.get("exit_code").asInt(), exit);
        assertEquals("ws://127.0.0.1:" + daemon.httpPort() + "/v1/stream", report.get("settings").get("stream").asText());
        return report;
    }
}
