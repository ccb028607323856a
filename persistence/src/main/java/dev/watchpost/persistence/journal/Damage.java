package dev.watchpost.persistence.journal;

/** What a scan of a segment found wrong, at the first record (or header) it could not accept. */
public enum Damage {
    /** The segment header is missing, cut short or does not check out. */
    BAD_HEADER("bad segment header"),
    /** The file ends inside a record: a write that did not complete. */
    SHORT_RECORD("record cut short by the end of the file"),
    /** The length field (or the frame and extra lengths) cannot be right. */
    BAD_LENGTH("bad record length"),
    /** The record's bytes do not match its CRC32C. */
    CRC_MISMATCH("CRC32C mismatch"),
    /** The record's seq is not one more than the previous record's. */
    SEQ_GAP("seq does not follow the previous record"),
    /** A segment does not start where the previous one ended. */
    SEGMENT_CHAIN("segment does not start at the seq after the previous segment's last");

    private final String description;

    Damage(String description) {
        this.description = description;
    }

    /** A few words for people, e.g. for logs and {@code watchpost journal verify}. */
    public String description() {
        return description;
    }
}
