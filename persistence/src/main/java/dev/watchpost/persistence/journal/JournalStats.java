package dev.watchpost.persistence.journal;

/**
 * A snapshot of an open journal, cheap enough for a status endpoint; any thread.
 *
 * @param segments   segment files
 * @param records    records held ({@code lastSeq - firstSeq + 1}, of those written to the operating system)
 * @param bytes      bytes in the segment files, as written to the operating system
 * @param firstSeq   first seq held
 * @param flushedSeq last seq written to the operating system
 * @param durableSeq last seq forced to disk
 */
public record JournalStats(int segments, long records, long bytes, long firstSeq, long flushedSeq, long durableSeq) {
}
