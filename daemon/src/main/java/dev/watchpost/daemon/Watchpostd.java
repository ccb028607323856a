package dev.watchpost.daemon;

import dev.watchpost.daemon.config.ConfigException;
import dev.watchpost.daemon.config.ConfigLoader;
import dev.watchpost.daemon.config.WatchpostConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code watchpostd}: the daemon's command line. Exit codes: 0 after a drained shutdown (SIGTERM or
 * SIGINT), 2 for a configuration error, 1 when start-up fails, 70 when the pipeline stops on a fault.
 * SIGHUP reloads the rules file ({@link Daemon#reloadRules}).
 */
@Command(name = "watchpostd", mixinStandardHelpOptions = true, version = "watchpostd 0.1.0",
        description = "Watchpost daemon: detector events in, durable deduplicated events out.")
public final class Watchpostd implements Callable<Integer> {
    static final int EXIT_CONFIG = 2;
    static final int EXIT_START = 1;
    static final int EXIT_FAULT = 70;

    @Option(names = "--config", paramLabel = "FILE", description = "configuration file (default: ${DEFAULT-VALUE})")
    Path configFile = Path.of("config/watchpost.yml");

    @Option(names = "--data-dir", paramLabel = "DIR", description = "data directory; overrides data_dir")
    Path dataDir;

    @Option(names = "--tcp-port", paramLabel = "N", description = "detector TCP port; overrides ingest.tcp_port (0 = any free port)")
    Integer tcpPort;

    @Option(names = "--udp-port", paramLabel = "N", description = "detector UDP port; overrides ingest.udp_port (0 = any free port)")
    Integer udpPort;

    @Option(names = "--http-port", paramLabel = "N", description = "HTTP port; overrides http.port (0 = any free port)")
    Integer httpPort;

    @Override
    public Integer call() throws Exception {
        WatchpostConfig config;
        try {
            config = ConfigLoader.load(configFile, new ConfigLoader.Overrides(dataDir, tcpPort, udpPort, httpPort));
        } catch (ConfigException e) {
            e.problems().forEach(p -> System.err.println("config error: " + p));
            return EXIT_CONFIG;
        }
        CountDownLatch stop = new CountDownLatch(1);
        int[] exit = {0};
        Daemon daemon;
        try {
            daemon = Daemon.start(config, fault -> {
                exit[0] = EXIT_FAULT;
                stop.countDown();
            });
        } catch (Exception e) {
            Log.error("start-up failed: " + e.getMessage());
            return EXIT_START;
        }
        Signal.handle(new Signal("TERM"), signal -> stop.countDown());
        Signal.handle(new Signal("INT"), signal -> stop.countDown());
        // systemctl reload: the rules file is read again; the outcome goes to the log.
        Signal.handle(new Signal("HUP"), signal -> daemon.reloadRules());
        stop.await();
        Log.info(exit[0] == 0 ? "stop requested: draining" : "stopping after a fault");
        daemon.close();
        return exit[0];
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Watchpostd()).execute(args));
    }
}
