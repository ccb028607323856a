package dev.watchpost.daemon.json;

import io.netty.buffer.ByteBuf;

import java.time.Instant;

/**
 * RFC 3339 date-times to and from microseconds since the epoch, without {@code java.time} on the
 * common path. Days and civil dates convert with Howard Hinnant's {@code days_from_civil} and
 * {@code civil_from_days}.
 */
final class Rfc3339 {
    /** Returned by {@link #parseMicros} for text that is not an RFC 3339 date-time. */
    static final long INVALID = Long.MIN_VALUE;

    private static final long MICROS_PER_SECOND = 1_000_000L;
    private static final long SECONDS_PER_DAY = 86_400L;
    /** Length of {@code 2026-11-23T07:00:00.123456Z}. */
    static final int FORMATTED_LENGTH = 27;

    private Rfc3339() {
    }

    /**
     * Parses {@code YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)} ({@code T}/{@code Z} in either
     * case, or a space for {@code T}) into microseconds since the epoch, UTC. Fraction digits past
     * the sixth are dropped (rounding toward the past). A leap second ({@code :60}) is not accepted.
     *
     * @return the microseconds, or {@link #INVALID}
     */
    static long parseMicros(CharSequence s) {
        int n = s.length();
        if (n < 20) {
            return INVALID;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        char t = s.charAt(10);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)
                || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59
                || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(13) != ':' || s.charAt(16) != ':'
                || (t != 'T' && t != 't' && t != ' ')) {
            return INVALID;
        }
        int i = 19;
        long fractionMicros = 0;
        if (s.charAt(i) == '.') {
            i++;
            int first = i;
            long scale = 100_000;
            while (i < n && isDigit(s.charAt(i))) {
                fractionMicros += (s.charAt(i) - '0') * scale;
                scale /= 10;
                i++;
            }
            if (i == first) {
                return INVALID;
            }
        }
        if (i >= n) {
            return INVALID;
        }
        char z = s.charAt(i);
        int offsetSeconds;
        if (z == 'Z' || z == 'z') {
            if (i + 1 != n) {
                return INVALID;
            }
            offsetSeconds = 0;
        } else if (z == '+' || z == '-') {
            if (i + 6 != n || s.charAt(i + 3) != ':') {
                return INVALID;
            }
            int offsetHours = digits(s, i + 1, 2);
            int offsetMinutes = digits(s, i + 4, 2);
            if (offsetHours < 0 || offsetHours > 23 || offsetMinutes < 0 || offsetMinutes > 59) {
                return INVALID;
            }
            offsetSeconds = (offsetHours * 3600 + offsetMinutes * 60) * (z == '-' ? -1 : 1);
        } else {
            return INVALID;
        }
        long seconds = daysFromCivil(year, month, day) * SECONDS_PER_DAY
                + hour * 3600L + minute * 60L + second - offsetSeconds;
        return seconds * MICROS_PER_SECOND + fractionMicros;
    }

    /** Appends {@code micros} as {@code 2026-11-23T07:00:00.123456Z}: UTC, exactly six fractional digits. */
    static void appendMicros(long micros, ByteBuf out) {
        long seconds = Math.floorDiv(micros, MICROS_PER_SECOND);
        int fraction = (int) Math.floorMod(micros, MICROS_PER_SECOND);
        long days = Math.floorDiv(seconds, SECONDS_PER_DAY);
        int secondOfDay = (int) Math.floorMod(seconds, SECONDS_PER_DAY);

        long z = days + 719_468;
        long era = Math.floorDiv(z, 146_097);
        long dayOfEra = z - era * 146_097;
        long yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        long mp = (5 * dayOfYear + 2) / 153;
        int day = (int) (dayOfYear - (153 * mp + 2) / 5 + 1);
        int month = (int) (mp < 10 ? mp + 3 : mp - 9);
        long year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
        if (year < 0 || year > 9999) {
            // Not a time any valid event carries; keep the output well-formed all the same.
            out.writeCharSequence(Instant.EPOCH.plusSeconds(seconds).plusNanos(fraction * 1000L).toString(),
                    java.nio.charset.StandardCharsets.US_ASCII);
            return;
        }
        put(out, (int) year, 4);
        out.writeByte('-');
        put(out, month, 2);
        out.writeByte('-');
        put(out, day, 2);
        out.writeByte('T');
        put(out, secondOfDay / 3600, 2);
        out.writeByte(':');
        put(out, secondOfDay / 60 % 60, 2);
        out.writeByte(':');
        put(out, secondOfDay % 60, 2);
        out.writeByte('.');
        put(out, fraction, 6);
        out.writeByte('Z');
    }

    static long daysFromCivil(long year, int month, int day) {
        long y = month <= 2 ? year - 1 : year;
        long era = Math.floorDiv(y, 400);
        long yearOfEra = y - era * 400;
        long dayOfYear = (153L * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
        long dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        return era * 146_097 + dayOfEra - 719_468;
    }

    private static int daysInMonth(int year, int month) {
        switch (month) {
            case 2:
                return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
            case 4:
            case 6:
            case 9:
            case 11:
                return 30;
            default:
                return 31;
        }
    }

    /** The {@code count} ASCII digits at {@code from} as a number, or -1 if any is not a digit. */
    private static int digits(CharSequence s, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (!isDigit(c)) {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static void put(ByteBuf out, int value, int width) {
        int at = out.writerIndex();
        out.ensureWritable(width);
        for (int i = width - 1; i >= 0; i--) {
            out.setByte(at + i, '0' + value % 10);
            value /= 10;
        }
        out.writerIndex(at + width);
    }
}
