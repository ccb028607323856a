package dev.watchpost.handlers.enrich;

import dev.watchpost.handlers.rules.EnrichmentRules;
import dev.watchpost.handlers.rules.TagTable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The built-in {@code subjects}: the event's subject as the subject directory file
 * ({@code enrichment.subjects.file}, see {@link SubjectDirectory}) lists it,
 * {@code "subject":{"name":"Ada Lovelace","watchlist":["vip"]}}, and its watch-list tags as the
 * event's tag bits. A subject not listed adds nothing.
 *
 * <p><b>Reload.</b> A background thread ({@code watchpost-subjects}) checks the file's modification
 * time and size every {@code reload_interval}; once a change has stood still for one interval (so a
 * file being written is not read half-way) it reads a new snapshot and swaps it in through a volatile
 * field, which the stage thread reads once per event. A file that cannot be
 * read keeps the previous snapshot, and the problem is logged with its line. The stage thread never
 * does I/O.
 */
public final class SubjectsEnricher implements Enricher {
    public static final String NAME = "subjects";

    private volatile SubjectDirectory.Snapshot snapshot = SubjectDirectory.Snapshot.EMPTY;
    private Path file;
    private long intervalNanos;
    private TagTable tags;
    private EnricherSetup setup;
    private Thread watcher;
    private volatile boolean closed;
    /** The file as last read. */
    private long lastModified;
    private long lastSize = -1;
    /** A change seen at the last check and not read yet: the file as it was then. */
    private long pendingModified;
    private long pendingSize = -1;
    private volatile long reloads;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 90;
    }

    @Override
    public void configure(EnricherSetup setup) {
        EnrichmentRules rules = setup.rules().enrichment();
        this.setup = setup;
        this.file = rules.subjectsFile();
        this.intervalNanos = rules.reloadInterval().toNanos();
        this.tags = setup.tags();
        if (file == null) {
            return;
        }
        stat();
        try {
            snapshot = SubjectDirectory.read(file, tags);
        } catch (SubjectDirectory.ParseException e) {
            setup.problem("enrichment.subjects.file", file + ": " + e.getMessage());
            return;
        }
        if (setup.background()) {
            setup.log("subjects: " + snapshot.size() + " entries from " + file + ", checked every " + rules.reloadInterval().toMillis() + " ms");
            watcher = new Thread(this::watch, "watchpost-subjects");
            watcher.setDaemon(true);
            watcher.start();
        }
    }

    @Override
    public void enrich(EnrichContext event, EnrichmentOut out) {
        if (!event.hasSubject()) {
            return;
        }
        SubjectDirectory.Snapshot now = snapshot;
        int entry = now.find(event.subjectMsb(), event.subjectLsb());
        if (entry != UuidTable.NOT_FOUND) {
            out.member(now.fragment(entry));
            out.addTags(now.tags(entry));
        }
    }

    /** Entries of the snapshot in use. */
    public int size() {
        return snapshot.size();
    }

    /** Snapshots read since start (not counting the first). */
    public long reloads() {
        return reloads;
    }

    private void watch() {
        while (!closed) {
            LockSupport.parkNanos(this, intervalNanos);
            if (closed) {
                return;
            }
            try {
                checkOnce();
            } catch (RuntimeException e) {
                setup.log("subjects: checking " + file + " failed: " + e);
            }
        }
    }

    /**
     * Reads the file again when its modification time or size changed and has not changed since the
     * last check. Watcher thread.
     */
    void checkOnce() {
        BasicFileAttributes now = attributes();
        if (now == null) {
            return; // gone for a moment (an editor's save): the previous snapshot stands
        }
        long modified = now.lastModifiedTime().to(TimeUnit.NANOSECONDS);
        long size = now.size();
        if (modified == lastModified && size == lastSize) {
            pendingSize = -1;
            return;
        }
        if (modified != pendingModified || size != pendingSize) {
            pendingModified = modified; // changed: read it once it has stood still for an interval
            pendingSize = size;
            return;
        }
        pendingSize = -1;
        lastModified = modified;
        lastSize = size;
        try {
            SubjectDirectory.Snapshot next = SubjectDirectory.read(file, tags);
            snapshot = next;
            reloads++;
            setup.log("subjects: reloaded " + next.size() + " entries from " + file);
        } catch (SubjectDirectory.ParseException e) {
            setup.log("subjects: " + file + ": " + e.getMessage() + "; keeping the previous " + snapshot.size() + " entries");
        }
    }

    private void stat() {
        BasicFileAttributes now = attributes();
        if (now != null) {
            lastModified = now.lastModifiedTime().to(TimeUnit.NANOSECONDS);
            lastSize = now.size();
        }
    }

    private BasicFileAttributes attributes() {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        closed = true;
        Thread t = watcher;
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
