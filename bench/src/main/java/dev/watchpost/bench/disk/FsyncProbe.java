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
import java.util.concurrent.locks.LockSupport;

/**
 * What one group commit's fsync costs on this disk, which no ACK under {@code fsync: batch} can beat:
 * the time of each force, as a percentile table, for commits of the size the daemon makes at a given
 * rate. Two ways, one after the other on the same directory's disk:
 *
 * <pre>
 *   file     write(batch bytes) + fdatasync, over a file written and forced beforehand (the floor)
 *   journal  Journal.append × records + Journal.force: the daemon's own path (zeroing ahead, drop-behind)
 * </pre>
 *
 * Between two commits it pauses {@code --pause-us}, as the stage thread does while it handles the
 * next batch. The defaults are the daemon's at 100,000 events/s: about 1,850 commits a second of
 * 55 records of 330 bytes.
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

    public static void main(String[] args) {
        System.exit(new CommandLine(new FsyncProbe()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (commits < 100 || records < 1 || recordBytes < JournalFormat.RECORD_HEADER_LENGTH + 64 || pauseUs < 0) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                "--commits at least 100, --records at least 1, --record-bytes at least "
                    + (JournalFormat.RECORD_HEADER_LENGTH + 64) + ", --pause-us not negative");
        }
        System.out.printf(Locale.ROOT, "fsync probe: %,d commits of %d records of %d bytes (%,d bytes), %d µs apart, in %s%n",
            commits, records, recordBytes, (long) records * recordBytes, pauseUs, directory);
        System.out.printf(Locale.ROOT, "%-8s %8s %8s %8s %8s %8s %8s %8s  (µs)%n", "way", "p50", "p90", "p99", "p99.9", "max", "mean",
            "> 2 ms");
        print("file", file());
        print("journal", journal());
        return 0;
    }

    private Histogram file() throws IOException {
        Path path = directory.resolve("fsync-probe.dat");
        int batch = records * recordBytes;
        long size = (long) batch * commits;
        ByteBuffer bytes = ByteBuffer.allocateDirect(batch);
        Histogram times = new Histogram(HIGHEST_NANOS, 3);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE)) {
            ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
            for (long at = 0; at < size; at += zeros.capacity()) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), size - at));
                channel.write(zeros, at);
            }
            channel.force(true);
            long position = 0;
            for (int i = 0; i < commits; i++) {
                bytes.clear();
                while (bytes.hasRemaining()) {
                    position += channel.write(bytes, position);
                }
                long start = System.nanoTime();
                channel.force(false);
                times.recordValue(Math.min(System.nanoTime() - start, HIGHEST_NANOS));
                pause();
            }
        } finally {
            Files.deleteIfExists(path);
        }
        return times;
    }

    private Histogram journal() throws IOException {
        Path journalDirectory = Files.createDirectory(directory.resolve("fsync-probe-journal"));
        int frameLength = recordBytes - JournalFormat.RECORD_HEADER_LENGTH;
        ByteBuffer frame = ByteBuffer.allocate(frameLength).order(ByteOrder.LITTLE_ENDIAN);
        Histogram times = new Histogram(HIGHEST_NANOS, 3);
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
        return times;
    }

    private void pause() {
        if (pauseUs > 0) {
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(pauseUs));
        }
    }

    private static void print(String way, Histogram nanos) {
        long overTwoMs = nanos.getTotalCount() - nanos.getCountBetweenValues(0, TimeUnit.MILLISECONDS.toNanos(2));
        System.out.printf(Locale.ROOT, "%-8s %8.0f %8.0f %8.0f %8.0f %8.0f %8.0f %7.2f%%%n", way,
            nanos.getValueAtPercentile(50) / 1e3, nanos.getValueAtPercentile(90) / 1e3, nanos.getValueAtPercentile(99) / 1e3,
            nanos.getValueAtPercentile(99.9) / 1e3, nanos.getMaxValue() / 1e3, nanos.getMean() / 1e3,
            100.0 * overTwoMs / nanos.getTotalCount());
    }
}
