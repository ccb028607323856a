package dev.watchpost.handlers;

import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Errors counted, not spammed: the first occurrence of each distinct error (by where and what) is
 * reported with its stack trace; repeats only raise its count. Thread-safe; off the hot path.
 */
public final class ErrorLog {
    private final ConcurrentHashMap<String, AtomicLong> seen = new ConcurrentHashMap<>();
    private final Counters counters;
    private final Consumer<String> sink;

    /** @param sink receives one line per first occurrence (the daemon's log) */
    public ErrorLog(Counters counters, Consumer<String> sink) {
        this.counters = counters;
        this.sink = sink;
    }

    public void record(String where, Throwable error) {
        counters.increment(Counter.HANDLER_ERRORS);
        String key = where + ':' + error.getClass().getName() + ':' + error.getMessage();
        AtomicLong count = seen.computeIfAbsent(key, k -> new AtomicLong());
        if (count.getAndIncrement() == 0) {
            java.io.StringWriter trace = new java.io.StringWriter();
            error.printStackTrace(new java.io.PrintWriter(trace));
            sink.accept("error in " + where + " (further occurrences are only counted): " + trace);
        }
    }

    /** How often this error was recorded. */
    public long count(String where, Throwable error) {
        AtomicLong count = seen.get(where + ':' + error.getClass().getName() + ':' + error.getMessage());
        return count == null ? 0 : count.get();
    }

    public long distinctErrors() {
        return seen.size();
    }
}
