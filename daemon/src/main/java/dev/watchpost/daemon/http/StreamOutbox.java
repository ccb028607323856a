package dev.watchpost.daemon.http;

import io.netty.buffer.ByteBuf;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A stream client's bounded outbox: a single-producer, single-consumer ring of pre-allocated
 * {@link StreamRecord}s. The publish thread fills records and the client's event loop takes them in
 * the same order; a full outbox refuses the record (the hub then cuts the client off) rather than
 * wait.
 *
 * <pre>
 *            head (consumer)          tail (producer)
 *               │                        │
 *  ... [free] [rec] [rec] [rec] ... [rec] [free] ...     capacity a power of two, index = seq & mask
 * </pre>
 *
 * <p>The producer writes a record's fields, then moves {@code tail} with a release store; the
 * consumer reads {@code tail} with an acquire load before it reads the record, and moves
 * {@code head} with a release store once it is done with it, which is when the producer may fill
 * that place again. Each side keeps the last value it read of the other's index and reads it again
 * only when that one says full (or empty).
 */
final class StreamOutbox {
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HEAD = lookup.findVarHandle(StreamOutbox.class, "head", long.class);
            TAIL = lookup.findVarHandle(StreamOutbox.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final StreamRecord[] records;
    private final int mask;

    // consumer writes, producer reads
    private long head;
    // producer writes, consumer reads
    private long tail;
    // producer only
    private long headSeen;
    // consumer only
    private long tailSeen;

    /** @param capacity records it holds, rounded up to a power of two */
    StreamOutbox(int capacity) {
        if (capacity < 1 || capacity > 1 << 30) {
            throw new IllegalArgumentException("outbox capacity must be 1 to 2^30, was " + capacity);
        }
        int size = 1 << (Integer.SIZE - Integer.numberOfLeadingZeros(capacity - 1));
        records = new StreamRecord[size];
        for (int i = 0; i < size; i++) {
            records[i] = new StreamRecord();
        }
        mask = size - 1;
    }

    int capacity() {
        return records.length;
    }

    /**
     * Queues an event: {@code page} holds one reference for it, which the consumer takes over. Producer.
     *
     * @return false when the outbox is full (the page reference stays the caller's)
     */
    boolean offer(long seq, ByteBuf page, int offset, int length) {
        long t = tail;
        if (t - headSeen == records.length) {
            headSeen = (long) HEAD.getAcquire(this);
            if (t - headSeen == records.length) {
                return false;
            }
        }
        records[(int) t & mask].set(seq, page, offset, length);
        TAIL.setRelease(this, t + 1);
        return true;
    }

    /** The oldest record, left in place until {@link #remove}, or null when empty. Consumer. */
    StreamRecord peek() {
        long h = head;
        if (h == tailSeen) {
            tailSeen = (long) TAIL.getAcquire(this);
            if (h == tailSeen) {
                return null;
            }
        }
        return records[(int) h & mask];
    }

    /** Frees the place of the record {@link #peek} returned, whose page the caller has dealt with. Consumer. */
    void remove() {
        long h = head;
        records[(int) h & mask].clear();
        HEAD.setRelease(this, h + 1);
    }

    /** Whether nothing is queued. Consumer; a volatile read, to pair with the drain hand-off's flag. */
    boolean isEmpty() {
        return (long) TAIL.getVolatile(this) == head;
    }

    /** Gives back the page reference of every record left. Consumer, or any thread once the consumer is gone. */
    void releaseAll() {
        StreamRecord record;
        while ((record = peek()) != null) {
            record.page.release();
            remove();
        }
    }
}
