package dev.watchpost.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.watchpost.daemon.RulesReplay;
import dev.watchpost.daemon.config.ConfigException;
import dev.watchpost.daemon.config.ConfigLoader;
import dev.watchpost.daemon.config.RulesLoader;
import dev.watchpost.daemon.config.WatchpostConfig;
import dev.watchpost.daemon.json.JsonBodyException;
import dev.watchpost.daemon.json.JsonEventReader;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.JournalConfig;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code watchpost rules}: rules files tried out without a daemon. */
@Command(name = "rules", mixinStandardHelpOptions = true, description = "Try rules out on recorded events.",
        subcommands = {RulesCommand.Test.class})
final class RulesCommand {

    /** {@code watchpost rules test}: what a rules file would derive from a recorded journal. */
    @Command(name = "test", mixinStandardHelpOptions = true,
            description = "Run a rules file over the detections of a recorded journal (or a file of JSON events), offline, "
                    + "and print each event it "
                    + "would derive (track.started, track.updated, track.ended …) as a JSON line, then a summary on "
                    + "stderr. The journal must not be in use by a running watchpostd: stop it or copy the directory.")
    static final class Test implements Callable<Integer> {
        @Option(names = "--config", paramLabel = "FILE", defaultValue = "config/watchpost.yml",
                description = "watchpost.yml: its site event types, and its rules unless --rules is given (default: ${DEFAULT-VALUE})")
        Path configFile;

        @Option(names = "--rules", paramLabel = "FILE", description = "the rules file to try (default: the one --config names)")
        Path rulesFile;

        @Option(names = "--journal", paramLabel = "DIR|FILE", required = true,
                description = "a journal directory (e.g. data/journal), or a file of JSON events as a backend would POST "
                        + "them: NDJSON, or one JSON array; each event's arrival is taken to be its ts")
        Path journalDir;

        @Override
        public Integer call() throws IOException {
            PrintStream out = System.out;
            PrintStream err = System.err;
            WatchpostConfig config;
            Rules rules;
            EventTypeRegistry registry;
            try {
                config = ConfigLoader.load(configFile, ConfigLoader.Overrides.NONE);
                registry = EventTypeRegistry.standard().withSiteTypes(config.eventTypes());
                rules = rulesFile == null ? config.rules()
                        : RulesLoader.parse(Files.readString(rulesFile), rulesFile.toString(), registry);
            } catch (ConfigException e) {
                e.problems().forEach(err::println);
                return Watchpost.EXIT_USAGE;
            }
            RulesReplay replay = new RulesReplay(rules, registry);
            RulesReplay.Summary summary;
            if (Files.isRegularFile(journalDir)) {
                byte[] body = Files.readAllBytes(journalDir);
                String text = new String(body, StandardCharsets.UTF_8).stripLeading();
                try {
                    summary = replay.run(new JsonEventReader(registry).read(body, 0, body.length, !text.startsWith("[")), out::println);
                } catch (JsonBodyException e) {
                    err.println(journalDir + ": " + e.getMessage());
                    return Watchpost.EXIT_USAGE;
                }
            } else if (Files.isDirectory(journalDir)) {
                try (Journal journal = Journal.open(JournalConfig.of(journalDir))) {
                    summary = replay.run(journal, out::println);
                }
            } else {
                err.println("no journal directory or events file: " + journalDir);
                return Watchpost.EXIT_USAGE;
            }
            out.flush();
            err.println(summary);
            return 0;
        }
    }
}
