package dev.watchpost.ringbuffer.client;

import dev.watchpost.ringbuffer.codec.ControlFrames;
import dev.watchpost.ringbuffer.codec.NackCode;
import dev.watchpost.ringbuffer.codec.Protocol;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain, blocking protocol v1 detector over TCP: numbers EVENT frames 1, 2, 3 …, buffers writes,
 * and reads the daemon's ACK, NACK and WELCOME frames. The reference detector for the CLI's sender,
 * tests and tools; not thread-safe. (The load generator has its own non-blocking one.)
 */
public final class DetectorClient implements AutoCloseable {
    /** A NACK as received. */
    public record Nack(long seq, int code, String message) {
        public NackCode nackCode() {
            return NackCode.of(code);
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private final ByteBuffer scratch = ByteBuffer.allocate(Protocol.MAX_FRAME_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    private final List<Nack> nacks = new ArrayList<>();
    private long nextSeq = 1;
    private long ackedSeq;
    private boolean closedByPeer;
    private long welcomeMaxFrame = -1;
    private long welcomeAckIntervalUs = -1;

    private DetectorClient(Socket socket) throws IOException {
        this.socket = socket;
        this.out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
        this.in = new DataInputStream(socket.getInputStream());
    }

    public static DetectorClient connect(String host, int port, Duration timeout) throws IOException {
        return connect(host, port, timeout, 0);
    }

    /**
     * @param receiveBufferBytes the socket's receive buffer (SO_RCVBUF), fixed before it connects; 0
     *                           leaves it to the system. A small one, with answers left unread, makes
     *                           the daemon's side of the connection fill up as on a slow link.
     */
    public static DetectorClient connect(String host, int port, Duration timeout, int receiveBufferBytes) throws IOException {
        Socket socket = new Socket();
        if (receiveBufferBytes > 0) {
            socket.setReceiveBufferSize(receiveBufferBytes);
        }
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
        socket.setSoTimeout((int) timeout.toMillis());
        return new DetectorClient(socket);
    }

    /** Sends a HELLO and waits for WELCOME; false when the daemon answered with a NACK or closed. */
    public boolean hello(String token, String name) throws IOException {
        int n = ControlFrames.writeHello(scratch, 0, token.getBytes(StandardCharsets.UTF_8), name.getBytes(StandardCharsets.UTF_8));
        out.write(scratch.array(), 0, n);
        out.flush();
        welcomeMaxFrame = -1;
        int nacksBefore = nacks.size();
        while (welcomeMaxFrame < 0) {
            if (!readAnswer() || nacks.size() > nacksBefore) {
                return false;
            }
        }
        return true;
    }

    /**
     * Buffers an EVENT frame (its seq field is overwritten with the next seq) and returns that seq.
     * The frame is copied; call {@link #flush} to send.
     */
    public long send(byte[] frame, int offset, int length) throws IOException {
        long seq = nextSeq++;
        ByteBuffer.wrap(frame, offset, length).order(ByteOrder.LITTLE_ENDIAN).putLong(offset + Protocol.SEQ_OFFSET, seq);
        out.write(frame, offset, length);
        return seq;
    }

    /** Buffers raw bytes as they are: for tests of malformed input. */
    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
    }

    public void heartbeat() throws IOException {
        int n = ControlFrames.writeHeartbeat(scratch, 0);
        out.write(scratch.array(), 0, n);
    }

    public void flush() throws IOException {
        out.flush();
    }

    /**
     * Reads answers until every EVENT up to {@code seq} is acknowledged. False when the connection
     * closed first or the socket timeout passed with no answer.
     */
    public boolean awaitAck(long seq) throws IOException {
        flush();
        while (ackedSeq < seq) {
            if (!readAnswer()) {
                return false;
            }
        }
        return true;
    }

    /** Reads answers until the daemon closes the connection; false on timeout. */
    public boolean awaitClose() throws IOException {
        flush();
        while (!closedByPeer) {
            if (!readAnswer()) {
                return closedByPeer;
            }
        }
        return true;
    }

    /** Reads one answer frame; false at end of stream or on timeout. */
    private boolean readAnswer() throws IOException {
        try {
            int length = Integer.reverseBytes(in.readInt());
            if (length < Protocol.HEADER_LENGTH || length > Protocol.MAX_FRAME_LENGTH) {
                throw new IOException("daemon sent a frame of length " + length);
            }
            scratch.putInt(0, length);
            in.readFully(scratch.array(), 4, length - 4);
        } catch (EOFException e) {
            closedByPeer = true;
            return false;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            if (socket.isClosed()) {
                throw e;
            }
            closedByPeer = true; // reset by peer
            return false;
        }
        int type = ControlFrames.frameType(scratch, 0);
        long seq = ControlFrames.seq(scratch, 0);
        if (type == (Protocol.TYPE_ACK & 0xFF)) {
            if (seq < ackedSeq) {
                throw new IOException("ACK went backwards: " + seq + " after " + ackedSeq);
            }
            ackedSeq = seq;
        } else if (type == (Protocol.TYPE_NACK & 0xFF)) {
            int len = ControlFrames.nackMessageLength(scratch, 0);
            String message = new String(scratch.array(), ControlFrames.nackMessageIndex(0), len, StandardCharsets.UTF_8);
            nacks.add(new Nack(seq, ControlFrames.nackCode(scratch, 0), message));
        } else if (type == (Protocol.TYPE_WELCOME & 0xFF)) {
            welcomeMaxFrame = ControlFrames.welcomeMaxFrame(scratch, 0);
            welcomeAckIntervalUs = ControlFrames.welcomeAckIntervalUs(scratch, 0);
        } else {
            throw new IOException("daemon sent a frame of type " + type);
        }
        return true;
    }

    /** The highest seq acknowledged so far. */
    public long ackedSeq() {
        return ackedSeq;
    }

    /** The seq the next {@link #send} will use. */
    public long nextSeq() {
        return nextSeq;
    }

    /** Every NACK received so far, in order. */
    public List<Nack> nacks() {
        return nacks;
    }

    public boolean closedByPeer() {
        return closedByPeer;
    }

    public long welcomeMaxFrame() {
        return welcomeMaxFrame;
    }

    public long welcomeAckIntervalUs() {
        return welcomeAckIntervalUs;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
