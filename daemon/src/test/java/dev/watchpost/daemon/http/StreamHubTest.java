package dev.watchpost.daemon.http;

import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventFrameEncoder;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hub's live path on embedded channels: the test thread plays both the publish thread and the
 * channels' event loops (their tasks run when the test says so). Replays need a real event loop:
 * {@link StreamEndToEndTest}.
 */
class StreamHubTest {
    private static final UUID CAMERA_A = UUID.fromString("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
    private static final UUID CAMERA_B = UUID.fromString("bbbbbbbb-bbbb-4ccc-8ddd-eeeeeeeeeeee");
    private static final int OUTBOX = 16;

    @TempDir
    Path dir;

    private final Counters counters = new Counters();
    private final EventSlot slot = new EventSlot(512);
    private Journal journal;
    private StreamHub hub;

    @BeforeEach
    void open() throws Exception {
        journal = Journal.open(dir);
        hub = new StreamHub(EventTypeRegistry.v1(), journal, counters, OUTBOX);
    }

    @AfterEach
    void close() throws Exception {
        hub.close();
        journal.close();
    }

    @Test
    void shouldWriteEachEventToEverySubscriberAsOneTextFrame() {
        EmbeddedChannel a = new EmbeddedChannel();
        EmbeddedChannel b = new EmbeddedChannel();
        live(a, StreamFilter.ALL, StreamSubscriber.LIVE_ONLY);
        live(b, StreamFilter.ALL, StreamSubscriber.LIVE_ONLY);

        List<ByteBuf> entries = new ArrayList<>();
        for (long seq = 1; seq <= 3; seq++) {
            publish(seq, 3, CAMERA_A);
        }
        hub.endOfBatch();
        a.runPendingTasks();
        b.runPendingTasks();

        for (EmbeddedChannel channel : List.of(a, b)) {
            for (long seq = 1; seq <= 3; seq++) {
                TextWebSocketFrame frame = channel.readOutbound();
                assertTrue(frame.text().startsWith("{\"seq\":" + seq + ",\"receipt_id\":"), frame.text());
                entries.add(frame.content().unwrap());
                frame.release();
            }
            assertNull(channel.readOutbound());
        }
        for (ByteBuf entry : entries) {
            assertEquals(0, entry.refCnt(), "every encoded event is freed once both clients have written it");
        }
        assertEquals(6, counters.get(Counter.STREAM_MESSAGES_SENT));
    }

    @Test
    void shouldSendOnlyTheTypesAndCameraAsked() {
        EmbeddedChannel channel = new EmbeddedChannel();
        live(channel, StreamFilter.parse("object.detected", CAMERA_A.toString(), EventTypeRegistry.v1()), StreamSubscriber.LIVE_ONLY);

        publish(1, 2, CAMERA_A);
        publish(2, 3, CAMERA_A);
        publish(3, 2, CAMERA_B);
        publish(4, 2, null);
        publish(5, 2, CAMERA_A);
        hub.endOfBatch();
        channel.runPendingTasks();

        assertEquals(List.of(1L, 5L), seqs(channel));
    }

    @Test
    void shouldStartAFromSeqBeyondTheLastStoredEventAtThatSeq() {
        EmbeddedChannel channel = new EmbeddedChannel();
        live(channel, StreamFilter.ALL, 3);

        for (long seq = 1; seq <= 4; seq++) {
            publish(seq, 3, CAMERA_A);
        }
        hub.endOfBatch();
        channel.runPendingTasks();

        assertEquals(List.of(3L, 4L), seqs(channel));
    }

    @Test
    void shouldCutOffASubscriberWhoseOutboxIsFullWithoutWaiting() {
        EmbeddedChannel slow = new EmbeddedChannel();
        EmbeddedChannel fast = new EmbeddedChannel();
        live(slow, StreamFilter.ALL, StreamSubscriber.LIVE_ONLY);
        live(fast, StreamFilter.ALL, StreamSubscriber.LIVE_ONLY);

        long seq = 0;
        while (counters.get(Counter.STREAM_CLIENTS_CUT_OFF) == 0 && seq < 10 * OUTBOX) {
            publish(++seq, 3, CAMERA_A);
            if (seq % 4 == 0) {
                hub.endOfBatch();
                fast.runPendingTasks(); // the fast client drains every batch; the slow one never does
            }
        }
        hub.endOfBatch();
        fast.runPendingTasks();

        assertEquals(1, counters.get(Counter.STREAM_CLIENTS_CUT_OFF));
        assertEquals(1, hub.subscriberCount());
        slow.runPendingTasks(); // its late drain writes what it had, then the close says where to resume
        long last = 0;
        Object message;
        while ((message = slow.readOutbound()) instanceof TextWebSocketFrame) {
            TextWebSocketFrame frame = (TextWebSocketFrame) message;
            assertTrue(frame.text().startsWith("{\"seq\":" + (last + 1) + ","), frame.text());
            frame.release();
            last++;
        }
        CloseWebSocketFrame close = assertInstanceOf(CloseWebSocketFrame.class, message);
        assertEquals(1008, close.statusCode());
        assertTrue(close.reasonText().endsWith("reconnect with from_seq=" + (last + 1)), close.reasonText() + " after " + last + " of " + seq);
        close.release();
        assertFalse(slow.isOpen());

        List<Long> received = seqs(fast);
        assertEquals(seq, received.size());
        assertEquals(seq, received.get(received.size() - 1));
    }

    @Test
    void shouldLetGoOfASubscriberWhoseConnectionClosed() {
        EmbeddedChannel channel = new EmbeddedChannel();
        StreamSubscriber subscriber = live(channel, StreamFilter.ALL, StreamSubscriber.LIVE_ONLY);
        publish(1, 3, CAMERA_A);

        subscriber.onClosed();
        hub.unsubscribe(subscriber);
        hub.endOfBatch();
        channel.runPendingTasks();

        assertEquals(0, hub.subscriberCount());
        assertTrue(subscriber.outbox.isEmpty(), "what was queued is freed");
        assertNull(channel.readOutbound());
    }

    /** Subscribes on {@code channel}, lets the hub apply it, and completes the handshake. */
    private StreamSubscriber live(EmbeddedChannel channel, StreamFilter filter, long fromSeq) {
        StreamSubscriber subscriber = hub.subscribe(channel, filter, fromSeq, false);
        hub.endOfBatch();
        channel.runPendingTasks();
        subscriber.onHandshakeComplete();
        return subscriber;
    }

    private void publish(long seq, int type, UUID camera) {
        ByteBuffer frame = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        byte[] label = "person".getBytes(StandardCharsets.UTF_8);
        EventFrameEncoder encoder = new EventFrameEncoder().wrap(frame, 0)
                .receiptId(UUID.randomUUID())
                .tsUs(1_763_884_800_000_000L)
                .eventType(type)
                .source(1)
                .confidence(0.5f)
                .storeId(UUID.fromString(TestServer.STORE));
        if (camera != null) {
            encoder.cameraId(camera);
        }
        int length = encoder.label(label, 0, label.length).payload(new byte[0], 0, 0).finish();
        slot.claimEvent(length, null, 0, 1_763_884_800_000_001L).put(0, frame.array(), 0, length);
        slot.sequence(seq);
        hub.publish(slot);
    }

    private static List<Long> seqs(EmbeddedChannel channel) {
        List<Long> seqs = new ArrayList<>();
        Object message;
        while ((message = channel.readOutbound()) != null) {
            TextWebSocketFrame frame = (TextWebSocketFrame) message;
            String text = frame.text();
            seqs.add(Long.parseLong(text.substring(7, text.indexOf(','))));
            frame.release();
        }
        return seqs;
    }
}
