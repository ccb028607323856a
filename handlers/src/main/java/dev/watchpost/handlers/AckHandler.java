package dev.watchpost.handlers;

import com.lmax.disruptor.EventHandler;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.Origin;
import dev.watchpost.ringbuffer.WallClock;
import dev.watchpost.ringbuffer.pipeline.WholeBatchFirst;

import java.util.Arrays;

/**
 * The ack stage: tells each slot's origin that the slot is handled, and at the end of the batch asks
 * every origin touched in it to send what is pending, so that one ACK covers a connection's whole
 * batch and one socket flush carries it. Runs after the journal stage has made the batch durable, or,
 * with a {@link GroupCommit} (this stage first on the thread after the journal stage's), makes it
 * durable first: the stages after it on its thread see only durable slots too. First on its thread,
 * it answers each whole batch before the stages after it there see the batch ({@link WholeBatchFirst}),
 * so the publish stage's work does not delay the ACKs. Times each answer ({@link #latency()}).
 */
public final class AckHandler implements EventHandler<EventSlot>, WholeBatchFirst {
    private final ErrorLog errors;
    private final GroupCommit groupCommit;
    private Origin[] touched = new Origin[256];
    private int touchedCount;
    private final LatencyWindow latency = new LatencyWindow(System.nanoTime());
    /** The batch's answered events' receipt times, recorded once their answers are flushed. */
    private long[] received = new long[256];
    private int receivedCount;

    public AckHandler(ErrorLog errors) {
        this(errors, null);
    }

    /** @param groupCommit when not {@code null}, forces what the journal stage wrote before answering it */
    public AckHandler(ErrorLog errors, GroupCommit groupCommit) {
        this.errors = errors;
        this.groupCommit = groupCommit;
    }

    @Override
    public void onEvent(EventSlot slot, long sequence, boolean endOfBatch) {
        if (groupCommit != null) {
            groupCommit.awaitDurable(sequence); // a failed force is fatal: nothing after it is answered
        }
        Origin origin = slot.origin();
        if (origin != null) {
            if (slot.kind() == EventSlot.KIND_EVENT) {
                if (receivedCount == received.length) {
                    received = Arrays.copyOf(received, received.length * 2);
                }
                received[receivedCount++] = slot.receivedAtUs();
            }
            try {
                if (origin.onHandled(slot)) {
                    if (touchedCount == touched.length) {
                        touched = Arrays.copyOf(touched, touched.length * 2);
                    }
                    touched[touchedCount++] = origin;
                }
            } catch (RuntimeException e) {
                errors.record("ack", e);
            }
        }
        if (endOfBatch) {
            flushTouched();
            recordAnswered();
        }
    }

    /** How long answers take, over the last minute; for {@code /v1/status}. */
    public LatencyWindow latency() {
        return latency;
    }

    private void recordAnswered() {
        if (receivedCount > 0) {
            long now = WallClock.nowMicros();
            for (int i = 0; i < receivedCount; i++) {
                latency.record(now - received[i]);
            }
            receivedCount = 0;
        }
        latency.roll(System.nanoTime());
    }

    private void flushTouched() {
        for (int i = 0; i < touchedCount; i++) {
            try {
                touched[i].flush();
            } catch (RuntimeException e) {
                errors.record("ack flush", e);
            }
            touched[i] = null;
        }
        touchedCount = 0;
    }
}
