package dev.watchpost.daemon.ingest;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/** Netty's native epoll transport where it loads (Linux x86_64), else NIO; one choice for every server. */
public final class Transports {
    private Transports() {
    }

    public static boolean nativeEpoll() {
        return Epoll.isAvailable();
    }

    public static EventLoopGroup newGroup(int threads, String name) {
        return newGroup(threads, name, false);
    }

    /**
     * As {@link #newGroup(int, String)}, its native loops locked by a {@link LoopLock} each, so that
     * another thread may write to their sockets while they wait for I/O ({@link DirectSocket}): the
     * detector connections and the HTTP server's.
     */
    public static EventLoopGroup newLockedGroup(int threads, String name) {
        return newGroup(threads, name, true);
    }

    private static EventLoopGroup newGroup(int threads, String name, boolean locked) {
        DefaultThreadFactory threadFactory = new DefaultThreadFactory(name, true);
        return new MultiThreadIoEventLoopGroup(threads, threadFactory, !nativeEpoll() ? NioIoHandler.newFactory()
                : locked ? LoopLock.wrap(EpollIoHandler.newFactory()) : EpollIoHandler.newFactory());
    }

    public static Class<? extends ServerSocketChannel> serverChannel() {
        return nativeEpoll() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public static Class<? extends DatagramChannel> datagramChannel() {
        return nativeEpoll() ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }
}
