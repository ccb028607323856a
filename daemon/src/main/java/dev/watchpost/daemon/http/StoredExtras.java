package dev.watchpost.daemon.http;

import dev.watchpost.ringbuffer.codec.EventFrame;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Finds where {@code meta} ends in a stored event's extra bytes. The journal keeps an HTTP event's
 * extras as one run of bytes, the compact {@code meta} object followed by the receipt key as sent
 * (when it is not a UUID), without the split; the live path knows it from the slot, a replay has to
 * find it again.
 *
 * <p>{@code meta} is a JSON object with no whitespace, so it is the leading balanced {@code {...}}.
 * A receipt text could itself start with {@code {}, so a candidate split is confirmed against the
 * frame's receipt_id, which for a receipt text is the first 16 bytes of the text's SHA-256.
 *
 * <p>One instance per thread: it keeps a digest.
 */
final class StoredExtras {
    private MessageDigest sha256;
    private byte[] scratch = new byte[256];

    /**
     * The length of {@code meta} at the start of {@code extra[offset, offset + length)}; the rest is the
     * receipt text.
     */
    int metaLength(ByteBuffer extra, int offset, int length, EventFrame frame) {
        if (length == 0) {
            return 0;
        }
        int objectLength = leadingObjectLength(extra, offset, length);
        if (objectLength < 0) {
            return 0;
        }
        if (objectLength == length) {
            // Meta alone, unless the whole run is a receipt text that reads like an object.
            return isReceiptText(extra, offset, length, frame) ? 0 : length;
        }
        if (isReceiptText(extra, offset + objectLength, length - objectLength, frame)) {
            return objectLength;
        }
        return isReceiptText(extra, offset, length, frame) ? 0 : objectLength;
    }

    /** Length of the balanced JSON object starting at {@code offset}, or -1 when there is none. */
    static int leadingObjectLength(ByteBuffer b, int offset, int length) {
        if (b.get(offset) != '{') {
            return -1;
        }
        int depth = 0;
        boolean inString = false;
        for (int i = offset; i < offset + length; i++) {
            byte c = b.get(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (--depth == 0) {
                    return i + 1 - offset;
                }
            }
        }
        return -1;
    }

    private boolean isReceiptText(ByteBuffer b, int offset, int length, EventFrame frame) {
        if (length == 0) {
            return false;
        }
        MessageDigest digest = digest();
        if (scratch.length < length) {
            scratch = new byte[length];
        }
        b.get(offset, scratch, 0, length);
        digest.update(scratch, 0, length);
        byte[] hash = digest.digest();
        ByteBuffer f = frame.buffer();
        int at = frame.offset() + EventFrame.RECEIPT_ID_OFFSET;
        for (int i = 0; i < 16; i++) {
            if (f.get(at + i) != hash[i]) {
                return false;
            }
        }
        return true;
    }

    private MessageDigest digest() {
        if (sha256 == null) {
            try {
                sha256 = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java platform has SHA-256", e);
            }
        }
        return sha256;
    }
}
