package dev.watchpost.cli;

import dev.watchpost.daemon.config.ConfigException;
import dev.watchpost.daemon.config.ConfigLoader;
import dev.watchpost.daemon.config.WatchpostConfig;
import dev.watchpost.handlers.rules.TrackRules;
import dev.watchpost.handlers.rules.WindowDedupRule;
import dev.watchpost.handlers.rules.WindowDedupRules;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code watchpost config}: checks of the daemon's configuration files, without a daemon. */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Check the configuration files.",
        subcommands = {ConfigCommand.Validate.class})
final class ConfigCommand {

    /** {@code watchpost config validate}: reads watchpost.yml and the rules file it names, as watchpostd would. */
    @Command(name = "validate", mixinStandardHelpOptions = true,
            description = "Read watchpost.yml and the rules file it names as watchpostd would, and print every problem "
                    + "with its file and key path, one per line. Exit 0 when valid, 2 when not.")
    static final class Validate implements Callable<Integer> {
        @Option(names = "--config", paramLabel = "FILE", defaultValue = "config/watchpost.yml",
                description = "the configuration file (default: ${DEFAULT-VALUE})")
        Path configFile;

        PrintStream out = System.out;
        PrintStream err = System.err;

        @Override
        public Integer call() {
            WatchpostConfig config;
            try {
                config = ConfigLoader.load(configFile, ConfigLoader.Overrides.NONE);
            } catch (ConfigException e) {
                e.problems().forEach(err::println);
                err.println(e.problems().size() + (e.problems().size() == 1 ? " problem" : " problems"));
                return Watchpost.EXIT_USAGE;
            }
            WindowDedupRules window = config.rules().windowDedup();
            long typesOff = window.byType().values().stream().filter(r -> !r.enabled()).count();
            WindowDedupRule fallback = window.defaultRule();
            out.println("ok: " + configFile
                    + (config.rulesFile() == null ? ", no rules file (built-in rules)" : ", rules " + config.rulesFile()));
            out.println("  allowed lateness " + config.rules().allowedLateness().toMillis() + " ms, clock skew "
                    + config.rules().clockSkew().toMillis() + " ms");
            out.println("  window dedup: default " + (fallback.enabled()
                    ? fallback.window().toMillis() + " ms " + fallback.mode().configName() : "off")
                    + ", " + window.byType().size() + " types set (" + typesOff + " off), at most "
                    + window.maxOpenKeys() + " open keys");
            TrackRules tracks = config.rules().tracks();
            out.println("  tracks: " + (tracks.enabled()
                    ? "idle " + tracks.idleTimeout().toMillis() + " ms, updates at most every " + tracks.updateInterval().toMillis()
                      + " ms, at most " + tracks.maxOpenTracks() + " open, "
                      + (tracks.types() == null ? "every type" : tracks.types().size() + " types")
                    : "off"));
            out.println("  enrichment: " + enrichment(config));
            dev.watchpost.handlers.rules.CorrelationRules correlation = config.rules().correlation();
            out.println("  correlation: " + correlation.composite().size() + " composite, " + correlation.sequences().size()
                    + " sequences, " + correlation.incidents().size() + " incidents");
            return 0;
        }

        /** The enrichers that would run, in order, and where the subject directory comes from. */
        private static String enrichment(WatchpostConfig config) {
            dev.watchpost.handlers.rules.EnrichmentRules rules = config.rules().enrichment();
            if (!rules.enabled()) {
                return "off";
            }
            java.util.List<String> problems = new java.util.ArrayList<>();
            java.util.List<dev.watchpost.handlers.enrich.Enrichers.Configured> enrichers = dev.watchpost.handlers.enrich.Enrichers.build(
                    config.rules(), dev.watchpost.handlers.enrich.Enrichers.available(ConfigCommand.class.getClassLoader(), problems),
                    new dev.watchpost.handlers.rules.TagTable(), false, line -> { }, problems);
            enrichers.forEach(c -> c.enricher().close());
            return String.join(", ", enrichers.stream().map(c -> c.enricher().name()).toList())
                    + (rules.subjectsFile() == null ? ", no subject directory" : ", subjects from " + rules.subjectsFile());
        }
    }
}
