package dev.watchpost.persistence.dedup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.JournalConfig;
import dev.watchpost.ringbuffer.codec.EventFrameEncoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalReceiptsTest {
    private static final int EVENTS = 3_000;

    @TempDir
    Path dir;

    @Test
    void shouldReadTheReceiptOfAnySeqAcrossManySegmentsWithAFewReadersOpen() throws Exception {
        // Small segments and a sparse index: lookups jump between segments and scan between index entries.
        JournalConfig config = JournalConfig.of(dir).withSegmentSize(16 * 1024).withIndexInterval(16);
        try (Journal journal = Journal.open(config); JournalReceipts receipts = new JournalReceipts(journal)) {
            for (long seq = 1; seq <= EVENTS; seq++) {
                append(journal, seq);
                if (seq % 500 == 0) {
                    journal.force(); // the active segment is read too, between a sealed one's records
                    assertReceipt(receipts, seq - 250);
                }
            }
            journal.force();
            long segments;
            try (var files = Files.list(dir)) {
                segments = files.filter(f -> f.toString().endsWith(".wpj")).count();
            }
            assertTrue(segments > 2 * JournalReceipts.READERS, "segments: " + segments);

            Random random = new Random(7);
            for (int i = 0; i < 2_000; i++) {
                long seq = 1 + random.nextInt(EVENTS);
                assertReceipt(receipts, seq);
                assertTrue(receipts.openReaders() <= JournalReceipts.READERS);
            }
            // The same few segments again and again, one after the other: each keeps its reader.
            for (int round = 0; round < 50; round++) {
                assertReceipt(receipts, 10 + round);
                assertReceipt(receipts, EVENTS / 2 + round);
                assertReceipt(receipts, EVENTS - 60 + round);
            }
            assertEquals(JournalReceipts.READERS, receipts.openReaders());
            assertFalse(receipts.receiptAt(EVENTS + 1, new long[2]), "nothing is stored under a seq not yet written");
        }
    }

    private static void assertReceipt(JournalReceipts receipts, long seq) throws IOException {
        long[] out = new long[2];
        assertTrue(receipts.receiptAt(seq, out), "seq " + seq);
        assertArrayEquals(new long[] {Receipts.msb(seq), Receipts.lsb(seq)}, out, "seq " + seq);
    }

    private static void append(Journal journal, long seq) throws IOException {
        // Frames of different lengths, so that positions are not a multiple of one record.
        int labelBytes = (int) (seq % 7) * 5;
        ByteBuffer frame = ByteBuffer.allocate(EventFrameEncoder.frameLength(labelBytes, 0)).order(ByteOrder.LITTLE_ENDIAN);
        EventFrameEncoder encoder = new EventFrameEncoder().wrap(frame, 0).seq(seq).receiptId(Receipts.msb(seq), Receipts.lsb(seq))
                .tsUs(seq).eventType(1);
        int length = encoder.label("x".repeat(labelBytes).getBytes(StandardCharsets.US_ASCII), 0, labelBytes).finish();
        journal.append(seq, seq, seq, frame, 0, length, ByteBuffer.allocate(0), 0, 0);
    }
}
