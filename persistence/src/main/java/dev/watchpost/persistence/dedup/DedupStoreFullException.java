package dev.watchpost.persistence.dedup;

/**
 * Thrown by {@link DedupStore#lookupOrInsert} when a new receipt cannot be recorded because the
 * store holds {@link DedupConfig#capacity()} live receipts even after purging expired ones. The
 * receipt was NOT recorded: the event is new as far as the store knows, but a resend of it would
 * not be recognised. The store stays usable; count the occurrence and carry on.
 *
 * <p>Carries no stack trace, so throwing it is cheap while the condition lasts.
 */
public final class DedupStoreFullException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long size;

    DedupStoreFullException(long size, long capacity, Throwable cause) {
        super("dedup store full: " + size + " live receipts, capacity " + capacity, cause, false, false);
        this.size = size;
    }

    /** Receipts held when the insert was refused. */
    public long size() {
        return size;
    }
}
