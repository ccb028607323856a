package dev.watchpost.persistence.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

class SeqTimelineTest {
    private static final long TTL = 10_000;
    private static final long T0 = 1_700_000_000_000L;

    @Test
    void shouldExpireTheSeqsOfASecondOnceItsLatestArrivalIsATtlOld() {
        SeqTimeline timeline = new SeqTimeline(TTL);
        timeline.note(1, T0);
        timeline.note(2, T0 + 500);
        timeline.note(3, T0 + 1_200);
        assertEquals(0, timeline.cutoff(T0 + TTL + 499));
        assertEquals(3, timeline.cutoff(T0 + TTL + 500));
        assertEquals(3, timeline.cutoff(T0 + TTL + 1_199));
        assertEquals(4, timeline.cutoff(T0 + TTL + 1_200));
    }

    @Test
    void shouldNeverMoveTheCutoffBackWhenTheClockDoes() {
        SeqTimeline timeline = new SeqTimeline(TTL);
        timeline.note(1, T0);
        timeline.note(2, T0 + 5_000);
        assertEquals(2, timeline.cutoff(T0 + TTL));
        assertEquals(2, timeline.cutoff(T0));
        // An arrival stamped before the newest second counts in it: kept longer, never shorter.
        timeline.note(3, T0 + 1_000);
        assertEquals(2, timeline.cutoff(T0 + 1_000 + TTL));
        assertEquals(4, timeline.cutoff(T0 + 5_000 + TTL));
    }

    @Test
    void shouldUseWiderBucketsForLongTtls() {
        assertEquals(1_000, new SeqTimeline(24L * 3600 * 1000).bucketMillis());
        assertEquals(20_000, new SeqTimeline(30L * 24 * 3600 * 1000).bucketMillis());
    }

    @Test
    void shouldReadBackWhatItWrote() {
        SeqTimeline timeline = new SeqTimeline(TTL);
        for (long seq = 1; seq <= 100; seq++) {
            timeline.note(seq, T0 + seq * 300);
        }
        timeline.cutoff(T0 + TTL + 3_000);
        ByteBuffer bytes = ByteBuffer.allocate(timeline.serializedBytes());
        timeline.writeTo(bytes);
        bytes.flip();
        SeqTimeline copy = new SeqTimeline(TTL);
        copy.readFrom(bytes);
        for (long now = T0 + TTL; now < T0 + TTL + 40_000; now += 100) {
            assertEquals(timeline.cutoff(now), copy.cutoff(now), "at " + (now - T0));
        }
    }

    @Test
    void shouldForgetTheBucketsAboveATruncation() {
        SeqTimeline timeline = new SeqTimeline(TTL);
        timeline.note(1, T0);
        timeline.note(5, T0 + 3_000);
        timeline.truncateAbove(3);
        timeline.note(4, T0 + 6_000);
        assertEquals(4, timeline.cutoff(T0 + TTL));
        assertEquals(5, timeline.cutoff(T0 + 6_000 + TTL));
    }
}
