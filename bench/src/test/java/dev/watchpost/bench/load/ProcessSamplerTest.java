package dev.watchpost.bench.load;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProcessSamplerTest {
    /** A /proc/PID/stat line whose command holds spaces and parentheses; utime 1234, stime 567. */
    private static final String STAT = "4242 (java (main) x) S 1 4242 4242 0 -1 4194560 52013 0 3 0 1234 567 0 0 20 0 "
        + "31 0 58770 3133440000 98304 18446744073709551615 1 1 0 0 0 0 0 16781312 17636 0 0 0 17 1 0 0 0 0 0\n";

    private static final String STATUS = String.join("\n",
        "Name:\tjava",
        "State:\tS (sleeping)",
        "VmPeak:\t 4194304 kB",
        "VmHWM:\t  420000 kB",
        "VmRSS:\t  409600 kB",
        "RssAnon:\t  245760 kB",
        "RssFile:\t  163840 kB",
        "RssShmem:\t       0 kB",
        "Threads:\t31",
        "");

    @Test
    void shouldAddUserAndSystemTicksCountingFieldsAfterTheCommand() {
        assertEquals(1234 + 567, ProcessSampler.cpuTicks(STAT));
    }

    @Test
    void shouldReadResidentMemoryInKib() {
        ProcessSampler.Memory memory = ProcessSampler.memory(STATUS);

        assertEquals(409_600, memory.rssKib());
        assertEquals(245_760, memory.anonKib());
        assertEquals(163_840, memory.fileKib());
    }

    @Test
    void shouldMarkMissingRssLinesAndRefuseATextWithoutVmRss() {
        ProcessSampler.Memory old = ProcessSampler.memory("Name:\tx\nVmRSS:\t 100 kB\n");

        assertEquals(100, old.rssKib());
        assertEquals(-1, old.anonKib());
        assertEquals(-1, old.fileKib());
        assertThrows(IllegalArgumentException.class, () -> ProcessSampler.memory("Name:\tkthreadd\n"));
        assertThrows(IllegalArgumentException.class, () -> ProcessSampler.cpuTicks("4242 no parenthesis"));
    }

    @Test
    void shouldSampleAProcessAtTheStartEverySecondAndAtTheEndOfTheMeasurement() throws InterruptedException {
        Timeline timeline = Timeline.starting(System.nanoTime(), 0, 1.2);
        ProcessSampler sampler = new ProcessSampler(ProcessHandle.current().pid(), timeline,
            ProcessSampler.clockTicksPerSecond(), Runtime.getRuntime().availableProcessors());
        sampler.start();
        sampler.awaitLastSample();

        assertNull(sampler.error());
        assertEquals(3, sampler.samples(), "at 0, 1 and 1.2 s");
        assertTrue(sampler.rssKib()[0] > 0);
        assertTrue(sampler.rssKib()[1] >= sampler.rssKib()[2]);
        assertTrue(sampler.meanCorePercent() >= 0);
        assertTrue(sampler.maxCorePercent() >= sampler.meanCorePercent() - 1e-9);
    }

    @Test
    void shouldStopAtOnceWhenTheRunEndsBeforeTheMeasurement() throws InterruptedException {
        Timeline timeline = Timeline.starting(System.nanoTime(), 3_600, 60);
        ProcessSampler sampler = new ProcessSampler(ProcessHandle.current().pid(), timeline, 100, 2);
        sampler.start();
        sampler.stop();

        assertEquals(0, sampler.samples());
        assertTrue(Double.isNaN(sampler.meanCorePercent()));
    }
}
