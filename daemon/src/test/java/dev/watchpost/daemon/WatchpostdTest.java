package dev.watchpost.daemon;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The daemon's command line up to start-up: what a bad configuration or a busy data directory gets. */
class WatchpostdTest {
    @TempDir
    Path dir;

    private String stderr;

    private int run(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream previous = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new CommandLine(new Watchpostd()).execute(args);
        } finally {
            System.setErr(previous);
            stderr = err.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void shouldExitTwoWithOneLinePerConfigurationProblem() throws Exception {
        Path config = dir.resolve("watchpost.yml");
        Files.writeString(config, "ingest: {tcp_port: -1, colour: red}\njournal: {fsync: maybe}\n");

        assertEquals(2, run("--config", config.toString(), "--data-dir", dir.resolve("data").toString()));

        String[] lines = stderr.strip().split("\n");
        assertEquals(3, lines.length, stderr);
        assertTrue(stderr.contains("config error: " + config + ": ingest.tcp_port: must be within 0..65535, was -1"), stderr);
        assertTrue(stderr.contains("config error: " + config + ": ingest.colour: unknown key"), stderr);
        assertTrue(stderr.contains("config error: " + config + ": journal.fsync: must be always, batch or never, was 'maybe'"), stderr);
    }

    @Test
    void shouldExitTwoForABadPortFlag() throws Exception {
        Path config = dir.resolve("watchpost.yml");
        Files.writeString(config, "");
        assertEquals(2, run("--config", config.toString(), "--http-port", "99999"));
        assertTrue(stderr.contains("config error: " + config + ": --http-port: must be within 0..65535, was 99999"), stderr);
    }

    @Test
    void shouldExitOneWhenTheDataDirectoryIsInUse() throws Exception {
        Path config = dir.resolve("watchpost.yml");
        Files.writeString(config, "ingest: {bind: 127.0.0.1, tcp_port: 0, udp_port: 0}\nhttp: {bind: 127.0.0.1, port: 0}\ndedup: {capacity: 10000}\n");
        Path data = dir.resolve("data");
        try (Daemon running = Daemon.start(dev.watchpost.daemon.config.ConfigLoader.load(config,
                new dev.watchpost.daemon.config.ConfigLoader.Overrides(data, null, null, null)), fault -> { })) {
            assertEquals(1, run("--config", config.toString(), "--data-dir", data.toString(), "--tcp-port", "0", "--udp-port", "0", "--http-port", "0"));
            assertTrue(stderr.contains("is in use by another watchpostd"), stderr);
        }
    }

    @Test
    void shouldReloadTheRulesFileOnSighup() throws Exception {
        Path config = dir.resolve("watchpost.yml");
        Files.writeString(config, "ingest: {bind: 127.0.0.1, tcp_port: 0, udp_port: 0}\nhttp: {bind: 127.0.0.1, port: 0}\n"
                + "dedup: {capacity: 10000}\nrules: rules.yml\n");
        Files.writeString(dir.resolve("rules.yml"), "tracks: {idle_timeout: 1h}\n");
        try (DaemonProcess daemon = DaemonProcess.start(config, dir.resolve("data"), dir.resolve("daemon.log"))) {
            Files.writeString(dir.resolve("rules.yml"), "tracks: {idle_timeout: 30s}\n");
            daemon.hangUp();
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (!daemon.log().contains("rules reloaded from") && System.nanoTime() < deadline) {
                Thread.sleep(50); // polling the child's log: nothing else tells when it has read the file
            }
            assertTrue(daemon.log().contains("rules reloaded from " + dir.resolve("rules.yml")), daemon.log());
            assertEquals(0, daemon.terminate(), "still running after the reload, and stops cleanly");
        }
    }
}
