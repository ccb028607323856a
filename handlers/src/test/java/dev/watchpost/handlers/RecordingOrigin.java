package dev.watchpost.handlers;

import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.Origin;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An origin that writes down what the ack stage tells it, in order: {@code handled <originSeq>} per
 * slot and {@code flush} per flush. Like a connection, it asks for a flush when a slot finds nothing
 * pending. Single-threaded: read it only after the thread that calls it is known to be done.
 */
final class RecordingOrigin implements Origin {
    private final byte[] description;
    private final List<String> calls = new ArrayList<>();
    private boolean pending;
    private RuntimeException failOnHandled;
    private RuntimeException failOnFlush;

    RecordingOrigin(String description) {
        this.description = description.getBytes(StandardCharsets.UTF_8);
    }

    /** From now on every {@link #onHandled} throws {@code failure}. */
    RecordingOrigin failingOnHandled(RuntimeException failure) {
        this.failOnHandled = failure;
        return this;
    }

    /** From now on every {@link #flush} throws {@code failure}. */
    RecordingOrigin failingOnFlush(RuntimeException failure) {
        this.failOnFlush = failure;
        return this;
    }

    @Override
    public boolean onHandled(EventSlot slot) {
        if (failOnHandled != null) {
            throw failOnHandled;
        }
        calls.add("handled " + slot.originSeq());
        boolean first = !pending;
        pending = true;
        return first;
    }

    @Override
    public void flush() {
        if (failOnFlush != null) {
            throw failOnFlush;
        }
        calls.add("flush");
        pending = false;
    }

    @Override
    public byte[] describeUtf8() {
        return description;
    }

    List<String> calls() {
        return calls;
    }

    long flushes() {
        return calls.stream().filter("flush"::equals).count();
    }
}
