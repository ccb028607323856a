package dev.watchpost.ringbuffer.codec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Decides whether bytes are an I-JSON object (RFC 7493) as protocol v1 requires of a payload:
 * strict RFC 8259 grammar in RFC 3629 UTF-8, no byte-order mark, a top-level object, nesting depth at
 * most {@value #MAX_DEPTH} (objects and arrays; the top-level object is depth 1), no duplicate member
 * names within an object (compared after unescaping), no lone surrogate escapes, no noncharacters in
 * strings (RFC 7493 section 2.1), and no number whose magnitude overflows binary64. Whitespace may
 * surround the object; nothing else may.
 *
 * <p>Nothing is decoded into objects. Member names of the objects still open are kept as
 * (hash, start, end) entries on a reusable stack; when an object closes, its entries are sorted and
 * neighbours compared, so duplicate detection costs O(n log n) whatever the names' hashes. The stack
 * only ever grows, so validation allocates nothing in the steady state. The one exception is a
 * number whose magnitude lies in [1e308, 1e309), next to the binary64 limit, which is parsed with
 * {@link Double#parseDouble} to decide exactly.
 *
 * <p>One instance per thread: not thread-safe.
 */
public final class JsonValidator {
    public static final int MAX_DEPTH = 16;

    private static final int FAIL = -1;
    private static final int INITIAL_MEMBERS = 64;
    private static final int INSERTION_SORT_MAX = 12;
    /** Exponents are clamped here while read: far beyond any binary64 limit, far from int overflow. */
    private static final int EXPONENT_CLAMP = 1_000_000;
    /** Decimal exponent of the largest binary64 value's leading digit (1.797…e308). */
    private static final int MAX_DECIMAL_EXPONENT = 308;
    private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
    private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
    private static final byte[] NULL = {'n', 'u', 'l', 'l'};

    private byte[] bytes;
    private int end;
    /** Holds the payload when it arrives in a buffer without an accessible array. */
    private byte[] copyScratch = new byte[0];

    private int[] memberHash = new int[INITIAL_MEMBERS];
    private int[] memberStart = new int[INITIAL_MEMBERS];
    private int[] memberEnd = new int[INITIAL_MEMBERS];
    private boolean[] memberEscaped = new boolean[INITIAL_MEMBERS];
    private int memberCount;

    private int stringHash;
    private boolean stringEscaped;
    private int decodedNext;

    /**
     * True when the {@code length} bytes at {@code index} are one I-JSON object, optionally surrounded by
     * whitespace. A heap buffer is read through its array; any other is first copied into a scratch
     * array this validator keeps.
     */
    public boolean isValidObject(ByteBuffer buffer, int index, int length) {
        if (length <= 0) {
            return false;
        }
        if (buffer.hasArray()) {
            return isValidObject(buffer.array(), buffer.arrayOffset() + index, length);
        }
        if (copyScratch.length < length) {
            copyScratch = new byte[Math.max(length, copyScratch.length * 2)];
        }
        buffer.get(index, copyScratch, 0, length);
        return isValidObject(copyScratch, 0, length);
    }

    /** True when the {@code length} bytes of {@code bytes} at {@code index} are one I-JSON object, optionally surrounded by whitespace. */
    public boolean isValidObject(byte[] bytes, int index, int length) {
        if (length <= 0) {
            return false;
        }
        Objects.checkFromIndexSize(index, length, bytes.length);
        this.bytes = bytes;
        this.end = index + length;
        this.memberCount = 0;
        try {
            int p = skipWhitespace(index);
            if (p >= end || bytes[p] != '{') {
                return false;
            }
            p = parseObject(p, 1);
            return p != FAIL && skipWhitespace(p) == end;
        } finally {
            this.bytes = null;
        }
    }

    private int parseValue(int p, int depth) {
        if (p >= end) {
            return FAIL;
        }
        switch (bytes[p]) {
            case '{':
                return depth < MAX_DEPTH ? parseObject(p, depth + 1) : FAIL;
            case '[':
                return depth < MAX_DEPTH ? parseArray(p, depth + 1) : FAIL;
            case '"':
                return scanString(p + 1);
            case 't':
                return literal(p, TRUE);
            case 'f':
                return literal(p, FALSE);
            case 'n':
                return literal(p, NULL);
            default:
                return parseNumber(p);
        }
    }

    /** {@code p} is at '{'; the object is at {@code depth}. Returns the index after '}'. */
    private int parseObject(int p, int depth) {
        int base = memberCount;
        p = skipWhitespace(p + 1);
        if (p < end && bytes[p] == '}') {
            return p + 1;
        }
        while (true) {
            if (p >= end || bytes[p] != '"') {
                return FAIL;
            }
            int nameStart = p + 1;
            p = scanString(nameStart);
            if (p == FAIL) {
                return FAIL;
            }
            pushMember(nameStart, p - 1);
            p = skipWhitespace(p);
            if (p >= end || bytes[p] != ':') {
                return FAIL;
            }
            p = parseValue(skipWhitespace(p + 1), depth);
            if (p == FAIL) {
                return FAIL;
            }
            p = skipWhitespace(p);
            if (p >= end) {
                return FAIL;
            }
            byte c = bytes[p];
            if (c == '}') {
                boolean unique = hasUniqueNames(base, memberCount);
                memberCount = base;
                return unique ? p + 1 : FAIL;
            }
            if (c != ',') {
                return FAIL;
            }
            p = skipWhitespace(p + 1);
        }
    }

    /** {@code p} is at '['; the array is at {@code depth}. Returns the index after ']'. */
    private int parseArray(int p, int depth) {
        p = skipWhitespace(p + 1);
        if (p < end && bytes[p] == ']') {
            return p + 1;
        }
        while (true) {
            p = parseValue(p, depth);
            if (p == FAIL) {
                return FAIL;
            }
            p = skipWhitespace(p);
            if (p >= end) {
                return FAIL;
            }
            byte c = bytes[p];
            if (c == ']') {
                return p + 1;
            }
            if (c != ',') {
                return FAIL;
            }
            p = skipWhitespace(p + 1);
        }
    }

    /**
     * Scans a string whose opening quote is just before {@code p}; returns the index after the
     * closing quote and leaves the hash of its code points in {@link #stringHash}.
     */
    private int scanString(int p) {
        int hash = 0;
        boolean escaped = false;
        while (p < end) {
            int b = bytes[p];
            int cp;
            if (b == '"') {
                stringHash = hash;
                stringEscaped = escaped;
                return p + 1;
            } else if (b == '\\') {
                escaped = true;
                cp = unescape(p);
                if (cp < 0) {
                    return FAIL;
                }
                p = decodedNext;
            } else if (b >= 0) {
                if (b < 0x20) {
                    return FAIL;
                }
                cp = b;
                p++;
            } else {
                int n = Utf8.sequenceLength(bytes, p, end);
                if (n == 0) {
                    return FAIL;
                }
                cp = Utf8.codePoint(bytes, p, n);
                p += n;
            }
            if (isNonCharacter(cp)) {
                return FAIL;
            }
            hash = 31 * hash + cp;
        }
        return FAIL;
    }

    /**
     * Decodes the escape at {@code p} (a backslash), pairing surrogate escapes; returns the code point
     * (or -1 when invalid) and leaves the index after the escape in {@link #decodedNext}.
     */
    private int unescape(int p) {
        if (p + 1 >= end) {
            return -1;
        }
        decodedNext = p + 2;
        switch (bytes[p + 1]) {
            case '"':
                return '"';
            case '\\':
                return '\\';
            case '/':
                return '/';
            case 'b':
                return '\b';
            case 'f':
                return '\f';
            case 'n':
                return '\n';
            case 'r':
                return '\r';
            case 't':
                return '\t';
            case 'u':
                break;
            default:
                return -1;
        }
        int unit = hex4(p + 2);
        decodedNext = p + 6;
        if (unit < 0 || Character.isLowSurrogate((char) unit)) {
            return -1;
        }
        if (!Character.isHighSurrogate((char) unit)) {
            return unit;
        }
        if (p + 7 >= end || bytes[p + 6] != '\\' || bytes[p + 7] != 'u') {
            return -1;
        }
        int low = hex4(p + 8);
        if (low < 0 || !Character.isLowSurrogate((char) low)) {
            return -1;
        }
        decodedNext = p + 12;
        return Character.toCodePoint((char) unit, (char) low);
    }

    private int hex4(int p) {
        if (p + 4 > end) {
            return -1;
        }
        int value = 0;
        for (int i = p; i < p + 4; i++) {
            int d = hexDigit(bytes[i]);
            if (d < 0) {
                return -1;
            }
            value = value << 4 | d;
        }
        return value;
    }

    private static int hexDigit(byte c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static boolean isNonCharacter(int cp) {
        return (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
    }

    /** Matches {@code word} at {@code p}; returns the index after it. */
    private int literal(int p, byte[] word) {
        if (p + word.length > end) {
            return FAIL;
        }
        for (int i = 0; i < word.length; i++) {
            if (bytes[p + i] != word[i]) {
                return FAIL;
            }
        }
        return p + word.length;
    }

    /** {@code number = [ minus ] int [ frac ] [ exp ]}; returns the index after it, or FAIL out of range. */
    private int parseNumber(int p) {
        int start = p;
        if (bytes[p] == '-') {
            p++;
        }
        int intStart = p;
        if (p < end && bytes[p] == '0') {
            p++;
        } else if (p < end && isNonZeroDigit(bytes[p])) {
            p = skipDigits(p + 1);
        } else {
            return FAIL;
        }
        int intEnd = p;
        int fracStart = p;
        int fracEnd = p;
        if (p < end && bytes[p] == '.') {
            fracStart = p + 1;
            fracEnd = skipDigits(fracStart);
            if (fracEnd == fracStart) {
                return FAIL;
            }
            p = fracEnd;
        }
        int exponent = 0;
        if (p < end && (bytes[p] == 'e' || bytes[p] == 'E')) {
            p++;
            boolean negative = false;
            if (p < end && (bytes[p] == '+' || bytes[p] == '-')) {
                negative = bytes[p] == '-';
                p++;
            }
            int digitsStart = p;
            while (p < end && isDigit(bytes[p])) {
                exponent = Math.min(exponent * 10 + bytes[p] - '0', EXPONENT_CLAMP);
                p++;
            }
            if (p == digitsStart) {
                return FAIL;
            }
            if (negative) {
                exponent = -exponent;
            }
        }
        return isWithinBinary64(start, p, intStart, intEnd, fracStart, fracEnd, exponent) ? p : FAIL;
    }

    /**
     * The number's magnitude lies in [10^e, 10^(e+1)) where e is the decimal exponent of its leading
     * non-zero digit. Below e = 308 it is finite, above it overflows; only e = 308 needs parsing.
     */
    private boolean isWithinBinary64(int start, int stop, int intStart, int intEnd, int fracStart, int fracEnd, int exponent) {
        int leading;
        if (bytes[intStart] != '0') {
            leading = intEnd - intStart - 1;
        } else {
            int i = fracStart;
            while (i < fracEnd && bytes[i] == '0') {
                i++;
            }
            if (i == fracEnd) {
                return true; // zero
            }
            leading = fracStart - i - 1;
        }
        int decimalExponent = leading + exponent;
        if (decimalExponent != MAX_DECIMAL_EXPONENT) {
            return decimalExponent < MAX_DECIMAL_EXPONENT;
        }
        int length = stop - start;
        return Double.isFinite(Double.parseDouble(new String(bytes, start, length, StandardCharsets.ISO_8859_1)));
    }

    private int skipDigits(int p) {
        while (p < end && isDigit(bytes[p])) {
            p++;
        }
        return p;
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isNonZeroDigit(byte c) {
        return c >= '1' && c <= '9';
    }

    private int skipWhitespace(int p) {
        while (p < end) {
            byte c = bytes[p];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                break;
            }
            p++;
        }
        return p;
    }

    // duplicate member names

    /** Records the member name between {@code start} and {@code stop} (its quotes excluded), as last scanned. */
    private void pushMember(int start, int stop) {
        if (memberCount == memberHash.length) {
            growMembers();
        }
        memberHash[memberCount] = stringHash;
        memberStart[memberCount] = start;
        memberEnd[memberCount] = stop;
        memberEscaped[memberCount] = stringEscaped;
        memberCount++;
    }

    private void growMembers() {
        int capacity = memberHash.length * 2;
        memberHash = Arrays.copyOf(memberHash, capacity);
        memberStart = Arrays.copyOf(memberStart, capacity);
        memberEnd = Arrays.copyOf(memberEnd, capacity);
        memberEscaped = Arrays.copyOf(memberEscaped, capacity);
    }

    /** Sorts the members in [from, to) by (hash, name) and reports whether no two neighbours are equal. */
    private boolean hasUniqueNames(int from, int to) {
        int n = to - from;
        if (n < 2) {
            return true;
        }
        if (n <= INSERTION_SORT_MAX) {
            for (int i = from + 1; i < to; i++) {
                for (int j = i; j > from; j--) {
                    int c = compareMembers(j - 1, j);
                    if (c == 0) {
                        return false;
                    }
                    if (c < 0) {
                        break;
                    }
                    swap(j - 1, j);
                }
            }
            return true;
        }
        heapSort(from, n);
        for (int i = from + 1; i < to; i++) {
            if (compareMembers(i - 1, i) == 0) {
                return false;
            }
        }
        return true;
    }

    private void heapSort(int from, int n) {
        for (int i = n / 2 - 1; i >= 0; i--) {
            siftDown(from, i, n);
        }
        for (int last = n - 1; last > 0; last--) {
            swap(from, from + last);
            siftDown(from, 0, last);
        }
    }

    private void siftDown(int from, int root, int n) {
        while (true) {
            int child = 2 * root + 1;
            if (child >= n) {
                return;
            }
            if (child + 1 < n && compareMembers(from + child, from + child + 1) < 0) {
                child++;
            }
            if (compareMembers(from + root, from + child) >= 0) {
                return;
            }
            swap(from + root, from + child);
            root = child;
        }
    }

    private void swap(int i, int j) {
        int h = memberHash[i];
        memberHash[i] = memberHash[j];
        memberHash[j] = h;
        int s = memberStart[i];
        memberStart[i] = memberStart[j];
        memberStart[j] = s;
        int e = memberEnd[i];
        memberEnd[i] = memberEnd[j];
        memberEnd[j] = e;
        boolean x = memberEscaped[i];
        memberEscaped[i] = memberEscaped[j];
        memberEscaped[j] = x;
    }

    /** Orders by hash, then by the names' code points; 0 means the same name. */
    private int compareMembers(int i, int j) {
        if (memberHash[i] != memberHash[j]) {
            return Integer.compare(memberHash[i], memberHash[j]);
        }
        int pi = memberStart[i];
        int ei = memberEnd[i];
        int pj = memberStart[j];
        int ej = memberEnd[j];
        if (!memberEscaped[i] && !memberEscaped[j]) {
            // valid UTF-8 has one encoding per code point, and byte order is code point order
            while (pi < ei && pj < ej) {
                int c = Integer.compare(bytes[pi++] & 0xFF, bytes[pj++] & 0xFF);
                if (c != 0) {
                    return c;
                }
            }
            return Integer.compare(ei - pi, ej - pj);
        }
        while (pi < ei && pj < ej) {
            int ci = codePointAt(pi);
            pi = decodedNext;
            int cj = codePointAt(pj);
            pj = decodedNext;
            if (ci != cj) {
                return Integer.compare(ci, cj);
            }
        }
        return Boolean.compare(pi < ei, pj < ej);
    }

    /** The code point at {@code p} of an already validated string; the next index goes to {@link #decodedNext}. */
    private int codePointAt(int p) {
        int b = bytes[p] & 0xFF;
        if (b == '\\') {
            return unescape(p);
        }
        int n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
        decodedNext = p + n;
        return Utf8.codePoint(bytes, p, n);
    }
}
