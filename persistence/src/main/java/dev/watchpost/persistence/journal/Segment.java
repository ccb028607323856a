package dev.watchpost.persistence.journal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One segment file as the journal and its readers know it. While it is the writer's active segment it
 * carries the writer's live {@link SegmentIndex}; once sealed, its index lives in the {@code .idx} file
 * beside it (or is rebuilt by a scan) and only its largest tsUs is kept in memory, so memory stays
 * bounded however many segments the journal holds.
 */
final class Segment {
    private static final long MAX_TS_UNKNOWN = Long.MIN_VALUE + 1;

    final long firstSeq;
    final Path path;
    final Path indexPath;

    /** The writer's index while this segment is active; null once sealed. */
    private volatile SegmentIndex activeIndex;
    /** Largest tsUs in a sealed segment, loaded on first use. */
    private volatile long sealedMaxTsUs = MAX_TS_UNKNOWN;

    Segment(Path directory, long firstSeq) {
        this.firstSeq = firstSeq;
        this.path = directory.resolve(JournalFormat.segmentFileName(firstSeq));
        this.indexPath = directory.resolve(JournalFormat.indexFileName(firstSeq));
    }

    SegmentIndex activeIndex() {
        return activeIndex;
    }

    void activate(SegmentIndex index) {
        this.activeIndex = index;
    }

    /** Called by the writer once the {@code .idx} file is written: readers now use it. */
    void seal(long maxTsUs) {
        this.sealedMaxTsUs = maxTsUs;
        this.activeIndex = null;
    }

    /**
     * The index to seek with: the live one while active, else the {@code .idx} file; {@code null} when
     * a sealed segment has no usable index file (the caller then scans from the segment's start).
     */
    SegmentIndex indexForReading() throws IOException {
        SegmentIndex live = activeIndex;
        if (live != null) {
            return live;
        }
        return SegmentIndex.read(indexPath, firstSeq, Files.size(path));
    }

    /** Largest tsUs in this segment, reading or scanning the file for a sealed segment the first time. */
    long maxTsUs(int indexInterval) throws IOException {
        SegmentIndex live = activeIndex;
        if (live != null) {
            return live.maxTsUs();
        }
        long known = sealedMaxTsUs;
        if (known != MAX_TS_UNKNOWN) {
            return known;
        }
        SegmentIndex index = indexForReading();
        if (index == null) {
            index = SegmentScanner.scanFile(path, firstSeq, indexInterval).index;
        }
        sealedMaxTsUs = index.maxTsUs();
        return index.maxTsUs();
    }

    /** Index in {@code segments} (sorted by first seq) of the segment holding {@code seq}; -1 when before all. */
    static int find(Segment[] segments, long seq) {
        int lo = 0;
        int hi = segments.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (segments[mid].firstSeq <= seq) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    @Override
    public String toString() {
        return path.getFileName().toString();
    }
}
