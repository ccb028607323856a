package dev.watchpost.persistence.dedup;

/**
 * Thrown by {@link DedupStore#lookupOrInsert} when a new receipt cannot be recorded because the
 * store holds {@link DedupConfig#capacity()} live receipts even after purging expired ones. The
 * receipt was NOT recorded: the event is new as far as the store knows, but a resend of it would
 * not be recognised. The store stays usable; count the occurrence and carry on.
 *
 * <p>Carries no stack trace, and each store throws the one instance it made when it opened: while the
 * condition lasts every new event meets it, and a throw that allocated would fill the heap at the
 * event rate and bring the collector's pauses back (on the 2-core box, a young collection every
 * 12 s of 120–140 ms at 100,000 events/s).
 */
public final class DedupStoreFullException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long capacity;

    DedupStoreFullException(long capacity) {
        super("dedup store full: it holds its capacity of " + capacity + " live receipts or more", null, false, false);
        this.capacity = capacity;
    }

    /** The store's capacity, which it held (or exceeded, after a restart with a smaller one) when the insert was refused. */
    public long capacity() {
        return capacity;
    }
}
