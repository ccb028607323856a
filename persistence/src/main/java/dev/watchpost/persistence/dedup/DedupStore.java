package dev.watchpost.persistence.dedup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;
import net.openhft.chronicle.map.MapSegmentContext;
import net.openhft.chronicle.values.Values;

/**
 * receipt_id idempotency: remembers, for each 128-bit receipt_id, the journal seq of the event
 * stored under it and when, for {@link DedupConfig#ttlMillis()}. The receipts live off-heap in a
 * Chronicle Map persisted to {@code <directory>/receipts.cmap}, so they survive a restart.
 *
 * <p><b>Single writer.</b> Exactly one thread, the pipeline's sequencer stage, calls every method
 * after {@link #open}, {@link #close} included; nothing here is thread-safe. {@link #lookupOrInsert}
 * allocates nothing in the steady state.
 *
 * <p><b>Start-up after a crash.</b> A receipt is recorded before its event reaches the journal, so
 * after an unclean stop ({@link #recovered()} is true) the daemon must, before the first event:
 * <ol>
 *   <li>call {@link #removeSeqsAbove} with the journal's last durable seq, or a resend of an event
 *       that never reached the journal would be taken for a duplicate and lost;</li>
 *   <li>{@link #reinsert} the receipts of the journal tail, for any the map lost.</li>
 * </ol>
 * When the file was {@link #created()} (first start, or deleted by an operator), only step 2 applies.
 *
 * <p><b>Clean shutdown.</b> {@link #close()} flushes the file and writes {@code receipts.clean}
 * beside it; {@link #open} deletes it. A map file without the marker was not closed (kill -9,
 * power loss) and is opened with Chronicle's recovery, which also frees segment locks the dead
 * process held.
 *
 * <p><b>When full.</b> New receipts beyond {@link DedupConfig#capacity()} are refused: the store
 * first purges expired ones (at most once a second of event time), then throws
 * {@link DedupStoreFullException}; the receipt is not recorded and the store stays usable.
 */
public final class DedupStore implements AutoCloseable {
    /** {@link #lookupOrInsert} result for a receipt that was not known (and is now recorded). */
    public static final long NOT_FOUND = 0;
    /** Name of the map file in the data directory. */
    public static final String MAP_FILE_NAME = "receipts.cmap";
    /** Name of the clean-shutdown marker in the data directory. */
    public static final String CLEAN_MARKER_NAME = "receipts.clean";

    /** A full store purges at most this often (event time), so a store full of live receipts stays fast. */
    static final long FULL_PURGE_INTERVAL_MILLIS = 1_000;
    /** Entries a full store visits looking for expired receipts before it refuses an insert. */
    static final int FULL_PURGE_VISIT = 1 << 16;
    private static final long FULL = -1;

    private final ChronicleMap<ReceiptKey, ReceiptRecord> map;
    private final Path directory;
    private final Path mapFile;
    private final Path cleanMarker;
    private final long capacity;
    private final long ttlMillis;
    private final boolean recovered;
    private final boolean created;
    private final long recoveryCorruptions;

    private final ReceiptKey key = Values.newHeapInstance(ReceiptKey.class);
    private final ReceiptRecord record = Values.newHeapInstance(ReceiptRecord.class);
    private final ReceiptRecord scanned = Values.newHeapInstance(ReceiptRecord.class);
    private final Consumer<MapEntry<ReceiptKey, ReceiptRecord>> removeIfExpired = this::removeIfExpired;
    private final Consumer<MapEntry<ReceiptKey, ReceiptRecord>> removeIfSeqAbove = this::removeIfSeqAbove;

    private long size;
    private int purgeCursor;
    private long nextFullPurgeMillis = Long.MIN_VALUE;
    private long scanBound;
    private long scanRemoved;
    private RuntimeException insertFailure;
    private int fullSegment = -1;
    private boolean closed;

    private DedupStore(ChronicleMap<ReceiptKey, ReceiptRecord> map, DedupConfig config, Path mapFile, Path cleanMarker,
                       boolean recovered, boolean created, long recoveryCorruptions) {
        this.map = map;
        this.directory = config.directory();
        this.mapFile = mapFile;
        this.cleanMarker = cleanMarker;
        this.capacity = config.capacity();
        this.ttlMillis = config.ttlMillis();
        this.recovered = recovered;
        this.created = created;
        this.recoveryCorruptions = recoveryCorruptions;
        this.size = map.longSize();
    }

