package dev.watchpost.daemon.ingest;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoRegistration;
import io.netty.util.concurrent.ThreadAwareExecutor;

import java.util.concurrent.locks.ReentrantLock;

/**
 * A lock an I/O thread (a TCP one, the HTTP one) holds whenever it is not waiting for I/O: while it
 * reads, writes, runs its tasks, closes a channel. Another thread that takes it ({@link #tryLock})
 * knows that for as long as it holds it no channel of that loop is being read, written or closed, and
 * may write to an open one's socket itself ({@link DirectSocket}); the ack thread does, for the ACKs,
 * and the publish thread for the live stream.
 *
 * <p>It wraps the loop's {@link IoHandler} (Netty's native epoll one): the lock is taken when the loop
 * starts and let go only around the wait for I/O, which the wrapped handler marks by asking its
 * context whether it may block (just before it waits) and whether to report how long it was busy
 * (once the wait is over, before it handles what is ready). Should a later handler ask in another
 * order, the thread still takes the lock before it returns from {@link IoHandler#run}, and the
 * connection's own check ({@code assert} in {@link TcpConnection#channelRead}) fails the tests.
 */
final class LoopLock {
    private static final ThreadLocal<LoopLock> CURRENT = new ThreadLocal<>();

    private final ReentrantLock lock = new ReentrantLock();

    private LoopLock() {
    }

    /** The lock of the loop the calling thread runs, or {@code null} when that loop has none. */
    static LoopLock current() {
        return CURRENT.get();
    }

    /** Handlers made by {@code factory}, each locking its loop with a lock of its own. */
    static IoHandlerFactory wrap(IoHandlerFactory factory) {
        return new IoHandlerFactory() {
            @Override
            public IoHandler newHandler(ThreadAwareExecutor executor) {
                return new Handler(factory.newHandler(executor), new LoopLock());
            }

            @Override
            public boolean isChangingThreadSupported() {
                return factory.isChangingThreadSupported();
            }
        };
    }

    /** Takes the lock if no other thread holds it; true if taken, then {@link #unlock} it. */
    boolean tryLock() {
        return lock.tryLock();
    }

    void unlock() {
        lock.unlock();
    }

    /** Whether the calling thread holds it: the loop's own thread does outside its waits. */
    boolean isHeldByCurrentThread() {
        return lock.isHeldByCurrentThread();
    }

    private void hold() {
        if (!lock.isHeldByCurrentThread()) {
            lock.lock();
        }
    }

    private void letGo() {
        if (lock.isHeldByCurrentThread()) {
            lock.unlock();
        }
    }

    private static final class Handler implements IoHandler, IoHandlerContext {
        private final IoHandler delegate;
        private final LoopLock lock;
        /** The loop's context for the run in progress; this handler passes itself on instead. */
        private IoHandlerContext outer;

        Handler(IoHandler delegate, LoopLock lock) {
            this.delegate = delegate;
            this.lock = lock;
        }

        @Override
        public void initialize() {
            CURRENT.set(lock);
            lock.hold();
            delegate.initialize();
        }

        @Override
        public int run(IoHandlerContext context) {
            lock.hold();
            outer = context;
            try {
                return delegate.run(this);
            } finally {
                lock.hold();
            }
        }

        @Override
        public boolean canBlock() {
            boolean canBlock = outer.canBlock();
            if (canBlock) {
                lock.letGo(); // the handler waits for I/O next
            }
            return canBlock;
        }

        @Override
        public boolean shouldReportActiveIoTime() {
            lock.hold(); // the wait is over: what is ready is handled under the lock
            return outer.shouldReportActiveIoTime();
        }

        @Override
        public long delayNanos(long currentTimeNanos) {
            return outer.delayNanos(currentTimeNanos);
        }

        @Override
        public long deadlineNanos() {
            return outer.deadlineNanos();
        }

        @Override
        public void reportActiveIoTime(long activeNanos) {
            outer.reportActiveIoTime(activeNanos);
        }

        @Override
        public void prepareToDestroy() {
            lock.hold();
            delegate.prepareToDestroy();
        }

        @Override
        public void destroy() {
            lock.hold();
            delegate.destroy();
        }

        @Override
        public IoRegistration register(IoHandle handle) throws Exception {
            return delegate.register(handle);
        }

        @Override
        public void wakeup() {
            delegate.wakeup();
        }

        @Override
        public boolean isCompatible(Class<? extends IoHandle> handleType) {
            return delegate.isCompatible(handleType);
        }
    }
}
