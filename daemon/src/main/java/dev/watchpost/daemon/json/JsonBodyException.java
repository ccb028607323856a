package dev.watchpost.daemon.json;

/**
 * An HTTP ingest body that is not JSON at all (or an NDJSON line that is not): the request gets
 * {@code 400} and nothing in it is stored. The message is the reason for people, naming where the
 * body went wrong.
 */
public final class JsonBodyException extends Exception {
    public JsonBodyException(String message) {
        super(message);
    }
}
