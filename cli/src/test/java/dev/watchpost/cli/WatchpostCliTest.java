package dev.watchpost.cli;

import dev.watchpost.daemon.Daemon;
import dev.watchpost.daemon.config.ConfigLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI against a daemon started in this JVM on ephemeral ports. */
class WatchpostCliTest {
    @TempDir
    Path dir;

    private Daemon daemon;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws Exception {
        daemon = Daemon.start(ConfigLoader.parse("data_dir: " + dir.resolve("data") + "\n"
                + "ingest: {bind: 127.0.0.1, tcp_port: 0, udp_enabled: false}\n"
                + "http: {bind: 127.0.0.1, port: 0}\ndedup: {capacity: 10000}\n", "test", ConfigLoader.Overrides.NONE), fault -> { });
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    private int run(String... args) {
        picocli.CommandLine cmd = Watchpost.commandLine();
        cmd.setOut(new java.io.PrintWriter(out, true));
        PrintStream previous = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            return cmd.execute(args);
        } finally {
            System.setOut(previous);
        }
    }

    private static String event(String receipt, double confidence) {
        return "{\"receipt_id\":\"" + receipt + "\",\"event_name\":\"face.detected\",\"ts\":\"2026-11-23T07:00:00Z\","
                + "\"store_id\":\"6f1c2a3e-1111-4222-8333-444455556666\",\"source\":\"edge\",\"confidence\":" + confidence + "}";
    }

    @Test
    void shouldSendEveryLineAndExitZeroWhenAllAreAcknowledged() throws Exception {
        Path file = dir.resolve("events.ndjson");
        Files.writeString(file, event(UUID.randomUUID().toString(), 0.5) + "\n" + event(UUID.randomUUID().toString(), 0.7) + "\n");

        int exit = run("send", "--tcp", "127.0.0.1:" + daemon.tcpPort(), file.toString());

        assertEquals(0, exit, out.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("sent 2, acknowledged 2, nacked 0, not sent 0"), out.toString(StandardCharsets.UTF_8));
        assertEquals(2, daemon.journal().durableSeq());
    }

    @Test
    void shouldReportEachNackAgainstItsLineAndExitOne() throws Exception {
        Path file = dir.resolve("events.ndjson");
        Files.writeString(file, event(UUID.randomUUID().toString(), 0.5) + "\n" + event(UUID.randomUUID().toString(), 1.5) + "\n"
                + "{\"receipt_id\":\"x\",\"event_name\":\"no.such.type\"}\n");

        int exit = run("send", "--tcp", "127.0.0.1:" + daemon.tcpPort(), file.toString());

        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(1, exit, text);
        assertTrue(text.contains("event 2: NACK 12 (bad confidence)"), text);
        assertTrue(text.contains("event 3: not sent"), text);
        assertTrue(text.contains("sent 2, acknowledged 2, nacked 1, not sent 1"), text);
    }

    @Test
    void shouldExitThreeWhenTheDaemonCannotBeReached() throws Exception {
        Path file = dir.resolve("events.ndjson");
        Files.writeString(file, event(UUID.randomUUID().toString(), 0.5) + "\n");
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        assertEquals(3, run("send", "--tcp", "127.0.0.1:" + port, file.toString()));
        assertEquals(3, run("status", "--http", "127.0.0.1:" + port));
    }

    @Test
    void shouldSayWhenThereIsNoRulesFileToReload() {
        CapturedRun run = new CapturedRun();
        int exit = run.run("reload", "--http", "127.0.0.1:" + daemon.httpPort());

        assertEquals(2, exit, run.err());
        assertTrue(run.err().contains("names no rules file"), run.err());
    }

    @Test
    void shouldPrintTheDaemonsCounters() {
        int exit = run("status", "--http", "127.0.0.1:" + daemon.httpPort());

        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, text);
        assertTrue(text.contains("state") && text.contains("ready"), text);
        assertTrue(text.contains("events_stored"), text);
        assertTrue(text.contains("\nack_latency_us:\n  window_s "), "an object's fields below its name: " + text);
    }

    @Test
    void shouldPrintObjectsInObjectsIndentedOnceMore() throws Exception {
        ByteArrayOutputStream text = new ByteArrayOutputStream();

        StatusCommand.print(new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                "{\"state\":\"ready\",\"alerts\":{\"dashboard\":{\"type\":\"websocket\",\"enabled\":true}}}"),
                0, new java.io.PrintStream(text, true, StandardCharsets.UTF_8));

        assertEquals(String.format("state                          ready%n"
                + "alerts:%n"
                + "  dashboard:%n"
                + "    type                       websocket%n"
                + "    enabled                    true%n"), text.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldPrintStatusAsJsonForScripts() throws Exception {
        int exit = run("status", "--json", "--http", "127.0.0.1:" + daemon.httpPort());

        assertEquals(0, exit);
        assertEquals("ready", new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8)).get("state").asText());
    }

    @Test
    void shouldVerifyACleanJournalAndReportADamagedOne() throws Exception {
        Path file = dir.resolve("events.ndjson");
        Files.writeString(file, event(UUID.randomUUID().toString(), 0.5) + "\n" + event(UUID.randomUUID().toString(), 0.6) + "\n");
        assertEquals(0, run("send", "--tcp", "127.0.0.1:" + daemon.tcpPort(), file.toString()));
        daemon.close();

        out.reset();
        assertEquals(0, run("journal", "verify", "--data-dir", dir.resolve("data").toString()));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("records   2"), out.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("clean"), out.toString(StandardCharsets.UTF_8));

        Path segment;
        try (java.util.stream.Stream<Path> files = Files.list(dir.resolve("data/journal"))) {
            segment = files.filter(p -> p.toString().endsWith(".wpj")).findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(segment);
        bytes[bytes.length - 20] ^= 0x55;
        Files.write(segment, bytes);
        out.reset();
        assertEquals(1, run("journal", "verify", "--data-dir", dir.resolve("data").toString(), "--json"));
        assertEquals(false, new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8)).get("clean").asBoolean());
    }

    @Test
    void shouldRejectAMalformedAddressAsAUsageError() {
        assertEquals(2, run("send", "--tcp", "localhost", "x.ndjson"));
    }
}
