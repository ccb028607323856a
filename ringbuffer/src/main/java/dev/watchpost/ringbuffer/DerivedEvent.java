package dev.watchpost.ringbuffer;

import dev.watchpost.ringbuffer.codec.EventFrame;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One event the daemon derives itself (a track's lifecycle message, later correlations), held as a
 * complete protocol v1 EVENT frame with its extras in the {@link EventExtras} layout (parents,
 * correlation id, revision) and the journal seq it is stored under. The stage that derives it owns
 * it: it takes it from its {@link DerivedPool}, fills it and attaches it to a slot
 * ({@link EventSlot#attachDerived}); once every stage has passed the slot, it goes back to that pool.
 * Its buffers grow once to the largest event they have held, so a steady stream allocates nothing.
 */
public final class DerivedEvent {
    private final DerivedPool pool;
    private final EventFrame frame = new EventFrame();
    private final Enrichment enrichment = new Enrichment();
    private ByteBuffer buffer;
    private ByteBuffer extra;
    private int length;
    private int extraLength;
    private long seq;

    /** An event of no pool: released, it is simply forgotten. */
    public DerivedEvent(int frameCapacity, int extraCapacity) {
        this(null, frameCapacity, extraCapacity);
    }

    DerivedEvent(DerivedPool pool, int frameCapacity, int extraCapacity) {
        this.pool = pool;
        this.buffer = ByteBuffer.allocate(frameCapacity).order(ByteOrder.LITTLE_ENDIAN);
        this.extra = ByteBuffer.allocate(extraCapacity).order(ByteOrder.LITTLE_ENDIAN);
        frame.wrap(buffer, 0);
    }

    /** A buffer of at least {@code capacity} bytes for the frame, at index 0; its contents are not kept. */
    public ByteBuffer frameBuffer(int capacity) {
        if (buffer.capacity() < capacity) {
            buffer = ByteBuffer.allocate(Math.max(capacity, buffer.capacity() * 2)).order(ByteOrder.LITTLE_ENDIAN);
            frame.wrap(buffer, 0);
        }
        return buffer;
    }

    /** A buffer of at least {@code capacity} bytes for the extras, at index 0; its contents are not kept. */
    public ByteBuffer extraBuffer(int capacity) {
        if (extra.capacity() < capacity) {
            extra = ByteBuffer.allocate(Math.max(capacity, extra.capacity() * 2)).order(ByteOrder.LITTLE_ENDIAN);
        }
        return extra;
    }

    /** Sets the lengths written into {@link #buffer()} and {@link #extra()}. */
    public void lengths(int frameLength, int extraLength) {
        this.length = frameLength;
        this.extraLength = extraLength;
    }

    public void seq(long seq) {
        this.seq = seq;
    }

    /** The pool it goes back to when released, or {@code null}. */
    DerivedPool pool() {
        return pool;
    }

    /** What the enrich stage found out about it; reset when its deriving stage takes it from the pool. */
    public Enrichment enrichment() {
        return enrichment;
    }

    /** The journal seq it is stored under. */
    public long seq() {
        return seq;
    }

    /** The frame flyweight, wrapped at index 0 of {@link #buffer()}. */
    public EventFrame frame() {
        return frame;
    }

    public ByteBuffer buffer() {
        return buffer;
    }

    public int length() {
        return length;
    }

    public ByteBuffer extra() {
        return extra;
    }

    public int extraLength() {
        return extraLength;
    }
}
