package dev.watchpost.daemon;

import com.lmax.disruptor.EventHandler;
import dev.watchpost.daemon.config.ConfigException;
import dev.watchpost.daemon.config.RulesLoader;
import dev.watchpost.daemon.alerts.AlertDelivery;
import dev.watchpost.daemon.config.WatchpostConfig;
import dev.watchpost.daemon.http.HttpServer;
import dev.watchpost.daemon.http.StreamHub;
import dev.watchpost.daemon.ingest.TcpIngestServer;
import dev.watchpost.daemon.ingest.UdpIngestServer;
import dev.watchpost.handlers.AckHandler;
import dev.watchpost.handlers.FsyncPolicy;
import dev.watchpost.handlers.GroupCommit;
import dev.watchpost.handlers.DedupHandler;
import dev.watchpost.handlers.EnrichHandler;
import dev.watchpost.handlers.ErrorLog;
import dev.watchpost.handlers.JournalHandler;
import dev.watchpost.handlers.LatencyWindow;
import dev.watchpost.handlers.PublishHandler;
import dev.watchpost.handlers.SeqAllocator;
import dev.watchpost.handlers.ValidateHandler;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.handlers.rules.TagTable;
import dev.watchpost.persistence.deadletter.DeadLetterStore;
import dev.watchpost.persistence.dedup.DedupConfig;
import dev.watchpost.persistence.dedup.DedupStore;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.JournalConfig;
import dev.watchpost.persistence.journal.RecoveryReport;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import dev.watchpost.ringbuffer.codec.EventValidator;
import dev.watchpost.ringbuffer.pipeline.Pipeline;
import dev.watchpost.ringbuffer.pipeline.Stage;
import dev.watchpost.ringbuffer.pipeline.Ticker;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The running daemon: opens and recovers the stores in the data directory, assembles the pipeline,
 * starts the listeners, and on {@link #close} drains: stop reading, let the ring empty, fsync, send
 * the last ACKs, close. Start-up and shutdown happen here and nowhere else.
 *
 * <pre>
 *   data/
 *     .lock              held while a daemon uses the directory
 *     journal/           events, segments named by first seq
 *     deadletter/        rejected frames, same format
 *     dedup/             receipts.snap: the receipt_id table as a clean stop left it
 *     alerts/            per delivery channel: &lt;channel&gt;.cursor (last seq done), &lt;channel&gt;.rejected (refused alerts)
 * </pre>
 *
 * The content-window state and the open tracks have no file: they are rebuilt from the journal's tail
 * at each start. On a clean stop the open tracks end (track.ended, reason shutdown) through the journal
 * before the ring stops.
 */
public final class Daemon implements AutoCloseable {
    private static final long DRAIN_TIMEOUT_SECONDS = 30;

    private final WatchpostConfig config;
    private final Counters counters = new Counters();
    private final long startedAtMillis = System.currentTimeMillis();
    private final Consumer<Throwable> onFatal;
    private FileChannel lockChannel;
    private FileLock lock;
    private Journal journal;
    private DeadLetterStore deadLetters;
    private DedupStore dedup;
    private Pipeline pipeline;
    private Ticker ticker;
    private SeqAllocator seqs;
    private AckHandler ack;
    /** How long the journal's forces to disk took over the last minute; recorded and rolled under its own lock, by any thread. */
    private final LatencyWindow journalForces = new LatencyWindow(System.nanoTime());
    private ErrorLog errors;
    private EventTypeRegistry registry;
    /** The rule stages running now; replaced by a reload, on the stage thread. */
    private volatile RuleStages ruleStages;
    private final Map<Stage, StageSwitch> switches = new EnumMap<>(Stage.class);
    private final java.util.concurrent.ExecutorService reloads = java.util.concurrent.Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "watchpost-reload");
        thread.setDaemon(true);
        return thread;
    });
    /** The site's watch-list tag numbering, shared by the enrich stage (subject directory) and the stages that read tags; kept across reloads. */
    private final TagTable tags = new TagTable();
    private AlertDelivery delivery;
    private StreamHub hub;
    private TcpIngestServer tcp;
    private UdpIngestServer udp;
    private HttpServer http;
    private volatile String state = "starting";
    private boolean closed;

    private Daemon(WatchpostConfig config, Consumer<Throwable> onFatal) {
        this.config = config;
        this.onFatal = onFatal;
    }

    /**
     * Starts a daemon on {@code config}. {@code onFatal} is told when the pipeline cannot go on
     * (a journal write failed); the daemon has stopped acknowledging by then and should exit.
     */
    public static Daemon start(WatchpostConfig config, Consumer<Throwable> onFatal) throws IOException, InterruptedException {
        Daemon daemon = new Daemon(config, onFatal);
        try {
            daemon.open();
        } catch (IOException | InterruptedException | RuntimeException e) {
            daemon.close();
            throw e;
        }
        return daemon;
    }

    private void open() throws IOException, InterruptedException {
        Path dataDir = config.dataDir().toAbsolutePath().normalize();
        Files.createDirectories(dataDir);
        lockChannel = FileChannel.open(dataDir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            lock = lockChannel.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            lock = null; // held by this very process
        }
        if (lock == null) {
            throw new IOException("data directory " + dataDir + " is in use by another watchpostd");
        }

        journal = Journal.open(JournalConfig.of(dataDir.resolve("journal")).withSegmentSize(config.journal().segmentBytes())
                .withDropBehind(config.journal().pageCacheDropBehind()));
        RecoveryReport report = journal.recoveryReport();
        Log.info("journal " + dataDir.resolve("journal") + ": " + report);
        if (journal.helperProblem() != null) {
            Log.warn(journal.helperProblem());
        }
        deadLetters = DeadLetterStore.open(dataDir.resolve("deadletter"));

        dedup = DedupStore.open(new DedupConfig(dataDir.resolve("dedup"), config.dedup().capacity(), config.dedup().ttl().toMillis())
                .forRing(config.pipeline().ringSize()), journal);
        if (dedup.snapshotProblem() != null) {
            Log.warn("dedup " + dedup.snapshotProblem() + "; reading the receipts back from the journal");
        }
        Log.info("dedup store: " + dedup.restore(journal, System.currentTimeMillis()));

        registry = EventTypeRegistry.standard().withSiteTypes(config.eventTypes());
        errors = new ErrorLog(counters, Log::error);
        hub = new StreamHub(registry, journal, counters, config.http().streamOutbox());

        Map<Stage, EventHandler<EventSlot>> stages = new EnumMap<>(Stage.class);
        stages.put(Stage.VALIDATE, new ValidateHandler(new EventValidator(registry, config.ingest().maxClockSkew().toNanos() / 1000), counters, errors));
        seqs = new SeqAllocator(journal.lastSeq() + 1);
        stages.put(Stage.DEDUP, new DedupHandler(dedup, seqs, counters, errors));
        Log.info(config.rulesFile() == null ? "built-in rules" : "rules " + config.rulesFile());
        ruleStages = new RuleStages(config.rules(), shared());
        ruleStages.restore(journal).forEach(Log::info);
        ruleStages.handlers().forEach((stage, handler) -> {
            StageSwitch place = new StageSwitch(handler);
            switches.put(stage, place);
            stages.put(stage, place);
        });
        LongSupplier committed = config.journal().fsync() == FsyncPolicy.NEVER ? journal::flushedSeq : journal::durableSeq;
        delivery = new AlertDelivery(config.rules().alerts(), journal, committed, dataDir, registry, counters);
        journal.timeForces(micros -> {
            synchronized (journalForces) { // forces may be far apart: status rolls the window too
                journalForces.record(micros);
                journalForces.roll(System.nanoTime());
            }
        });
        GroupCommit groupCommit = config.pipeline().pipelinedCommit() ? new GroupCommit(journal, deadLetters, config.journal().fsync(), counters) : null;
        stages.put(Stage.JOURNAL, new JournalHandler(journal, deadLetters, config.journal().fsync(),
                config.journal().batchMaxRecords(), config.journal().batchMaxDelay().toNanos(), counters, groupCommit));
        ack = new AckHandler(errors, groupCommit);
        stages.put(Stage.ACK, ack);
        stages.put(Stage.PUBLISH, new PublishHandler(delivery.wakingAfter(hub), errors));
        delivery.start(); // before the pipeline: a first start's cursor is the journal's end as recovered
        pipeline = new Pipeline(config.pipeline(), stages, this::fatal).start();
        ticker = new Ticker(pipeline.ring(), config.pipeline().tickInterval()).start();

        http = new HttpServer(config.http(), registry, pipeline.ring(), journal, hub, counters, () -> "ready".equals(state), this::status)
                .reloadWith(this::reloadRules).start();
        tcp = new TcpIngestServer(config.ingest(), pipeline.ring(), counters).start();
        if (config.ingest().udpEnabled()) {
            udp = new UdpIngestServer(config.ingest(), pipeline.ring(), counters).start();
        }
        state = "ready";
        Log.info("watchpostd ready: tcp " + tcp.port() + (udp == null ? "" : ", udp " + udp.port()) + ", http " + http.port()
                + ", data " + dataDir + ", fsync " + config.journal().fsync().configName()
                + ", journal last seq " + journal.lastSeq());
    }

    /** What the rule stages share with the rest of the pipeline, for a start and for each reload. */
    private RuleStages.Shared shared() {
        return new RuleStages.Shared(seqs, tags, registry, counters, errors, Log::info, true);
    }

    private void fatal(Throwable error) {
        state = "failed";
        Log.error("pipeline stopped, no further events are acknowledged: " + error);
        if (tcp != null) {
            tcp.stopReading();
        }
        onFatal.accept(error);
    }

    private Map<String, Object> status() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("state", state);
        status.put("uptime_ms", System.currentTimeMillis() - startedAtMillis);
        status.put("data_dir", config.dataDir().toAbsolutePath().normalize().toString());
        status.put("fsync", config.journal().fsync().configName());
        status.put("journal_last_seq", journal.flushedSeq());
        status.put("journal_durable_seq", journal.durableSeq());
        status.put("journal_helper_problem", journal.helperProblem());
        status.put("ack_latency_us", ack.latency().lastMinute(System.nanoTime()));
        synchronized (journalForces) {
            journalForces.roll(System.nanoTime());
            status.put("journal_force_us", journalForces.lastMinute(System.nanoTime()));
        }
        status.put("dedup_entries", dedup.size());
        RuleStages rules = ruleStages;
        long watermarkUs = rules.window().watermarkUs();
        status.put("watermark", watermarkUs == Long.MIN_VALUE ? null
                : java.time.Instant.EPOCH.plus(watermarkUs, java.time.temporal.ChronoUnit.MICROS).toString());
        status.put("window_open_keys", rules.window().openKeys());
        status.put("open_tracks", rules.fuse().openTracks());
        status.put("alerts", delivery.status());
        status.put("correlate_pending", rules.correlate().pendingMatches());
        status.put("deadletters", deadLetters.count());
        status.put("tcp_connections", tcp == null ? 0 : tcp.openConnections());
        return status;
    }

    public Counters counters() {
        return counters;
    }

    public int tcpPort() {
        return tcp.port();
    }

    public int udpPort() {
        return udp == null ? -1 : udp.port();
    }

    public int httpPort() {
        return http.port();
    }

    public Journal journal() {
        return journal;
    }

    public String state() {
        return state;
    }

    /** Drains and stops: stop reading, let the ring empty, fsync, send the last ACKs, close. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        state = "stopping";
        if (tcp != null) {
            tcp.stopReading();
        }
        if (udp != null) {
            udp.stopReading();
        }
        if (http != null) {
            http.stopIngest();
        }
        reloads.shutdownNow();
        closeQuietly(ticker); // a producer too: stopped before the ring drains
        if (pipeline != null) {
            endOpenTracks();
        }
        boolean drained = pipeline == null || pipeline.drainAndStop(DRAIN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!drained) {
            Log.warn("pipeline did not drain within " + DRAIN_TIMEOUT_SECONDS + " s; no dedup snapshot is written, "
                    + "the next start reads the receipts back from the journal");
        }
        closeQuietly(ruleStages); // after the ring: their background work (the subject directory's reload) stops
        closeQuietly(tcp);
        closeQuietly(udp);
        closeQuietly(http);
        closeQuietly(hub);
        closeQuietly(delivery); // before the journal it reads; what it has not delivered goes after the next start
        closeQuietly(journal);
        closeQuietly(deadLetters);
        if (drained) {
            // After the journal: every receipt in the snapshot must be in it.
            closeQuietly(dedup);
        }
        try {
            if (lock != null) {
                lock.release();
            }
            if (lockChannel != null) {
                lockChannel.close();
            }
        } catch (IOException e) {
            Log.warn("releasing the data directory lock: " + e);
        }
        state = "stopped";
        Log.info("watchpostd stopped");
    }

    /**
     * Reloads the rules file, off the caller's thread: reads and checks it (with problems nothing
     * changes, and the future fails with a {@link ConfigException} holding every one), then builds
     * the rule stages from it and puts them in place between two slots of the ring. The journal
     * stage commits everything before that point first, and the new stages rebuild their state from
     * the journal's tail exactly as at a start (a rule left unchanged keeps its open windows and
     * tracks; open tracks are re-announced), so nothing stored is derived twice. The event types of
     * {@code watchpost.yml} stay as they are: changing those needs a restart.
     *
     * @return the log lines of the rebuild, once the new stages run
     */
    public CompletableFuture<List<String>> reloadRules() {
        CompletableFuture<List<String>> done = new CompletableFuture<>();
        try {
            reloads.execute(() -> reloadNow(done));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            done.completeExceptionally(new IllegalStateException("the daemon is stopping"));
        }
        return done;
    }

    private void reloadNow(CompletableFuture<List<String>> done) {
        if (config.rulesFile() == null) {
            done.completeExceptionally(new ConfigException(List.of(
                    "rules: watchpost.yml names no rules file; the built-in rules are in use and there is nothing to reload")));
            return;
        }
        if (!"ready".equals(state)) {
            done.completeExceptionally(new IllegalStateException("the daemon is " + state));
            return;
        }
        Rules rules;
        try {
            rules = RulesLoader.read(config.rulesFile(), registry);
        } catch (ConfigException e) {
            Log.warn("rules not reloaded, " + e.problems().size() + " problem(s): " + String.join("; ", e.problems()));
            done.completeExceptionally(e);
            return;
        }
        if (!rules.alerts().channels().equals(config.rules().alerts().channels())) {
            ConfigException e = new ConfigException(List.of(config.rulesFile()
                    + ": alerts.channels: the delivery channels changed; they are set up at start, so restart to change them"));
            Log.warn("rules not reloaded: " + e.problems().get(0));
            done.completeExceptionally(e);
            return;
        }
        Runnable swap = () -> { // the stage thread, at the journal stage, with everything before it committed
            try {
                RuleStages next = new RuleStages(rules, shared());
                List<String> lines = new java.util.ArrayList<>(List.of("rules reloaded from " + config.rulesFile()));
                lines.addAll(next.restore(journal));
                next.handlers().forEach((stage, handler) -> switches.get(stage).replace(handler));
                RuleStages previous = ruleStages;
                ruleStages = next;
                reloads.execute(() -> closeQuietly(previous)); // its background work, off the stage thread
                lines.forEach(Log::info);
                done.complete(lines);
            } catch (IOException | RuntimeException e) {
                Log.error("rules not reloaded: " + e);
                done.completeExceptionally(e);
            }
        };
        com.lmax.disruptor.RingBuffer<EventSlot> ring = pipeline.ring();
        long sequence = ring.next();
        try {
            ring.get(sequence).claimReload(swap, dev.watchpost.ringbuffer.WallClock.nowMicros());
        } finally {
            ring.publish(sequence);
        }
    }

    /**
     * Publishes shutdown slots until the fuse stage has ended every open track and stored what that
     * derives, alerts on it included, and the correlate stage's pending queue is drained: each slot
     * carries at most {@link EventSlot#MAX_DERIVED} derived events through the journal. Every other
     * producer has stopped. Pending correlation matches are not flushed: the next start rebuilds them
     * from the journal.
     */
    private void endOpenTracks() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DRAIN_TIMEOUT_SECONDS);
        com.lmax.disruptor.RingBuffer<EventSlot> ring = pipeline.ring();
        do { // at least once: the counts are as of the last batch, before what is still in the ring
            // Enough slots for everything still to end, in one batch (one fsync), within half the ring.
            int slots = (int) Math.min(ring.getBufferSize() / 2, ruleStages.unfinished() / EventSlot.MAX_DERIVED + 2);
            long last = 0;
            for (int i = 0; i < slots; i++) {
                last = ring.next();
                try {
                    ring.get(last).claimShutdown(dev.watchpost.ringbuffer.WallClock.nowMicros());
                } finally {
                    ring.publish(last);
                }
            }
            while (pipeline.processedSequence() < last && !pipeline.hasFailed()) {
                if (System.nanoTime() > deadline) {
                    Log.warn("open tracks not ended within " + DRAIN_TIMEOUT_SECONDS + " s; the next start re-announces them");
                    return;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(100_000);
            }
        } while (!pipeline.hasFailed() && ruleStages.unfinished() > 0);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            Log.warn("closing " + closeable.getClass().getSimpleName() + ": " + e);
        }
    }

}
