package dev.watchpost.persistence.journal;

import java.nio.file.Path;

/**
 * The outcome of {@link Journal#verify}: counts over every segment and the first problem found.
 *
 * @param segments        segment files
 * @param records         records that checked out (a segment's scan stops at its first bad record)
 * @param bytes           total size of the segment files
 * @param firstSeq        first seq of the first segment; 0 when there is none
 * @param lastSeq         seq of the last good record; 0 when there is none
 * @param damage          the first problem, or {@code null} when the journal is clean
 * @param problemFile     the segment holding it, or {@code null}
 * @param problemPosition its byte position in that file, or -1
 * @param detail          one line for people, or "clean"
 */
public record VerifyReport(int segments, long records, long bytes, long firstSeq, long lastSeq,
                           Damage damage, Path problemFile, long problemPosition, String detail) {

    public boolean isClean() {
        return damage == null;
    }
}
