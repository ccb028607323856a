package dev.watchpost.bench.jmh;

import io.netty.channel.DefaultEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * JMH's benchmark threads as Netty event-loop threads, for a benchmark whose measured code runs on
 * an event loop in the daemon: Netty's recycler (a channel's outbound entries, the pooled buffers'
 * objects) pools only on such threads, and allocates on any other. A benchmark asks for it with
 * {@code @Fork(jvmArgsAppend = {"-Djmh.executor=CUSTOM", "-Djmh.executor.class=" + ...})}; JMH
 * builds it with its thread count and name prefix and runs each benchmark thread as one task on one
 * of its loops.
 */
public final class EventLoopExecutor extends DefaultEventLoopGroup {
    public EventLoopExecutor(int threads, String prefix) {
        super(threads, new DefaultThreadFactory(prefix, true));
    }
}
