package dev.watchpost.persistence.dedup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.zip.CRC32C;

import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.JournalReader;
import dev.watchpost.persistence.journal.JournalRecord;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;

/**
 * receipt_id idempotency: remembers, for each 128-bit receipt_id, the journal seq of the event
 * stored under it, for {@link DedupConfig#ttlMillis()}.
 *
 * <p><b>In memory, from the journal.</b> The receipts live off-heap in a {@link ReceiptTable} of
 * fingerprints and seqs (9 bytes a slot), their ages in a {@link SeqTimeline}. The journal is the
 * record of what was stored: a fingerprint match is confirmed against the exact receipt_id, from the
 * latest {@link DedupConfig#recentReceipts()} receipts kept whole or else from the journal through a
 * {@link ReceiptSource}, so two receipt_ids sharing a fingerprint are never taken for one another.
 * Nothing is written to disk while the daemon runs.
 *
 * <p><b>Start-up.</b> {@link #open} loads the snapshot a clean stop wrote ({@code receipts.snap});
 * {@link #restore} then brings the table up to the journal: it drops receipts above the journal's
 * last seq and records the receipts of the journal's events after the snapshot (all of them within
 * the TTL when there is no snapshot, as after kill -9 or a power loss; derived events, which
 * no detector sends, are skipped). A snapshot is never
 * invalidated by running on: its receipts are all in the journal, and the journal's later events are
 * read on the next start.
 *
 * <p><b>Single writer.</b> Exactly one thread, the pipeline's sequencer stage, calls every method
 * after {@link #open}, {@link #close} included. {@link #lookupOrInsert} allocates nothing.
 *
 * <p><b>When full.</b> New receipts beyond {@link DedupConfig#capacity()} are refused: the store
 * first purges expired ones (at most once a second), then throws {@link DedupStoreFullException};
 * the receipt is not recorded and the store stays usable.
 */
public final class DedupStore implements AutoCloseable {
    /** {@link #lookupOrInsert} result for a receipt that was not known (and is now recorded). */
    public static final long NOT_FOUND = 0;
    /** The snapshot a clean stop writes in the data directory. */
    public static final String SNAPSHOT_FILE_NAME = "receipts.snap";
    /** Files of the earlier, Chronicle Map based, store: deleted when found. */
    static final String[] FORMER_FILE_NAMES = {"receipts.cmap", "receipts.clean"};

    /** At most this share of the slots is used: 17/20, 85 %. */
    static final int LOAD_NUMERATOR = 17;
    static final int LOAD_DENOMINATOR = 20;
    /** A full store purges at most this often, so a store full of live receipts stays fast. */
    static final long FULL_PURGE_INTERVAL_MILLIS = 1_000;
    /** Slots a full store visits looking for expired receipts before it refuses an insert. */
    static final int FULL_PURGE_VISIT = 1 << 16;
    /** A restore without a snapshot starts reading this much before the TTL: arrival times are nearly, not strictly, ordered by seq. */
    static final long RESTORE_SLACK_MILLIS = 60_000;

    private static final int MAGIC = 0x57505253; // "WPRS"
    private static final int FORMAT_VERSION = 3;
    private static final int HEADER_BYTES = 64;
    private static final int RECENT_BYTES = 24;

    private final DedupConfig config;
    private final Path snapshot;
    private final ReceiptTable table;
    private final SeqTimeline timeline;
    private final ReceiptSource source;
    /** The latest receipts whole, off-heap: at {@code (seq & recentMask) * 24}, the seq, msb and lsb. */
    private final ByteBuffer recent;
    private final int recentMask;
    private final long[] confirm = new long[2];
    private final boolean snapshotLoaded;
    private final String snapshotProblem;

    private long highestSeq;
    private long snapshotSeq;
    private int purgeCursor;
    private long nextFullPurgeMillis = Long.MIN_VALUE;
    private long sourceErrors;
    private boolean closed;
    private boolean ownsSource;
    /** Thrown whenever the store is full: made once, so that a refused insert allocates nothing. */
    private final DedupStoreFullException full;

    private DedupStore(DedupConfig config, ReceiptTable table, SeqTimeline timeline, ReceiptSource source,
                       long snapshotSeq, boolean snapshotLoaded, String snapshotProblem) {
        this.config = config;
        this.snapshot = config.directory().resolve(SNAPSHOT_FILE_NAME);
        this.table = table;
        this.timeline = timeline;
        this.source = source;
        this.recent = ByteBuffer.allocateDirect(config.recentReceipts() * RECENT_BYTES).order(ByteOrder.nativeOrder());
        this.recentMask = config.recentReceipts() - 1;
        this.snapshotSeq = snapshotSeq;
        this.highestSeq = snapshotSeq;
        this.snapshotLoaded = snapshotLoaded;
        this.snapshotProblem = snapshotProblem;
        this.full = new DedupStoreFullException(config.capacity());
    }

