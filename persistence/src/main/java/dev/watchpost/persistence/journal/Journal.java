package dev.watchpost.persistence.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import java.util.zip.CRC32C;

/**
 * The segmented append-only journal: the durable record of every stored event, in seq order.
 * Layout of the files: {@link JournalFormat}.
 *
 * <p><b>Threads.</b> One writer thread owns {@link #append}, {@link #flush}, {@link #force},
 * {@link #lastSeq} and {@link #close}. Any thread may call {@link #sync}, {@link #reader},
 * {@link #flushedSeq}, {@link #durableSeq}, {@link #seqForTime} and {@link #stats}; readers see
 * exactly the records up to {@link #flushedSeq()}, never a partly written one.
 *
 * <p><b>Durability.</b> {@code append} only copies into a write buffer: no allocation, no system call.
 * {@link #flush()} hands the buffer to the operating system (the records survive a crash of the
 * daemon, and readers can see them); {@link #force()} also fsyncs them (they survive a power loss).
 * {@link #sync()} forces what is flushed from another thread, so that the writer appends the next
 * records during the fsync (a pipelined group commit). When to call which is the caller's
 * group-commit policy; an event may be acknowledged only once {@link #durableSeq()} (or
 * {@link #flushedSeq()} under a no-fsync policy) covers it. Three things write inside {@code append}
 * without being asked: a full write buffer; and a segment roll, which also forces the finished
 * segment and creates the next (once per segment). Ahead of the records, a thread of the journal's
 * own ({@code watchpost-journal-zero}) keeps the active segment zeroed up to
 * {@value #PREALLOCATE_BYTES} bytes past them, so that an fsync overwrites blocks the file already
 * has instead of growing it, and so that the writer does not pay for the file's new pages (on a
 * virtual machine, a page the host has to fault in first costs microseconds). On a file system that
 * allocates blocks only as it writes them back (ext4's delayed allocation), the first force after a
 * zero write still allocates the zeros' blocks and writes the inode: the zeroing takes the file's
 * growth out of the writer's {@code write}s, not all metadata out of the forces
 * (docs/benchmarks.md, *An Intel box measured the new way*). When the zeroing falls
 * behind, the writer's records grow the file themselves. So the same thread also prepares the next
 * segment whole, as a file of its own ({@value #NEXT_SEGMENT_NAME}): zeroed at the records' pace,
 * its write-back started a megabyte at a time, and forced once zeroed to the segment size. The roll
 * takes it when it is ready (header written and forced, renamed to the segment's name, directory
 * forced; {@link SegmentFiles#claim}), and that segment needs no zeroing ahead: its blocks are
 * allocated and durable before its first record, so its forces write records only. A roll that
 * comes first makes a segment as before. The file is deleted at close and by recovery; it is never
 * a segment's name, so nothing else reads it. The zeroed tail is cut off when the segment
 * is sealed or the journal closed; after a crash, recovery takes it for the end of the data.
 *
 * <p><b>Page cache.</b> With {@link JournalConfig#dropBehind()} (the default) the same thread also
 * asks the kernel to drop the active segment's cached pages more than {@value #CACHED_TAIL_BYTES}
 * bytes behind the newest record forced to disk, and a sealed segment's whole once the writer has
 * sealed it ({@link PageCache}); the writer itself only asks, so that a roll does not wait for the
 * kernel to let go of a segment's pages (1.6–4.5 ms for 64 MiB on a virtual machine). The journal's
 * page cache then stays small and its pages are reused warm for the next records, instead of the
 * kernel taking fresh ones for every megabyte written, which on a virtual machine costs more system
 * time than the writes themselves. Readers of older records (replays, alert deliveries, a dedup
 * confirmation) read them from the disk. Whatever the page-cache setting, the same thread starts
 * the write-back of records more than {@value #WRITE_BEHIND_BYTES} bytes ahead of the last force,
 * without waiting for it, so that the roll's force of a segment nobody forced (under
 * {@code fsync: never}) does not find all of it still to write. {@link #helperProblem()} says when
 * the zeroing, the dropping or the write-back has stopped, or cannot start.
 *
 * <p><b>Recovery.</b> {@link #open} checks the chain of segment names and headers and scans the last
 * segment record by record. Earlier segments were forced before the next one was created, so they are
 * complete by construction; {@link #verify} scans them all when asked. At the first record of the last
 * segment that is cut short or fails its length, CRC32C or seq check, the segment is truncated and the
 * journal continues from the last good record. A damaged record in the middle of the last segment
 * therefore cuts everything after it too: without a trustworthy length nothing after it can be found.
 * The cut bytes are kept beside the segment ({@code <segment>.wpj.<position>.cut}) for inspection, and
 * {@link #recoveryReport()} says what happened. A zeroed tail is no damage: it is kept, and the next
 * records overwrite it.
 */
