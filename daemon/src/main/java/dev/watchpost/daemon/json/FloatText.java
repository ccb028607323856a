/*
 * The decimal conversion below is Raffaello Giulietti's Schubfach for float32, adapted from his
 * reference implementation (as carried by jackson-core, com.fasterxml.jackson.core.io.schubfach) to
 * write into a ByteBuf instead of building a String. Its notice:
 *
 * Copyright 2018-2020 Raffaello Giulietti
 *
 * Permission is hereby granted, free of charge, to any person obtaining a copy
 * of this software and associated documentation files (the "Software"), to deal
 * in the Software without restriction, including without limitation the rights
 * to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
 * copies of the Software, and to permit persons to whom the Software is
 * furnished to do so, subject to the following conditions:
 *
 * The above copyright notice and this permission notice shall be included in
 * all copies or substantial portions of the Software.
 *
 * THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
 * IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
 * FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
 * AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
 * LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
 * OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
 * THE SOFTWARE.
 */
package dev.watchpost.daemon.json;

import io.netty.buffer.ByteBuf;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * The shortest decimal text that reads back as the same float32, written straight into a
 * {@link ByteBuf} without building a {@code String}: exactly the characters of Jackson's
 * {@code NumberOutput.toString(value, true)} for every float ({@code 0.93}, not
 * {@code 0.9300000071525574}; plain from 10<sup>-3</sup> up to 10<sup>7</sup>, {@code 1.0E7} and
 * {@code 1.0E-4} outside; {@code -0.0}, {@code NaN} and {@code Infinity} as Java writes them).
 *
 * <p>The digits come from Raffaello Giulietti's Schubfach, "The Schubfach way to render doubles"
 * (2020); section numbers below refer to that paper.
 */
final class FloatText {
    /** Characters of the longest form, {@code -1.2345678E-45}. */
    static final int MAX_LENGTH = 15;

    private static final int P = 24;                // significand bits, the hidden one included
    private static final int Q_MIN = -149;          // binary exponent of Float.MIN_VALUE
    private static final int C_MIN = 1 << (P - 1);  // significand of a power of two
    private static final int C_TINY = 8;            // subnormal significands below it need a digit more
    private static final int T_MASK = C_MIN - 1;
    private static final int BQ_MASK = 0xFF;
    private static final int K_MIN = -45;           // range of the decimal scale k over all floats
    private static final int K_MAX = 31;
    private static final long MASK_32 = 0xFFFF_FFFFL;

    /** Decimal exponents, value = d.ddd × 10^e, written without an E (as {@link Float#toString}). */
    private static final int PLAIN_EXPONENT_MIN = -3;
    private static final int PLAIN_EXPONENT_MAX = 6;