    /**
     * Allocates the table and loads the snapshot in the configured directory, if there is a sound one
     * (one that does not check out is ignored and reported by {@link #snapshotProblem()}). Call
     * {@link #restore} next. Deletes the files of the earlier, Chronicle Map based, store.
     *
     * @param source where fingerprint matches beyond the recent receipts are confirmed
     */
    public static DedupStore open(DedupConfig config, ReceiptSource source) throws IOException {
        Path directory = config.directory();
        Files.createDirectories(directory);
        for (String former : FORMER_FILE_NAMES) {
            Files.deleteIfExists(directory.resolve(former));
        }
        Files.deleteIfExists(directory.resolve(SNAPSHOT_FILE_NAME + ".tmp"));
        int slots = (int) ((config.capacity() * LOAD_DENOMINATOR + LOAD_NUMERATOR - 1) / LOAD_NUMERATOR) + 1;
        SeqTimeline timeline = new SeqTimeline(config.ttlMillis());
        Path file = directory.resolve(SNAPSHOT_FILE_NAME);
        if (Files.exists(file)) {
            try {
                Loaded loaded = load(file, slots, timeline);
                return new DedupStore(config, loaded.table, timeline, source, loaded.seq, true, null);
            } catch (IOException | RuntimeException e) {
                timeline = new SeqTimeline(config.ttlMillis());
                return new DedupStore(config, new ReceiptTable(slots, new SecureRandom().nextLong()), timeline, source,
                        0, false, file + " ignored: " + e.getMessage());
            }
        }
        return new DedupStore(config, new ReceiptTable(slots, new SecureRandom().nextLong()), timeline, source, 0, false, null);
    }

    /** A store that confirms from the journal it is restored from (the daemon's); {@link #close} closes its reader. */
    public static DedupStore open(DedupConfig config, Journal journal) throws IOException {
        DedupStore store = open(config, new JournalReceipts(journal));
        store.ownsSource = true;
        return store;
    }

    /** True when {@link #open} loaded a snapshot. */
    public boolean snapshotLoaded() {
        return snapshotLoaded;
    }

    /** Why a snapshot that was there was not loaded (it was torn or corrupt); null when none was ignored. */
    public String snapshotProblem() {
        return snapshotProblem;
    }

    /** The highest seq the store knows from its snapshot or since: the journal is read after it by {@link #restore}. */
    public long highestSeq() {
        return highestSeq;
    }

    /**
     * Brings the store up to the journal before the first event: removes receipts above the
     * journal's last seq (the journal lost or never had them), then records the receipts of every
     * journal event after the snapshot that arrived within the TTL before {@code nowMillis}.
     */
    public RestoreReport restore(Journal journal, long nowMillis) throws IOException {
        long last = journal.lastSeq();
        long removed = highestSeq > last ? removeSeqsAbove(last) : 0;
        long oldest = nowMillis - config.ttlMillis();
        long from = highestSeq + 1;
        if (from <= last) {
            // Events that arrived before the TTL need no receipt: skip them, however old the snapshot.
            from = Math.max(from, firstSeqReceivedAfter(journal, from, oldest - RESTORE_SLACK_MILLIS));
        }
        long read = 0;
        long recorded = 0;
        if (from <= last) {
            EventFrame frame = new EventFrame();
            JournalRecord record = new JournalRecord();
            try (JournalReader reader = journal.reader(from, last)) {
                while (reader.next(record)) {
                    read++;
                    long receivedMillis = record.receivedAtUs() / 1000;
                    if (receivedMillis > oldest) {
                        frame.wrap(record.buffer(), record.frameOffset());
                        if (frame.eventType() >= EventTypeRegistry.DERIVED_MIN) {
                            continue; // the daemon's own events: no detector retries them
                        }
                        reinsert(frame.receiptIdMsb(), frame.receiptIdLsb(), record.seq(), receivedMillis);
                        recorded++;
                    }
                }
            }
        }
        return new RestoreReport(snapshotLoaded, snapshotSeq, removed, from, read, recorded, size());
    }

