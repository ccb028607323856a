package dev.watchpost.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code watchpost config validate}: no daemon, only files. */
class ConfigValidateTest {
    @TempDir
    Path dir;

    private final CapturedRun cli = new CapturedRun();

    @Test
    void shouldSayOkForTheShippedConfiguration() {
        Path shipped = Path.of("").toAbsolutePath().getParent().resolve("config/watchpost.yml");

        int exit = cli.run("config", "validate", "--config", shipped.toString());

        String text = cli.out();
        assertEquals(0, exit, text + cli.err());
        assertTrue(text.startsWith("ok: " + shipped + ", rules " + shipped.getParent().resolve("rules.yml")), text);
        assertTrue(text.contains("window dedup: default 5000 ms fixed, 6 types set (3 off), at most 100000 open keys"), text);
        assertTrue(text.contains("tracks: idle 5000 ms, updates at most every 1000 ms, at most 10000 open, every type"), text);
        assertTrue(text.contains("enrichment: site, subjects, severity, subjects from " + shipped.getParent().resolve("subjects.jsonl")), text);
        assertTrue(text.contains("correlation: 1 composite, 2 sequences, 1 incidents"), text);
    }

    @Test
    void shouldPrintEveryProblemOfBothFilesWithItsPathAndExitTwo() throws Exception {
        Path config = dir.resolve("watchpost.yml");
        Files.writeString(config, "rules: rules.yml\ningest: {tcp_port: seven}\n");
        Files.writeString(dir.resolve("rules.yml"), """
                allowed_lateness: 2s
                window_dedup:
                  types:
                    motion.detected: {window: 5x}
                    face.recognized: {key: [camera, face]}
                """);

        int exit = cli.run("config", "validate", "--config", config.toString());

        assertEquals(2, exit);
        assertEquals("", cli.out());
        assertEquals(List.of(
                config + ": ingest.tcp_port: must be an integer, was \"seven\"",
                dir.resolve("rules.yml") + ": window_dedup.types.motion.detected.window: must be a duration such as 250ms, 30s, 5m, 24h or 7d; was \"5x\"",
                dir.resolve("rules.yml") + ": window_dedup.types.face.recognized.key[1]: unknown field \"face\" "
                        + "(known: camera, zone, type, track_id, subject_id, label, store_id, identity)",
                "3 problems"), cli.err().lines().toList());
    }

    @Test
    void shouldSayOkWithoutARulesFile() throws Exception {
        Path config = dir.resolve("watchpost.yml");
        Files.writeString(config, "http: {port: 8080}\n");

        assertEquals(0, cli.run("config", "validate", "--config", config.toString()));
        assertTrue(cli.out().startsWith("ok: " + config + ", no rules file (built-in rules)"));
    }

    @Test
    void shouldExitTwoForAMissingFile() {
        assertEquals(2, cli.run("config", "validate", "--config", dir.resolve("absent.yml").toString()));
        assertTrue(cli.err().contains("absent.yml: no such file"));
    }
}
