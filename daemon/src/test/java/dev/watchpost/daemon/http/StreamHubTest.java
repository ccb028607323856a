package dev.watchpost.daemon.http;

import dev.watchpost.daemon.json.EventJsonWriter;
import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventFrameEncoder;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hub's live path on embedded channels: the test thread plays both the publish thread and the
 * channels' event loops (their tasks run when the test says so). A channel here has no encoder, so
 * what it carries is what goes on the wire: the events' bytes as the hub built them, and the
 * WebSocket close frame as an object. Replays need a real event loop: {@link StreamEndToEndTest}.
 */
class StreamHubTest {
    private static final UUID CAMERA_A = UUID.fromString("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
    private static final UUID CAMERA_B = UUID.fromString("bbbbbbbb-bbbb-4ccc-8ddd-eeeeeeeeeeee");
    private static final int OUTBOX = 16;

    @TempDir
    Path dir;

    private final Counters counters = new Counters();
    private final EventSlot slot = new EventSlot(512);
    private final EventJsonWriter writer = new EventJsonWriter(EventTypeRegistry.v1());
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
        live(a, StreamFilter.ALL, StreamSubscriber.LIVE_ONLY, false);
        live(b, StreamFilter.ALL, StreamSubscriber.LIVE_ONLY, false);

        for (long seq = 1; seq <= 3; seq++) {
            publish(seq, 3, CAMERA_A);
        }
        hub.endOfBatch();
        a.runPendingTasks();
        b.runPendingTasks();

        for (EmbeddedChannel channel : List.of(a, b)) {
            List<WebSocketFrame> frames = frames(channel);
            assertEquals(3, frames.size());
            for (int i = 0; i < 3; i++) {
                TextWebSocketFrame frame = assertInstanceOf(TextWebSocketFrame.class, frames.get(i));
                assertTrue(frame.text().startsWith("{\"seq\":" + (i + 1) + ",\"receipt_id\":"), frame.text());
                frame.release();
            }
        }
        assertEquals(0, hub.pagesHeld(), "every page is free again once both clients have written it");
        assertEquals(6, counters.get(Counter.STREAM_MESSAGES_SENT));
    }

    @Test
    void shouldSendOnlyTheTypesAndCameraAsked() {
        EmbeddedChannel channel = new EmbeddedChannel();
        live(channel, StreamFilter.parse("object.detected", CAMERA_A.toString(), EventTypeRegistry.v1()), StreamSubscriber.LIVE_ONLY, false);

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
        live(channel, StreamFilter.ALL, 3, false);

        for (long seq = 1; seq <= 4; seq++) {
            publish(seq, 3, CAMERA_A);
        }
        hub.endOfBatch();
        channel.runPendingTasks();

        assertEquals(List.of(3L, 4L), seqs(channel));
    }

    @Test
    void shouldWriteManyEventsToManySubscribersCompleteInOrderAndAsNettysEncodersDid() {
        StreamFilter objectsOnA = StreamFilter.parse("object.detected", CAMERA_A.toString(), EventTypeRegistry.v1());
        StreamFilter facesAndObjects = StreamFilter.parse("face.detected,object.detected", null, EventTypeRegistry.v1());
        List<Client> clients = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            StreamFilter filter = i % 3 == 0 ? StreamFilter.ALL : i % 3 == 1 ? objectsOnA : facesAndObjects;
            clients.add(new Client(filter, i % 4 == 3));
        }
        for (Client client : clients) {
            live(client.channel, client.filter, StreamSubscriber.LIVE_ONLY, client.sse);
        }

        int events = 3000;
        for (int seq = 1; seq <= events; seq++) {
            // Payloads from none to JSON over 16 KiB (a buffer of its own) and 64 KiB (a 64-bit length).
            int payload = seq % 500 == 0 ? 65_000 : seq % 97 == 0 ? 20_000 : seq % 7 == 0 ? 10 + seq % 300 : 0;
            UUID camera = seq % 5 == 0 ? CAMERA_B : seq % 11 == 0 ? null : CAMERA_A;
            int type = 1 + seq % 3;
            publish(seq, type, camera, payload);
            String json = json();
            for (Client client : clients) {
                if (client.filter.matches(slot.frame(), false)) {
                    client.expect(seq, json);
                }
            }
            if (seq % 8 == 0 || seq == events) {
                hub.endOfBatch();
                for (Client client : clients) {
                    client.channel.runPendingTasks();
                    client.take();
                }
            }
        }

