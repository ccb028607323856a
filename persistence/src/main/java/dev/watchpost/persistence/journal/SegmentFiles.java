package dev.watchpost.persistence.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/** File-level chores of the journal: listing segments, their headers, creating one, syncing the directory. */
final class SegmentFiles {
    private SegmentFiles() {
    }

    /** First seqs of the segment files in {@code directory}, ascending. */
    static long[] list(Path directory) throws IOException {
        long[] seqs = new long[16];
        int n = 0;
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory, "*" + JournalFormat.SEGMENT_SUFFIX)) {
            for (Path path : stream) {
                String name = path.getFileName().toString();
                long firstSeq = JournalFormat.parseSegmentFileName(name);
                if (firstSeq < 1) {
                    throw new JournalCorruptException(path + ": not a segment name (expected "
                            + JournalFormat.NAME_DIGITS + " digits of a first seq >= 1 and "
                            + JournalFormat.SEGMENT_SUFFIX + ")");
                }
                if (n == seqs.length) {
                    seqs = Arrays.copyOf(seqs, n * 2);
                }
                seqs[n++] = firstSeq;
            }
        }
        long[] sorted = Arrays.copyOf(seqs, n);
        Arrays.sort(sorted);
        return sorted;
    }

    /** What is wrong with the header of an open segment, or {@code null} when it is sound. */
    static String readHeaderProblem(FileChannel channel, long expectedFirstSeq) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(JournalFormat.SEGMENT_HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        while (header.hasRemaining()) {
            if (channel.read(header, header.position()) < 0) {
                return "file shorter than the segment header (" + channel.size() + " bytes)";
            }
        }
        return JournalFormat.checkSegmentHeader(header, expectedFirstSeq);
    }

    /**
     * Creates a segment file for {@code firstSeq} with its header, forced to disk together with the
     * directory entry, and returns it open for reading and writing, positioned after the header.
     */
    static FileChannel create(Path directory, long firstSeq) throws IOException {
        Path path = directory.resolve(JournalFormat.segmentFileName(firstSeq));
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            ByteBuffer header = ByteBuffer.allocate(JournalFormat.SEGMENT_HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
            JournalFormat.encodeSegmentHeader(header, firstSeq);
            while (header.hasRemaining()) {
                channel.write(header);
            }
            channel.force(true);
            syncDirectory(directory);
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Makes {@code prepared} (open for reading and writing, {@code preparedPath} in {@code directory},
     * zeroed and forced beforehand) the segment for {@code firstSeq}: its header written over its
     * start and forced, then the file renamed to the segment's name and the directory forced, so that
     * the name never shows a file without its header. Returns the channel, positioned after the header.
     */
    static FileChannel claim(Path directory, long firstSeq, FileChannel prepared, Path preparedPath) throws IOException {
        try {
            ByteBuffer header = ByteBuffer.allocate(JournalFormat.SEGMENT_HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
            JournalFormat.encodeSegmentHeader(header, firstSeq);
            while (header.hasRemaining()) {
                prepared.write(header, header.position());
            }
            prepared.force(false);
            Files.move(preparedPath, directory.resolve(JournalFormat.segmentFileName(firstSeq)), StandardCopyOption.ATOMIC_MOVE);
            syncDirectory(directory);
            prepared.position(JournalFormat.SEGMENT_HEADER_LENGTH);
            return prepared;
        } catch (IOException | RuntimeException e) {
            prepared.close();
            throw e;
        }
    }

    /** fsync of the directory itself, so that a new or removed file name survives a power loss (Linux). */
    static void syncDirectory(Path directory) throws IOException {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }
}
