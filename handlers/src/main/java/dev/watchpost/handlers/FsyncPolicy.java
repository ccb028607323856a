package dev.watchpost.handlers;

import java.util.Locale;

/** When the journal stage forces appended events to disk, and so what an ACK promises. */
public enum FsyncPolicy {
    /** fsync after every event before it is acknowledged: survives power loss, slowest. */
    ALWAYS,
    /**
     * Group commit: one fsync covers a batch, bounded by a record count and a delay, before any
     * event in it is acknowledged: survives power loss.
     */
    BATCH,
    /** Written to the operating system before acknowledgement, never forced: survives a crash of the daemon, not of the machine. */
    NEVER;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static FsyncPolicy fromConfigName(String name) {
        for (FsyncPolicy policy : values()) {
            if (policy.configName().equals(name)) {
                return policy;
            }
        }
        return null;
    }
}
