package dev.watchpost.bench.peers;

import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.JournalConfig;
import dev.watchpost.persistence.journal.JournalFormat;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Watchpost's journal alone, the reference for {@link ChronicleQueuePeer}: one writer appends the
 * load generator's frames as event records ({@link JournalFormat#recordLength} bytes each, CRC
 * included) and forces the segment every {@code --batch} records.
 *
 * <pre>
 *   frames of N detector streams ─► writer ─ append ×K ─ force ─► Journal (fresh directory, default segments)
 * </pre>
 */
@Command(name = "journal-only", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Watchpost's Journal alone: append the load generator's frames, force every --batch records; prints events/s.")
public final class JournalOnlyRun implements Callable<Integer> {
    @Mixin
    PeerOptions options;

    @Option(names = "--dir", required = true, description = "An empty directory for the journal.")
    Path directory;

    public static void main(String[] args) {
        System.exit(new CommandLine(new JournalOnlyRun()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        options.check();
        long[] bytes = new long[1];
        try (Journal journal = Journal.open(JournalConfig.of(directory))) {
            System.out.println("Journal only: " + options.producers + " streams, one writer, force every " + options.batch
                + " records, segments of " + journal.config().segmentSize() + " bytes, in " + directory);
            double rate = new AppendLoop().run(options, new AppendLoop.Store() {
                @Override
                public void append(long seq, ByteBuffer frame, int length) throws java.io.IOException {
                    long nowUs = TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis());
                    journal.append(seq, nowUs, nowUs, frame, 0, length, null, 0, 0);
                    bytes[0] += JournalFormat.recordLength(length, 0);
                }

                @Override
                public void force() throws java.io.IOException {
                    journal.force();
                }
            });
            System.out.printf(Locale.ROOT, "records %,d, mean record %.1f bytes%n", journal.lastSeq(), (double) bytes[0] / journal.lastSeq());
            PeerMeasurement.printResult(System.out, rate);
        }
        return 0;
    }
}
