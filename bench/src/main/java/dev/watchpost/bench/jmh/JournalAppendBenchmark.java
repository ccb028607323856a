package dev.watchpost.bench.jmh;

import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.JournalConfig;
import dev.watchpost.persistence.journal.JournalFormat;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The journal stage's work per event under each fsync policy: {@link Journal#append} of a 248-byte
 * record (a 200-byte EVENT frame plus the 48-byte record header), with the commit the policy asks
 * for amortised over the records it covers. One op is one append, plus:
 *
 * <ul>
 *   <li>{@code never}: a {@link Journal#flush()} (write to the OS, no fsync) every 256th op;</li>
 *   <li>{@code batch}: a {@link Journal#force()} (write + fsync) every 256th op, a group commit of
 *       256 records, as the journal stage does at the end of a ring batch;</li>
 *   <li>{@code always}: a {@link Journal#force()} after every op.</li>
 * </ul>
 *
 * A 256-record batch is what the journal stage sees under a moderate load; under heavy load batches
 * are larger and the fsync share smaller. Each iteration writes a fresh journal in a temp directory
 * with 64 MiB segments (the default), so segments roll (flush, fsync, index file, new file) inside
 * the measurement as they do in the daemon; the directory is deleted after the iteration so the
 * disk does not fill up.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class JournalAppendBenchmark {
    /** Records covered by one flush ({@code never}) or one fsync ({@code batch}). */
    static final int BATCH_RECORDS = 256;
    /** Frame payload that makes the record 248 bytes: 48 header + 158 fixed + 6 label + 36 payload. */
    static final int PAYLOAD_BYTES = 36;

    @Param({"never", "batch", "always"})
    String fsync;

    private ByteBuffer frame;
    private int frameLength;
    private long tsUs;
    private int commitEvery;
    private boolean force;
    private Path directory;
    private Journal journal;
    private long seq;

    @Setup(Level.Trial)
    public void setUp() {
        tsUs = System.currentTimeMillis() * 1000;
        frame = BenchFrames.faceRecognized(UUID.randomUUID(), tsUs, PAYLOAD_BYTES);
        frameLength = BenchFrames.frameLength(PAYLOAD_BYTES);
        if (JournalFormat.recordLength(frameLength, 0) != 248) {
            throw new IllegalStateException("record is " + JournalFormat.recordLength(frameLength, 0) + " bytes, expected 248");
        }
        switch (fsync) {
            case "never" -> { commitEvery = BATCH_RECORDS; force = false; }
            case "batch" -> { commitEvery = BATCH_RECORDS; force = true; }
            case "always" -> { commitEvery = 1; force = true; }
            default -> throw new IllegalArgumentException("fsync must be never, batch or always, was " + fsync);
        }
    }

    @Setup(Level.Iteration)
    public void openJournal() throws IOException {
        directory = BenchFrames.tempDirectory("watchpost-bench-journal-");
        journal = Journal.open(JournalConfig.of(directory));
        seq = 0;
    }

    @TearDown(Level.Iteration)
    public void deleteJournal() throws IOException {
        journal.close();
        BenchFrames.deleteRecursively(directory);
    }

    @Benchmark
    public long append() throws IOException {
        long s = ++seq;
        journal.append(s, tsUs, tsUs, frame, 0, frameLength, null, 0, 0);
        if (s % commitEvery == 0) {
            if (force) {
                journal.force();
            } else {
                journal.flush();
            }
        }
        return s;
    }
}
