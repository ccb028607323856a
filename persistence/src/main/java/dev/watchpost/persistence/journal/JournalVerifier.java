package dev.watchpost.persistence.journal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** The full scan behind {@link Journal#verify}: every header, every record, the chain of segments. */
final class JournalVerifier {
    private JournalVerifier() {
    }

    static VerifyReport verify(Path directory) throws IOException {
        long[] seqs;
        try {
            seqs = SegmentFiles.list(directory);
        } catch (JournalCorruptException e) {
            return new VerifyReport(0, 0, 0, 0, 0, Damage.BAD_HEADER, directory, -1, e.getMessage());
        }
        long records = 0;
        long bytes = 0;
        long lastSeq = 0;
        long previousLast = -1;
        Damage damage = null;
        Path problemFile = null;
        long problemPosition = -1;
        String detail = "clean";
        for (long firstSeq : seqs) {
            Path path = directory.resolve(JournalFormat.segmentFileName(firstSeq));
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
                long size = channel.size();
                bytes += size;
                String headerProblem = SegmentFiles.readHeaderProblem(channel, firstSeq);
                if (headerProblem != null) {
                    if (damage == null) {
                        damage = Damage.BAD_HEADER;
                        problemFile = path;
                        problemPosition = 0;
                        detail = path.getFileName() + ": " + headerProblem;
                    }
                    previousLast = -1;
                    continue;
                }
                if (previousLast >= 0 && firstSeq != previousLast + 1 && damage == null) {
                    damage = Damage.SEGMENT_CHAIN;
                    problemFile = path;
                    problemPosition = 0;
                    detail = path.getFileName() + ": starts at seq " + firstSeq + " but the previous segment ends at "
                            + previousLast;
                }
                SegmentScanner.Result scan = SegmentScanner.scan(channel, size, firstSeq, Integer.MAX_VALUE);
                records += scan.records;
                lastSeq = scan.lastSeq;
                previousLast = scan.lastSeq;
                if (scan.damage != null && damage == null) {
                    damage = scan.damage;
                    problemFile = path;
                    problemPosition = scan.damagePosition;
                    detail = path.getFileName() + ": " + scan.damage.description() + " at position "
                            + scan.damagePosition + " (seq " + scan.damageSeq + "), " + (size - scan.end)
                            + " bytes from there to the end of the file";
                }
            }
        }
        long firstSeq = seqs.length == 0 ? 0 : seqs[0];
        if (seqs.length == 0) {
            lastSeq = 0;
        }
        return new VerifyReport(seqs.length, records, bytes, firstSeq, lastSeq, damage, problemFile, problemPosition, detail);
    }
}