    /**
     * Creates or reopens {@code receipts.cmap} in the configured directory, recovering it when the
     * last run did not {@link #close()} it. Takes 1–4 s in a fresh JVM (Chronicle generates and
     * compiles code; a recovery scans the file). Only one process may have the file open; nothing
     * here enforces it.
     */
    public static DedupStore open(DedupConfig config) throws IOException {
        Path directory = config.directory();
        Files.createDirectories(directory);
        Path mapFile = directory.resolve(MAP_FILE_NAME);
        Path cleanMarker = directory.resolve(CLEAN_MARKER_NAME);
        ChronicleMapBuilder<ReceiptKey, ReceiptRecord> builder = ChronicleMap
                .of(ReceiptKey.class, ReceiptRecord.class)
                .name("receipts")
                .entries(config.capacity())
                // The daemon's lifecycle closes the store after the pipeline has stopped; a JVM hook
                // closing the map under a running writer would only turn a clean stop into errors.
                .skipCloseOnExitHook(true);

        boolean exists = Files.exists(mapFile);
        boolean unclean = exists && !Files.exists(cleanMarker);
        if (exists && Files.size(mapFile) == 0) {
            // A crash while the file was being created: nothing in it to recover, but still unclean.
            Files.delete(mapFile);
            exists = false;
        }
        boolean recover = exists && unclean;
        long[] corruptions = new long[1];
        ChronicleMap<ReceiptKey, ReceiptRecord> map;
        try {
            map = recover
                    ? builder.recoverPersistedTo(mapFile.toFile(), true, corruption -> corruptions[0]++)
                    : builder.createPersistedTo(mapFile.toFile());
        } catch (RuntimeException e) {
            throw new IOException("cannot open the dedup store " + mapFile + (recover ? " (recovering after an unclean stop)" : "")
                    + "; with the daemon stopped, deleting it loses only duplicate detection for receipts older than the journal tail", e);
        }
        try {
            // From here on the file is in use: a crash must find no marker.
            if (Files.deleteIfExists(cleanMarker)) {
                forceDirectory(directory);
            }
        } catch (IOException | RuntimeException e) {
            map.close();
            throw e;
        }
        return new DedupStore(map, config, mapFile, cleanMarker, unclean, !exists, corruptions[0]);
    }

    /**
     * True when the map file was left open by the last run (killed, crashed, power lost) and was
     * recovered: run the start-up steps in the class comment.
     */
    public boolean recovered() {
        return recovered;
    }

    /**
     * True when this open created the map file: a first start, or the file was deleted. The map then
     * knows no receipt; {@link #reinsert} the journal tail's.
     */
    public boolean created() {
        return created;
    }

    /** Corrupt entries or segments Chronicle reported (and dropped or repaired) while recovering; 0 if not recovered. */
    public long recoveryCorruptions() {
        return recoveryCorruptions;
    }

    /**
     * Returns the journal seq of the event already stored under this receipt_id if it was recorded
     * less than the TTL before {@code nowMillis}; otherwise records ({@code seqIfNew}, {@code nowMillis})
     * for it and returns {@link #NOT_FOUND}. An expired receipt is overwritten.
     *
     * @param seqIfNew the journal seq the event will be stored under if new; must be &gt; 0
     * @throws DedupStoreFullException when the receipt is new and the store is full (not recorded)
     */
    public long lookupOrInsert(long msb, long lsb, long seqIfNew, long nowMillis) {
        if (seqIfNew <= 0) {
            throw new IllegalArgumentException("seqIfNew must be > 0: " + seqIfNew);
        }
        long result = lookupOrInsertOnce(msb, lsb, seqIfNew, nowMillis);
        if (result == FULL) {
            result = retryWhenFull(msb, lsb, seqIfNew, nowMillis);
        }
        return result;
    }

    private long lookupOrInsertOnce(long msb, long lsb, long seqIfNew, long nowMillis) {
        key.setMsb(msb);
        key.setLsb(lsb);
        try (ExternalMapQueryContext<ReceiptKey, ReceiptRecord, ?> c = map.queryContext(key)) {
            c.updateLock().lock();
            MapEntry<ReceiptKey, ReceiptRecord> entry = c.entry();
            record.setSeq(seqIfNew);
            record.setInsertedAtMillis(nowMillis);
            if (entry != null) {
                ReceiptRecord stored = entry.value().getUsing(scanned);
                if (nowMillis - stored.getInsertedAtMillis() < ttlMillis) {
                    return stored.getSeq();
                }
                entry.doReplaceValue(c.wrapValueAsData(record));
                return NOT_FOUND;
            }
            if (size >= capacity) {
                return FULL;
            }
            try {
                c.absentEntry().doInsert(c.wrapValueAsData(record));
            } catch (IllegalStateException e) {
                // Chronicle found no room in the key's segment (all its tiers used): the map holds
                // more than it was created for, or the keys are badly spread.
                insertFailure = e;
                fullSegment = c.segmentIndex();
                return FULL;
            }
            size++;
            return NOT_FOUND;
        }
    }

    private long retryWhenFull(long msb, long lsb, long seqIfNew, long nowMillis) {
        RuntimeException cause = insertFailure;
        int segment = fullSegment;
        insertFailure = null;
        fullSegment = -1;
        if (nowMillis >= nextFullPurgeMillis) {
            nextFullPurgeMillis = nowMillis + FULL_PURGE_INTERVAL_MILLIS;
            long purged;
            if (segment >= 0) {
                scanBound = nowMillis - ttlMillis;
                scanRemoved = 0;
                scanSegment(segment, removeIfExpired);
                size -= scanRemoved;
                purged = scanRemoved;
            } else {
                purged = purgeExpired(nowMillis, FULL_PURGE_VISIT);
            }
            if (purged > 0) {
                long result = lookupOrInsertOnce(msb, lsb, seqIfNew, nowMillis);
                if (result != FULL) {
                    return result;
                }
                cause = insertFailure != null ? insertFailure : cause;
                insertFailure = null;
                fullSegment = -1;
            }
        }
        throw new DedupStoreFullException(size, capacity, cause);
    }