    private static final int[] POW10 = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000,
            100_000_000, 1_000_000_000};
    /** The high 63 bits of floor(10^-k 2^-r) + 1, with r such that it lies in [2^125, 2^126). */
    private static final long[] G1 = g1Table();

    private static final byte[] ZERO = ascii("0.0");
    private static final byte[] NAN = ascii("NaN");
    private static final byte[] INFINITY = ascii("Infinity");
    private static final byte[] MINUS_INFINITY = ascii("-Infinity");

    private FloatText() {
    }

    /** Appends the shortest decimal form of {@code value} at the writer index of {@code out}. */
    static void appendShortest(float value, ByteBuf out) {
        int bits = Float.floatToRawIntBits(value);
        int t = bits & T_MASK;
        int bq = bits >>> (P - 1) & BQ_MASK;
        if (bq == BQ_MASK) {
            out.writeBytes(t != 0 ? NAN : bits > 0 ? INFINITY : MINUS_INFINITY);
            return;
        }
        if (bits < 0) {
            out.writeByte('-');
        }
        if (bq != 0) {
            int mq = -Q_MIN + 1 - bq;
            int c = C_MIN | t;
            if (0 < mq && mq < P) {
                int f = c >> mq;
                if (f << mq == c) { // an integer below 2^24: its own digits are the shortest (section 8.3)
                    appendDecimal(f, 0, out);
                    return;
                }
            }
            appendDecimal(-mq, c, 0, out);
        } else if (t != 0) {
            if (t < C_TINY) {
                appendDecimal(Q_MIN, 10 * t, -1, out);
            } else {
                appendDecimal(Q_MIN, t, 0, out);
            }
        } else {
            out.writeBytes(ZERO);
        }
    }

    /** Finds the shortest decimal in the rounding interval of c 2^q (sections 8 and 9) and appends it. */
    private static void appendDecimal(int q, int c, int dk, ByteBuf out) {
        int odd = c & 1;
        long cb = (long) c << 2;
        long cbr = cb + 2;
        long cbl;
        int k;
        if (c != C_MIN || q == Q_MIN) {
            cbl = cb - 2;
            k = flog10pow2(q);
        } else { // a power of two: the interval below is half as wide
            cbl = cb - 1;
            k = flog10threeQuartersPow2(q);
        }
        int h = q + flog2pow10(-k) + 33;
        long g = G1[k - K_MIN] + 1;

        // The value and the ends of its rounding interval, times 4 10^-k, rounded to odd.
        int vb = roundToOdd(g, cb << h);
        int vbl = roundToOdd(g, cbl << h);
        int vbr = roundToOdd(g, cbr << h);

        int s = vb >> 2;
        if (s >= 100) { // one digit fewer, if exactly one of the two neighbouring multiples of 10 fits
            int sp10 = s / 10 * 10;
            int tp10 = sp10 + 10;
            boolean upin = vbl + odd <= sp10 << 2;
            boolean wpin = (tp10 << 2) + odd <= vbr;
            if (upin != wpin) {
                appendDecimal(upin ? sp10 : tp10, k, out);
                return;
            }
        }
        int t = s + 1;
        boolean uin = vbl + odd <= s << 2;
        boolean win = (t << 2) + odd <= vbr;
        if (uin != win) {
            appendDecimal(uin ? s : t, k + dk, out);
            return;
        }
        int cmp = vb - (s + t << 1); // both fit: the closer one, ties to even
        appendDecimal(cmp < 0 || cmp == 0 && (s & 1) == 0 ? s : t, k + dk, out);
    }

    private static int roundToOdd(long g, long cp) {
        long x1 = Math.multiplyHigh(g, cp);
        long vbp = x1 >>> 31;
        return (int) (vbp | (x1 & MASK_32) + MASK_32 >>> 32);
    }

    /** Appends f 10^e (f &gt; 0) as {@link Float#toString} lays it out. */
    private static void appendDecimal(int f, int e, ByteBuf out) {
        while (f % 10 == 0) {
            f /= 10;
            e++;
        }
        int digits = 1;
        while (digits < POW10.length && f >= POW10[digits]) {
            digits++;
        }
        int exponent = e + digits - 1;

        out.ensureWritable(MAX_LENGTH);
        int at = out.writerIndex();
        if (exponent < 0 && exponent >= PLAIN_EXPONENT_MIN) {
            out.setByte(at++, '0');
            out.setByte(at++, '.');
            for (int i = exponent; i < -1; i++) {
                out.setByte(at++, '0');
            }
            at = putDigits(f, digits, at, out);
        } else if (exponent >= 0 && exponent <= PLAIN_EXPONENT_MAX) {
            at = putWithPoint(f, digits, exponent + 1, at, out);
        } else {
            at = putWithPoint(f, digits, 1, at, out);
            out.setByte(at++, 'E');
            if (exponent < 0) {
                out.setByte(at++, '-');
                exponent = -exponent;
            }
            at = putDigits(exponent, exponent < 10 ? 1 : 2, at, out);
        }
        out.writerIndex(at);
    }

    /** Puts f's digits with a point after the first {@code intDigits} of them, zeros filling in: 12.5, 1200.0. */
    private static int putWithPoint(int f, int digits, int intDigits, int at, ByteBuf out) {
        if (digits <= intDigits) {
            at = putDigits(f, digits, at, out);
            for (int i = digits; i < intDigits; i++) {
                out.setByte(at++, '0');
            }
            out.setByte(at++, '.');
            out.setByte(at++, '0');
            return at;
        }
        int fractionDigits = digits - intDigits;
        int high = f / POW10[fractionDigits];
        at = putDigits(high, intDigits, at, out);
        out.setByte(at++, '.');
        return putDigits(f - high * POW10[fractionDigits], fractionDigits, at, out);
    }

    /** Puts the last {@code count} decimal digits of {@code value} at {@code at}; returns the index after them. */
    private static int putDigits(int value, int count, int at, ByteBuf out) {
        for (int i = at + count - 1; i >= at; i--) {
            out.setByte(i, '0' + value % 10);
            value /= 10;
        }
        return at + count;
    }

    /** floor(log10(2^e)), for |e| &lt;= 5,456,721. */
    private static int flog10pow2(int e) {
        return (int) (e * 661_971_961_083L >> 41);
    }

    /** floor(log10(3/4 2^e)), for |e| &lt;= 5,456,721. */
    private static int flog10threeQuartersPow2(int e) {
        return (int) (e * 661_971_961_083L + -274_743_187_321L >> 41);
    }

    /** floor(log2(10^e)), for |e| &lt;= 1,838,394. */
    private static int flog2pow10(int e) {
        return (int) (e * 913_124_641_741L >> 38);
    }

    /** Section 10: 10^-k = beta 2^r with 2^125 &lt;= beta &lt; 2^126; the high 63 bits of floor(beta) + 1. */
    private static long[] g1Table() {
        long[] table = new long[K_MAX - K_MIN + 1];
        for (int k = K_MIN; k <= K_MAX; k++) {
            int r = flog2pow10(-k) - 125;
            BigInteger beta = k <= 0
                    ? BigInteger.TEN.pow(-k).shiftLeft(-r) // shiftLeft by a negative count shifts right, flooring
                    : BigInteger.ONE.shiftLeft(-r).divide(BigInteger.TEN.pow(k));
            table[k - K_MIN] = beta.add(BigInteger.ONE).shiftRight(63).longValueExact();
        }
        return table;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
