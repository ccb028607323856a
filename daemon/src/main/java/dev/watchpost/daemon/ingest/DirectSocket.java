package dev.watchpost.daemon.ingest;

import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.FileDescriptor;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A native socket of a locked event loop ({@link LoopLock}), written by another thread while it holds
 * that loop's lock: the ack thread writes the ACKs this way ({@link TcpConnection}), the publish thread
 * the live stream (the HTTP server's {@code StreamSubscriber}), neither waking the loop to do it.
 *
 * <p>Between {@link #tryLock} and {@link #unlock} the loop waits for I/O: none of its channels is read,
 * written or closed, so the descriptor is still this channel's once {@link Channel#isOpen} has been
 * checked (a close, after which the number could be given to another file, happens on the loop). The
 * caller keeps its bytes in order with what it hands to Netty: it writes here only while nothing it
 * handed over is unwritten.
 */
public final class DirectSocket {
    private final LoopLock lock;
    private final FileDescriptor fd;

    private DirectSocket(LoopLock lock, FileDescriptor fd) {
        this.lock = lock;
        this.fd = fd;
    }

    /**
     * The socket of {@code channel}, a channel of the calling thread's loop; null when that loop has no
     * lock (the NIO transport, an unlocked group) or the channel is not a native socket. Loop thread.
     */
    public static DirectSocket of(Channel channel) {
        LoopLock lock = LoopLock.current();
        if (lock == null || !(channel instanceof EpollSocketChannel epoll) || !channel.eventLoop().inEventLoop()) {
            return null;
        }
        return new DirectSocket(lock, epoll.fd());
    }

    /** Takes the loop's lock if the loop waits for I/O; true if taken, then {@link #unlock} it. */
    public boolean tryLock() {
        return lock.tryLock();
    }

    public void unlock() {
        lock.unlock();
    }

    /** Whether the calling thread holds the loop's lock: the loop's own thread does outside its waits. */
    public boolean isLockHeldByCurrentThread() {
        return lock.isHeldByCurrentThread();
    }

    /**
     * Writes what the socket takes of {@code buffer}'s bytes {@code position .. limit} without blocking
     * (0 when it takes none); the bytes written. Under the lock, the channel open.
     */
    public int write(ByteBuffer buffer, int position, int limit) throws IOException {
        return fd.write(buffer, position, limit);
    }
}
