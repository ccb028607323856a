package dev.watchpost.daemon.http;

import io.netty.buffer.ByteBuf;

/**
 * One event in a client's outbox: its seq and where the bytes the client is to receive lie, in a
 * page the hub filled (a WebSocket frame or a Server-Sent Events chunk: {@link StreamWire}). Records
 * are made with the outbox and filled again on every lap; nothing is allocated per event.
 *
 * <p>A filled record holds one reference to its page, which the client gives back once it has
 * copied the bytes out (or dropped them).
 */
final class StreamRecord {
    long seq;
    ByteBuf page;
    int offset;
    int length;

    void set(long seq, ByteBuf page, int offset, int length) {
        this.seq = seq;
        this.page = page;
        this.offset = offset;
        this.length = length;
    }

    /** Forgets the page, whose reference the consumer has given back or passed on. */
    void clear() {
        page = null;
    }
}
