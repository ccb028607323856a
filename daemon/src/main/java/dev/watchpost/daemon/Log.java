package dev.watchpost.daemon;

import java.time.Instant;

/** The daemon's log: one line per message on standard error, with a UTC timestamp and a level. */
public final class Log {
    private Log() {
    }

    public static void info(String message) {
        write("INFO", message);
    }

    public static void warn(String message) {
        write("WARN", message);
    }

    public static void error(String message) {
        write("ERROR", message);
    }

    private static void write(String level, String message) {
        System.err.println(Instant.now() + " " + level + " " + message);
    }
}
