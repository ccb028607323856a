package dev.watchpost.daemon.json;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class Rfc3339Test {
    private static final DateTimeFormatter MICROS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    @Test
    void shouldFormatLikeJavaTimeWithExactlySixFractionalDigits() {
        assertEquals("1970-01-01T00:00:00.000000Z", format(0));
        assertEquals("2026-11-23T07:00:00.123456Z", format(micros("2026-11-23T07:00:00.123456Z")));
        assertEquals("1969-12-31T23:59:59.999999Z", format(-1));
        assertEquals("2024-02-29T23:59:59.000001Z", format(micros("2024-02-29T23:59:59.000001Z")));
        assertEquals("9999-12-31T23:59:59.999999Z", format(micros("9999-12-31T23:59:59.999999Z")));

        SplittableRandom random = new SplittableRandom(20261123);
        long max = micros("9999-12-31T23:59:59.999999Z");
        for (int i = 0; i < 10_000; i++) {
            long us = random.nextLong(max);
            assertEquals(MICROS.format(Instant.EPOCH.plus(us, ChronoUnit.MICROS)), format(us), Long.toString(us));
        }
    }

    @Test
    void shouldParseWhatItFormats() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 10_000; i++) {
            long us = random.nextLong(micros("9999-12-31T23:59:59.999999Z"));
            assertEquals(us, Rfc3339.parseMicros(format(us)));
        }
    }

    @Test
    void shouldApplyTheOffsetAndAcceptEitherCase() {
        long utc = micros("2026-11-23T07:00:00Z");
        assertEquals(utc, Rfc3339.parseMicros("2026-11-23T08:00:00+01:00"));
        assertEquals(utc, Rfc3339.parseMicros("2026-11-23T01:30:00-05:30"));
        assertEquals(utc, Rfc3339.parseMicros("2026-11-23t07:00:00z"));
        assertEquals(utc, Rfc3339.parseMicros("2026-11-23 07:00:00-00:00"));
        assertEquals(utc, Rfc3339.parseMicros("2026-11-23T00:00:00-07:00"));
        assertEquals(micros("2026-11-22T23:00:00Z"), Rfc3339.parseMicros("2026-11-23T00:00:00+01:00"));
    }

    @Test
    void shouldDropFractionDigitsPastTheSixth() {
        assertEquals(micros("2026-11-23T07:00:00.123456Z"), Rfc3339.parseMicros("2026-11-23T07:00:00.1234569999Z"));
        assertEquals(micros("2026-11-23T07:00:00.100000Z"), Rfc3339.parseMicros("2026-11-23T07:00:00.1Z"));
    }

    @Test
    void shouldRefuseAnythingButAnRfc3339DateTimeWithAnOffset() {
        String[] bad = {
            "", "2026-11-23", "2026-11-23T07:00:00", "2026-11-23T07:00Z", "2026-11-23T07:00:00.Z",
            "2026-11-23T07:00:00+0100", "2026-11-23T07:00:00+01", "2026-11-23T07:00:00 Z", "2026-11-23T07:00:00ZZ",
            "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-04-31T00:00:00Z", "2025-02-29T00:00:00Z",
            "2026-11-23T24:00:00Z", "2026-11-23T23:60:00Z", "2026-11-23T23:59:60Z", "2026-11-23T07:00:00+24:00",
            "2026-11-23T07:00:00+01:60", "2026/11/23T07:00:00Z", "2026-11-23X07:00:00Z", "+2026-11-23T07:00:00Z",
            "2026-1-23T07:00:00Z", "２026-11-23T07:00:00Z", "1763884800000000",
        };
        for (String s : bad) {
            assertEquals(Rfc3339.INVALID, Rfc3339.parseMicros(s), s);
        }
    }

    private static long micros(String utc) {
        Instant instant = Instant.parse(utc);
        return instant.getEpochSecond() * 1_000_000 + instant.getNano() / 1_000;
    }

    private static String format(long micros) {
        ByteBuf out = Unpooled.buffer(Rfc3339.FORMATTED_LENGTH);
        try {
            Rfc3339.appendMicros(micros, out);
            return out.toString(StandardCharsets.US_ASCII);
        } finally {
            out.release();
        }
    }
}
