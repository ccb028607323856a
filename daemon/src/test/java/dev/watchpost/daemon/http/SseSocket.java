package dev.watchpost.daemon.http;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A Server-Sent Events client of the stream on a plain socket, for tests that look at the bytes: it
 * reads the response head, then one HTTP chunk at a time, checking each chunk's framing.
 */
public final class SseSocket implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;

    /** Connects and asks for {@code path}; with {@code receiveBuffer} > 0, a receive buffer that small. */
    public SseSocket(int port, String path, int receiveBuffer) throws IOException {
        socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.setSoTimeout((int) TestServer.TIMEOUT.toMillis());
        socket.connect(new InetSocketAddress("127.0.0.1", port));
        OutputStream out = socket.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        in = new DataInputStream(socket.getInputStream());
    }

    /** The response head, up to and with the blank line. */
    public String head() throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            head.append((char) in.readUnsignedByte());
        }
        return head.toString();
    }

    /** The next chunk's data, or null for the last chunk (size 0), after which the response has ended. */
    public String nextChunk() throws IOException {
        String sizeLine = line();
        if (!sizeLine.matches("[0-9a-f]+")) {
            throw new AssertionError("not a chunk size in lower-case hex: '" + sizeLine + "'");
        }
        int size = Integer.parseInt(sizeLine, 16);
        byte[] data = new byte[size];
        in.readFully(data);
        String end = line();
        if (!end.isEmpty()) {
            throw new AssertionError("a chunk of " + size + " bytes is followed by '" + end + "', not CRLF");
        }
        return size == 0 ? null : new String(data, StandardCharsets.UTF_8);
    }

    /** Whether the server has closed the connection: the next read finds the end of the stream. */
    public boolean atEnd() throws IOException {
        return in.read() < 0;
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (;;) {
            int b = in.readUnsignedByte();
            if (b == '\r') {
                int lf = in.readUnsignedByte();
                if (lf != '\n') {
                    throw new AssertionError("CR not followed by LF");
                }
                return line.toString(StandardCharsets.US_ASCII);
            }
            line.write(b);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
