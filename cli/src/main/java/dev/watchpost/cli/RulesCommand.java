package dev.watchpost.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.watchpost.daemon.RulesReplay;
import dev.watchpost.daemon.config.ConfigException;
import dev.watchpost.daemon.config.ConfigLoader;
import dev.watchpost.daemon.config.RulesLoader;
import dev.watchpost.daemon.config.WatchpostConfig;
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
            description = "Run a rules file over the detections of a recorded journal, offline, and print each event it "
                    + "would derive (track.started, track.updated, track.ended …) as a JSON line, then a summary on "
                    + "stderr. The journal must not be in use by a running watchpostd: stop it or copy the directory.")
    static final class Test implements Callable<Integer> {
        @Option(names = "--config", paramLabel = "FILE", defaultValue = "config/watchpost.yml",
                description = "watchpost.yml: its site event types, and its rules unless --rules is given (default: ${DEFAULT-VALUE})")
        Path configFile;

        @Option(names = "--rules", paramLabel = "FILE", description = "the rules file to try (default: the one --config names)")
        Path rulesFile;

        @Option(names = "--journal", paramLabel = "DIR", required = true, description = "a journal directory, e.g. data/journal")
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
            if (!Files.isDirectory(journalDir)) {
                err.println("no journal directory: " + journalDir);
                return Watchpost.EXIT_USAGE;
            }
            RulesReplay.Summary summary;
            try (Journal journal = Journal.open(JournalConfig.of(journalDir))) {
                summary = new RulesReplay(rules, registry).run(journal, out::println);
            }
            out.flush();
            err.println(summary);
            return 0;
        }
    }
}
