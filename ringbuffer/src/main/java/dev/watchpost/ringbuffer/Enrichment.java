package dev.watchpost.ringbuffer;

/**
 * What the enrich stage found out about one event, as facts the later stages read without parsing
 * anything: the severity it scored and the watch-list tags of the event's subject. Each slot and
 * each derived event has one, reset to "nothing known" when it is claimed; the enrich stage writes
 * it and the alert stage reads it, on the same thread.
 */
public final class Enrichment {
    /** No severity scored. */
    public static final int NO_SEVERITY = -1;
    /** An enricher threw on this event: what it would have added is missing. */
    public static final int MARK_FAILED = 1;
    /** An enricher took longer than its time budget on this event. */
    public static final int MARK_OVERRUN = 2;

    private int severity = NO_SEVERITY;
    private long tags;
    private int marks;

    /** Forgets everything: nothing known. */
    public void reset() {
        severity = NO_SEVERITY;
        tags = 0;
        marks = 0;
    }

    /** The severity scored, or {@link #NO_SEVERITY}. */
    public int severity() {
        return severity;
    }

    public void severity(int severity) {
        this.severity = severity;
    }

    /** The subject's watch-list tags, bit {@code i} for the tag numbered {@code i} by the site's tag table. */
    public long tags() {
        return tags;
    }

    public void tags(long tags) {
        this.tags = tags;
    }

    /** {@link #MARK_FAILED} and {@link #MARK_OVERRUN} bits. */
    public int marks() {
        return marks;
    }

    public void mark(int mark) {
        this.marks |= mark;
    }
}
