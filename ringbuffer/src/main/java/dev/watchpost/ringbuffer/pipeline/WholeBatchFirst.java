package dev.watchpost.ringbuffer.pipeline;

/**
 * A stage that, when it is the first of its thread's stages, handles each whole batch before the
 * stages after it on that thread see any of the batch's slots. The ack stage is one: first on the
 * thread after the journal stage's, it forces and answers a batch before the publish stage encodes
 * it for the streams, so a detector's ACK does not wait for that work. Anywhere else on a thread such
 * a stage goes slot by slot like the others, since the stages before it must have handled each slot
 * first.
 *
 * <p>Such a stage must not release slots early through its thread's sequence: the stages after it
 * have not handled them yet.
 */
public interface WholeBatchFirst {
}
