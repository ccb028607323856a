package dev.watchpost.daemon;

import com.lmax.disruptor.EventHandler;
import dev.watchpost.daemon.config.WatchpostConfig;
import dev.watchpost.daemon.http.HttpServer;
import dev.watchpost.daemon.http.StreamHub;
import dev.watchpost.daemon.ingest.TcpIngestServer;
import dev.watchpost.daemon.ingest.UdpIngestServer;
import dev.watchpost.handlers.AckHandler;
import dev.watchpost.handlers.DedupHandler;
import dev.watchpost.handlers.ErrorLog;
import dev.watchpost.handlers.JournalHandler;
import dev.watchpost.handlers.PublishHandler;
import dev.watchpost.handlers.SeqAllocator;
import dev.watchpost.handlers.CorrelateHandler;
import dev.watchpost.handlers.TrackFusionHandler;
import dev.watchpost.handlers.ValidateHandler;
import dev.watchpost.handlers.WindowDedupHandler;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

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
    private WindowDedupHandler window;
    private TrackFusionHandler fuse;
    private CorrelateHandler correlate;
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

        journal = Journal.open(JournalConfig.of(dataDir.resolve("journal")).withSegmentSize(config.journal().segmentBytes()));
        RecoveryReport report = journal.recoveryReport();
        Log.info("journal " + dataDir.resolve("journal") + ": " + report);
        deadLetters = DeadLetterStore.open(dataDir.resolve("deadletter"));

        dedup = DedupStore.open(new DedupConfig(dataDir.resolve("dedup"), config.dedup().capacity(), config.dedup().ttl().toMillis())
                .forRing(config.pipeline().ringSize()), journal);
        if (dedup.snapshotProblem() != null) {
            Log.warn("dedup " + dedup.snapshotProblem() + "; reading the receipts back from the journal");
        }
        Log.info("dedup store: " + dedup.restore(journal, System.currentTimeMillis()));

        EventTypeRegistry registry = EventTypeRegistry.standard().withSiteTypes(config.eventTypes());
        ErrorLog errors = new ErrorLog(counters, Log::error);
        hub = new StreamHub(registry, journal, counters, config.http().streamOutbox());

        Map<Stage, EventHandler<EventSlot>> stages = new EnumMap<>(Stage.class);
        stages.put(Stage.VALIDATE, new ValidateHandler(new EventValidator(registry, config.ingest().maxClockSkew().toNanos() / 1000), counters, errors));
        SeqAllocator seqs = new SeqAllocator(journal.lastSeq() + 1);
        stages.put(Stage.DEDUP, new DedupHandler(dedup, seqs, counters, errors));
        window = new WindowDedupHandler(config.rules(), counters, errors);
        Log.info("window state rebuilt from the journal's last " + window.restore(journal) + " events: "
                + window.openKeys() + " open keys" + (config.rulesFile() == null ? ", built-in rules" : ", rules " + config.rulesFile()));
        stages.put(Stage.WINDOW, window);
        fuse = new TrackFusionHandler(config.rules(), seqs, counters, errors);
        Log.info("tracks rebuilt from the journal's last " + fuse.restore(journal) + " events: " + fuse.openTracks() + " open");
        stages.put(Stage.FUSE, fuse);
        correlate = new CorrelateHandler(config.rules(), registry, seqs, counters, errors);
        Log.info("correlation rebuilt from the journal's last " + correlate.restore(journal) + " events: "
                + correlate.pendingMatches() + " pending, " + correlate.pendingDerived() + " to emit");
        stages.put(Stage.CORRELATE, correlate);
        stages.put(Stage.JOURNAL, new JournalHandler(journal, deadLetters, config.journal().fsync(),
                config.journal().batchMaxRecords(), config.journal().batchMaxDelay().toNanos(), counters));
        stages.put(Stage.ACK, new AckHandler(errors));
        stages.put(Stage.PUBLISH, new PublishHandler(hub, errors));
        pipeline = new Pipeline(config.pipeline(), stages, this::fatal).start();
        ticker = new Ticker(pipeline.ring(), config.pipeline().tickInterval()).start();

        http = new HttpServer(config.http(), registry, pipeline.ring(), journal, hub, counters, () -> "ready".equals(state), this::status).start();
        tcp = new TcpIngestServer(config.ingest(), pipeline.ring(), counters).start();
        if (config.ingest().udpEnabled()) {
            udp = new UdpIngestServer(config.ingest(), pipeline.ring(), counters).start();
        }
        state = "ready";
        Log.info("watchpostd ready: tcp " + tcp.port() + (udp == null ? "" : ", udp " + udp.port()) + ", http " + http.port()
                + ", data " + dataDir + ", fsync " + config.journal().fsync().configName()
                + ", journal last seq " + journal.lastSeq());
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
        status.put("dedup_entries", dedup.size());
        long watermarkUs = window.watermarkUs();
        status.put("watermark", watermarkUs == Long.MIN_VALUE ? null
                : java.time.Instant.EPOCH.plus(watermarkUs, java.time.temporal.ChronoUnit.MICROS).toString());
        status.put("window_open_keys", window.openKeys());
        status.put("open_tracks", fuse.openTracks());
        status.put("correlate_pending", correlate.pendingMatches());
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
        closeQuietly(ticker); // a producer too: stopped before the ring drains
        if (pipeline != null) {
            endOpenTracks();
        }
        boolean drained = pipeline == null || pipeline.drainAndStop(DRAIN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!drained) {
            Log.warn("pipeline did not drain within " + DRAIN_TIMEOUT_SECONDS + " s; no dedup snapshot is written, "
                    + "the next start reads the receipts back from the journal");
        }
        closeQuietly(tcp);
        closeQuietly(udp);
        closeQuietly(http);
        closeQuietly(hub);
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
     * Publishes shutdown slots until the fuse stage has ended every open track and stored what that
     * derives, and the correlate stage's pending queue is drained: each slot carries at most
     * {@link EventSlot#MAX_DERIVED} derived events through the journal. Every other producer has
     * stopped. Pending correlation matches are not flushed: the next start rebuilds them from the journal.
     */
    private void endOpenTracks() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DRAIN_TIMEOUT_SECONDS);
        com.lmax.disruptor.RingBuffer<EventSlot> ring = pipeline.ring();
        do { // at least once: the counts are as of the last batch, before what is still in the ring
            // Enough slots for everything still to end, in one batch (one fsync), within half the ring.
            int slots = (int) Math.min(ring.getBufferSize() / 2, (fuse.openTracks() + fuse.pendingDerived() + correlate.pendingDerived()) / EventSlot.MAX_DERIVED + 2);
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
        } while (!pipeline.hasFailed() && fuse.openTracks() + fuse.pendingDerived() + correlate.pendingDerived() > 0);
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
