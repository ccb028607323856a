package dev.watchpost.persistence.deadletter;

import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.JournalConfig;
import dev.watchpost.persistence.journal.JournalFormat;
import dev.watchpost.persistence.journal.JournalReader;
import dev.watchpost.persistence.journal.JournalRecord;
import dev.watchpost.persistence.journal.VerifyReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeadLetterStoreTest {
    private static final byte[] BAD_MAGIC = "bad magic".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BAD_LABEL = "bad label".getBytes(StandardCharsets.UTF_8);
    private static final byte[] TCP_ORIGIN = "tcp 127.0.0.1:5000".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    @Test
    void shouldKeepAMalformedFrameWithItsCodeReasonAndOrigin() throws IOException {
        byte[] malformed = new byte[20];
        for (int i = 0; i < malformed.length; i++) {
            malformed[i] = (byte) (0xF0 - i);
        }
        byte[] large = new byte[65_536];
        large[0] = 'W';
        large[65_535] = 'P';
        Path store = dir.resolve(DeadLetterStore.DIRECTORY_NAME);
        try (DeadLetterStore dlq = DeadLetterStore.open(store)) {
            assertEquals(0, dlq.count());
            assertEquals(1, dlq.append(1_700_000_000_000_001L, 1, BAD_MAGIC, TCP_ORIGIN, ByteBuffer.wrap(malformed), 0, 20));
            assertEquals(2, dlq.append(1_700_000_000_000_002L, 17, BAD_LABEL, null, ByteBuffer.wrap(large), 0, large.length));
            assertEquals(2, dlq.count());
            dlq.force();
            assertEquals(2, dlq.durableSeq());
        }
        try (DeadLetterStore dlq = DeadLetterStore.open(store)) {
            assertTrue(dlq.recoveryReport().isClean());
            assertEquals(2, dlq.count());
            DeadLetter letter = new DeadLetter();
            try (DeadLetterReader reader = dlq.reader(1)) {
                assertTrue(reader.next(letter));
                assertEquals(1, letter.seq());
                assertEquals(1_700_000_000_000_001L, letter.receivedAtUs());
                assertEquals(1, letter.code());
                assertEquals("bad magic", letter.reason());
                assertEquals("tcp 127.0.0.1:5000", letter.origin());
                assertArrayEquals(malformed, letter.frameToArray());

                assertTrue(reader.next(letter));
                assertEquals(2, letter.seq());
                assertEquals(17, letter.code());
                assertEquals("bad label", letter.reason());
                assertEquals("", letter.origin());
                assertArrayEquals(large, letter.frameToArray());
                assertFalse(reader.next(letter));
            }
            assertEquals(3, dlq.append(3, 3, BAD_MAGIC, TCP_ORIGIN, ByteBuffer.wrap(malformed), 0, 0));
        }
    }

    @Test
    void shouldTakeTextsFromBuffersAndReadAcrossSegments() throws IOException {
        JournalConfig config = new JournalConfig(dir, 4096, 4096, 4, false);
        ByteBuffer reason = ByteBuffer.wrap("xxbad payloadyy".getBytes(StandardCharsets.UTF_8));
        ByteBuffer origin = ByteBuffer.wrap("http 10.0.0.7:51234".getBytes(StandardCharsets.UTF_8));
        try (DeadLetterStore dlq = DeadLetterStore.open(config)) {
            for (int i = 1; i <= 100; i++) {
                ByteBuffer frame = frame(i);
                dlq.append(i, 18, reason, 2, 11, origin, 0, origin.capacity(), frame, 0, frame.capacity());
            }
            dlq.flush();
            DeadLetter letter = new DeadLetter();
            try (DeadLetterReader reader = dlq.reader(41, 60)) {
                for (int i = 41; i <= 60; i++) {
                    assertTrue(reader.next(letter));
                    assertEquals(i, letter.seq());
                    assertEquals(i, letter.receivedAtUs());
                    assertEquals("bad payload", letter.reason());
                    assertEquals("http 10.0.0.7:51234", letter.origin());
                    assertArrayEquals(frame(i).array(), letter.frameToArray());
                }
                assertFalse(reader.next(letter));
            }
        }
        VerifyReport report = Journal.verify(dir);
        assertTrue(report.isClean(), report.detail());
        assertTrue(report.segments() > 3);
        assertEquals(100, report.records());
    }

    @Test
    void shouldStoreDeadLettersAsTypedJournalRecords() throws IOException {
        try (DeadLetterStore dlq = DeadLetterStore.open(dir)) {
            dlq.append(5, 19, BAD_LABEL, TCP_ORIGIN, ByteBuffer.wrap(new byte[3]), 0, 3);
        }
        try (Journal journal = Journal.open(DeadLetterStore.defaultConfig(dir));
             JournalReader reader = journal.reader(1)) {
            JournalRecord record = new JournalRecord();
            assertTrue(reader.next(record));
            assertEquals(JournalFormat.TYPE_DEAD_LETTER, record.type());
            assertEquals(5, record.tsUs());
            assertEquals(DeadLetterStore.EXTRA_HEADER_LENGTH + BAD_LABEL.length + TCP_ORIGIN.length, record.extraLength());
        }
    }

    @Test
    void shouldRejectAReasonLongerThanTheFormatAllows() throws IOException {
        try (DeadLetterStore dlq = DeadLetterStore.open(dir)) {
            byte[] tooLong = new byte[DeadLetterStore.MAX_TEXT_LENGTH + 1];
            assertThrows(IllegalArgumentException.class,
                    () -> dlq.append(1, 1, tooLong, TCP_ORIGIN, ByteBuffer.allocate(1), 0, 1));
            assertEquals(0, dlq.count());
        }
        assertTrue(Files.exists(dir.resolve(JournalFormat.segmentFileName(1))));
    }

    private static ByteBuffer frame(int i) {
        byte[] bytes = new byte[16 + i % 50];
        for (int j = 0; j < bytes.length; j++) {
            bytes[j] = (byte) (i ^ j);
        }
        return ByteBuffer.wrap(bytes);
    }
}
