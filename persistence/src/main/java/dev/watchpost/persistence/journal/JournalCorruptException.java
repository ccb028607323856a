package dev.watchpost.persistence.journal;

import java.io.IOException;

/**
 * The journal holds damage that is not a torn tail and that no automatic repair should touch: a bad
 * header in a sealed segment, a segment file name that is not a seq, a record that no longer checks
 * out under a reader. An operator looks at it ({@code watchpost journal verify}).
 */
public final class JournalCorruptException extends IOException {
    private static final long serialVersionUID = 1L;

    public JournalCorruptException(String message) {
        super(message);
    }
}
