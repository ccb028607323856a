package dev.watchpost.ringbuffer;

/**
 * Where a slot came from and whom to answer: a TCP connection, an HTTP request, the UDP socket.
 * One long-lived object per connection or request, referenced from each of its slots, so that
 * publishing a frame allocates nothing.
 *
 * <p>Both methods are called only by the pipeline's last stage, on its one thread, in ring order.
 * Implementations must not block: they hand bytes to their I/O thread and return.
 */
public interface Origin {
    /**
     * The slot has been handled: stored durably, found a duplicate, rejected (and dead-lettered),
     * or it is a control slot asking to close the origin. Called once per slot of this origin.
     */
    void onHandled(EventSlot slot);

    /** End of a ring batch in which {@link #onHandled} was called at least once: send what is pending. */
    void flush();
}
