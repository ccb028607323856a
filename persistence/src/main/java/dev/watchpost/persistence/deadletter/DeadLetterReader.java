package dev.watchpost.persistence.deadletter;

import dev.watchpost.persistence.journal.JournalCorruptException;
import dev.watchpost.persistence.journal.JournalFormat;
import dev.watchpost.persistence.journal.JournalReader;
import dev.watchpost.persistence.journal.JournalRecord;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads dead letters in seq order; a {@link JournalReader} underneath, with the same rules: one thread
 * at a time, false when nothing more has been flushed, call again to follow the tail.
 */
public final class DeadLetterReader implements AutoCloseable {
    private final JournalReader reader;
    private final JournalRecord record = new JournalRecord();

    DeadLetterReader(JournalReader reader) {
        this.reader = reader;
    }

    /** Fills {@code view} with the next dead letter and returns true, or returns false when there is none yet. */
    public boolean next(DeadLetter view) throws IOException {
        if (!reader.next(record)) {
            return false;
        }
        ByteBuffer buffer = record.buffer();
        int extra = record.extraOffset();
        int extraLength = record.extraLength();
        if (record.type() != JournalFormat.TYPE_DEAD_LETTER || extraLength < DeadLetterStore.EXTRA_HEADER_LENGTH) {
            throw new JournalCorruptException("record " + record.seq() + " is not a dead letter (type " + record.type()
                    + ", extra " + extraLength + " bytes)");
        }
        int reasonLength = buffer.getShort(extra + DeadLetterStore.REASON_LENGTH_OFFSET) & 0xFFFF;
        int originLength = buffer.getShort(extra + DeadLetterStore.ORIGIN_LENGTH_OFFSET) & 0xFFFF;
        if (DeadLetterStore.EXTRA_HEADER_LENGTH + reasonLength + originLength != extraLength) {
            throw new JournalCorruptException("dead letter " + record.seq() + ": reason " + reasonLength + " and origin "
                    + originLength + " bytes do not add up to its extra of " + extraLength);
        }
        int reasonOffset = extra + DeadLetterStore.EXTRA_HEADER_LENGTH;
        view.set(record.seq(), record.receivedAtUs(), buffer.getInt(extra + DeadLetterStore.CODE_OFFSET), buffer,
                reasonOffset, reasonLength, reasonOffset + reasonLength, originLength,
                record.frameOffset(), record.frameLength());
        return true;
    }

    /** Seq of the dead letter the next successful {@link #next} returns. */
    public long nextSeq() {
        return reader.nextSeq();
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