        for (Client client : clients) {
            assertTrue(client.expected.size() > 500, "each client takes many events: " + client.expected.size());
            assertArrayEquals(client.expected.toByteArray(), client.received.toByteArray(),
                    (client.sse ? "SSE" : "WebSocket") + " client's bytes");
            assertTrue(client.channel.isOpen());
        }
        assertEquals(0, counters.get(Counter.STREAM_CLIENTS_CUT_OFF));
        assertEquals(0, hub.pagesHeld(), "every page is free again once every client has written it");
    }

    @Test
    void shouldFillThePagesAgainOnceEveryClientHasWrittenThem() {
        EmbeddedChannel a = new EmbeddedChannel();
        EmbeddedChannel b = new EmbeddedChannel();
        live(a, StreamFilter.ALL, StreamSubscriber.LIVE_ONLY, false);
        live(b, StreamFilter.ALL, StreamSubscriber.LIVE_ONLY, true);

        int events = 20_000; // over 10 MB of frames and chunks: 150 pages' worth without reuse
        for (int seq = 1; seq <= events; seq++) {
            publish(seq, 3, CAMERA_A, 200);
            if (seq % 8 == 0) {
                hub.endOfBatch();
                for (EmbeddedChannel channel : List.of(a, b)) {
                    channel.runPendingTasks();
                    releaseOutbound(channel);
                }
            }
        }

        assertEquals(2L * events, counters.get(Counter.STREAM_MESSAGES_SENT));
        assertTrue(hub.pageCount() <= 2, "pages made: " + hub.pageCount());
        assertEquals(0, hub.pagesHeld());
    }

    @Test
    void shouldFreeEveryPageAtCloseWithTheReferencesTakenAheadForTheCurrentOne() {
        EmbeddedChannel slow = new EmbeddedChannel();
        EmbeddedChannel fast = new EmbeddedChannel();
        live(slow, StreamFilter.ALL, StreamSubscriber.LIVE_ONLY, false);
        live(fast, StreamFilter.ALL, StreamSubscriber.LIVE_ONLY, true);
        long seq = publishUntilCutOff(fast); // the slow one's records are given back unsent, the fast one's written
        for (int i = 0; i < 2_000; i++) { // pages filled and made current again, several times over
            publish(++seq, 3, CAMERA_A, 200);
            if (seq % 8 == 0) {
                hub.endOfBatch();
                fast.runPendingTasks();
                releaseOutbound(fast);
            }
        }
        hub.endOfBatch();
        fast.runPendingTasks();
        releaseOutbound(fast);
        slow.runPendingTasks();
        for (Object out; (out = slow.readOutbound()) != null; ) {
            ReferenceCountUtil.release(out); // what it had, then its close frame
        }
        List<ByteBuf> pages = hub.pagesMade();
        assertEquals(0, hub.pagesHeld());

        hub.close();

        assertTrue(pages.size() >= 2, "pages made: " + pages.size());
        for (ByteBuf page : pages) {
            assertEquals(0, page.refCnt(), "a page still referenced after close");
        }
    }

    @Test
    void shouldCutOffASubscriberWhoseOutboxIsFullWithoutWaiting() {
        EmbeddedChannel slow = new EmbeddedChannel();
        EmbeddedChannel fast = new EmbeddedChannel();
        live(slow, StreamFilter.ALL, StreamSubscriber.LIVE_ONLY, false);
        live(fast, StreamFilter.ALL, StreamSubscriber.LIVE_ONLY, false);

        long seq = publishUntilCutOff(fast);

        assertEquals(1, counters.get(Counter.STREAM_CLIENTS_CUT_OFF));
        assertEquals(1, hub.subscriberCount());
        slow.runPendingTasks(); // its late drain writes what it had, then the close says where to resume
        List<WebSocketFrame> frames = frames(slow);
        long last = 0;
        for (WebSocketFrame frame : frames.subList(0, frames.size() - 1)) {
            String text = assertInstanceOf(TextWebSocketFrame.class, frame).text();
            assertTrue(text.startsWith("{\"seq\":" + (last + 1) + ","), text);
            frame.release();
            last++;
        }
        CloseWebSocketFrame close = assertInstanceOf(CloseWebSocketFrame.class, frames.get(frames.size() - 1));
        assertEquals(1008, close.statusCode());
        assertTrue(close.reasonText().endsWith("reconnect with from_seq=" + (last + 1)), close.reasonText() + " after " + last + " of " + seq);
        close.release();
        assertEquals(OUTBOX, last, "the client was sent what its outbox held");
        assertFalse(slow.isOpen());
        assertEquals(0, hub.pagesHeld(), "the cut-off client's records gave their pages back");

        List<Long> received = seqs(fast);
        assertEquals(seq, received.size());
        assertEquals(seq, received.get(received.size() - 1));
    }

    @Test
    void shouldEndASlowServerSentEventsStreamWithACloseMessageSayingWhereToResume() {
        EmbeddedChannel slow = new EmbeddedChannel();
        EmbeddedChannel fast = new EmbeddedChannel();
        live(slow, StreamFilter.ALL, StreamSubscriber.LIVE_ONLY, true);
        live(fast, StreamFilter.ALL, StreamSubscriber.LIVE_ONLY, true);
        List<String> jsons = new ArrayList<>();

        long seq = 0;
        while (counters.get(Counter.STREAM_CLIENTS_CUT_OFF) == 0 && seq < 10 * OUTBOX) {
            publish(++seq, 3, CAMERA_A);
            jsons.add(json());
            if (seq % 4 == 0) {
                hub.endOfBatch();
                fast.runPendingTasks();
            }
        }
        hub.endOfBatch();
        fast.runPendingTasks();
        slow.runPendingTasks();

        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int i = 0; i < OUTBOX; i++) {
            expected.writeBytes(EncodedByNetty.sseEvent(i + 1, jsons.get(i)));
        }
        expected.writeBytes(EncodedByNetty.chunk("event: close\ndata: {\"code\":1008,\"reason\":\"too slow (outbox full); "
                + "reconnect with from_seq=" + (OUTBOX + 1) + "\"}\n\n"));
        expected.writeBytes(EncodedByNetty.lastChunk());
        assertEquals(new String(expected.toByteArray(), StandardCharsets.UTF_8), new String(bytes(slow), StandardCharsets.UTF_8));
        assertFalse(slow.isOpen());
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int i = 0; i < seq; i++) {
            all.writeBytes(EncodedByNetty.sseEvent(i + 1, jsons.get(i)));
        }
        assertArrayEquals(all.toByteArray(), bytes(fast), "the fast client missed nothing");
    }

    @Test
    void shouldLetGoOfASubscriberWhoseConnectionClosed() {
        EmbeddedChannel channel = new EmbeddedChannel();
        StreamSubscriber subscriber = live(channel, StreamFilter.ALL, StreamSubscriber.LIVE_ONLY, false);
        publish(1, 3, CAMERA_A);

        subscriber.onClosed();
        hub.unsubscribe(subscriber);
        hub.endOfBatch();
        channel.runPendingTasks();

        assertEquals(0, hub.subscriberCount());
        assertTrue(subscriber.outbox.isEmpty(), "what was queued is freed");
        assertEquals(0, hub.pagesHeld());
        assertNull(channel.readOutbound());
    }

    /** Publishes events until the hub cuts a client off, the fast client draining every few; returns the last seq. */
    private long publishUntilCutOff(EmbeddedChannel fast) {
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
        return seq;
    }

    /** Subscribes on {@code channel}, lets the hub apply it, and completes the handshake. */
    private StreamSubscriber live(EmbeddedChannel channel, StreamFilter filter, long fromSeq, boolean sse) {
        StreamSubscriber subscriber = hub.subscribe(channel, filter, fromSeq, sse);
        hub.endOfBatch();
        channel.runPendingTasks();
        subscriber.onHandshakeComplete();
        return subscriber;
    }

    private void publish(long seq, int type, UUID camera) {
        publish(seq, type, camera, 0);
    }

    /** Publishes an event with a JSON object payload of {@code payloadBytes} bytes (0: none). */
    private void publish(long seq, int type, UUID camera, int payloadBytes) {
        byte[] label = "person".getBytes(StandardCharsets.UTF_8);
        byte[] payload = payload(payloadBytes);
        ByteBuffer frame = ByteBuffer.allocate(512 + payload.length).order(ByteOrder.LITTLE_ENDIAN);
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
        int length = encoder.label(label, 0, label.length).payload(payload, 0, payload.length).finish();
        slot.claimEvent(length, null, 0, 1_763_884_800_000_001L).put(0, frame.array(), 0, length);
        slot.sequence(seq);
        hub.publish(slot);
    }

    /** The JSON of the event last published, written by the stream's JSON writer on its own. */
    private String json() {
        ByteBuf out = Unpooled.buffer();
        writer.write(slot, out);
        String json = out.toString(StandardCharsets.UTF_8);
        out.release();
        return json;
    }

    private static byte[] payload(int bytes) {
        if (bytes == 0) {
            return new byte[0];
        }
        byte[] payload = new byte[bytes];
        Arrays.fill(payload, (byte) 'x');
        byte[] head = "{\"pad\":\"".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, payload, 0, head.length);
        payload[bytes - 2] = '"';
        payload[bytes - 1] = '}';
        return payload;
    }

    /**
     * What a WebSocket client on {@code channel} has received: the bytes written, decoded as a client
     * decodes them, and the frames written as objects (the close).
     */
    private static List<WebSocketFrame> frames(EmbeddedChannel channel) {
        EmbeddedChannel client = new EmbeddedChannel(new WebSocket13FrameDecoder(false, false, 1 << 20));
        List<WebSocketFrame> frames = new ArrayList<>();
        Object message;
        while ((message = channel.readOutbound()) != null) {
            if (message instanceof ByteBuf) {
                client.writeInbound(message);
                WebSocketFrame frame;
                while ((frame = client.readInbound()) != null) {
                    frames.add(frame);
                }
            } else {
                frames.add((WebSocketFrame) message);
            }
        }
        client.finishAndReleaseAll();
        return frames;
    }

    private static List<Long> seqs(EmbeddedChannel channel) {
        List<Long> seqs = new ArrayList<>();
        for (WebSocketFrame frame : frames(channel)) {
            String text = ((TextWebSocketFrame) frame).text();
            seqs.add(Long.parseLong(text.substring(7, text.indexOf(','))));
            frame.release();
        }
        return seqs;
    }

    /** Every byte written to {@code channel} so far; the buffers go back. */
    private static byte[] bytes(EmbeddedChannel channel) {
        return EncodedByNetty.read(channel);
    }

    private static void releaseOutbound(EmbeddedChannel channel) {
        Object message;
        while ((message = channel.readOutbound()) != null) {
            ((ByteBuf) message).release();
        }
    }

    /** A client on an embedded channel, with the bytes it has received and those Netty's encoders would have sent it. */
    private static final class Client {
        final EmbeddedChannel channel = new EmbeddedChannel();
        final StreamFilter filter;
        final boolean sse;
        final ByteArrayOutputStream expected = new ByteArrayOutputStream();
        final ByteArrayOutputStream received = new ByteArrayOutputStream();

        Client(StreamFilter filter, boolean sse) {
            this.filter = filter;
            this.sse = sse;
        }

        void expect(long seq, String json) {
            expected.writeBytes(sse ? EncodedByNetty.sseEvent(seq, json) : EncodedByNetty.textFrame(json.getBytes(StandardCharsets.UTF_8)));
        }

        void take() {
            received.writeBytes(bytes(channel));
        }
    }
}