    /** What {@link #restore} did, for the start-up log. */
    public record RestoreReport(boolean snapshotLoaded, long snapshotSeq, long removedAboveJournal, long journalFrom,
                                long journalRead, long recorded, long size) {
        @Override
        public String toString() {
            return (snapshotLoaded ? "snapshot to seq " + snapshotSeq : "no snapshot")
                    + (removedAboveJournal > 0 ? ", " + removedAboveJournal + " receipts above the journal removed" : "")
                    + ", " + recorded + " receipts recorded from " + journalRead + " journal events from seq " + journalFrom
                    + ", " + size + " held";
        }
    }

    /** The first seq received after {@code millis}, by bisection: arrival times rise with seq, nearly. */
    private static long firstSeqReceivedAfter(Journal journal, long fromSeq, long millis) throws IOException {
        long low = Math.max(fromSeq, journal.firstSeq());
        long high = journal.lastSeq();
        JournalRecord record = new JournalRecord();
        while (low < high) {
            long mid = low + (high - low) / 2;
            long received;
            try (JournalReader reader = journal.reader(mid)) {
                received = reader.next(record) ? record.receivedAtUs() / 1000 : Long.MAX_VALUE;
            }
            if (received > millis) {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        return low;
    }

    /**
     * Where in the table a lookup of this receipt_id starts, for {@link #touch}; reads nothing from
     * the table.
     */
    public int lookupStart(long msb, long lsb) {
        return table.home(table.fingerprint(msb, lsb));
    }

    /**
     * Loads the memory a lookup starts at ({@link #lookupStart}), and changes nothing. The table is
     * too large for the cache, so each lookup would otherwise begin with a cache miss and a page walk
     * of its own; called for the next several receipts in a tight loop (their loads do not depend on
     * one another, so the processor has them in flight together), it leaves their lookups soon after
     * to find the memory cached.
     *
     * @return the word read, for the caller to keep somewhere, so that the load is not optimised away
     */
    public long touch(int lookupStart) {
        return table.touch(lookupStart);
    }

    /** The seq of the event stored under this receipt_id if it arrived less than the TTL before {@code nowMillis}, else {@link #NOT_FOUND}; records nothing. */
    public long lookup(long msb, long lsb, long nowMillis) {
        long cutoff = timeline.cutoff(nowMillis);
        long fingerprint = table.fingerprint(msb, lsb);
        for (int slot = table.home(fingerprint); !table.isEmpty(slot); slot = table.next(slot)) {
            if (table.fingerprintAt(slot) == fingerprint) {
                long seq = table.seqAt(slot, highestSeq);
                if (seq >= cutoff && isReceiptOf(seq, msb, lsb)) {
                    return seq;
                }
            }
        }
        return NOT_FOUND;
    }

    /**
     * Returns the journal seq of the event already stored under this receipt_id if it arrived less
     * than the TTL before {@code nowMillis}; otherwise records {@code seqIfNew} for it and returns
     * {@link #NOT_FOUND}.
     *
     * @param seqIfNew the journal seq the event will be stored under if new: above every seq recorded
     *                 so far (at least 1)
     * @throws DedupStoreFullException when the receipt is new and the store is full (not recorded)
     */
    public long lookupOrInsert(long msb, long lsb, long seqIfNew, long nowMillis) {
        if (seqIfNew <= highestSeq) {
            throw new IllegalArgumentException("seqIfNew must be above " + highestSeq + ": " + seqIfNew);
        }
        long cutoff = timeline.cutoff(nowMillis);
        long fingerprint = table.fingerprint(msb, lsb);
        int slot = table.home(fingerprint);
        int reusable = -1;
        while (!table.isEmpty(slot)) {
            if (table.fingerprintAt(slot) == fingerprint) {
                long seq = table.seqAt(slot, highestSeq);
                if (seq < cutoff) {
                    reusable = slot;
                } else if (isReceiptOf(seq, msb, lsb)) {
                    return seq;
                }
            }
            slot = table.next(slot);
        }
        if (reusable >= 0) {
            table.replace(reusable, fingerprint, seqIfNew);
        } else if (table.size() < config.capacity()) {
            table.insert(slot, fingerprint, seqIfNew);
        } else if (purgeWhenFull(nowMillis)) {
            // The purge moved entries: probe again (it cannot purge again within its interval).
            return lookupOrInsert(msb, lsb, seqIfNew, nowMillis);
        } else {
            throw full;
        }
        recorded(msb, lsb, seqIfNew, nowMillis);
        return NOT_FOUND;
    }

    private void recorded(long msb, long lsb, long seq, long millis) {
        int at = ((int) seq & recentMask) * RECENT_BYTES;
        recent.putLong(at, seq);
        recent.putLong(at + 8, msb);
        recent.putLong(at + 16, lsb);
        highestSeq = seq;
        timeline.note(seq, millis);
    }

    /** True when the event stored under {@code seq} has this receipt_id. */
    private boolean isReceiptOf(long seq, long msb, long lsb) {
        int at = ((int) seq & recentMask) * RECENT_BYTES;
        if (recent.getLong(at) == seq) {
            return recent.getLong(at + 8) == msb && recent.getLong(at + 16) == lsb;
        }
        try {
            return source.receiptAt(seq, confirm) && confirm[0] == msb && confirm[1] == lsb;
        } catch (IOException | RuntimeException e) {
            // Unconfirmed, the event counts as new: stored twice at worst, never lost.
            sourceErrors++;
            return false;
        }
    }

    /** Confirmations that failed because the journal could not be read; each event was taken as new. */
    public long sourceErrors() {
        return sourceErrors;
    }

    /** True when the purge made room. */
    private boolean purgeWhenFull(long nowMillis) {
        if (nowMillis < nextFullPurgeMillis) {
            return false;
        }
        nextFullPurgeMillis = nowMillis + FULL_PURGE_INTERVAL_MILLIS;
        purgeExpired(nowMillis, FULL_PURGE_VISIT);
        return table.size() < config.capacity();
    }

    /**
     * Records the receipt of an event found in the journal, unless the store already holds that
     * receipt_id under this seq or a later one. Seqs must be given in increasing order, above
     * {@link #highestSeq()}.
     *
     * @throws DedupStoreFullException when the store is full (not recorded)
     */
    public void reinsert(long msb, long lsb, long seq, long receivedMillis) {
        if (seq <= highestSeq) {
            throw new IllegalArgumentException("seq must be above " + highestSeq + ": " + seq);
        }
        long fingerprint = table.fingerprint(msb, lsb);
        int slot = table.home(fingerprint);
        while (!table.isEmpty(slot)) {
            if (table.fingerprintAt(slot) == fingerprint && isReceiptOf(table.seqAt(slot, highestSeq), msb, lsb)) {
                table.replace(slot, fingerprint, seq);
                recorded(msb, lsb, seq, receivedMillis);
                return;
            }
            slot = table.next(slot);
        }
        if (table.size() >= config.capacity()) {
            throw full;
        }
        table.insert(slot, fingerprint, seq);
        recorded(msb, lsb, seq, receivedMillis);
    }

    /**
     * Removes every receipt whose seq is above {@code lastSeq}; scans the whole table (about 0.1 s per
     * 10 M slots).
     *
     * @return the number of receipts removed
     */
    public long removeSeqsAbove(long lastSeq) {
        long removed = 0;
        for (int slot = 0, slots = table.slotCount(); slot < slots; ) {
            if (!table.isEmpty(slot) && table.seqAt(slot, highestSeq) > lastSeq) {
                table.remove(slot);
                removed++;
            } else {
                slot++;
            }
        }
        for (int at = 0; at < recent.capacity(); at += RECENT_BYTES) {
            if (recent.getLong(at) > lastSeq) {
                recent.putLong(at, 0);
            }
        }
        highestSeq = Math.min(highestSeq, lastSeq);
        snapshotSeq = Math.min(snapshotSeq, lastSeq);
        timeline.truncateAbove(lastSeq);
        return removed;
    }

    /**
     * Removes expired receipts from the next {@code maxSlotsToVisit} slots, resuming where the last call
     * stopped; a pass over the whole table takes {@code slots / maxSlotsToVisit} calls.
     *
     * @return the number of receipts removed
     */
    public int purgeExpired(long nowMillis, int maxSlotsToVisit) {
        long cutoff = timeline.cutoff(nowMillis);
        int removed = 0;
        int slots = table.slotCount();
        int slot = purgeCursor;
        for (int visited = 0; visited < maxSlotsToVisit && visited < slots; ) {
            if (!table.isEmpty(slot) && table.seqAt(slot, highestSeq) < cutoff) {
                // The slot now holds the next entry of the probe, if any: look at it again.
                table.remove(slot);
                removed++;
                continue;
            }
            visited++;
            slot = table.next(slot);
        }
        purgeCursor = slot;
        return removed;
    }

    /** Receipts held, expired ones not yet purged included. */
    public long size() {
        return table.size();
    }

    /** The most receipts the store holds. */
    public long capacity() {
        return config.capacity();
    }

    /** Bytes the store holds off-heap, for status and capacity planning. */
    public long memoryBytes() {
        return (long) table.slotCount() * ReceiptTable.SLOT_BYTES + recent.capacity();
    }

    /** Writes the snapshot: the table, its seed and the timeline, then renames it into place. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (ownsSource) {
            try {
                ((JournalReceipts) source).close();
            } catch (IOException e) {
                // A reader that cannot close leaks a file descriptor at worst; the snapshot matters more.
            }
        }
        try {
            writeSnapshot();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the dedup snapshot " + snapshot
                    + "; the next start reads the receipts back from the journal", e);
        }
    }

    private void writeSnapshot() throws IOException {
        Path tmp = snapshot.resolveSibling(SNAPSHOT_FILE_NAME + ".tmp");
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(MAGIC).putInt(FORMAT_VERSION).putInt(table.slotCount()).putInt(0)
                .putLong(table.seed()).putLong(highestSeq).putLong(config.ttlMillis()).putLong(timeline.serializedBytes());
        header.clear();
        ByteBuffer slots = table.bytes();
        ByteBuffer times = ByteBuffer.allocate(timeline.serializedBytes()).order(ByteOrder.LITTLE_ENDIAN);
        timeline.writeTo(times);
        times.flip();
        CRC32C crc = new CRC32C();
        crc.update(header.duplicate());
        crc.update(slots.duplicate());
        crc.update(times.duplicate());
        ByteBuffer trailer = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, (int) crc.getValue());
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer[] parts = {header, slots, times, trailer};
            long total = 0;
            for (ByteBuffer part : parts) {
                total += part.remaining();
            }
            for (long written = 0; written < total; ) {
                written += out.write(parts);
            }
            out.force(true);
        }
        Files.move(tmp, snapshot, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel directory = FileChannel.open(snapshot.getParent(), StandardOpenOption.READ)) {
            directory.force(true);
        }
    }

    private record Loaded(ReceiptTable table, long seq) {
    }

    private static Loaded load(Path file, int slots, SeqTimeline timeline) throws IOException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            readFully(in, header, 0);
            header.flip();
            if (header.getInt() != MAGIC || header.getInt() != FORMAT_VERSION) {
                throw new IOException("not a receipts snapshot of format " + FORMAT_VERSION);
            }
            int savedSlots = header.getInt();
            header.getInt();
            long seed = header.getLong();
            long seq = header.getLong();
            header.getLong();
            long timesBytes = header.getLong();
            if (savedSlots < 2 || savedSlots > ReceiptTable.MAX_SLOTS || timesBytes < 24 || timesBytes > Integer.MAX_VALUE
                    || in.size() != HEADER_BYTES + (long) savedSlots * ReceiptTable.SLOT_BYTES + timesBytes + 4) {
                throw new IOException("size " + in.size() + " does not match its header (torn write?)");
            }
            ReceiptTable saved = new ReceiptTable(savedSlots, seed);
            ByteBuffer slotBytes = saved.bytes();
            readFully(in, slotBytes, HEADER_BYTES);
            ByteBuffer times = ByteBuffer.allocate((int) timesBytes).order(ByteOrder.LITTLE_ENDIAN);
            readFully(in, times, HEADER_BYTES + (long) savedSlots * ReceiptTable.SLOT_BYTES);
            ByteBuffer trailer = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            readFully(in, trailer, in.size() - 4);
            CRC32C crc = new CRC32C();
            crc.update(header.clear());
            crc.update(slotBytes.flip());
            crc.update(times.flip().duplicate());
            if ((int) crc.getValue() != trailer.getInt(0)) {
                throw new IOException("checksum mismatch");
            }
            timeline.readFrom(times);
            saved.recount();
            if (savedSlots == slots) {
                return new Loaded(saved, seq);
            }
            // The capacity changed since the snapshot: move the receipts into a table of the new size.
            ReceiptTable resized = new ReceiptTable(slots, seed);
            for (int i = 0; i < savedSlots; i++) {
                if (!saved.isEmpty(i) && resized.size() < slots - 1) {
                    long fingerprint = saved.fingerprintAt(i);
                    int slot = resized.home(fingerprint);
                    while (!resized.isEmpty(slot)) {
                        slot = resized.next(slot);
                    }
                    resized.insert(slot, fingerprint, saved.seqAt(i, seq));
                }
            }
            return new Loaded(resized, seq);
        }
    }

    private static void readFully(FileChannel in, ByteBuffer into, long position) throws IOException {
        while (into.hasRemaining()) {
            int n = in.read(into, position);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            position += n;
        }
    }
}
