package dev.watchpost.persistence.journal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalTest {
    private static final long WAIT_MILLIS = 30_000;
    /** Small enough that a few dozen records span several segments. */
    private static final long TINY_SEGMENT = 2048;

    @TempDir
    Path dir;

    private JournalConfig tiny() {
        return new JournalConfig(dir, TINY_SEGMENT, 4096, 4, true);
    }

    @Test
    void shouldReadBackEveryRecordAcrossSeveralSmallSegments() throws IOException {
        try (Journal journal = Journal.open(tiny())) {
            appendRange(journal, 1, 100);
            journal.flush();
            assertTrue(journal.segments().length >= 5, "segments: " + journal.segments().length);
            assertReads(journal.reader(1), 1, 100);
        }
        assertTrue(Files.exists(dir.resolve("00000000000000000001.wpj")));
        assertEquals(segmentFiles().size(), indexFiles().size() + 1, "every sealed segment has its index file");
    }

    @Test
    void shouldReadAnySeqAfterASeekForwardBackwardAndAcrossSegments() throws IOException {
        try (Journal journal = Journal.open(tiny())) {
            appendRange(journal, 1, 100);
            journal.flush();
            long[] seqs = {50, 51, 49, 1, 100, 7, 7, 63, 2, 99, 30};
            JournalRecord record = new JournalRecord();
            try (JournalReader reader = journal.reader(1)) {
                for (long seq : seqs) {
                    reader.seek(seq);
                    assertTrue(reader.next(record), "seq " + seq);
                    assertEquals(seq, record.seq());
                    assertEquals(frame(seq), record.buffer().slice(record.frameOffset(), record.frameLength()).order(ByteOrder.LITTLE_ENDIAN));
                    if (seq < 100) {
                        assertTrue(reader.next(record), "the seq after " + seq);
                        assertEquals(seq + 1, record.seq());
                    }
                }
                reader.seek(101);
                assertFalse(reader.next(record), "nothing after the last seq yet");
                append(journal, 101);
                journal.flush();
                assertTrue(reader.next(record));
                assertEquals(101, record.seq());
            }
        }
    }

    @Test
    void shouldStartReaderInTheMiddleThroughTheIndex() throws IOException {
        try (Journal journal = Journal.open(new JournalConfig(dir, 1 << 20, 1 << 16, 8, true))) {
            appendRange(journal, 1, 500);
            journal.flush();
            try (JournalReader reader = journal.reader(277, 281)) {
                assertReads(reader, 277, 281);
                assertTrue(reader.skipped() < 8, "skipped " + reader.skipped());
            }
        }
    }

    @Test
    void shouldSeekThroughIndexFilesOfSealedSegmentsAfterReopen() throws IOException {
        try (Journal journal = Journal.open(tiny())) {
            appendRange(journal, 1, 120);
        }
        try (Journal journal = Journal.open(tiny())) {
            for (long from : new long[] {1, 2, 17, 18, 19, 63, 64, 65, 118, 120}) {
                try (JournalReader reader = journal.reader(from)) {
                    assertReads(reader, from, 120);
                    assertTrue(reader.skipped() < 4, "from " + from + " skipped " + reader.skipped());
                }
            }
        }
    }

    @Test
    void shouldFindSeqInSealedSegmentWithoutIndexFileByScanningIt() throws IOException {
        try (Journal journal = Journal.open(tiny())) {
            appendRange(journal, 1, 60);
        }
        for (Path index : indexFiles()) {
            Files.delete(index);
        }
        try (Journal journal = Journal.open(tiny())) {
            assertReads(journal.reader(30, 45), 30, 45);
        }
    }

    @Test
    void shouldReadOnlyTheRequestedRangeAndRaiseAnEarlyStartToTheFirstSeq() throws IOException {
        try (Journal journal = Journal.open(tiny())) {
            appendRange(journal, 1, 30);
            journal.flush();
            assertReads(journal.reader(0, 3), 1, 3);
            assertReads(journal.reader(28, 1000), 28, 30);
        }
    }

    @Test
    void shouldTruncateTornTailAndContinueSeq() throws IOException {
        try (Journal journal = Journal.open(tiny())) {
            appendRange(journal, 1, 40);
        }
        Path last = lastSegment();
        long size = Files.size(last);
        try (FileChannel channel = FileChannel.open(last, StandardOpenOption.WRITE)) {
            channel.truncate(size - 5);
        }
        try (Journal journal = Journal.open(tiny())) {
            RecoveryReport report = journal.recoveryReport();
            assertEquals(Damage.SHORT_RECORD, report.damage());
            assertEquals(39, report.lastSeq());
            assertEquals(39, journal.lastSeq());
            assertEquals(lengthOfRecord(40) - 5, report.truncatedBytes());
            assertNotNull(report.savedTail());
            assertEquals(report.truncatedBytes(), Files.size(report.savedTail()));
            assertThrows(IllegalStateException.class, () -> append(journal, 41));
            append(journal, 40);
            journal.flush();
            assertReads(journal.reader(1), 1, 40);
        }
        assertTrue(Journal.verify(dir).isClean());
    }

    @Test
    void shouldZeroTheActiveSegmentAheadOfItsRecordsAndCutThatTailWhenItSealsOrCloses() throws IOException {
        long dataEnd;
        try (Journal journal = Journal.open(new JournalConfig(dir, 16 << 20, 4096, 16, true))) {
            appendRange(journal, 1, 40);
            journal.force();
            assertTrue(journal.awaitZeroed(WAIT_MILLIS), "the zeroing thread did what it was asked");
            dataEnd = JournalFormat.SEGMENT_HEADER_LENGTH + LongStream.rangeClosed(1, 40).map(JournalTest::lengthOfRecord).sum();

            long size = Files.size(lastSegment());
            assertTrue(size > dataEnd && size <= dataEnd + Journal.PREALLOCATE_BYTES, "zeroed ahead of the records: " + size + " bytes for " + dataEnd);
            assertEquals(dataEnd, journal.stats().bytes(), "the zeroed tail is not counted");
            assertTrue(Journal.verify(dir).isClean(), "an open journal's zeroed tail is no damage");
            assertReads(journal.reader(1), 1, 40);
        }
        assertEquals(dataEnd, Files.size(lastSegment()), "closed: the file ends where its records do");

        try (Journal journal = Journal.open(tiny())) {
            appendRange(journal, 41, 140);
            journal.flush();
            List<Path> segments = segmentFiles();
            assertTrue(segments.size() > 3);
            for (Path sealed : segments.subList(0, segments.size() - 1)) {
                try (FileChannel channel = FileChannel.open(sealed, StandardOpenOption.READ)) {
                    long firstSeq = Long.parseLong(sealed.getFileName().toString().replace(JournalFormat.SEGMENT_SUFFIX, ""));
                    SegmentScanner.Result scan = SegmentScanner.scan(channel, channel.size(), firstSeq, 1);
                    assertEquals(channel.size(), scan.end, sealed + ": sealed, it ends where its records do");
                    assertFalse(scan.zeroTail);
                }
            }
        }
    }

    @Test
    void shouldRollOntoTheNextSegmentPreparedWholeAhead() throws IOException {
        long segmentSize = 4 << 20;
        Path next = dir.resolve(Journal.NEXT_SEGMENT_NAME);
        long seq = 0;
        try (Journal journal = Journal.open(new JournalConfig(dir, segmentSize, 4096, 16, true))) {
            while (journal.stats().bytes() < (2 << 20)) { // past a megabyte: the zeroing thread prepares the next segment
                appendRange(journal, ++seq, seq);
                journal.flush();
            }
            assertTrue(journal.awaitNextPrepared(WAIT_MILLIS), "the next segment zeroed whole and forced");
            assertEquals(segmentSize, Files.size(next));
            assertEquals(1, segmentFiles().size(), "not a segment until the roll");
            Object prepared = Files.getAttribute(next, "unix:ino");
            while (segmentFiles().size() == 1) {
                appendRange(journal, ++seq, seq);
                journal.flush();
            }
            assertEquals(prepared, Files.getAttribute(lastSegment(), "unix:ino"), "the new segment is the prepared file");
            assertEquals(segmentSize, Files.size(lastSegment()), "zeroed whole, its header over its start");
            appendRange(journal, seq + 1, seq + 100);
            seq += 100;
            journal.force();
            assertTrue(Journal.verify(dir).isClean(), "a prepared segment's zeros are no damage");
            assertReads(journal.reader(1), 1, seq);
        }
        assertFalse(Files.exists(next), "closed: no next segment left");
        assertTrue(Files.size(lastSegment()) < segmentSize, "closed: the last segment ends where its records do");
        try (Journal journal = Journal.open(new JournalConfig(dir, segmentSize, 4096, 16, true))) {
            assertTrue(journal.recoveryReport().isClean());
            assertEquals(seq, journal.lastSeq());
            assertReads(journal.reader(1), 1, seq);
        }
    }

    @Test
    void shouldDeleteANextSegmentLeftBehindAndKeepEveryRecord() throws IOException {
        try (Journal journal = Journal.open(tiny())) {
            appendRange(journal, 1, 30);
        }
        Path next = dir.resolve(Journal.NEXT_SEGMENT_NAME);
        Files.write(next, new byte[8192]); // as a crash leaves it, zeroed part way or whole
        try (Journal journal = Journal.open(tiny())) {
            assertFalse(Files.exists(next));
            assertTrue(journal.recoveryReport().isClean());
            assertEquals(30, journal.lastSeq());
            assertReads(journal.reader(1), 1, 30);
        }
    }

    @Test
    void shouldKeepEveryRecordWhileTheZeroingThreadWorksAheadOfThem() throws IOException {
        int records = 12_000; // ~3 MB of records in 1 MiB segments, flushed one by one: many rolls, each racing the zeroing
        try (Journal journal = Journal.open(new JournalConfig(dir, 1 << 20, 4096, 16, true))) {
            for (long seq = 1; seq <= records; seq++) {
                appendRange(journal, seq, seq);
                journal.flush();
                if (seq % 1000 == 0) {
                    assertTrue(journal.awaitZeroed(WAIT_MILLIS));
                    long size = Files.size(lastSegment());
                    long written = journal.stats().bytes() - sealedBytes();
                    assertTrue(size >= written, "the file holds every flushed record: " + size + " < " + written);
                }
            }
            assertReads(journal.reader(1), 1, records);
            assertTrue(Journal.verify(dir).isClean());
        }
        assertTrue(segmentFiles().size() > 2);
        assertTrue(Journal.verify(dir).isClean());
        try (Journal journal = Journal.open(new JournalConfig(dir, 1 << 20, 4096, 16, true))) {
            assertTrue(journal.recoveryReport().isClean());
            assertEquals(records, journal.lastSeq());
            assertReads(journal.reader(1), 1, records);
        }
    }

    @Test
    void shouldDropTheCachedPagesOfDurableRecordsBehindTheCachedTail() throws Exception {
        long target = Journal.CACHED_TAIL_BYTES + (24 << 20);
        try (Journal journal = Journal.open(new JournalConfig(dir, 64 << 20, 1 << 16, 256, true))) {
            assertNull(journal.helperProblem(), "the page cache advice works here");
            long seq = 0;
            while (journal.stats().bytes() < target) {
                appendRange(journal, seq + 1, seq + 2000);
                seq += 2000;
                journal.force();
            }
            Path file = lastSegment();
            long durable = journal.stats().bytes();
            long dropped = journal.awaitDropped(8 << 20, WAIT_MILLIS);
            assertTrue(dropped >= 8 << 20, "dropped up to " + dropped);
            assertFalse(isCached(file, 0, 8 << 20), "the oldest durable records' pages were dropped");
            assertTrue(dropped <= durable - Journal.CACHED_TAIL_BYTES, "the newest durable records' pages stay: " + dropped);
            assertNull(journal.helperProblem());
            assertReads(journal.reader(1), 1, seq); // and the dropped records read back from the disk
        }
    }

    @Test
    void shouldStartTheWriteBackOfRecordsFarAheadOfTheLastForce() throws Exception {
        long target = 3 * Journal.WRITE_BEHIND_BYTES;
        try (Journal journal = Journal.open(new JournalConfig(dir, 64 << 20, 1 << 16, 256, false))) {
            long seq = 0;
            while (journal.stats().bytes() < target) { // written to the operating system, never forced, as under fsync: never
                appendRange(journal, seq + 1, seq + 2000);
                seq += 2000;
                journal.flush();
            }
            long started = journal.awaitWrittenBack(2 * Journal.WRITE_BEHIND_BYTES, WAIT_MILLIS);
            assertTrue(started >= 2 * Journal.WRITE_BEHIND_BYTES, "write-back started up to " + started);
            assertTrue(started <= journal.stats().bytes(), "and not past the records: " + started);
            assertNull(journal.helperProblem(), "sync_file_range works here");
            assertEquals(0, journal.durableSeq(), "nothing was forced by it");
            assertReads(journal.reader(1), 1, seq);
        }
        assertTrue(Journal.verify(dir).isClean());
    }

    @Test
    void shouldLeaveTheWriteBackToTheForcesWhileTheyKeepUp() throws Exception {
        try (Journal journal = Journal.open(new JournalConfig(dir, 64 << 20, 1 << 16, 256, false))) {
            long seq = 0;
            while (journal.stats().bytes() < 3 * Journal.WRITE_BEHIND_BYTES) { // forced every ~0.5 MB, as under fsync: batch
                appendRange(journal, seq + 1, seq + 2000);
                seq += 2000;
                journal.force();
            }
            assertEquals(0, journal.awaitWrittenBack(1, 200));
        }
    }

    @Test
    void shouldTimeEveryForceOfRecordsAndNoSyncThatHadNothingToForce() throws IOException {
        List<Long> forces = new ArrayList<>();
        try (Journal journal = Journal.open(new JournalConfig(dir, 1 << 20, 1 << 16, 16, false))) {
            journal.timeForces(forces::add);
            appendRange(journal, 1, 10);
            journal.force();
            journal.force(); // nothing new: no force
            assertEquals(1, forces.size());
            appendRange(journal, 11, 12_000); // ~3 MB in 1 MiB segments: each roll forces the sealed segment
            journal.force();
            int rolls = journal.segments().length - 1;
            assertTrue(rolls >= 2);
            assertEquals(1 + rolls + 1, forces.size(), "one per sync with records, one per roll: " + forces);
            assertTrue(forces.stream().allMatch(micros -> micros >= 0));
        }
    }

    @Test
    void shouldDropASealedSegmentsPagesOnlyWhenAskedTo() throws IOException {
        for (boolean dropBehind : new boolean[] {true, false}) {
            Path journalDir = dir.resolve("drop-" + dropBehind);
            try (Journal journal = Journal.open(new JournalConfig(journalDir, 1 << 20, 1 << 16, 16, dropBehind))) {
                appendRange(journal, 1, 12_000); // ~3 MB in 1 MiB segments
                journal.flush();
                Path first;
                try (Stream<Path> files = Files.list(journalDir)) {
                    first = files.filter(f -> f.toString().endsWith(".wpj")).sorted().findFirst().orElseThrow();
                }
                assertTrue(journal.segments().length > 2);
                assertTrue(journal.awaitSealedDropped(WAIT_MILLIS)); // the roll hands the drop to the journal's helper thread
                assertEquals(!dropBehind, isCached(first, 0, Files.size(first)), "drop-behind " + dropBehind);
                assertNull(journal.helperProblem());
                assertReads(journal.reader(1), 1, 12_000);
            }
        }
    }

    /**
     * Whether every page of the range is in the page cache (mincore, through a mapping). The kernel may
     * evict pages by itself, slowly, so only a range just written tells a drop apart.
     */
    private static boolean isCached(Path file, long from, long length) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return channel.map(FileChannel.MapMode.READ_ONLY, from, length).isLoaded();
        }
    }

    @Test
    void shouldTakeAZeroedTailForTheEndOfTheDataAfterACrash() throws IOException {
        Path crashed = dir.resolve("crashed");
        try (Journal journal = Journal.open(new JournalConfig(dir.resolve("live"), 16 << 20, 4096, 16, true))) {
            appendRange(journal, 1, 40);
            journal.flush();
            assertTrue(journal.awaitZeroed(WAIT_MILLIS));
            copySegments(dir.resolve("live"), crashed); // what a SIGKILL leaves: the records and the zeros after them
        }
        long size = Files.size(crashed.resolve(JournalFormat.segmentFileName(1)));
        assertTrue(Journal.verify(crashed).isClean());

        try (Journal journal = Journal.open(new JournalConfig(crashed, 16 << 20, 4096, 16, true))) {
            RecoveryReport report = journal.recoveryReport();
            assertTrue(report.isClean(), report.detail());
            assertEquals(0, report.truncatedBytes());
            assertEquals(40, journal.lastSeq());
            assertEquals(size, Files.size(crashed.resolve(JournalFormat.segmentFileName(1))), "the zeroed tail is kept for the next records");
            appendRange(journal, 41, 60);
            journal.flush();
            assertReads(journal.reader(1), 1, 60);
        }
        assertTrue(Journal.verify(crashed).isClean());
        try (Stream<Path> files = Files.list(crashed)) {
            assertEquals(List.of(), files.filter(f -> f.toString().endsWith(JournalFormat.CUT_SUFFIX)).toList());
        }
    }

    @Test
    void shouldCutATornRecordInFrontOfTheZeroedTail() throws IOException {
        Path crashed = dir.resolve("crashed");
        long dataEnd;
        try (Journal journal = Journal.open(new JournalConfig(dir.resolve("live"), 16 << 20, 4096, 16, true))) {
            appendRange(journal, 1, 40);
            journal.flush();
            assertTrue(journal.awaitZeroed(WAIT_MILLIS));
            dataEnd = journal.stats().bytes(); // one segment: its header and its records
            copySegments(dir.resolve("live"), crashed);
        }
        Path segment = crashed.resolve(JournalFormat.segmentFileName(1));
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            // the first page of record 41 reached the disk, the rest of it did not
            channel.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, lengthOfRecord(41)), dataEnd);
        }

        try (Journal journal = Journal.open(new JournalConfig(crashed, 16 << 20, 4096, 16, true))) {
            RecoveryReport report = journal.recoveryReport();
            assertNotNull(report.damage(), "a record that is not all there is damage, zeros after it or not");
            assertEquals(40, journal.lastSeq());
            assertEquals(dataEnd, Files.size(segment), "cut where the records end, zeros and all");
            appendRange(journal, 41, 45);
            journal.flush();
            assertReads(journal.reader(1), 1, 45);
        }
    }

    @Test
    void shouldReportBytesAfterAZeroLengthAsDamage() throws IOException {
        long dataEnd;
        try (Journal journal = Journal.open(tiny())) {
            appendRange(journal, 1, 3);
            dataEnd = JournalFormat.SEGMENT_HEADER_LENGTH + LongStream.rangeClosed(1, 3).map(JournalTest::lengthOfRecord).sum();
        }
        try (FileChannel channel = FileChannel.open(lastSegment(), StandardOpenOption.WRITE)) {
            byte[] notAllZero = new byte[JournalFormat.RECORD_HEADER_LENGTH + 16];
            notAllZero[20] = 7;
            channel.write(ByteBuffer.wrap(notAllZero), dataEnd); // a zero length, then not only zeros
        }

        VerifyReport report = Journal.verify(dir);

        assertEquals(Damage.BAD_LENGTH, report.damage());
        assertEquals(dataEnd, report.problemPosition());
        assertEquals(3, report.lastSeq());
    }

    @Test
    void shouldCutAtFlippedByteInLastRecord() throws IOException {
        try (Journal journal = Journal.open(tiny())) {
            appendRange(journal, 1, 40);
        }
        long position = positionOf(40);
        flipByte(lastSegment(), position + JournalFormat.RECORD_HEADER_LENGTH + 3);
        try (Journal journal = Journal.open(tiny())) {
            RecoveryReport report = journal.recoveryReport();
            assertEquals(Damage.CRC_MISMATCH, report.damage());
            assertEquals(39, journal.lastSeq());
            assertEquals(lengthOfRecord(40), report.truncatedBytes());
            append(journal, 40);
            journal.flush();
            assertReads(journal.reader(1), 1, 40);
        }
    }

    @Test
    void shouldCutFromCorruptRecordInTheMiddleOfTheLastSegment() throws IOException {
        long lastFirstSeq;
        try (Journal journal = Journal.open(tiny())) {
            appendRange(journal, 1, 40);
            lastFirstSeq = journal.segments()[journal.segments().length - 1].firstSeq;
        }
        assertTrue(40 - lastFirstSeq >= 3, "the last segment holds a few records");
        long middle = lastFirstSeq + 1;
        long sizeBefore = Files.size(lastSegment());
        long position = positionOf(middle);
        flipByte(lastSegment(), position + JournalFormat.SEQ_OFFSET);
        try (Journal journal = Journal.open(tiny())) {
            RecoveryReport report = journal.recoveryReport();
            assertEquals(Damage.CRC_MISMATCH, report.damage());
            assertEquals(middle - 1, journal.lastSeq());
            assertEquals(sizeBefore - position, report.truncatedBytes());
            assertEquals(position, Files.size(lastSegment()));
            appendRange(journal, middle, 45);
            journal.flush();
            assertReads(journal.reader(1), 1, 45);
        }
    }

    @Test
    void shouldStartNewJournalAtSeqOneInAnEmptyDirectory() throws IOException {
        Path fresh = dir.resolve("not-yet");
        try (Journal journal = Journal.open(JournalConfig.of(fresh))) {
            RecoveryReport report = journal.recoveryReport();
            assertTrue(report.isClean());
            assertEquals(1, report.segments());
            assertEquals(0, report.lastSeq());
            assertEquals(1, report.firstSeq());
            assertEquals(0, journal.lastSeq());
            assertFalse(journal.reader(1).next(new JournalRecord()));
            assertThrows(IllegalStateException.class, () -> append(journal, 2));
            append(journal, 1);
            journal.force();
            assertEquals(1, journal.durableSeq());
        }
        VerifyReport report = Journal.verify(fresh);
        assertTrue(report.isClean());
        assertEquals(1, report.records());
    }

    @Test
    void shouldNeverShowUnflushedRecordsToReaders() throws IOException {
        // large enough that neither a full buffer nor a roll writes anything before flush()
        try (Journal journal = Journal.open(new JournalConfig(dir, 1 << 20, 1 << 16, 4, true))) {
            JournalReader reader = journal.reader(1);
            JournalRecord record = new JournalRecord();
            appendRange(journal, 1, 3);
            assertFalse(reader.next(record), "nothing flushed yet");
            journal.flush();
            appendRange(journal, 4, 30);
            assertReads(reader, 1, 3);
            assertEquals(3, journal.flushedSeq());
            journal.force();
            assertEquals(30, journal.durableSeq());
            assertReads(reader, 4, 30);
            reader.close();
        }
    }

    @Test
    void shouldFollowTheLiveTailFromAnotherThread() throws Exception {
        int total = 20_000;
        try (Journal journal = Journal.open(new JournalConfig(dir, 256 << 10, 16 << 10, 16, true))) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread writer = startWriter(journal, total, 97, failure);
            long expected = 1;
            JournalRecord record = new JournalRecord();
            try (JournalReader reader = journal.reader(1)) {
                while (expected <= total) {
                    if (reader.next(record)) {
                        assertRecord(record, expected++);
                    } else if (!writer.isAlive() && journal.flushedSeq() < expected) {
                        break;
                    } else {
                        Thread.onSpinWait();
                    }
                }
            }
            writer.join();
            assertNull(failure.get());
            assertEquals(total + 1, expected);
        }
    }

    @Test
    void shouldSyncFromAnotherThreadWhileTheWriterAppendsFlushesAndRolls() throws Exception {
        int total = 5_000;
        try (Journal journal = Journal.open(new JournalConfig(dir, 16 << 10, 4096, 16, true))) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread writer = startWriter(journal, total, 13, failure);
            long syncs = 0;
            long lastDurable = 0;
            while (writer.isAlive() || lastDurable < journal.flushedSeq()) {
                long flushedBefore = journal.flushedSeq();
                long durable = journal.sync();
                syncs++;
                assertTrue(durable >= flushedBefore, "durable " + durable + " after a sync begun at flushed " + flushedBefore);
                assertTrue(durable >= lastDurable, "durable went back from " + lastDurable + " to " + durable);
                assertTrue(durable <= journal.flushedSeq(), "durable " + durable + " beyond what was flushed");
                lastDurable = durable;
            }
            writer.join();
            assertNull(failure.get());
            assertTrue(syncs > 1);
            assertTrue(journal.segments().length > 5, "the writer rolled segments during the syncs: " + journal.segments().length);
            assertEquals(total, journal.durableSeq());
            assertReads(journal.reader(1), 1, total);
        }
        assertTrue(Journal.verify(dir).isClean(), "verify after syncs across rolls");
    }

    @Test
    void shouldRefuseToSyncAClosedJournal() throws IOException {
        Journal journal = Journal.open(tiny());
        appendRange(journal, 1, 3);
        journal.close();

        IllegalStateException e = assertThrows(IllegalStateException.class, journal::sync);

        assertTrue(e.getMessage().endsWith("is closed"), e.getMessage());
    }

    @Test
    void shouldReportCleanJournalOnVerify() throws IOException {
        try (Journal journal = Journal.open(tiny())) {
            appendRange(journal, 1, 80);
        }
        VerifyReport report = Journal.verify(dir);
        assertTrue(report.isClean(), report.detail());
        assertEquals(80, report.records());
        assertEquals(1, report.firstSeq());
        assertEquals(80, report.lastSeq());
        assertEquals(segmentFiles().size(), report.segments());
        long bytes = 0;
        for (Path p : segmentFiles()) {
            bytes += Files.size(p);
        }
        assertEquals(bytes, report.bytes());
    }

    @Test
    void shouldReportFirstCorruptRecordOnVerify() throws IOException {
        try (Journal journal = Journal.open(tiny())) {
            appendRange(journal, 1, 80);
        }
        Path second = segmentFiles().get(1);
        long firstSeq = JournalFormat.parseSegmentFileName(second.getFileName().toString());
        long position = positionOf(firstSeq + 1);
        flipByte(second, position + JournalFormat.RECORD_HEADER_LENGTH);
        VerifyReport report = Journal.verify(dir);
        assertFalse(report.isClean());
        assertEquals(Damage.CRC_MISMATCH, report.damage());
        assertEquals(second, report.problemFile());
        assertEquals(position, report.problemPosition());
        assertEquals(80, report.lastSeq());
    }

    @Test
    void shouldRemoveSegmentLeftWithoutHeaderByAnInterruptedRoll() throws IOException {
        try (Journal journal = Journal.open(tiny())) {
            appendRange(journal, 1, 20);
        }
        Path torn = dir.resolve(JournalFormat.segmentFileName(21));
        Files.write(torn, new byte[] {'W', 'P'});
        try (Journal journal = Journal.open(tiny())) {
            assertEquals(Damage.BAD_HEADER, journal.recoveryReport().damage());
            assertFalse(Files.exists(torn));
            assertEquals(20, journal.lastSeq());
            appendRange(journal, 21, 50);
            journal.flush();
            assertReads(journal.reader(1), 1, 50);
        }
    }

    @Test
    void shouldRefuseToOpenWhenAnEarlierSegmentHeaderIsDamaged() throws IOException {
        try (Journal journal = Journal.open(tiny())) {
            appendRange(journal, 1, 60);
        }
        flipByte(segmentFiles().get(0), 9);
        assertThrows(JournalCorruptException.class, () -> Journal.open(tiny()));
    }

    @Test
    void shouldGrowTheWriteBufferForARecordLargerThanIt() throws IOException {
        JournalConfig config = new JournalConfig(dir, 1 << 20, 4096, 4, true);
        byte[] big = new byte[50_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 7);
        }
        try (Journal journal = Journal.open(config)) {
            append(journal, 1);
            journal.append(2, 2, 2, ByteBuffer.wrap(big), 0, big.length, null, 0, 0);
            append(journal, 3);
            journal.flush();
            JournalReader reader = journal.reader(1);
            JournalRecord record = new JournalRecord();
            assertTrue(reader.next(record));
            assertRecord(record, 1);
            assertTrue(reader.next(record));
            assertArrayEquals(big, record.frameToArray());
            assertTrue(reader.next(record));
            assertRecord(record, 3);
            reader.close();
        }
    }

    @Test
    void shouldRejectARecordThatCannotFitInASegment() throws IOException {
        try (Journal journal = Journal.open(tiny())) {
            ByteBuffer huge = ByteBuffer.allocate((int) TINY_SEGMENT);
            assertThrows(IllegalArgumentException.class,
                    () -> journal.append(1, 1, 1, huge, 0, huge.capacity(), null, 0, 0));
            append(journal, 1);
        }
    }

    @Test
    void shouldRefuseASecondWriterOnTheSameDirectory() throws IOException {
        try (Journal journal = Journal.open(tiny())) {
            IOException e = assertThrows(IOException.class, () -> Journal.open(tiny()));
            assertTrue(e.getMessage().contains("another writer"), e.getMessage());
        }
        Journal.open(tiny()).close();
    }

    @Test
    void shouldContinueFromTheLastSeqAfterACleanReopen() throws IOException {
        try (Journal journal = Journal.open(tiny())) {
            appendRange(journal, 1, 33);
        }
        try (Journal journal = Journal.open(tiny())) {
            assertTrue(journal.recoveryReport().isClean());
            assertEquals(33, journal.lastSeq());
            assertEquals(33, journal.durableSeq());
            JournalStats stats = journal.stats();
            assertEquals(33, stats.records());
            assertEquals(1, stats.firstSeq());
            assertEquals(segmentFiles().size(), stats.segments());
            appendRange(journal, 34, 40);
            journal.force();
            assertReads(journal.reader(30), 30, 40);
        }
    }

    @Test
    void shouldStartReplayByTimeBeforeEveryRecordAtOrAfterThatTime() throws IOException {
        int total = 300;
        long[] ts = new long[total + 1];
        for (int seq = 1; seq <= total; seq++) {
            // rising time with events up to 40 us late
            ts[seq] = 1_000L * seq - (seq * 7919L) % 40_000;
        }
        try (Journal journal = Journal.open(tiny())) {
            for (int seq = 1; seq <= total; seq++) {
                ByteBuffer frame = frame(seq);
                journal.append(seq, seq, ts[seq], frame, 0, frame.limit(), null, 0, 0);
            }
            journal.flush();
            checkTimeSeek(journal, ts, total);
        }
        try (Journal journal = Journal.open(tiny())) {
            checkTimeSeek(journal, ts, total);
            assertEquals(total + 1, journal.seqForTime(Long.MAX_VALUE));
            assertEquals(1, journal.seqForTime(Long.MIN_VALUE));
        }
        for (Path index : indexFiles()) {
            Files.delete(index);
        }
        try (Journal journal = Journal.open(tiny())) {
            checkTimeSeek(journal, ts, total);
        }
    }

    private static void checkTimeSeek(Journal journal, long[] ts, int total) throws IOException {
        for (long t = 0; t <= 310_000; t += 2_500) {
            long start = journal.seqForTime(t);
            for (int seq = 1; seq < start && seq <= total; seq++) {
                assertTrue(ts[seq] < t, "seq " + seq + " at " + ts[seq] + " skipped for time " + t);
            }
            assertTrue(start <= total + 1);
        }
    }

    // helpers

    /** Appends seqs 1..total on a thread of its own, flushing every {@code flushEvery}, and at the end. */
    private static Thread startWriter(Journal journal, long total, int flushEvery, AtomicReference<Throwable> failure) {
        Thread writer = new Thread(() -> {
            try {
                for (long seq = 1; seq <= total; seq++) {
                    append(journal, seq);
                    if (seq % flushEvery == 0) {
                        journal.flush();
                    }
                }
                journal.flush();
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "journal-writer");
        writer.start();
        return writer;
    }

    /** Copies the segment files (not the writer's lock) of {@code from} into a new directory {@code to}. */
    private static void copySegments(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.filter(f -> f.toString().endsWith(JournalFormat.SEGMENT_SUFFIX)).toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }

    private static void appendRange(Journal journal, long from, long to) throws IOException {
        for (long seq = from; seq <= to; seq++) {
            append(journal, seq);
        }
    }

    private static void append(Journal journal, long seq) throws IOException {
        ByteBuffer frame = frame(seq);
        ByteBuffer extra = extra(seq);
        journal.append(seq, 1_000_000 + seq, 2_000_000 + seq, frame, 0, frame.limit(), extra, 0, extra.limit());
    }

    private static ByteBuffer frame(long seq) {
        int length = 60 + (int) (seq * 37 % 200);
        ByteBuffer frame = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < length; i++) {
            frame.put(i, (byte) (seq * 31 + i));
        }
        return frame;
    }

    private static ByteBuffer extra(long seq) {
        int length = seq % 3 == 0 ? 0 : 5 + (int) (seq % 20);
        ByteBuffer extra = ByteBuffer.allocate(length);
        for (int i = 0; i < length; i++) {
            extra.put(i, (byte) (seq + 100 + i));
        }
        return extra;
    }

    private static int lengthOfRecord(long seq) {
        return JournalFormat.recordLength(frame(seq).limit(), extra(seq).limit());
    }

    private static void assertRecord(JournalRecord record, long seq) {
        assertEquals(seq, record.seq());
        assertEquals(1_000_000 + seq, record.receivedAtUs());
        assertEquals(2_000_000 + seq, record.tsUs());
        assertEquals(JournalFormat.TYPE_EVENT, record.type());
        assertArrayEquals(frame(seq).array(), record.frameToArray(), "frame of seq " + seq);
        assertArrayEquals(extra(seq).array(), record.extraToArray(), "extra of seq " + seq);
    }

    private static void assertReads(JournalReader reader, long from, long to) throws IOException {
        JournalRecord record = new JournalRecord();
        for (long seq = from; seq <= to; seq++) {
            assertTrue(reader.next(record), "record " + seq);
            assertRecord(record, seq);
        }
        assertFalse(reader.next(record), "nothing after " + to);
    }

    /** Position of a record in its segment file, found by scanning that segment. */
    private long positionOf(long seq) throws IOException {
        long[] seqs = SegmentFiles.list(dir);
        int i = seqs.length - 1;
        while (seqs[i] > seq) {
            i--;
        }
        Path path = dir.resolve(JournalFormat.segmentFileName(seqs[i]));
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            SegmentScanner.Result scan = SegmentScanner.scan(channel, channel.size(), seqs[i], 1);
            int entry = scan.index.floor(seq);
            assertEquals(seq, scan.index.seq(entry));
            return scan.index.position(entry);
        }
    }

    private static void flipByte(Path file, long position) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, position);
            one.put(0, (byte) (one.get(0) ^ 0x5A));
            one.rewind();
            channel.write(one, position);
        }
    }

    private List<Path> segmentFiles() throws IOException {
        return files(JournalFormat.SEGMENT_SUFFIX);
    }

    private List<Path> indexFiles() throws IOException {
        return files(JournalFormat.INDEX_SUFFIX);
    }

    private List<Path> files(String suffix) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return new ArrayList<>(list.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList());
        }
    }

    /** The bytes of every segment file but the last. */
    private long sealedBytes() throws IOException {
        List<Path> segments = segmentFiles();
        long bytes = 0;
        for (Path sealed : segments.subList(0, segments.size() - 1)) {
            bytes += Files.size(sealed);
        }
        return bytes;
    }

    private Path lastSegment() throws IOException {
        List<Path> files = segmentFiles();
        return files.get(files.size() - 1);
    }
}