public final class Journal implements AutoCloseable {
    /** Held (locked) by the one writer of a directory. */
    public static final String LOCK_FILE_NAME = "writer.lock";
    /** How far ahead of the records the active segment is kept zeroed ({@link #zeroAhead}). */
    public static final long PREALLOCATE_BYTES = 4 << 20;
    /** The zeroing thread is asked for more once the records have used this much of what it zeroed. */
    public static final long ZERO_REQUEST_BYTES = 1 << 20;
    /** Zeros written at a time: the zeroing thread holds {@link #zeroLock} for one such write. */
    public static final int ZERO_WRITE_BYTES = 64 << 10;
    /**
     * When the records written to the operating system run this far ahead of the last force (under
     * {@code fsync: never}, or a force long in coming), the helper thread starts their write-back.
     */
    static final long WRITE_BEHIND_BYTES = 4 << 20;
    /** With drop-behind, the active segment's last this many durable bytes stay in the page cache. */
    static final long CACHED_TAIL_BYTES = 16 << 20;
    /** ... and the pages behind them are dropped once this many have gathered. */
    private static final long DROP_STEP_BYTES = 1 << 20;

    private final JournalConfig config;
    private final Path directory;
    private final long segmentSize;
    private final int indexInterval;
    private final int maxRecordLength;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final CRC32C crc = new CRC32C();
    /** Drop-behind was asked for and can be done; cleared when a drop fails. */
    private volatile boolean dropping;
    /** Held by {@link #sync} and by whatever replaces or closes {@link #channel}, or moves {@link #durableSeq}. */
    private final Object syncLock = new Object();
    /**
     * Held while zeros are written ahead of the records and while the file grows past {@link #zeroedTo}
     * otherwise, and by whatever cuts, replaces or closes {@link #channel}. Taken after {@link #syncLock}
     * when both are.
     */
    private final Object zeroLock = new Object();

    // Writer thread only; channel and closed also read by sync() under syncLock, and changed under it.
    private ByteBuffer writeBuffer;
    private ByteBuffer crcView;
    private FileChannel channel;
    private Segment active;
    private SegmentIndex activeIndex;
    private long activeWritten;
    /** The active segment file's length: the bytes from {@link #activeWritten} up to it are zero. Changed under zeroLock. */
    private volatile long zeroedTo;
    /** How far the zeroing thread is to zero the active segment: set by the writer, reset under zeroLock. */
    private volatile long zeroTarget;
    /** Tells the zeroing thread to end; set under zeroLock. */
    private volatile boolean zeroingStopped;
    /** The next segment, prepared by the zeroing thread as a file of this name in the directory; not a segment's name. */
    static final String NEXT_SEGMENT_NAME = "next" + JournalFormat.SEGMENT_SUFFIX + ".tmp";
    private final Path nextPath;
    /** The next segment's file while the zeroing thread prepares it or it waits for the roll; under zeroLock. */
    private FileChannel nextChannel;
    /** The next segment's file is zeroed up to this; under zeroLock. */
    private long nextZeroedTo;
    /** The write-back of the next segment's zeros was started up to this; zeroing thread only. */
    private long nextWrittenBackTo;
    /** The next segment's file is zeroed whole and forced: the roll may take it; under zeroLock. */
    private boolean nextReady;
    /** The records' position at which the writer last woke the zeroing thread for the next segment. Writer thread only. */
    private long nextAskedAt;
    /** The zeroing thread, started by the first request; the zeros buffer is its own. */
    private Thread zeroer;
    /** The active segment's file, as the zeroing thread knows it; changed under zeroLock. */
    private volatile Path cachedPath;
    /** Bytes of the active segment forced to disk; set by sync() under syncLock, reset under both locks. */
    private volatile long durableBytes;
    /** The active segment's cached pages before this were dropped; zeroing thread, reset under zeroLock. */
    private volatile long droppedTo;
    /** The active segment's write-back was started before this ({@link #WRITE_BEHIND_BYTES}); zeroing thread, reset under zeroLock. */
    private volatile long writtenBackTo;
    /** Sealed segments whose cached pages are still to drop, oldest first; under zeroLock. */
    private final ArrayDeque<SealedPages> sealedToDrop = new ArrayDeque<>();
    /** Sealed segments handed to the zeroing thread to drop, and dropped by it (or given up on); for tests. */
    private volatile long sealedDropsAsked;
    private volatile long sealedDropsDone;
    /** Write-back can be started here; cleared when a start fails. */
    private volatile boolean writingBehind;
    /** Told how long each force of records took ({@link #timeForces}); null for none. */
    private volatile LongConsumer forceTimer;
    /** Why the zeroing, the dropping or the write-back stopped or never started; null while all work as configured. */
    private volatile String helperProblem;
    private final ByteBuffer zeros = ByteBuffer.allocateDirect(ZERO_WRITE_BYTES);
    private long recordsInSegment;
    private long lastSeq;
    private boolean closed;
    private RecoveryReport recoveryReport;

    // Read by any thread.
    private volatile Segment[] segments;
    private volatile long flushedSeq;
    private volatile long durableSeq;
    private volatile long sealedBytes;
    private volatile long activeFlushedBytes;

    private Journal(JournalConfig config, FileChannel lockChannel, FileLock lock) {
        this.config = config;
        this.directory = config.directory();
        this.nextPath = directory.resolve(NEXT_SEGMENT_NAME);
        this.segmentSize = config.segmentSize();
        this.indexInterval = config.indexInterval();
        this.maxRecordLength = config.maxRecordLength();
        this.lockChannel = lockChannel;
        this.lock = lock;
        String unavailable = config.dropBehind() ? PageCache.unavailable() : null;
        this.dropping = config.dropBehind() && unavailable == null;
        this.writingBehind = PageCache.unavailable() == null;
        this.helperProblem = unavailable == null ? null : "the journal keeps its pages cached: " + unavailable;
        allocateWriteBuffer(config.writeBufferSize());
    }

