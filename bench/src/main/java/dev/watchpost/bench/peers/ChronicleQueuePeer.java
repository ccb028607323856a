package dev.watchpost.bench.peers;

import dev.watchpost.persistence.journal.JournalFormat;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
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
 * Peer of {@link JournalOnlyRun} on Chronicle Queue: the same writer appends excerpts of exactly
 * the journal's record length (its 48-byte header fields, then the frame, padded to 8) and, every
 * {@code --batch} records, {@code sync()}s the appender with {@link SyncMode#SYNC} (msync of the
 * mapped file up to the write position), as the journal forces its segment.
 *
 * <p>Run with {@code -Dchronicle.analytics.disable=true} and the project's JVM argument file.
 */
@Command(name = "chronicle-queue-peer", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Chronicle Queue peer of the journal: excerpts of the journal's record size, sync every --batch; prints events/s.")
public final class ChronicleQueuePeer implements Callable<Integer> {
    @Mixin
    PeerOptions options;

    @Option(names = "--dir", required = true, description = "An empty directory for the queue.")
    Path directory;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ChronicleQueuePeer()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        options.check();
        long[] bytes = new long[1];
        Bytes<ByteBuffer> record = Bytes.elasticHeapByteBuffer(1024);
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(directory.toFile()).syncMode(SyncMode.SYNC).build();
             ExcerptAppender appender = queue.createAppender()) {
            System.out.println("Chronicle Queue: " + options.producers + " streams, one appender, sync every " + options.batch
                + " records, roll cycle " + queue.rollCycle() + ", in " + directory);
            AppendLoop loop = new AppendLoop();
            double rate = loop.run(options, new AppendLoop.Store() {
                @Override
                public void append(long seq, ByteBuffer frame, int length) {
                    long nowUs = TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis());
                    int recordLength = JournalFormat.recordLength(length, 0);
                    record.clear();
                    record.writeInt(recordLength).writeInt(0).writeLong(seq).writeLong(nowUs).writeLong(nowUs)
                        .writeShort((short) JournalFormat.TYPE_EVENT).writeShort((short) 0).writeInt(length).writeInt(0).writeInt(0);
                    record.write(frame.array(), 0, length);
                    while (record.writePosition() < recordLength) {
                        record.writeByte((byte) 0);
                    }
                    appender.writeBytes(record);
                    bytes[0] += recordLength;
                }

                @Override
                public void force() {
                    appender.sync();
                }
            });
            System.out.printf(Locale.ROOT, "records %,d, mean record %.1f bytes (Chronicle adds a 4-byte header)%n",
                loop.completed(), (double) bytes[0] / Math.max(1, loop.completed()));
            PeerMeasurement.printResult(System.out, rate);
        }
        return 0;
    }
}
