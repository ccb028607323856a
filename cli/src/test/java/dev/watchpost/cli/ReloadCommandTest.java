package dev.watchpost.cli;

import dev.watchpost.daemon.Daemon;
import dev.watchpost.daemon.config.ConfigLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code watchpost reload} against a daemon in this JVM that runs on a rules file. */
class ReloadCommandTest {
    @TempDir
    Path dir;

    private Daemon daemon;

    @BeforeEach
    void start() throws Exception {
        Path config = dir.resolve("watchpost.yml");
        Files.writeString(config, "data_dir: " + dir.resolve("data") + "\n"
                + "ingest: {bind: 127.0.0.1, tcp_port: 0, udp_enabled: false}\n"
                + "http: {bind: 127.0.0.1, port: 0}\ndedup: {capacity: 10000}\nrules: rules.yml\n");
        Files.writeString(dir.resolve("rules.yml"), "tracks: {idle_timeout: 1h}\n");
        daemon = Daemon.start(ConfigLoader.load(config, ConfigLoader.Overrides.NONE), fault -> { });
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    @Test
    void shouldReloadTheRulesAndPrintWhatWasRebuilt() throws Exception {
        Files.writeString(dir.resolve("rules.yml"), "tracks: {idle_timeout: 30s}\n");
        CapturedRun run = new CapturedRun();

        int exit = run.run("reload", "--http", "127.0.0.1:" + daemon.httpPort());

        assertEquals(0, exit, run.err());
        assertTrue(run.out().contains("rules reloaded from " + dir.resolve("rules.yml")), run.out());
        assertTrue(run.out().contains("tracks rebuilt"), run.out());
    }

    @Test
    void shouldPrintEveryProblemOfABrokenFileAndExitTwo() throws Exception {
        Files.writeString(dir.resolve("rules.yml"), "tracks: {idle_timeout: soon}\ncolour: red\n");
        CapturedRun run = new CapturedRun();

        int exit = run.run("reload", "--http", "127.0.0.1:" + daemon.httpPort());

        assertEquals(2, exit);
        assertTrue(run.err().contains("the rules in force stay"), run.err());
        assertTrue(run.err().contains("rules.yml: colour: unknown key"), run.err());
        assertTrue(run.err().contains("rules.yml: tracks.idle_timeout: must be a duration"), run.err());
    }
}
