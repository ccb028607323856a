package dev.watchpost.daemon;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.Sequence;
import dev.watchpost.ringbuffer.EventSlot;

/**
 * The place of one rule stage in the pipeline, holding the handler that runs there now. A rules
 * reload puts a new handler in on the stage thread itself (from the journal stage's reload step), so
 * the handler is only ever read and replaced by that thread and needs no fence.
 */
final class StageSwitch implements EventHandler<EventSlot> {
    private EventHandler<EventSlot> current;

    StageSwitch(EventHandler<EventSlot> first) {
        this.current = first;
    }

    /** Replaces the handler; the stage thread only, between slots. */
    void replace(EventHandler<EventSlot> next) {
        this.current = next;
    }

    @Override
    public void onEvent(EventSlot slot, long sequence, boolean endOfBatch) throws Exception {
        current.onEvent(slot, sequence, endOfBatch);
    }

    @Override
    public void onBatchStart(long batchSize, long queueDepth) {
        current.onBatchStart(batchSize, queueDepth);
    }

    @Override
    public void onStart() {
        current.onStart();
    }

    @Override
    public void onShutdown() {
        current.onShutdown();
    }

    @Override
    public void setSequenceCallback(Sequence sequenceCallback) {
        current.setSequenceCallback(sequenceCallback);
    }
}
