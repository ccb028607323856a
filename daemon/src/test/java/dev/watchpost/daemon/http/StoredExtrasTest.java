package dev.watchpost.daemon.http;

import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.EventFrameEncoder;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StoredExtrasTest {
    private final StoredExtras extras = new StoredExtras();

    @Test
    void shouldFindMetaAloneWhenTheReceiptIsAUuid() throws Exception {
        EventFrame frame = frameWithReceipt(UUID.randomUUID());
        String meta = "{\"a\":\"}{\\\"\",\"b\":[{}]}";
        assertEquals(meta.length(), metaLength(meta, frame));
    }

    @Test
    void shouldFindNoMetaWhenTheExtrasAreOnlyAReceiptText() throws Exception {
        assertEquals(0, metaLength("order-42", frameWithReceiptText("order-42")));
        assertEquals(0, metaLength("{x}", frameWithReceiptText("{x}")));
        assertEquals(0, metaLength("{}", frameWithReceiptText("{}")));
        assertEquals(0, metaLength("{}tail", frameWithReceiptText("{}tail")));
    }

    @Test
    void shouldSplitMetaFromTheReceiptTextAfterIt() throws Exception {
        assertEquals(9, metaLength("{\"m\":[1]}order-42", frameWithReceiptText("order-42")));
        assertEquals(2, metaLength("{}{}", frameWithReceiptText("{}")));
    }

    private int metaLength(String extra, EventFrame frame) {
        byte[] bytes = extra.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(bytes.length + 3);
        buffer.put(3, bytes);
        return extras.metaLength(buffer, 3, bytes.length, frame);
    }

    private static EventFrame frameWithReceiptText(String text) throws Exception {
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        ByteBuffer b = ByteBuffer.wrap(hash);
        return frame(b.getLong(0), b.getLong(8));
    }

    private static EventFrame frameWithReceipt(UUID receipt) {
        return frame(receipt.getMostSignificantBits(), receipt.getLeastSignificantBits());
    }

    private static EventFrame frame(long msb, long lsb) {
        ByteBuffer buffer = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        new EventFrameEncoder().wrap(buffer, 0).receiptId(msb, lsb).label(new byte[0], 0, 0).payload(new byte[0], 0, 0).finish();
        return new EventFrame().wrap(buffer, 0);
    }
}
