package dev.watchpost.bench.load;

import dev.watchpost.daemon.json.EventJsonWriter;
import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamEventTextTest {
    private static final long NOW_US = 1_763_884_800_000_000L;

    private final StreamEventText text = new StreamEventText();

    @Test
    void shouldReadSeqAndReceiptIdFromTheJsonTheDaemonWritesForOurEvents() {
        EventStream stream = EventStream.forDetector(5, 1, 0.6, -1, -1, 0x0123_4567_89AB_CDEFL, 0, 0);
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
        EventFrame frame = new EventFrame();
        EventJsonWriter writer = new EventJsonWriter(EventTypeRegistry.v1());
        ByteBuf json = Unpooled.buffer();
        for (long seq = 1; seq <= 500; seq++) {
            stream.write(buffer, 0, seq, NOW_US);
            frame.wrap(buffer, 0);
            long journalSeq = 1_000_000_000L + seq * 7;
            json.clear();
            writer.write(journalSeq, NOW_US + 5, frame, null, 0, 0, json);
            int readerIndex = json.readerIndex();

            assertTrue(text.parse(json), () -> json.toString(StandardCharsets.UTF_8));
            assertEquals(journalSeq, text.seq());
            assertEquals(frame.receiptIdMsb(), text.receiptMsb());
            assertEquals(frame.receiptIdLsb(), text.receiptLsb());
            assertEquals(5, ReceiptIds.connection(text.receiptLsb()));
            assertEquals(seq, ReceiptIds.seq(text.receiptLsb()));
            assertEquals(readerIndex, json.readerIndex(), "the reader index stays");
        }
    }

    @Test
    void shouldReadUppercaseHexAndAnOffsetReaderIndex() {
        ByteBuf json = ascii("xx{\"seq\":12,\"receipt_id\":\"0F8FAD5B-D9CB-469F-A165-70867728950E\",\"event_name\":\"x\"}");
        json.readerIndex(2);

        assertTrue(text.parse(json));
        assertEquals(12, text.seq());
        assertEquals(0x0F8F_AD5B_D9CB_469FL, text.receiptMsb());
        assertEquals(0xA165_7086_7728_950EL, text.receiptLsb());
    }

    @Test
    void shouldNotReadWhatIsNotAnEventWithAUuidReceiptId() {
        String[] texts = {
            "",
            "{\"seq\":",
            "{\"seq\":,\"receipt_id\":\"0f8fad5b-d9cb-469f-a165-70867728950e\"}",
            "{\"seq\":1,\"receipt_id\":\"order-4711\",\"event_name\":\"x\"}",
            "{\"seq\":1,\"receipt_id\":\"0f8fad5b-d9cb-469f-a165-70867728950\"}",
            "{\"seq\":1,\"receipt_id\":\"0f8fad5b-d9cb-469f-a165-70867728950e",
            "{\"seq\":1,\"receipt_id\":\"0f8fad5bxd9cb-469f-a165-70867728950e\"}",
            "{\"seq\":1,\"receipt_id\":\"0f8fad5b-d9cb-469f-a165-7086772895ge\"}",
            "{\"seq\":1234567890123456789012,\"receipt_id\":\"0f8fad5b-d9cb-469f-a165-70867728950e\"}",
            "{\"error\":\"too slow\"}",
        };
        for (String t : texts) {
            assertFalse(text.parse(ascii(t)), t);
        }
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }
}
