package dev.watchpost.bench.jmh;

import dev.watchpost.daemon.http.StreamHub;
import dev.watchpost.daemon.http.StreamHubAccess;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.util.ReferenceCountUtil;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * WebSocket fan-out of one stored event to N live stream clients, through the real {@link StreamHub}:
 *
 * <pre>
 *  publish(slot) ── JSON once ── text frame once, into the hub's page ── record × N ──► N outboxes
 *  endOfBatch()  ── schedule N drains
 *  event loops   ── drain: copy the frame into the client's write buffer ── one write, one flush ──► outbound bytes
 * </pre>
 *
 * One op = one event published ({@link StreamHub#publish} and {@link StreamHub#endOfBatch}), then
 * every client's drain run, which copies the event's frame bytes into its write buffer and writes
 * that; the benchmark releases what reaches the channel's outbound end, which hands the write buffer
 * back for the next drain, as a socket does once it has sent the bytes. The clients are Netty
 * {@link EmbeddedChannel}s carrying the server's WebSocket encoder, which the frames pass by (they are
 * bytes already): the benchmark thread plays both the publish thread and every client's event loop,
 * so the cross-thread hand-off (a task on each client's event loop, the wake-up) is not in the
 * figure, and neither is the socket write.
 *
 * <p>The benchmark thread is a Netty event-loop thread ({@link EventLoopExecutor}), because the
 * drains run on the HTTP event loop in the daemon, and there Netty's recycler gives a channel's
 * outbound entry and a pooled buffer's object back for reuse; on any other thread it allocates them
 * each time. The daemon publishes on its stage thread, an ordinary thread, and the publish path uses
 * neither (its pages and scratch buffer are the hub's own), so playing it on the event loop changes
 * nothing. {@code -jvmArgsAppend -Djmh.executor=PLATFORM} runs it on an ordinary thread instead.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Djmh.executor=CUSTOM", "-Djmh.executor.class=dev.watchpost.bench.jmh.EventLoopExecutor"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class StreamFanOutBenchmark {
    static final int PAYLOAD_BYTES = 60;
    static final int OUTBOX = 16384;

    @Param({"1", "10", "50"})
    int subscribers;

    private final EventSlot slot = new EventSlot(512);
    private Path directory;
    private Journal journal;
    private StreamHub hub;
    private EmbeddedChannel[] channels;
    private long seq;

    @Setup
    public void setUp() throws IOException {
        directory = BenchFrames.tempDirectory("watchpost-bench-stream-");
        journal = Journal.open(directory);
        hub = new StreamHub(EventTypeRegistry.v1(), journal, new Counters(), OUTBOX);
        channels = new EmbeddedChannel[subscribers];
        for (int i = 0; i < subscribers; i++) {
            channels[i] = new EmbeddedChannel(new WebSocket13FrameEncoder(false));
            StreamHubAccess.subscribeLive(hub, channels[i]);
        }
        long nowUs = System.currentTimeMillis() * 1000;
        int length = BenchFrames.frameLength(PAYLOAD_BYTES);
        ByteBuffer frame = BenchFrames.faceRecognized(UUID.randomUUID(), nowUs, PAYLOAD_BYTES);
        slot.claimEvent(length, null, 1, nowUs + 250).put(0, frame, 0, length);
        seq = 0;
        int written = fanOut();
        if (written != subscribers) {
            throw new IllegalStateException("one event reached " + written + " of " + subscribers + " clients' outbound end");
        }
    }

    @TearDown
    public void tearDown() throws IOException {
        for (EmbeddedChannel channel : channels) {
            channel.finishAndReleaseAll();
        }
        hub.close();
        journal.close();
        BenchFrames.deleteRecursively(directory);
    }

    @Benchmark
    public int fanOut() {
        slot.sequence(++seq);
        hub.publish(slot);
        hub.endOfBatch();
        int written = 0;
        for (EmbeddedChannel channel : channels) {
            channel.runPendingTasks();
            Object message;
            while ((message = channel.readOutbound()) != null) {
                ReferenceCountUtil.release(message);
                written++;
            }
        }
        return written;
    }
}
