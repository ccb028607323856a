package dev.watchpost.bench.machine;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MachineProbeTest {
    @Test
    void shouldPrintEachReadingAndAHiccupRowPerThreadCount() {
        StringWriter text = new StringWriter();
        int exit = new CommandLine(new MachineProbe()).setOut(new PrintWriter(text))
            .execute("--calls", "1000", "--hand-overs", "1000", "--seconds", "1", "--threads", "3");

        assertEquals(0, exit);
        List<String> lines = Arrays.asList(text.toString().split("\n"));
        assertTrue(lines.stream().anyMatch(l -> l.matches("clock read +[0-9.]+ ns .*")), text::toString);
        assertTrue(lines.stream().anyMatch(l -> l.matches("system call +[0-9.]+ ns .*")), text::toString);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("hand-over") && l.endsWith("(1,000)")), text::toString);
        assertTrue(lines.stream().anyMatch(l -> l.matches("1 +[0-9.]+( +[0-9]+){4} +[0-9.]+ +[0-9.]+% +([0-9]+%|-)")), text::toString);
        assertTrue(lines.stream().anyMatch(l -> l.matches("3 +[0-9.]+( +[0-9]+){4} +[0-9.]+ +[0-9.]+% +([0-9]+%|-)")), text::toString);
    }

    @Test
    void shouldFindTheBusiestTwoMillisecondsOfThePeriodAcrossItsEnd() {
        long[] phases = new long[MachineProbe.QUOTA_PERIOD_MS];
        phases[3] = 2;
        phases[41] = 5;
        phases[42] = 4;
        phases[99] = 6;
        phases[0] = 4;

        assertEquals(10, MachineProbe.busiestTwoMillis(phases), "99 and 0 are neighbours, as 41 and 42 are");
        phases[42] = 6;
        assertEquals(11, MachineProbe.busiestTwoMillis(phases));
    }

    @Test
    void shouldRejectAReadingTooShortToMeanAnything() {
        StringWriter errors = new StringWriter();
        int exit = new CommandLine(new MachineProbe()).setErr(new PrintWriter(errors)).execute("--seconds", "0");

        assertEquals(2, exit);
        assertTrue(errors.toString().contains("--seconds ≥ 1"), errors::toString);
    }
}
