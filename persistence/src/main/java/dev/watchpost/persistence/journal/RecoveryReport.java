package dev.watchpost.persistence.journal;

import java.nio.file.Path;

/**
 * What {@link Journal#open} found and did, for the daemon to log once at start-up.
 *
 * @param segments       segment files after recovery
 * @param firstSeq       first seq held; {@code lastSeq + 1} when the journal is empty
 * @param lastSeq        last whole record kept; 0 for a new journal. The next append takes {@code lastSeq + 1}.
 * @param truncatedBytes bytes cut from the tail (0 when the journal was clean)
 * @param damage         why the tail was cut, or {@code null} when nothing was
 * @param detail         one line for people: the file, the position and what was kept aside, or "clean"
 * @param savedTail      the file holding the cut bytes, or {@code null} when nothing was cut or kept
 */
public record RecoveryReport(int segments, long firstSeq, long lastSeq, long truncatedBytes, Damage damage,
                             String detail, Path savedTail) {

    /** True when nothing had to be cut or removed. */
    public boolean isClean() {
        return damage == null;
    }
}
