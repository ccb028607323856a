package dev.watchpost.daemon.config;

import dev.watchpost.handlers.FsyncPolicy;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.ringbuffer.pipeline.PipelineSpec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The daemon's whole configuration, validated: every value here has been checked by {@link ConfigLoader}.
 * Defaults are the {@code *_DEFAULT} constants of each section, next to their reason.
 *
 * <p>{@code rulesFile} is the rules file read (named by {@code rules}, relative to the configuration
 * file's directory), or {@code null} when none is named; {@code rules} then holds the built-in
 * {@link Rules#defaults()}.
 */
public record WatchpostConfig(
        Path dataDir,
        Ingest ingest,
        Http http,
        PipelineSpec pipeline,
        JournalSettings journal,
        Dedup dedup,
        Map<Integer, String> eventTypes,
        Path rulesFile,
        Rules rules) {

    public static final Path DATA_DIR_DEFAULT = Path.of("./data");

    /** Detector ingest over TCP and UDP. */
    public record Ingest(
            String bind,
            int tcpPort,
            int udpPort,
            boolean udpEnabled,
            Duration idleTimeout,
            int maxConnections,
            List<String> tokens,
            Duration maxClockSkew,
            Duration ackInterval) {
        public static final String BIND_DEFAULT = "0.0.0.0";
        public static final int TCP_PORT_DEFAULT = 7700;
        public static final int UDP_PORT_DEFAULT = 7700;
        /** Protocol v1, section 1: 30 s of silence closes a connection. */
        public static final Duration IDLE_TIMEOUT_DEFAULT = Duration.ofSeconds(30);
        /** Bounded everything: a few dozen cameras need far fewer. */
        public static final int MAX_CONNECTIONS_DEFAULT = 1024;
        /** Protocol v1, section 2: ts_us may be at most 300 s ahead of the daemon's clock. */
        public static final Duration MAX_CLOCK_SKEW_DEFAULT = Duration.ofSeconds(300);
        /**
         * Advertised in WELCOME as the longest wait for an ACK. ACKs go out at the end of every ring
         * batch, so in practice they come far sooner; this bounds a batch under the fsync policy.
         */
        public static final Duration ACK_INTERVAL_DEFAULT = Duration.ofMillis(50);
    }

    /** HTTP: REST, WebSocket streams, status and health. */
    public record Http(String bind, int port, int maxBodyBytes, int streamOutbox) {
        public static final String BIND_DEFAULT = "0.0.0.0";
        public static final int PORT_DEFAULT = 7780;
        /** A POST body larger than this gets 413. 16 MiB holds ~40,000 typical events. */
        public static final int MAX_BODY_BYTES_DEFAULT = 16 * 1024 * 1024;
        /** Events queued for one stream client before it is cut off as too slow. */
        public static final int STREAM_OUTBOX_DEFAULT = 16384;
    }

    /**
     * The journal's files, fsync policy and page cache.
     *
     * @param pageCacheDropBehind {@code page_cache: drop-behind}: the journal drops its durable pages from
     *                            the page cache but the newest 16 MiB; {@code keep} leaves them to the kernel
     */
    public record JournalSettings(FsyncPolicy fsync, int batchMaxRecords, Duration batchMaxDelay, long segmentBytes,
                                  boolean pageCacheDropBehind) {
        public static final FsyncPolicy FSYNC_DEFAULT = FsyncPolicy.BATCH;
        /** One fsync per at most this many records: bounds the ACK wait of the batch's first event. */
        public static final int BATCH_MAX_RECORDS_DEFAULT = 8192;
        /** ... or per this much time since the first uncommitted record. */
        public static final Duration BATCH_MAX_DELAY_DEFAULT = Duration.ofMillis(2);
        public static final long SEGMENT_BYTES_DEFAULT = 64L * 1024 * 1024;
        public static final String PAGE_CACHE_DROP_BEHIND = "drop-behind";
        public static final String PAGE_CACHE_KEEP = "keep";
    }

    /** receipt_id idempotency. */
    public record Dedup(Duration ttl, long capacity) {
        /** Protocol v1, section 5: receipt retention is 24 h by default. */
        public static final Duration TTL_DEFAULT = Duration.ofHours(24);
        /** Receipts held at once; a day at ~100 events/s. The store's file is sized from it. */
        public static final long CAPACITY_DEFAULT = 10_000_000L;
    }
}
