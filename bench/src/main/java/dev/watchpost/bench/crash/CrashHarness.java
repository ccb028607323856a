package dev.watchpost.bench.crash;

import dev.watchpost.persistence.dedup.DedupConfig;
import dev.watchpost.persistence.dedup.DedupStore;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.JournalConfig;
import dev.watchpost.persistence.journal.JournalReader;
import dev.watchpost.persistence.journal.JournalRecord;
import dev.watchpost.persistence.journal.VerifyReport;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The delivery guarantee under SIGKILL, end to end: {@code watchpostd} runs as a child process under
 * load from several detectors and is killed at random moments K times, each time restarted on the
 * same data directory; the detectors resend whatever was not acknowledged. At the end the daemon is
 * stopped with SIGTERM and the data directory is checked from this JVM.
 *
 * <pre>
 *   detector 0 ─┐                      kill -9 at a random moment (timer, not in step with detectors)
 *   detector 1 ─┼─TCP frames / ACKs──► watchpostd ──► data/{journal,dedup}   × K, then SIGTERM
 *   detector N ─┘   resend unacked                          │
 *                   after each restart                      └─► checks: each receipt stored once,
 *                                                               every ACKed one present, journal
 *                                                               verify clean, dedup map = journal
 * </pre>
 *
 * <p>Prints {@code K kills, N events, L lost, D duplicated} and the details of any failure. Exit codes:
 * 0 every check passed, 1 a check failed (the run directory is kept), 2 bad options.
 */
@Command(
        name = "crash-harness",
        mixinStandardHelpOptions = true,
        description = "Kills watchpostd with SIGKILL K times under load from several detectors and checks that "
                + "every event is stored exactly once.",
        sortOptions = false)
public final class CrashHarness implements Callable<Integer> {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration FINISH_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    /** Small segments, so that kills also land around segment rolls. */
    private static final String SEGMENT_SIZE = "1MiB";
    private static final long SEGMENT_BYTES = 1L << 20;

    @Spec
    CommandSpec spec;

    @Option(names = "--kills", defaultValue = "20", paramLabel = "K", description = "SIGKILLs, each followed by a restart (default: ${DEFAULT-VALUE}).")
    int kills;

