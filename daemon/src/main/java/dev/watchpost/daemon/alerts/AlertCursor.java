package dev.watchpost.daemon.alerts;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A channel's durable place in the journal: {@code <data_dir>/alerts/<channel>.cursor} holds the seq
 * of the last record it is done with (delivered, given up, or not for it), as decimal text. Each
 * write replaces the file atomically (write a temporary file, fsync, rename), so a crash leaves
 * either the old or the new value, never a torn one. One delivery thread per file.
 */
public final class AlertCursor {
    /** No cursor file yet: a first start. */
    public static final long NONE = -1;

    private final Path file;
    private final Path temp;

    public AlertCursor(Path directory, String channel) {
        this.file = directory.resolve(channel + ".cursor");
        this.temp = directory.resolve(channel + ".cursor.tmp");
    }

    public Path file() {
        return file;
    }

    /** The seq stored, or {@link #NONE}. */
    public long read() throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII).trim();
        } catch (NoSuchFileException e) {
            return NONE;
        }
        try {
            long seq = Long.parseLong(text);
            if (seq < 0) {
                throw new NumberFormatException("negative");
            }
            return seq;
        } catch (NumberFormatException e) {
            throw new IOException(file + ": not a journal seq: '" + text + "'");
        }
    }

    /** Stores {@code seq}, durably. */
    public void write(long seq) throws IOException {
        Files.createDirectories(file.getParent());
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap((seq + "\n").getBytes(StandardCharsets.US_ASCII));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true); // the rename itself
        } catch (IOException e) {
            // some file systems cannot open a directory; the rename is still atomic
        }
    }
}
