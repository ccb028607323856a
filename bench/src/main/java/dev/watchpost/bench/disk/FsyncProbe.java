package dev.watchpost.bench.disk;

import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.JournalConfig;
import dev.watchpost.persistence.journal.JournalFormat;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * What one group commit's fsync costs on this disk, which no ACK under {@code fsync: batch} can beat:
 * the time of each force, as a percentile table, for commits of the size the daemon makes at a given
 * rate. Two ways, one after the other on the same directory's disk:
 *
 * <pre>
 *   file     write(batch bytes) + fdatasync, over a file written and forced beforehand (the floor)
 *   ahead    the same over a file a second thread keeps zeroed ahead of the commits, as the journal
 *            does its active segment (4 MiB ahead, asked for each MiB, 64 KiB a write), nothing forced
 *            beforehand
 *   journal  Journal.append × records + Journal.force: the daemon's own path (zeroing ahead, drop-behind)
 * </pre>
 *
 * Between two commits it pauses {@code --pause-us}, as the stage thread does while it handles the
 * next batch. The defaults are the daemon's at 100,000 events/s: about 1,850 commits a second of
 * 55 records of 330 bytes. The first two ways differ only in when the file's blocks are written and
 * made durable: before any commit, or just ahead of them (then a force also writes the zeros'
 * blocks, and on ext4 allocates them). With {@code --forcers} above 1, the file way runs that many threads at
 * once, each committing its share of the commits to its own part of the one file, so that forces
 * overlap: whether the disk serves a force started while another is in flight alongside it, or
 * after it, shows in the commits a second against one thread's.
 */