    @Option(names = "--detectors", defaultValue = "3", paramLabel = "N", description = "Detector threads, one TCP connection each (default: ${DEFAULT-VALUE}).")
    int detectors;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the kill moments and receipt ids (default: the clock; printed).")
    Long seed;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "The daemon's data directory; must be empty or absent (default: in a temp run directory).")
    Path dataDir;

    @Option(names = "--daemon-jar", defaultValue = "daemon/target/watchpostd.jar", paramLabel = "JAR",
            description = "The daemon's jar (default: ${DEFAULT-VALUE}, from the repository root).")
    Path daemonJar;

    @Option(names = "--jvm-args", paramLabel = "FILE",
            description = "JVM argument file for the daemon (default: config/jvm/jdk17.args or jdk25.args for this JDK).")
    Path jvmArgs;

    @Option(names = "--daemon-heap", defaultValue = "256m", paramLabel = "SIZE", description = "The daemon's -Xmx (default: ${DEFAULT-VALUE}).")
    String daemonHeap;

    @Option(names = "--min-uptime", defaultValue = "300", paramLabel = "MS", description = "Earliest kill, ms after the daemon is ready (default: ${DEFAULT-VALUE}).")
    long minUptimeMs;

    @Option(names = "--max-uptime", defaultValue = "2000", paramLabel = "MS", description = "Latest kill, ms after the daemon is ready (default: ${DEFAULT-VALUE}).")
    long maxUptimeMs;

    @Option(names = "--rate", defaultValue = "6000", paramLabel = "R",
            description = "New events/s over all detectors while the daemon is up; 0 = as fast as ACKs allow (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--batch", defaultValue = "100", paramLabel = "B", description = "Events per write; at most two batches unacknowledged (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--events-per-detector", defaultValue = "0", paramLabel = "E",
            description = "Most new events per detector; 0 = no bound, the run length is set by the kills (default: ${DEFAULT-VALUE}).")
    long eventsPerDetector;

    @Option(names = "--dedup-capacity", defaultValue = "500000", paramLabel = "C",
            description = "dedup.capacity of the daemon; new events stop at 90%% of it (default: ${DEFAULT-VALUE}).")
    long dedupCapacity;

    @Option(names = "--keep", description = "Keep the run directory even when every check passed.")
    boolean keep;

    /** The daemon running now, for the shutdown hook: Ctrl-C on the harness must not leave it behind. */
    private volatile DaemonChild running;

    private final PrintStream out = System.out;
    private final PrintStream progress = System.err;

    public static void main(String[] args) {
        System.exit(new CommandLine(new CrashHarness()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        validate();
        long runSeed = seed != null ? seed : System.nanoTime();
        Random random = new Random(runSeed);
        Path runDir = Files.createTempDirectory("watchpost-crash-");
        Path data = dataDir != null ? dataDir.toAbsolutePath() : runDir.resolve("data");
        if (Files.isDirectory(data)) {
            try (Stream<Path> entries = Files.list(data)) {
                if (entries.findAny().isPresent()) {
                    throw new ParameterException(spec.commandLine(), "--data-dir must be empty or absent: " + data);
                }
            }
        }
        Path config = runDir.resolve("watchpost.yml");
        Files.writeString(config, "ingest: {bind: 127.0.0.1}\nhttp: {bind: 127.0.0.1}\n"
                + "dedup: {capacity: " + dedupCapacity + "}\njournal: {segment_size: " + SEGMENT_SIZE + "}\n");
        List<String> command = daemonCommand(config, data);

        progress.printf("crash harness: %d kills, %d detectors, %s events/s, uptime %d..%d ms, seed %d%n  run directory %s%n",
                kills, detectors, rate > 0 ? String.valueOf((long) rate) : "unbounded", minUptimeMs, maxUptimeMs, runSeed, runDir);

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            DaemonChild child = running;
            if (child != null) {
                child.destroyNow();
            }
        }, "kill-daemon"));
        DaemonTarget target = new DaemonTarget();
        CountDownLatch done = new CountDownLatch(detectors);
        long perDetectorCap = eventsPerDetector > 0 ? eventsPerDetector : (long) (dedupCapacity * 0.9 / detectors);
        List<CrashDetector> detectorList = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int d = 0; d < detectors; d++) {
            CrashDetector detector = new CrashDetector(d, target, batch, rate / detectors, perDetectorCap, random.nextLong(), done);
            detectorList.add(detector);
            Thread thread = new Thread(detector, "detector-" + d);
            threads.add(thread);
            thread.start();
        }

        List<String> failures = new ArrayList<>();
        long started = System.nanoTime();
        DaemonChild daemon = null;
        try {
            for (int round = 0; round <= kills && failures.isEmpty(); round++) {
                boolean last = round == kills;
                Path log = runDir.resolve("daemon-" + round + ".log");
                daemon = DaemonChild.start(command, log, READY_TIMEOUT);
                running = daemon;
                target.publish(daemon.tcpPort(), last);
                long uptime = minUptimeMs + (long) (random.nextDouble() * (maxUptimeMs - minUptimeMs));
                Thread.sleep(uptime);
                if (!daemon.isAlive()) {
                    failures.add("run " + round + ": the daemon exited by itself with code " + daemon.exitCodeIfDead() + "; see " + log);
                    break;
                }
                if (!last) {
                    daemon.kill();
                    progress.printf("  run %d: ready at journal seq %d, killed after %d ms%n", round, daemon.journalLastSeq(), uptime);
                    continue;
                }
                target.finish();
                if (!done.await(FINISH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    failures.add("detectors did not get every event acknowledged within " + FINISH_TIMEOUT.toSeconds() + " s of the last run");
                    break;
                }
                int exit = daemon.terminate(STOP_TIMEOUT);
                progress.printf("  run %d: ready at journal seq %d, finished, SIGTERM exit %d%n", round, daemon.journalLastSeq(), exit);
                if (exit != 0) {
                    failures.add("SIGTERM: the daemon exited with " + exit + " (expected 0 after a drained stop); see " + log);
                }
            }
        } catch (IOException e) {
            failures.add(e.getMessage());
        } finally {
            target.abort();
            if (daemon != null) {
                daemon.close();
            }
            for (Thread thread : threads) {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            }
        }
        progress.printf("  %d restarts in %.1f s%n", kills, (System.nanoTime() - started) / 1e9);

        Summary summary = check(detectorList, data, failures);
        out.printf("%d kills, %d events, %d lost, %d duplicated%n", kills, summary.events, summary.lost, summary.duplicated);
        out.printf("  %d frames sent (%d resends), %d acknowledged, %d stored in the journal, seed %d%n",
                summary.framesSent, summary.resends, summary.acked, summary.stored, runSeed);
        for (String failure : failures) {
            out.println("FAIL: " + failure);
        }
        if (!failures.isEmpty()) {
            out.println("run directory kept: " + runDir + (dataDir != null ? ", data " + data : ""));
            return 1;
        }
        if (keep) {
            out.println("run directory kept: " + runDir);
        } else {
            deleteTree(runDir);
            if (dataDir != null) {
                deleteTree(data);
            }
        }
        return 0;
    }

    private void validate() {
        CommandLine cl = spec.commandLine();
        if (kills < 0) {
            throw new ParameterException(cl, "--kills must be >= 0: " + kills);
        }
        if (detectors < 1) {
            throw new ParameterException(cl, "--detectors must be >= 1: " + detectors);
        }
        if (minUptimeMs < 0 || maxUptimeMs < minUptimeMs) {
            throw new ParameterException(cl, "need 0 <= --min-uptime <= --max-uptime: " + minUptimeMs + ", " + maxUptimeMs);
        }
        if (batch < 1 || batch > 10_000) {
            throw new ParameterException(cl, "--batch must be 1..10000: " + batch);
        }
        if (rate < 0) {
            throw new ParameterException(cl, "--rate must be >= 0: " + rate);
        }
        if (!Files.isRegularFile(daemonJar)) {
            throw new ParameterException(cl, "no daemon jar at " + daemonJar.toAbsolutePath()
                    + " (build it: mvn -B -q -pl daemon -am package -DskipTests)");
        }
        if (jvmArgs == null) {
            jvmArgs = Path.of("config", "jvm", Runtime.version().feature() >= 25 ? "jdk25.args" : "jdk17.args");
        }
        if (!Files.isRegularFile(jvmArgs)) {
            throw new ParameterException(cl, "no JVM argument file at " + jvmArgs.toAbsolutePath() + " (run from the repository root or give --jvm-args)");
        }
    }

    private List<String> daemonCommand(Path config, Path data) {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "@" + jvmArgs.toAbsolutePath(), "-Xmx" + daemonHeap,
                "-jar", daemonJar.toAbsolutePath().toString(),
                "--config", config.toString(), "--data-dir", data.toString(),
                "--tcp-port", "0", "--udp-port", "0", "--http-port", "0");
    }

    /** What the checks found; failures are added to the list given. */
    private static final class Summary {
        long events;
        long lost;
        long duplicated;
        long framesSent;
        long resends;
        long acked;
        long stored;
    }

    private Summary check(List<CrashDetector> detectorList, Path data, List<String> failures) throws IOException {
        Summary s = new Summary();
        for (CrashDetector d : detectorList) {
            s.events += d.sent.size();
            s.framesSent += d.framesSent;
            s.resends += d.resends;
            s.acked += d.acked.size();
        }
        for (int i = 0; i < detectorList.size(); i++) {
            CrashDetector d = detectorList.get(i);
            if (d.error != null) {
                failures.add("detector " + i + ": " + d.error);
            }
            if (d.nacks > 0) {
                failures.add("detector " + i + ": " + d.nacks + " NACKs for valid events");
            }
            if (!d.unacknowledged.isEmpty()) {
                failures.add("detector " + i + ": " + d.unacknowledged.size() + " events never acknowledged");
            }
        }

        Path journalDir = data.resolve("journal");
        if (!Files.isDirectory(journalDir)) {
            failures.add("no journal in " + data);
            s.lost = s.events;
            return s;
        }
        // Verify before opening: opening as the writer would repair a torn tail.
        VerifyReport report = Journal.verify(journalDir);
        if (!report.isClean()) {
            failures.add("journal verify: " + report.damage().description() + " in " + report.problemFile()
                    + " at " + report.problemPosition() + ": " + report.detail());
        }

        // receipt -> journal seq of its first copy; further copies are counted.
        Map<UUID, Long> stored = new HashMap<>();
        Map<UUID, Integer> extraCopies = new HashMap<>();
        try (Journal journal = Journal.open(JournalConfig.of(journalDir).withSegmentSize(SEGMENT_BYTES));
             JournalReader reader = journal.reader(1)) {
            JournalRecord record = new JournalRecord();
            EventFrame frame = new EventFrame();
            while (reader.next(record)) {
                frame.wrap(record.buffer(), record.frameOffset());
                if (frame.eventType() >= EventTypeRegistry.DERIVED_MIN) {
                    continue; // made by the daemon's rules, sent by no detector
                }
                UUID receipt = new UUID(frame.receiptIdMsb(), frame.receiptIdLsb());
                if (stored.putIfAbsent(receipt, record.seq()) != null) {
                    extraCopies.merge(receipt, 1, Integer::sum);
                }
                s.stored++;
            }
        }

        long ackedLost = 0;
        long unknown = stored.size();
        for (int i = 0; i < detectorList.size(); i++) {
            CrashDetector d = detectorList.get(i);
            long lost = 0;
            long duplicated = 0;
            for (UUID receipt : d.sent) {
                if (!stored.containsKey(receipt)) {
                    lost++;
                    ackedLost += d.acked.contains(receipt) ? 1 : 0;
                } else {
                    unknown--;
                    duplicated += extraCopies.getOrDefault(receipt, 0);
                }
            }
            if (lost > 0 || duplicated > 0) {
                failures.add("detector " + i + ": " + lost + " lost, " + duplicated + " duplicated, e.g. "
                        + examples(d.sent, stored, extraCopies));
            }
            s.lost += lost;
            s.duplicated += duplicated;
        }
        if (ackedLost > 0) {
            failures.add(ackedLost + " acknowledged events are not in the journal");
        }
        if (unknown > 0) {
            failures.add(unknown + " receipts in the journal that no detector sent");
        }

        checkDedup(data.resolve("dedup"), stored, failures);
        return s;
    }

    private static String examples(List<UUID> sent, Map<UUID, Long> stored, Map<UUID, Integer> extraCopies) {
        List<String> shown = new ArrayList<>();
        for (int i = 0; i < sent.size() && shown.size() < 3; i++) {
            UUID receipt = sent.get(i);
            if (!stored.containsKey(receipt)) {
                shown.add(receipt + " (sent #" + i + ", missing)");
            } else if (extraCopies.containsKey(receipt)) {
                shown.add(receipt + " (sent #" + i + ", first at seq " + stored.get(receipt) + ", " + extraCopies.get(receipt) + " more)");
            }
        }
        return String.join("; ", shown);
    }

    /**
     * The dedup store after the clean stop must hold exactly the journal's receipts, each with the seq
     * of its stored copy, in a snapshot that covers the whole journal.
     */
    private void checkDedup(Path dedupDir, Map<UUID, Long> stored, List<String> failures) {
        if (!Files.isRegularFile(dedupDir.resolve(DedupStore.SNAPSHOT_FILE_NAME))) {
            failures.add("no dedup snapshot in " + dedupDir + " after SIGTERM");
            return;
        }
        long now = System.currentTimeMillis();
        try (Journal journal = Journal.open(JournalConfig.of(dedupDir.resolveSibling("journal")).withSegmentSize(SEGMENT_BYTES));
             DedupStore dedup = DedupStore.open(new DedupConfig(dedupDir, dedupCapacity, DedupConfig.TTL_MILLIS_DEFAULT), journal)) {
            if (!dedup.snapshotLoaded()) {
                failures.add("dedup snapshot not loaded: " + dedup.snapshotProblem());
            }
            long uncovered = dedup.restore(journal, now).recorded();
            if (uncovered > 0) {
                failures.add("dedup snapshot misses " + uncovered + " receipts of the journal's tail");
            }
            long sizeBefore = dedup.size();
            long missing = 0;
            long wrongSeq = 0;
            String example = null;
            for (Map.Entry<UUID, Long> e : stored.entrySet()) {
                UUID receipt = e.getKey();
                long seq = dedup.lookup(receipt.getMostSignificantBits(), receipt.getLeastSignificantBits(), now);
                if (seq == DedupStore.NOT_FOUND) {
                    missing++;
                    example = example != null ? example : receipt + " (journal seq " + e.getValue() + ", not in the map)";
                } else if (seq != e.getValue()) {
                    wrongSeq++;
                    example = example != null ? example : receipt + " (journal seq " + e.getValue() + ", map seq " + seq + ")";
                }
            }
            long extra = sizeBefore - (stored.size() - missing);
            progress.printf("  dedup map: %d receipts, %d missing, %d with another seq, %d not in the journal%n",
                    sizeBefore, missing, wrongSeq, extra);
            if (missing > 0 || wrongSeq > 0 || extra != 0) {
                failures.add("dedup map inconsistent with the journal: " + missing + " receipts missing, " + wrongSeq
                        + " with another seq, " + extra + " receipts not in the journal" + (example != null ? "; e.g. " + example : ""));
            }
        } catch (IOException | RuntimeException e) {
            failures.add("dedup store: " + e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