    /**
     * Start-up recovery: removes every receipt whose seq is above {@code lastDurableSeq}, the journal's
     * last durable seq; their events never reached the journal. Scans the whole map (about 0.1 s per
     * million receipts).
     *
     * @return the number of receipts removed
     */
    public long removeSeqsAbove(long lastDurableSeq) {
        scanBound = lastDurableSeq;
        scanRemoved = 0;
        for (int segment = 0, segments = map.segments(); segment < segments; segment++) {
            scanSegment(segment, removeIfSeqAbove);
        }
        size -= scanRemoved;
        return scanRemoved;
    }

    private void removeIfSeqAbove(MapEntry<ReceiptKey, ReceiptRecord> entry) {
        if (entry.value().getUsing(scanned).getSeq() > scanBound) {
            entry.doRemove();
            scanRemoved++;
        }
    }

    /**
     * Start-up recovery: records the receipt of an event found in the journal tail, unless the map
     * already holds that receipt_id with this seq or a later one.
     *
     * @throws DedupStoreFullException when the store is full (not recorded)
     */
    public void reinsert(long msb, long lsb, long seq, long insertedAtMillis) {
        if (seq <= 0) {
            throw new IllegalArgumentException("seq must be > 0: " + seq);
        }
        key.setMsb(msb);
        key.setLsb(lsb);
        record.setSeq(seq);
        record.setInsertedAtMillis(insertedAtMillis);
        try (ExternalMapQueryContext<ReceiptKey, ReceiptRecord, ?> c = map.queryContext(key)) {
            c.updateLock().lock();
            MapEntry<ReceiptKey, ReceiptRecord> entry = c.entry();
            if (entry != null) {
                if (entry.value().getUsing(scanned).getSeq() < seq) {
                    entry.doReplaceValue(c.wrapValueAsData(record));
                }
                return;
            }
            if (size >= capacity) {
                throw new DedupStoreFullException(size, capacity, null);
            }
            try {
                c.absentEntry().doInsert(c.wrapValueAsData(record));
            } catch (IllegalStateException e) {
                throw new DedupStoreFullException(size, capacity, e);
            }
            size++;
        }
    }

    /**
     * Removes expired receipts, a few segments per call: it resumes where the last call stopped and
     * visits whole segments until about {@code maxEntriesToVisit} entries are seen, or until it has
     * visited the segments that hold that many entries at full capacity (at least one segment, so a
     * call can visit up to one segment more than asked). The second bound matters when the map is
     * nearly empty: a segment costs its capacity to scan, not its entries, so one call never scans
     * much more than {@code maxEntriesToVisit} slots. A pass over the whole map takes about
     * {@code capacity() / maxEntriesToVisit} calls. Writer thread only.
     *
     * @return the number of receipts removed
     */
    public int purgeExpired(long nowMillis, int maxEntriesToVisit) {
        scanBound = nowMillis - ttlMillis;
        scanRemoved = 0;
        long visited = 0;
        int segments = map.segments();
        long maxSegments = Math.max(1, (long) segments * maxEntriesToVisit / Math.max(1, capacity));
        for (int n = 0; n < segments && n < maxSegments && visited < maxEntriesToVisit; n++) {
            visited += scanSegment(purgeCursor, removeIfExpired);
            purgeCursor = purgeCursor + 1 == segments ? 0 : purgeCursor + 1;
        }
        size -= scanRemoved;
        return (int) scanRemoved;
    }

    /** Runs {@code action} on each entry of one segment, under its lock; returns how many entries it held. */
    private long scanSegment(int segment, Consumer<MapEntry<ReceiptKey, ReceiptRecord>> action) {
        try (MapSegmentContext<ReceiptKey, ReceiptRecord, ?> c = map.segmentContext(segment)) {
            long entries = c.size();
            c.forEachSegmentEntry(action);
            return entries;
        }
    }

    private void removeIfExpired(MapEntry<ReceiptKey, ReceiptRecord> entry) {
        // Expired when now - insertedAt >= ttl, as in lookupOrInsert.
        if (entry.value().getUsing(scanned).getInsertedAtMillis() <= scanBound) {
            entry.doRemove();
            scanRemoved++;
        }
    }

    /** Receipts held, expired ones not yet purged included. */
    public long size() {
        return size;
    }

    /** The most receipts the store holds. */
    public long capacity() {
        return capacity;
    }

    /** Closes the map, forces the file to disk and writes the clean-shutdown marker. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        map.close();
        try {
            try (FileChannel channel = FileChannel.open(mapFile, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            try (FileChannel channel = FileChannel.open(cleanMarker, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            forceDirectory(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot mark the dedup store " + mapFile + " as cleanly closed", e);
        }
    }

    private static void forceDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
