package dev.watchpost.persistence.journal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Tells the kernel that the journal will not read some of a file's pages again soon
 * ({@code posix_fadvise(POSIX_FADV_DONTNEED)}), so that it drops them from the page cache. Clean pages
 * go at once and their memory is free for the next ones the journal writes; the kernel hands those
 * out warm, where fresh pages cost a fault each on a virtual machine whose host has not backed them
 * yet. Dirty pages in the range are only queued for writing back, so the journal asks this only of
 * bytes it has already forced to disk. It also starts the write-back of bytes not forced yet, without
 * waiting for it ({@link #writeBack}).
 *
 * <p>Linux only, through JNA; elsewhere, or when the native library cannot be loaded,
 * {@link #unavailable()} says why and the journal keeps every page, as the kernel would by default.
 */
final class PageCache {
    private static final int O_RDONLY = 0;
    /** POSIX_FADV_DONTNEED as Linux numbers it (s390x excepted, where it is 6). */
    private static final int POSIX_FADV_DONTNEED = "s390x".equals(Platform.ARCH) ? 6 : 4;
    /** Start writing back the range's dirty pages, without waiting. */
    private static final int SYNC_FILE_RANGE_WRITE = 2;
    private static final String UNAVAILABLE = load();

    private PageCache() {
    }

    private static String load() {
        if (!Platform.isLinux()) {
            return "the page cache advice needs Linux, this is " + System.getProperty("os.name");
        }
        if (System.getProperty("jna.tmpdir") == null) {
            // JNA would otherwise unpack its library into ~/.cache, which a service may not have
            System.setProperty("jna.tmpdir", System.getProperty("java.io.tmpdir"));
        }
        try {
            Native.register(PageCache.class, Platform.C_LIBRARY_NAME);
            return null;
        } catch (LinkageError | RuntimeException e) {
            return "the page cache advice is unavailable: " + e;
        }
    }

    /** Why pages cannot be dropped here; null when they can. */
    static String unavailable() {
        return UNAVAILABLE;
    }

    /**
     * Drops the cached pages of {@code length} bytes of {@code file} from {@code offset}; pages that
     * are still dirty stay. Opens the file for the call, so any thread may ask, whoever writes it.
     *
     * @throws IOException when the file cannot be opened or the kernel refuses the advice
     * @throws IllegalStateException when {@link #unavailable()} is not null
     */
    static void drop(Path file, long offset, long length) throws IOException {
        onRange(file, offset, length, "drop its cached pages", fd -> {
            int error = posix_fadvise(fd, offset, length, POSIX_FADV_DONTNEED);
            if (error != 0) {
                throw new IOException("posix_fadvise(" + file + ", " + offset + ", " + length + ") failed: errno " + error);
            }
        });
    }

    /**
     * Asks the kernel to start writing {@code length} bytes of {@code file} from {@code offset} back
     * to disk ({@code sync_file_range(SYNC_FILE_RANGE_WRITE)}) and returns without waiting for it, so
     * that a later fsync finds less to write. Forces nothing: nothing becomes durable by it. Opens the
     * file for the call, as {@link #drop} does.
     *
     * @throws IOException when the file cannot be opened or the kernel refuses
     * @throws IllegalStateException when {@link #unavailable()} is not null
     */
    static void writeBack(Path file, long offset, long length) throws IOException {
        onRange(file, offset, length, "start its write-back", fd -> {
            try {
                sync_file_range(fd, offset, length, SYNC_FILE_RANGE_WRITE);
            } catch (LastErrorException e) {
                throw new IOException("sync_file_range(" + file + ", " + offset + ", " + length + ") failed: errno " + e.getErrorCode());
            }
        });
    }

    /** A call on an open file descriptor. */
    private interface FdCall {
        void on(int fd) throws IOException;
    }

    /** Opens {@code file} read-only, makes the call on it unless the range is empty, and closes it. */
    private static void onRange(Path file, long offset, long length, String purpose, FdCall call) throws IOException {
        if (UNAVAILABLE != null) {
            throw new IllegalStateException(UNAVAILABLE);
        }
        if (length <= 0) {
            return;
        }
        int fd;
        try {
            fd = open(file.toString(), O_RDONLY);
        } catch (LastErrorException e) {
            throw new IOException("cannot open " + file + " to " + purpose + ": errno " + e.getErrorCode());
        }
        try {
            call.on(fd);
        } finally {
            close(fd);
        }
    }

    private static native int open(String path, int flags) throws LastErrorException;

    private static native int sync_file_range(int fd, long offset, long nbytes, int flags) throws LastErrorException;

    private static native int close(int fd);

    /** Returns the error number itself rather than setting errno. */
    private static native int posix_fadvise(int fd, long offset, long length, int advice);
}
