package dev.watchpost.ringbuffer;

/**
 * Where a slot came from and whom to answer: a TCP connection, an HTTP request, the UDP socket.
 * One long-lived object per connection or request, referenced from each of its slots, so that
 * publishing a frame allocates nothing.
 *
 * <p>Both methods are called only by the ack stage, on its one thread, in ring order. When the
 * journal and ack stages share a thread, {@link #onHandled} runs on a slot before its batch's fsync,
 * so it must only record; {@link #flush} comes after the fsync that covers every slot handled
 * since the last flush, and only then may anything reach the network. Implementations must not
 * block: they hand bytes to their I/O thread and return.
 */
public interface Origin {
    /**
     * The slot has been handled: stored durably, found a duplicate, rejected (and dead-lettered),
     * or it is a close request. Called once per slot of this origin.
     *
     * @return true when this origin had nothing pending before, so the caller must call
     *         {@link #flush} at the end of the batch
     */
    boolean onHandled(EventSlot slot);

    /** End of the batch: send what is pending. */
    void flush();

    /** Who this is, for the dead-letter store and logs, e.g. {@code tcp 10.0.0.7:51234}; cached UTF-8. */
    byte[] describeUtf8();
}
