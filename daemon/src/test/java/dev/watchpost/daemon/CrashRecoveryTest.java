package dev.watchpost.daemon;

import dev.watchpost.persistence.dedup.DedupConfig;
import dev.watchpost.persistence.dedup.DedupStore;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.JournalReader;
import dev.watchpost.persistence.journal.JournalRecord;
import dev.watchpost.persistence.journal.VerifyReport;
import dev.watchpost.ringbuffer.client.DetectorClient;
import dev.watchpost.ringbuffer.codec.EventFrame;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The delivery guarantee under SIGKILL: a detector streams events to a daemon in a child JVM, which
 * is killed mid-stream K times and restarted on the same data; after each restart the detector
 * resends everything not acknowledged, with new seqs and the same receipt_ids. At the end every
 * event sent is in the journal exactly once, the journal verifies clean and the dedup store holds each
 * stored receipt with its seq; with every stage on one thread, and with the ack stage on a thread of
 * its own (the pipelined group commit). {@code -Dwatchpost.crash.kills=N} runs more rounds; the full harness
 * with several detectors and uncoordinated kills is {@code bench/run-crash.sh}.
 */
class CrashRecoveryTest {
    private static final int BATCH = 250;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "[[validate, dedup, window, fuse, correlate, enrich, alert, journal, ack, publish]]",
            "[[validate, dedup, window, fuse, correlate, enrich, alert, journal], [ack, publish]]"})
    void shouldStoreEveryEventExactlyOnceAcrossKills(String threads) throws Exception {
        int kills = Integer.getInteger("watchpost.crash.kills", 3);
        long seed = Long.getLong("watchpost.crash.seed", System.nanoTime());
        Random random = new Random(seed);
        Path config = dir.resolve("watchpost.yml");
        Files.writeString(config, "ingest: {bind: 127.0.0.1}\nhttp: {bind: 127.0.0.1}\ndedup: {capacity: 100000}\njournal: {segment_size: 1MiB}\n"
                + "pipeline: {threads: " + threads + "}\n");
        Path data = dir.resolve("data");

        List<UUID> sent = new ArrayList<>();
        Deque<UUID> unacknowledged = new ArrayDeque<>();
        for (int round = 0; round <= kills; round++) {
            boolean last = round == kills;
            try (DaemonProcess daemon = DaemonProcess.start(config, data, dir.resolve("daemon-" + round + ".log"));
                 DetectorClient detector = DetectorClient.connect("127.0.0.1", daemon.tcpPort(), Duration.ofSeconds(30))) {
                List<UUID> inFlight = new ArrayList<>(unacknowledged);
                unacknowledged.clear();
                int newBatches = 1 + random.nextInt(6);
                for (int b = 0; b < newBatches; b++) {
                    for (int i = 0; i < BATCH; i++) {
                        UUID receipt = UUID.randomUUID();
                        sent.add(receipt);
                        inFlight.add(receipt);
                    }
                }
                // inFlight[i] travels with connection seq i + 1.
                int killAfter = last ? Integer.MAX_VALUE : random.nextInt(Math.max(1, inFlight.size() / BATCH));
                int batchNo = 0;
                for (int from = 0; from < inFlight.size(); from += BATCH, batchNo++) {
                    int to = Math.min(inFlight.size(), from + BATCH);
                    for (int i = from; i < to; i++) {
                        byte[] frame = TestEvents.valid(inFlight.get(i));
                        detector.send(frame, 0, frame.length);
                    }
                    detector.flush();
                    if (batchNo == killAfter) {
                        daemon.kill(); // mid-stream: this batch is in the daemon's hands, unacknowledged
                        break;
                    }
                    assertTrue(detector.awaitAck(to), "round " + round + ": batch acknowledged; log:\n" + daemon.log());
                }
                for (int i = (int) detector.ackedSeq(); i < inFlight.size(); i++) {
                    unacknowledged.add(inFlight.get(i));
                }
                if (last) {
                    assertEquals(0, unacknowledged.size());
                    assertEquals(0, daemon.terminate(), "a drained stop exits 0; log:\n" + daemon.log());
                }
            }
        }

        VerifyReport report = Journal.verify(data.resolve("journal"));
        assertTrue(report.isClean(), "journal verify: " + report.detail());

        Map<UUID, Integer> stored = new HashMap<>();
        Map<UUID, Long> seqs = new HashMap<>();
        try (Journal journal = Journal.open(data.resolve("journal"));
             JournalReader reader = journal.reader(1)) {
            JournalRecord record = new JournalRecord();
            EventFrame frame = new EventFrame();
            while (reader.next(record)) {
                frame.wrap(record.buffer(), record.frameOffset());
                UUID receipt = new UUID(frame.receiptIdMsb(), frame.receiptIdLsb());
                stored.merge(receipt, 1, Integer::sum);
                seqs.putIfAbsent(receipt, record.seq());
            }
        }
        int lost = 0;
        int duplicated = 0;
        for (UUID receipt : sent) {
            int copies = stored.getOrDefault(receipt, 0);
            lost += copies == 0 ? 1 : 0;
            duplicated += copies > 1 ? copies - 1 : 0;
        }
        String summary = kills + " kills, " + sent.size() + " events, " + lost + " lost, " + duplicated + " duplicated (seed " + seed + ")";
        System.out.println(summary);
        assertEquals(0, lost, summary);
        assertEquals(0, duplicated, summary);
        assertEquals(sent.size(), stored.size(), summary);

        try (Journal journal = Journal.open(data.resolve("journal"));
             DedupStore dedup = DedupStore.open(new DedupConfig(data.resolve("dedup"), 100_000, DedupConfig.TTL_MILLIS_DEFAULT), journal)) {
            assertTrue(dedup.snapshotLoaded(), "a clean stop leaves a dedup snapshot");
            assertEquals(0, dedup.restore(journal, System.currentTimeMillis()).recorded(), "the snapshot covers the journal");
            assertEquals(stored.size(), dedup.size(), "dedup entries after a clean stop");
            long now = System.currentTimeMillis();
            for (Map.Entry<UUID, Long> e : seqs.entrySet()) {
                UUID receipt = e.getKey();
                assertEquals(e.getValue().longValue(), dedup.lookup(receipt.getMostSignificantBits(), receipt.getLeastSignificantBits(), now),
                        "dedup seq of " + receipt);
            }
        }
    }
}