    /**
     * Opens (creating when missing) the journal in {@code config.directory()}, recovering a torn tail;
     * see {@link #recoveryReport()}. The calling thread may hand the journal to its writer thread.
     *
     * @throws JournalCorruptException on damage that is not a torn tail (a bad header in an earlier
     *                                 segment, a file name that is not a seq)
     * @throws IOException             also when another writer holds the directory
     */
    public static Journal open(JournalConfig config) throws IOException {
        Path directory = config.directory();
        Files.createDirectories(directory);
        FileChannel lockChannel = FileChannel.open(directory.resolve(LOCK_FILE_NAME),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        } catch (IOException | RuntimeException e) {
            lockChannel.close();
            throw e;
        }
        if (lock == null) {
            lockChannel.close();
            throw new IOException("journal directory " + directory + " is in use by another writer");
        }
        Journal journal = new Journal(config, lockChannel, lock);
        try {
            journal.recover();
            return journal;
        } catch (IOException | RuntimeException e) {
            journal.closeQuietly();
            throw e;
        }
    }

    /** The defaults of {@link JournalConfig#of} in {@code directory}. */
    public static Journal open(Path directory) throws IOException {
        return open(JournalConfig.of(directory));
    }

    private void recover() throws IOException {
        Files.deleteIfExists(nextPath); // a next segment prepared before a crash: never a segment's name, never data
        long[] seqs = SegmentFiles.list(directory);
        int n = seqs.length;
        long truncatedBytes = 0;
        Damage damage = null;
        String detail = "clean";
        Path savedTail = null;

        // A roll that crashed before its header reached the disk leaves a file too short to hold one.
        long reuseFirstSeq = 1;
        if (n > 0) {
            Path last = directory.resolve(JournalFormat.segmentFileName(seqs[n - 1]));
            long size = Files.size(last);
            if (size <= JournalFormat.SEGMENT_HEADER_LENGTH && headerProblem(last, seqs[n - 1]) != null) {
                Files.delete(last);
                SegmentFiles.syncDirectory(directory);
                truncatedBytes = size;
                damage = Damage.BAD_HEADER;
                detail = last.getFileName() + ": removed, " + size + " bytes and no whole header (an interrupted roll)";
                reuseFirstSeq = seqs[n - 1];
                n--;
            }
        }
        for (int i = 0; i < n; i++) {
            Path path = directory.resolve(JournalFormat.segmentFileName(seqs[i]));
            String problem = headerProblem(path, seqs[i]);
            if (problem != null) {
                throw new JournalCorruptException(path + ": " + problem);
            }
        }

        Segment[] list = new Segment[Math.max(1, n)];
        long sealed = 0;
        for (int i = 0; i < n - 1; i++) {
            list[i] = new Segment(directory, seqs[i]);
            sealed += Files.size(list[i].path);
        }
        if (n == 0) {
            active = new Segment(directory, reuseFirstSeq);
            channel = SegmentFiles.create(directory, reuseFirstSeq);
            activeIndex = newIndex();
            activeWritten = JournalFormat.SEGMENT_HEADER_LENGTH;
            zeroedTo = activeWritten;
            zeroTarget = activeWritten;
            recordsInSegment = 0;
            lastSeq = reuseFirstSeq - 1;
        } else {
            active = new Segment(directory, seqs[n - 1]);
            Files.deleteIfExists(active.indexPath);
            channel = FileChannel.open(active.path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            long size = channel.size();
            SegmentScanner.Result scan = SegmentScanner.scan(channel, size, active.firstSeq, indexInterval);
            if (!scan.zeroTail && scan.end < size) {
                long cut = size - scan.end;
                savedTail = directory.resolve(active.path.getFileName() + "." + scan.end + JournalFormat.CUT_SUFFIX);
                saveTail(channel, scan.end, cut, savedTail);
                channel.truncate(scan.end);
                channel.force(true);
                truncatedBytes += cut;
                damage = scan.damage;
                detail = active.path.getFileName() + ": " + scan.damage.description() + " at position " + scan.end
                        + " (seq " + scan.damageSeq + "); cut " + cut + " bytes, kept in " + savedTail.getFileName()
                        + (detail.equals("clean") ? "" : "; " + detail);
            }
            channel.force(false);
            activeIndex = scan.index;
            activeWritten = scan.end;
            zeroedTo = scan.zeroTail ? size : scan.end; // a zeroed tail is kept for the records to come
            zeroTarget = zeroedTo;
            recordsInSegment = scan.records;
            lastSeq = scan.lastSeq;
        }
        channel.position(activeWritten);
        cachedPath = active.path;
        durableBytes = activeWritten;
        active.activate(activeIndex);
        list[list.length - 1] = active;
        segments = list;
        sealedBytes = sealed;
        activeFlushedBytes = activeWritten;
        flushedSeq = lastSeq;
        durableSeq = lastSeq;
        recoveryReport = new RecoveryReport(list.length, list[0].firstSeq, lastSeq, truncatedBytes, damage, detail, savedTail);
    }

    private static String headerProblem(Path path, long firstSeq) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return SegmentFiles.readHeaderProblem(ch, firstSeq);
        }
    }

    private static void saveTail(FileChannel from, long position, long count, Path to) throws IOException {
        try (FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long done = 0;
            while (done < count) {
                long n = from.transferTo(position + done, count - done, out);
                if (n <= 0) {
                    break;
                }
                done += n;
            }
            out.force(true);
        }
    }

    private SegmentIndex newIndex() {
        return new SegmentIndex((int) Math.min(1 << 16, segmentSize / (256L * indexInterval) + 1));
    }

    private void allocateWriteBuffer(int capacity) {
        writeBuffer = ByteBuffer.allocateDirect(capacity).order(ByteOrder.LITTLE_ENDIAN);
        crcView = writeBuffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** What {@link #open} found and did. */
    public RecoveryReport recoveryReport() {
        return recoveryReport;
    }

    public JournalConfig config() {
        return config;
    }

    /**
     * Appends an event record ({@link JournalFormat#TYPE_EVENT}). Writer thread only.
     *
     * @param extra may be {@code null} when {@code extraLength} is 0
     * @throws IllegalStateException    when {@code seq} is not {@link #lastSeq()} + 1, or the journal is closed
     * @throws IllegalArgumentException when the record cannot fit in a segment
     */
    public void append(long seq, long receivedAtUs, long tsUs, ByteBuffer frame, int frameOffset, int frameLength,
                       ByteBuffer extra, int extraOffset, int extraLength) throws IOException {
        append(seq, receivedAtUs, tsUs, JournalFormat.TYPE_EVENT, frame, frameOffset, frameLength,
                extra, extraOffset, extraLength);
    }

    /**
     * Appends a record of the given {@code type}; copies the bytes into the write buffer, which is
     * written out (without an fsync) only when full. Writer thread only.
     */
    public void append(long seq, long receivedAtUs, long tsUs, int type, ByteBuffer frame, int frameOffset,
                       int frameLength, ByteBuffer extra, int extraOffset, int extraLength) throws IOException {
        if (closed) {
            throw new IllegalStateException("journal " + directory + " is closed");
        }
        if (seq != lastSeq + 1) {
            throw new IllegalStateException("append of seq " + seq + " after " + lastSeq + " in " + directory
                    + ": seqs must follow one another");
        }
        if (frameLength < 0 || extraLength < 0) {
            throw new IllegalArgumentException("negative length: frame " + frameLength + ", extra " + extraLength);
        }
        int length = JournalFormat.recordLength(frameLength, extraLength);
        if (length < 0 || length > maxRecordLength) {
            throw new IllegalArgumentException("record of frame " + frameLength + " and extra " + extraLength
                    + " bytes does not fit in a segment of " + segmentSize + " bytes");
        }
        if (activeWritten + writeBuffer.position() + length > segmentSize) {
            roll(seq);
        }
        if (length > writeBuffer.remaining()) {
            flushBuffer();
            if (length > writeBuffer.capacity()) {
                allocateWriteBuffer(Integer.highestOneBit(length - 1) << 1);
            }
        }
        ByteBuffer b = writeBuffer;
        int p = b.position();
        b.putInt(p + JournalFormat.LENGTH_OFFSET, length);
        b.putLong(p + JournalFormat.SEQ_OFFSET, seq);
        b.putLong(p + JournalFormat.RECEIVED_AT_US_OFFSET, receivedAtUs);
        b.putLong(p + JournalFormat.TS_US_OFFSET, tsUs);
        b.putShort(p + JournalFormat.TYPE_OFFSET, (short) type);
        b.putShort(p + JournalFormat.FLAGS_OFFSET, (short) 0);
        b.putInt(p + JournalFormat.FRAME_LENGTH_OFFSET, frameLength);
        b.putInt(p + JournalFormat.EXTRA_LENGTH_OFFSET, extraLength);
        b.putInt(p + JournalFormat.EXTRA_LENGTH_OFFSET + 4, 0);
        int at = p + JournalFormat.RECORD_HEADER_LENGTH;
        if (frameLength > 0) {
            b.put(at, frame, frameOffset, frameLength);
            at += frameLength;
        }
        if (extraLength > 0) {
            b.put(at, extra, extraOffset, extraLength);
            at += extraLength;
        }
        int end = p + length;
        while (at < end) {
            b.put(at++, (byte) 0);
        }
        b.putInt(p + JournalFormat.CRC_OFFSET, JournalFormat.crc32c(crc, crcView, p + JournalFormat.CRC_START_OFFSET, end));
        b.position(end);

        if (recordsInSegment % indexInterval == 0) {
            activeIndex.add(seq, activeWritten + p, activeIndex.maxTsUs());
        }
        activeIndex.noteTs(tsUs);
        recordsInSegment++;
        lastSeq = seq;
    }

    /** Writes the buffered records to the operating system; readers can see them afterwards. Writer thread only. */
    public void flush() throws IOException {
        checkOpen();
        flushBuffer();
    }

    /** {@link #flush()}, then fsync (data only) of the active segment; one call covers every record before it. */
    public void force() throws IOException {
        checkOpen();
        flushBuffer();
        sync();
    }

    /**
     * Forces to disk every record flushed so far (fsync, data only, of the active segment; earlier
     * segments were forced when they were sealed). Any thread: the writer may append and flush
     * meanwhile, and what it flushes during the fsync waits for the next call.
     *
     * @return {@link #durableSeq()} after the call, at least the {@link #flushedSeq()} it began with
     * @throws IllegalStateException when the journal is closed
     */
    public long sync() throws IOException {
        synchronized (syncLock) {
            if (closed) {
                throw new IllegalStateException("journal " + directory + " is closed");
            }
            long flushed = flushedSeq; // written to the channel before this read
            if (durableSeq < flushed) {
                long bytes = activeFlushedBytes; // at least flushed's records, all written before the fsync
                long start = System.nanoTime();
                channel.force(false);
                timed(start);
                durableSeq = flushed;
                durableBytes = bytes;
            }
            return durableSeq;
        }
    }

    /**
     * From now on tells {@code timer} how long, in microseconds, each force of records to disk takes:
     * a {@link #sync} that had records to force, and a segment roll's force of the sealed segment. It
     * is called under the journal's sync lock, so by one thread at a time, whichever forced; it must be
     * quick and must not call back into the journal.
     */
    public void timeForces(LongConsumer timer) {
        this.forceTimer = timer;
    }

    /** Tells the force timer, if any, how long the force that began at {@code startNanos} took. Under syncLock. */
    private void timed(long startNanos) {
        LongConsumer timer = forceTimer;
        if (timer != null) {
            timer.accept((System.nanoTime() - startNanos) / 1_000);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("journal " + directory + " is closed");
        }
    }

    private void flushBuffer() throws IOException {
        ByteBuffer b = writeBuffer;
        if (b.position() > 0) {
            b.flip();
            int bytes = b.remaining();
            long end = activeWritten + bytes;
            if (end <= zeroedTo) {
                writeFully(b); // over zeros: the zeroing thread works past zeroedTo only
            } else {
                synchronized (zeroLock) { // the zeroing thread is behind: the records grow the file themselves
                    writeFully(b);
                    if (end > zeroedTo) {
                        zeroedTo = end;
                    }
                }
            }
            b.clear();
            activeWritten = end;
            activeFlushedBytes = activeWritten;
            requestZeroing();
        }
        if (flushedSeq != lastSeq) {
            flushedSeq = lastSeq;
        }
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    /**
     * Asks the zeroing thread to keep the active segment zeroed {@link #PREALLOCATE_BYTES} past the
     * records (at most to the segment size), once the records have used {@link #ZERO_REQUEST_BYTES}
     * of it; otherwise wakes it each {@link #ZERO_REQUEST_BYTES} of records (a quarter segment, for
     * smaller segments) to go on preparing the next segment. Writer thread only.
     */
    private void requestZeroing() {
        if (zeroingStopped) {
            return;
        }
        long target = Math.min(segmentSize, activeWritten + PREALLOCATE_BYTES);
        if (target - zeroTarget >= ZERO_REQUEST_BYTES) {
            zeroTarget = target;
            wakeHelper();
        } else if (activeWritten - nextAskedAt >= Math.min(ZERO_REQUEST_BYTES, segmentSize / 4)) {
            nextAskedAt = activeWritten; // the next segment's preparation keeps pace with the records
            wakeHelper();
        }
    }

    /** Starts the zeroing thread on first use, and wakes it. Writer thread only. */
    private void wakeHelper() {
        if (zeroer == null) {
            zeroer = new Thread(this::zeroAhead, "watchpost-journal-zero");
            zeroer.setDaemon(true);
            zeroer.start();
        }
        LockSupport.unpark(zeroer);
    }

    /**
     * The zeroing thread: extends the active segment with zero bytes up to {@link #zeroTarget}, one
     * write of {@link #ZERO_WRITE_BYTES} at a time under {@link #zeroLock}. The records then overwrite
     * zeros the file already has, so an fsync writes their data and, once the zeros' blocks are
     * allocated (by the first force after their write, under delayed allocation), nothing else; a
     * write that grows the file also makes the fsync commit the file system's metadata, which on
     * ext4 is the slow and uneven part of it. It writes only past {@link #zeroedTo}, where no record
     * is yet. Then it prepares the next segment (a file created, zeroed no further than
     * {@link #PREALLOCATE_BYTES} past the active segment's records, then forced), and with nothing
     * else to do it drops the cached pages of the segments the writer sealed, then those behind the
     * durable records ({@link #CACHED_TAIL_BYTES}), or else starts the write-back of records far ahead
     * of the last force ({@link #WRITE_BEHIND_BYTES}). If a write fails, the thread ends and the
     * records grow the file from then on (and every roll makes its segment itself); if a drop fails,
     * the pages stay cached from then on; if a write-back cannot be started, none is from then on.
     * Each is reported by {@link #helperProblem()}.
     */
    private void zeroAhead() {
        try {
            while (!zeroingStopped) {
                boolean worked = false;
                Path dropFile = null;
                long dropFrom = 0;
                long dropTo = 0;
                Path writeBackFile = null;
                long writeBackFrom = 0;
                long writeBackTo = 0;
                SealedPages sealed = null;
                FileChannel prepared = null;
                long nextWriteBackFrom = 0;
                long nextWriteBackTo = 0;
                synchronized (zeroLock) {
                    long at = zeroedTo;
                    long target = zeroTarget;
                    long dropUpTo = durableBytes - CACHED_TAIL_BYTES;
                    long notForcedFrom = Math.max(durableBytes, writtenBackTo);
                    long flushed = activeFlushedBytes;
                    boolean preparing = !zeroingStopped && !nextReady;
                    long nextLimit = Math.min(segmentSize, flushed + PREALLOCATE_BYTES);
                    if (!zeroingStopped && at < target) {
                        zeros.clear().limit((int) Math.min(zeros.capacity(), target - at));
                        zeroedTo = at + channel.write(zeros, at);
                        worked = true;
                    } else if (preparing && nextChannel == null) {
                        nextChannel = FileChannel.open(nextPath, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                                StandardOpenOption.READ, StandardOpenOption.WRITE);
                        nextZeroedTo = 0;
                        nextWrittenBackTo = 0;
                        worked = true;
                    } else if (preparing && nextZeroedTo < nextLimit) {
                        // at the records' pace, so that the next segment's zeros reach the disk as evenly as they would ahead of them
                        zeros.clear().limit((int) Math.min(zeros.capacity(), nextLimit - nextZeroedTo));
                        nextZeroedTo += nextChannel.write(zeros, nextZeroedTo);
                        if (writingBehind && (nextZeroedTo - nextWrittenBackTo >= ZERO_REQUEST_BYTES || nextZeroedTo == segmentSize)) {
                            nextWriteBackFrom = nextWrittenBackTo;
                            nextWriteBackTo = nextZeroedTo;
                            nextWrittenBackTo = nextZeroedTo;
                        }
                        worked = true;
                    } else if (preparing && nextZeroedTo == segmentSize) {
                        prepared = nextChannel; // forced outside the lock; the roll meanwhile makes a segment of its own
                        worked = true;
                    } else if (!sealedToDrop.isEmpty()) {
                        sealed = sealedToDrop.poll();
                        worked = true;
                    } else if (dropping && dropUpTo - droppedTo >= DROP_STEP_BYTES) {
                        dropFile = cachedPath;
                        dropFrom = droppedTo;
                        dropTo = dropUpTo;
                        droppedTo = dropTo;
                        worked = true;
                    } else if (writingBehind && flushed - notForcedFrom >= WRITE_BEHIND_BYTES) {
                        writeBackFile = cachedPath;
                        writeBackFrom = notForcedFrom;
                        writeBackTo = flushed;
                        writtenBackTo = flushed;
                        worked = true;
                    }
                }
                if (nextWriteBackTo > nextWriteBackFrom) {
                    try {
                        PageCache.writeBack(nextPath, nextWriteBackFrom, nextWriteBackTo - nextWriteBackFrom);
                    } catch (IOException | RuntimeException e) {
                        // only a help, and the roll may have taken the file meanwhile: the force writes the zeros instead
                    }
                }
                if (prepared != null) {
                    try {
                        prepared.force(true);
                    } catch (IOException e) {
                        if (zeroingStopped) {
                            break; // closed meanwhile
                        }
                        throw e;
                    }
                    synchronized (zeroLock) {
                        nextReady = nextChannel == prepared;
                    }
                }
                if (sealed != null) {
                    dropSealed(sealed);
                }
                if (dropFile != null) {
                    dropCached(dropFile, dropFrom, dropTo);
                }
                if (writeBackFile != null) {
                    startWriteBack(writeBackFile, writeBackFrom, writeBackTo);
                }
                if (!worked) {
                    LockSupport.park(this);
                }
            }
        } catch (IOException | RuntimeException e) {
            // zeroing is only a help: the writer's records grow the file instead
            helperProblem = "the journal stopped zeroing ahead and dropping cached pages: " + e;
            zeroingStopped = true;
        }
    }

    /**
     * Starts the write-back of {@code file}'s bytes in [from, to), not yet forced, so that the force
     * that comes for them (a segment roll's, under {@code fsync: never}) finds them on their way to
     * the disk instead of all still to write; on failure, stops starting write-backs.
     */
    private void startWriteBack(Path file, long from, long to) {
        try {
            PageCache.writeBack(file, from, to - from);
        } catch (IOException | RuntimeException e) {
            writingBehind = false;
            helperProblem = "the journal stopped starting the write-back of records not yet forced: " + e;
        }
    }

    /** A sealed segment's file and length, for the zeroing thread to drop its cached pages. */
    private record SealedPages(Path path, long length) {
    }

    /**
     * Has the zeroing thread drop a just sealed segment's cached pages (starting it if need be), or
     * drops them here when that thread has stopped. Writer thread only.
     */
    private void dropSealedLater(Path path, long length) {
        boolean handed = false;
        synchronized (zeroLock) {
            if (!zeroingStopped) {
                sealedToDrop.add(new SealedPages(path, length));
                sealedDropsAsked++;
                handed = true;
            }
        }
        if (handed) {
            wakeHelper();
        } else {
            dropCached(path, 0, length);
        }
    }

    /** The zeroing thread's drop of a sealed segment's pages, counted for {@link #awaitSealedDropped}. */
    private void dropSealed(SealedPages sealed) {
        dropSealedNow(sealed);
        sealedDropsDone++; // the zeroing thread only
    }

    private void dropSealedNow(SealedPages sealed) {
        if (dropping) {
            dropCached(sealed.path(), 0, sealed.length());
        }
    }

    /** Drops the cached pages of {@code file} in [from, to), already durable; on failure, stops dropping. */
    private void dropCached(Path file, long from, long to) {
        try {
            PageCache.drop(file, from, to - from);
        } catch (IOException | RuntimeException e) {
            dropping = false;
            helperProblem = "the journal stopped dropping cached pages: " + e;
        }
    }

    /**
     * Why the journal's helper thread stopped zeroing ahead or dropping cached pages behind, or why it
     * cannot drop them here; null while it does what {@link JournalConfig} asks. Any thread. The journal
     * stays correct either way: records then grow the file themselves, or pages stay cached.
     */
    public String helperProblem() {
        return helperProblem;
    }

    /** Closes and deletes the next segment's file, prepared or not; the zeroing thread has been stopped. */
    private void closeNext() {
        FileChannel next;
        synchronized (zeroLock) {
            next = nextChannel;
            nextChannel = null;
            nextReady = false;
        }
        try {
            if (next != null) {
                next.close();
            }
            Files.deleteIfExists(nextPath);
        } catch (IOException ignored) {
            // a leftover is deleted by the next open's recovery
        }
    }

    /** Ends the zeroing thread (after the write it may be doing); drops the sealed segments' pages it had yet to. */
    private void stopZeroing() {
        SealedPages[] left;
        synchronized (zeroLock) {
            zeroingStopped = true;
            left = sealedToDrop.toArray(new SealedPages[0]);
            sealedToDrop.clear();
        }
        if (zeroer != null) {
            LockSupport.unpark(zeroer);
        }
        for (SealedPages sealed : left) { // what the zeroing thread had not come to yet
            dropSealedNow(sealed);
        }
    }

    /** Waits until the zeroing thread has dropped every sealed segment handed to it; false after {@code timeoutMillis}. For tests. */
    boolean awaitSealedDropped(long timeoutMillis) {
        awaitHelper(() -> sealedDropsDone >= sealedDropsAsked || zeroingStopped, timeoutMillis);
        return sealedDropsDone >= sealedDropsAsked;
    }

    /** Waits until the zeroing thread has the next segment zeroed whole and forced; false after {@code timeoutMillis}. For tests. */
    boolean awaitNextPrepared(long timeoutMillis) {
        BooleanSupplier ready = () -> {
            synchronized (zeroLock) {
                return nextReady;
            }
        };
        awaitHelper(() -> ready.getAsBoolean() || zeroingStopped, timeoutMillis);
        return ready.getAsBoolean();
    }

    /** Waits until the zeroing thread has done what it was asked; false after {@code timeoutMillis}. For tests. */
    boolean awaitZeroed(long timeoutMillis) {
        awaitHelper(() -> zeroedTo >= zeroTarget || zeroingStopped, timeoutMillis);
        return zeroedTo >= zeroTarget;
    }

    /**
     * Waits until the write-back of the active segment before {@code position} was started and returns
     * how far it was; returns early, with less, after {@code timeoutMillis}. For tests.
     */
    long awaitWrittenBack(long position, long timeoutMillis) {
        awaitHelper(() -> writtenBackTo >= position || !writingBehind, timeoutMillis);
        return writtenBackTo;
    }

    /**
     * Waits until the pages of the active segment before {@code position} were dropped and returns how
     * far they were; returns early, with less, after {@code timeoutMillis}. For tests.
     */
    long awaitDropped(long position, long timeoutMillis) {
        awaitHelper(() -> droppedTo >= position || !dropping, timeoutMillis);
        return droppedTo;
    }

    /** Polls {@code done} every millisecond until it holds or {@code timeoutMillis} have passed. For tests. */
    private static void awaitHelper(BooleanSupplier done, long timeoutMillis) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (!done.getAsBoolean() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(1_000_000);
        }
    }

    /** Cuts the active segment's zeroed tail off, so that the file ends where its records do. Under zeroLock. */
    private void cutZeroedTail() throws IOException {
        if (zeroedTo > activeWritten) {
            channel.truncate(activeWritten);
            zeroedTo = activeWritten;
        }
        zeroTarget = zeroedTo;
    }

    /**
     * Seals the active segment (flushed, zeroed tail cut off, forced, index file written) and starts a new one at
     * {@code nextSeq}. Once per segment, so its allocations and fsyncs do not matter.
     */
    private void roll(long nextSeq) throws IOException {
        flushBuffer();
        Segment sealed = active;
        SegmentIndex sealedIndex = activeIndex;
        long sealedLength = activeWritten;
        synchronized (syncLock) { // a sync() meanwhile would force a closed channel
            synchronized (zeroLock) { // and the zeroing thread write into one
                cutZeroedTail();
                long start = System.nanoTime();
                channel.force(true); // with the file's new length
                timed(start);
                durableSeq = lastSeq;
                sealedIndex.write(sealed.indexPath, sealed.firstSeq, lastSeq, activeWritten, indexInterval);
                channel.close();
                FileChannel prepared = nextReady ? nextChannel : null;
                if (prepared != null) {
                    nextChannel = null;
                    nextReady = false;
                    channel = SegmentFiles.claim(directory, nextSeq, prepared, nextPath);
                    zeroedTo = segmentSize; // zeroed whole and forced: no zeroing ahead, and forces write records only
                } else {
                    channel = SegmentFiles.create(directory, nextSeq);
                    zeroedTo = JournalFormat.SEGMENT_HEADER_LENGTH;
                }
                activeWritten = JournalFormat.SEGMENT_HEADER_LENGTH;
                zeroTarget = zeroedTo;
                nextAskedAt = 0;
                cachedPath = directory.resolve(JournalFormat.segmentFileName(nextSeq));
                durableBytes = activeWritten;
                droppedTo = 0;
                writtenBackTo = 0;
            }
        }
        if (dropping) {
            dropSealedLater(sealed.path, sealedLength);
        }
        channel.position(JournalFormat.SEGMENT_HEADER_LENGTH);
        Segment next = new Segment(directory, nextSeq);
        SegmentIndex nextIndex = newIndex();
        next.activate(nextIndex);
        active = next;
        activeIndex = nextIndex;
        recordsInSegment = 0;

        Segment[] old = segments;
        Segment[] grown = Arrays.copyOf(old, old.length + 1);
        grown[old.length] = next;
        sealedBytes += sealedLength;
        activeFlushedBytes = activeWritten;
        segments = grown;
        sealed.seal(sealedIndex.maxTsUs());
    }

    /** Seq of the last appended record (buffered or not); 0 for a new journal. Writer thread only. */
    public long lastSeq() {
        return lastSeq;
    }

    /** Seq of the last record written to the operating system and visible to readers. Any thread. */
    public long flushedSeq() {
        return flushedSeq;
    }

    /** Seq of the last record forced to disk. Any thread. */
    public long durableSeq() {
        return durableSeq;
    }

    /** First seq the journal holds (or will hold, when empty). Any thread. */
    public long firstSeq() {
        return segments[0].firstSeq;
    }

    public Path directory() {
        return directory;
    }

    Segment[] segments() {
        return segments;
    }

    int indexInterval() {
        return indexInterval;
    }

    /**
     * The event time (tsUs) of the last record the operating system has, read back; {@link Long#MIN_VALUE}
     * when the journal holds none. For start-up, where rule state is rebuilt from the tail. Any thread.
     */
    public long lastRecordTsUs() throws IOException {
        long last = flushedSeq;
        if (last < firstSeq()) {
            return Long.MIN_VALUE;
        }
        JournalRecord record = new JournalRecord();
        try (JournalReader reader = reader(last, last)) {
            return reader.next(record) ? record.tsUs() : Long.MIN_VALUE;
        }
    }

    /** A reader from {@code fromSeq} (or the first seq held, when earlier) onwards, following the tail. Any thread. */
    public JournalReader reader(long fromSeq) {
        return reader(fromSeq, Long.MAX_VALUE);
    }

    /** A reader of {@code fromSeq..toSeqInclusive}; see {@link #reader(long)}. Any thread. */
    public JournalReader reader(long fromSeq, long toSeqInclusive) {
        return new JournalReader(this, fromSeq, toSeqInclusive, JournalReader.WINDOW_SIZE);
    }

    /**
     * A reader for looking records up one at a time, {@link JournalReader#seek} then
     * {@link JournalReader#next}: it reads a smaller window than {@link #reader(long)} does, so a lookup
     * in a segment whose pages are no longer cached reads little more than the records between two
     * index entries. Any thread.
     */
    public JournalReader lookupReader() {
        return new JournalReader(this, 1, Long.MAX_VALUE, JournalReader.LOOKUP_WINDOW_SIZE);
    }

    /**
     * The seq to start reading from to see every record whose event time is at or after {@code tsUs}:
     * every record before it has an earlier tsUs. Records after it may still be earlier (event times
     * arrive out of order), so the caller filters on {@link JournalRecord#tsUs()}. When no record is that
     * late, returns {@code flushedSeq() + 1}: only records yet to come can match. Any thread; may read
     * index files, or scan a sealed segment that has none.
     */
    public long seqForTime(long tsUs) throws IOException {
        long flushed = flushedSeq;
        Segment[] list = segments;
        for (Segment segment : list) {
            if (segment.maxTsUs(indexInterval) >= tsUs) {
                SegmentIndex index = segment.indexForReading();
                if (index == null) {
                    return segment.firstSeq;
                }
                int entry = index.lastBeforeTime(tsUs);
                return entry < 0 ? segment.firstSeq : index.seq(entry);
            }
        }
        return flushed + 1;
    }

    /** A snapshot of counts; during a roll the byte count may be off by one segment for a moment. Any thread. */
    public JournalStats stats() {
        Segment[] list = segments;
        long flushed = flushedSeq;
        long durable = durableSeq;
        long first = list[0].firstSeq;
        return new JournalStats(list.length, flushed - first + 1, sealedBytes + activeFlushedBytes, first, flushed, durable);
    }

    /**
     * Flushes, forces and closes the files and releases the directory. Writer thread only. Readers
     * already open keep working on what was written.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            flushBuffer();
            stopZeroing();
            synchronized (syncLock) {
                synchronized (zeroLock) {
                    cutZeroedTail();
                }
                channel.force(true);
                durableSeq = lastSeq;
            }
        } finally {
            closeQuietly();
        }
    }

    private void closeQuietly() {
        stopZeroing();
        synchronized (syncLock) {
            closed = true;
        }
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException ignored) {
            // closing after a failure: the first exception is the one that matters
        }
        closeNext();
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException ignored) {
            // as above
        }
    }

    /**
     * Scans every segment in {@code directory} (which a writer may hold open; its unflushed tail then
     * shows as damage) and reports counts and the first problem. Reads only; repairs nothing.
     */
    public static VerifyReport verify(Path directory) throws IOException {
        return JournalVerifier.verify(directory);
    }
}