@Command(name = "fsync-probe", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Times each commit's fsync on this disk: a plain file, then Watchpost's journal; prints percentiles in µs.")
public final class FsyncProbe implements Callable<Integer> {
    private static final long HIGHEST_NANOS = TimeUnit.SECONDS.toNanos(10);

    @Option(names = "--dir", required = true, description = "An empty directory on the disk to measure.")
    Path directory;

    @Option(names = "--commits", defaultValue = "20000", description = "Commits timed per way (default: ${DEFAULT-VALUE}).")
    int commits;

    @Option(names = "--records", defaultValue = "55", description = "Records per commit (default: ${DEFAULT-VALUE}).")
    int records;

    @Option(names = "--record-bytes", defaultValue = "330", description = "Bytes per record, header included (default: ${DEFAULT-VALUE}).")
    int recordBytes;

    @Option(names = "--pause-us", defaultValue = "250", description = "Pause between commits, µs (default: ${DEFAULT-VALUE}).")
    long pauseUs;

    @Option(names = "--forcers", defaultValue = "1",
        description = "Threads committing to the plain file at once, each its share of the commits (default: ${DEFAULT-VALUE}).")
    int forcers;

    public static void main(String[] args) {
        System.exit(new CommandLine(new FsyncProbe()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (commits < 100 || records < 1 || recordBytes < JournalFormat.RECORD_HEADER_LENGTH + 64 || pauseUs < 0
            || forcers < 1 || forcers > 16) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                "--commits at least 100, --records at least 1, --record-bytes at least "
                    + (JournalFormat.RECORD_HEADER_LENGTH + 64) + ", --pause-us not negative, --forcers 1..16");
        }
        System.out.printf(Locale.ROOT, "fsync probe: %,d commits of %d records of %d bytes (%,d bytes), %d µs apart, in %s%s%n",
            commits, records, recordBytes, (long) records * recordBytes, pauseUs, directory,
            forcers > 1 ? "; the file's by " + forcers + " threads at once" : "");
        System.out.printf(Locale.ROOT, "%-8s %8s %8s %8s %8s %8s %8s %8s %10s  (µs)%n", "way", "p50", "p90", "p99", "p99.9", "max", "mean",
            "> 2 ms", "commits/s");
        print("file", file());
        print("ahead", fileZeroedAhead());
        print("journal", journal());
        return 0;
    }

    /** The plain file's commits, by {@link #forcers} threads, thread {@code t} writing commits t, t + forcers, … in their places. */
    private Timed file() throws Exception {
        Path path = directory.resolve("fsync-probe.dat");
        int batch = records * recordBytes;
        long size = (long) batch * commits;
        Histogram times = new Histogram(HIGHEST_NANOS, 3);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE)) {
            ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
            for (long at = 0; at < size; at += zeros.capacity()) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), size - at));
                channel.write(zeros, at);
            }
            channel.force(true);
            Histogram[] perThread = new Histogram[forcers];
            Thread[] threads = new Thread[forcers];
            AtomicReference<Exception> failure = new AtomicReference<>();
            long start = System.nanoTime();
            for (int t = 0; t < forcers; t++) {
                int first = t;
                perThread[t] = new Histogram(HIGHEST_NANOS, 3);
                threads[t] = new Thread(() -> {
                    try {
                        commitFile(channel, batch, first, perThread[first]);
                    } catch (IOException | RuntimeException e) {
                        failure.compareAndSet(null, e);
                    }
                }, "fsync-probe-" + t);
                threads[t].start();
            }
            for (Thread thread : threads) {
                thread.join();
            }
            long elapsed = System.nanoTime() - start;
            if (failure.get() != null) {
                throw failure.get();
            }
            for (Histogram h : perThread) {
                times.add(h);
            }
            return new Timed(times, elapsed);
        } finally {
            Files.deleteIfExists(path);
        }
    }

    private void commitFile(FileChannel channel, int batch, int first, Histogram times) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocateDirect(batch);
        for (int i = first; i < commits; i += forcers) {
            bytes.clear();
            writeFully(channel, bytes, (long) i * batch);
            long start = System.nanoTime();
            channel.force(false);
            times.recordValue(Math.min(System.nanoTime() - start, HIGHEST_NANOS));
            pause();
        }
    }

    /**
     * The plain file's commits, by one thread, over a file a second thread zeroes ahead of them as the
     * journal's zeroing thread does: only past what is zeroed or written, under a lock that a commit
     * reaching past it takes too (it then grows the file itself).
     */
    private Timed fileZeroedAhead() throws Exception {
        Path path = directory.resolve("fsync-probe-ahead.dat");
        int batch = records * recordBytes;
        long size = (long) batch * commits;
        Histogram times = new Histogram(HIGHEST_NANOS, 3);
        Object lock = new Object();
        AtomicLong zeroedTo = new AtomicLong(); // changed under lock
        AtomicLong target = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE)) {
            Thread zeroer = new Thread(() -> {
                ByteBuffer zeros = ByteBuffer.allocateDirect(Journal.ZERO_WRITE_BYTES);
                try {
                    while (!stop.get()) {
                        boolean worked = false;
                        synchronized (lock) {
                            long at = zeroedTo.get();
                            if (at < target.get()) {
                                zeros.clear().limit((int) Math.min(zeros.capacity(), target.get() - at));
                                zeroedTo.set(at + channel.write(zeros, at));
                                worked = true;
                            }
                        }
                        if (!worked) {
                            LockSupport.park(this);
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    failure.compareAndSet(null, e);
                }
            }, "fsync-probe-zero");
            zeroer.start();
            ByteBuffer bytes = ByteBuffer.allocateDirect(batch);
            long position = 0;
            long start = System.nanoTime();
            try {
                for (int i = 0; i < commits && failure.get() == null; i++) {
                    long want = Math.min(size, position + Journal.PREALLOCATE_BYTES);
                    if (want - target.get() >= Journal.ZERO_REQUEST_BYTES) {
                        target.set(want);
                        LockSupport.unpark(zeroer);
                    }
                    long end = position + batch;
                    bytes.clear();
                    if (end <= zeroedTo.get()) {
                        writeFully(channel, bytes, position); // over zeros: the zeroer works past zeroedTo only
                    } else {
                        synchronized (lock) {
                            writeFully(channel, bytes, position);
                            zeroedTo.set(Math.max(zeroedTo.get(), end));
                        }
                    }
                    position = end;
                    long forceStart = System.nanoTime();
                    channel.force(false);
                    times.recordValue(Math.min(System.nanoTime() - forceStart, HIGHEST_NANOS));
                    pause();
                }
            } finally {
                stop.set(true);
                LockSupport.unpark(zeroer);
                zeroer.join();
            }
            if (failure.get() != null) {
                throw failure.get();
            }
            return new Timed(times, System.nanoTime() - start);
        } finally {
            Files.deleteIfExists(path);
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer bytes, long position) throws IOException {
        while (bytes.hasRemaining()) {
            position += channel.write(bytes, position);
        }
    }

    private Timed journal() throws IOException {
        Path journalDirectory = Files.createDirectory(directory.resolve("fsync-probe-journal"));
        int frameLength = recordBytes - JournalFormat.RECORD_HEADER_LENGTH;
        ByteBuffer frame = ByteBuffer.allocate(frameLength).order(ByteOrder.LITTLE_ENDIAN);
        Histogram times = new Histogram(HIGHEST_NANOS, 3);
        long began = System.nanoTime();
        try (Journal journal = Journal.open(JournalConfig.of(journalDirectory))) {
            long seq = 0;
            for (int i = 0; i < commits; i++) {
                long nowUs = TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis());
                for (int r = 0; r < records; r++) {
                    journal.append(++seq, nowUs, nowUs, frame, 0, frameLength, null, 0, 0);
                }
                long start = System.nanoTime();
                journal.force();
                times.recordValue(Math.min(System.nanoTime() - start, HIGHEST_NANOS));
                pause();
            }
        } finally {
            try (var files = Files.list(journalDirectory)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    Files.delete(file);
                }
            }
            Files.delete(journalDirectory);
        }
        return new Timed(times, System.nanoTime() - began);
    }

    /** Each commit's force time, and how long all the commits took together. */
    private record Timed(Histogram nanos, long elapsedNanos) {
    }

    private void pause() {
        if (pauseUs > 0) {
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(pauseUs));
        }
    }

    private static void print(String way, Timed timed) {
        Histogram nanos = timed.nanos();
        long overTwoMs = nanos.getTotalCount() - nanos.getCountBetweenValues(0, TimeUnit.MILLISECONDS.toNanos(2));
        System.out.printf(Locale.ROOT, "%-8s %8.0f %8.0f %8.0f %8.0f %8.0f %8.0f %7.2f%% %,10.0f%n", way,
            nanos.getValueAtPercentile(50) / 1e3, nanos.getValueAtPercentile(90) / 1e3, nanos.getValueAtPercentile(99) / 1e3,
            nanos.getValueAtPercentile(99.9) / 1e3, nanos.getMaxValue() / 1e3, nanos.getMean() / 1e3,
            100.0 * overTwoMs / nanos.getTotalCount(), nanos.getTotalCount() * 1e9 / timed.elapsedNanos());
    }
}
