package dev.watchpost.daemon.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import dev.watchpost.daemon.json.JsonBodyException;
import dev.watchpost.daemon.json.JsonEventReader;
import dev.watchpost.ringbuffer.Counter;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.WallClock;
import dev.watchpost.ringbuffer.codec.NackCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Answers the requests of one HTTP connection, in order. Runs on the connection's event loop.
 *
 * <p>{@code POST /v1/events}: the body, read where the aggregator left it (in direct memory, in the
 * pieces it arrived in), is first checked whole and its events counted without building any
 * ({@link JsonEventReader#check}; 400 when it is not JSON, and then nothing of it is stored). Then its
 * events are read one at a time straight into ring slots, in input order, in chunks of up to
 * {@link #PUBLISH_CHUNK} slots: at no time does more than one read event exist outside the ring, so the
 * heap a body needs does not grow with its size. When the ring is full the rest is tried again after
 * {@link #RETRY_MICROS} from the event loop's timer rather than by waiting on the I/O thread, so stream
 * clients on the same thread keep being served; nothing is dropped. Every event is received at the same
 * wall-clock time, {@link WallClock#nowMicros()} when the body was read. The answer comes when the ack
 * stage has handled the last event ({@link HttpIngestOrigin}); until then the connection does not read,
 * and requests already read behind it wait their turn.
 *
 * <p>An exception that reaches this handler is logged once per connection; a request still owed an
 * answer gets 500 (503 when the daemon is out of memory) with the reason, and the connection closes.
 */
final class HttpRequestHandler extends ChannelInboundHandlerAdapter {
    /** Slots claimed from the ring at once. */
    static final int PUBLISH_CHUNK = 64;
    /** Wait before trying a full ring again. */
    static final long RETRY_MICROS = 50;

    private static final ObjectMapper STATUS_JSON = new ObjectMapper();
    private static final byte[] HEALTH_OK = "{\"status\":\"ok\"}".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EMPTY_RESULTS = "{\"results\":[]}".getBytes(StandardCharsets.US_ASCII);
    private static final String NDJSON = "application/x-ndjson";

    private final HttpServer server;
    private final Counters counters;
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>(2);
    private final Runnable publishTask = () -> {
        try {
            publishPending();
        } catch (Throwable t) {
            exceptionCaught(this.ctx, t);
        }
    };
    private ChannelHandlerContext ctx;
    private byte[] description;
    private Ingest inFlight;
    /** A request has been taken up and its answer not written yet. */
    private boolean answerOwed;
    private boolean errorLogged;

    /** A body being put into the ring and awaiting its answer. */
    private static final class Ingest {
        final HttpIngestOrigin origin;
        final boolean keepAlive;
        final long receivedAtUs;
        /** The body and the cursor over it, held until every event is in the ring. */
        ByteBuf body;
        JsonEventReader.Cursor events;
        int next;

        Ingest(ByteBuf body, JsonEventReader.Cursor events, HttpIngestOrigin origin, boolean keepAlive, long receivedAtUs) {
            this.body = body;
            this.events = events;
            this.origin = origin;
            this.keepAlive = keepAlive;
            this.receivedAtUs = receivedAtUs;
        }

        /** Lets go of the body; the events already published stay in the ring. */
        void releaseBody() {
            if (events != null) {
                events.close();
                events = null;
            }
            if (body != null) {
                body.release();
                body = null;
            }
        }
    }

    HttpRequestHandler(HttpServer server) {
        this.server = server;
        this.counters = server.counters();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        FullHttpRequest request = (FullHttpRequest) msg;
        if (inFlight != null || !waiting.isEmpty()) {
            waiting.add(request); // read in the same batch as the request in flight; autoRead is off now
            return;
        }
        handle(request);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        dropInFlight();
        FullHttpRequest request;
        while ((request = waiting.poll()) != null) {
            request.release();
        }
        super.channelInactive(ctx);
    }

    /**
     * Logs the first exception of the connection; answers the request owed an answer, if any and if
     * the connection can still take it, with 500 (503 for {@link OutOfMemoryError}); then closes.
     * Also called for exceptions of this handler's own tasks on the event loop.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        boolean owed = answerOwed;
        answerOwed = false;
        dropInFlight();
        boolean outOfMemory = cause instanceof OutOfMemoryError;
        HttpResponseStatus status = outOfMemory ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.INTERNAL_SERVER_ERROR;
        boolean answered = false;
        if (owed && ctx.channel().isActive() && ctx.channel().isWritable()) {
            try {
                String reason = outOfMemory ? "the daemon is out of memory; try again later"
                        : "internal error (" + cause.getClass().getSimpleName() + "); the daemon's log has the details";
                ctx.writeAndFlush(Responses.error(ctx.alloc(), status, reason, false)).addListener(ChannelFutureListener.CLOSE);
                answered = true;
            } catch (Throwable t) {
                // not even the answer could be written: close without one
            }
        }
        if (!errorLogged) {
            errorLogged = true;
            try {
                logFailure(cause, answered ? "answered " + status.code() + " and closed the connection" : "closed the connection");
            } catch (Throwable t) {
                // no memory left even for the log line; the connection is closed all the same
            }
        }
        if (!answered) {
            ctx.close();
        }
    }

    /** A network error in one line; anything else (a bug, or where memory ran out) with its stack trace. */
    private void logFailure(Throwable cause, String outcome) {
        String who = new String(description(), StandardCharsets.UTF_8);
        if (cause instanceof IOException) {
            server.logWarning(who + ": " + cause + "; " + outcome);
        } else {
            StringWriter trace = new StringWriter();
            cause.printStackTrace(new PrintWriter(trace));
            server.logError(who + ": " + outcome + " after " + trace.toString().stripTrailing());
        }
    }

    /** Forgets the body in flight: its answer, if it comes, is dropped. */
    private void dropInFlight() {
        Ingest ingest = inFlight;
        inFlight = null;
        if (ingest != null) {
            ingest.releaseBody();
        }
    }

    private void handle(FullHttpRequest request) {
        boolean upgraded = false;
        answerOwed = true;
        try {
            counters.increment(Counter.HTTP_REQUESTS);
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            if (!request.decoderResult().isSuccess()) {
                error(HttpResponseStatus.BAD_REQUEST, "malformed HTTP request: " + request.decoderResult().cause(), false);
                return;
            }
            QueryStringDecoder query = new QueryStringDecoder(request.uri());
            HttpMethod method = request.method();
            switch (query.path()) {
                case "/v1/health":
                    if (isGet(method, keepAlive)) {
                        health(keepAlive);
                    }
                    break;
                case "/v1/status":
                    if (isGet(method, keepAlive)) {
                        status(keepAlive);
                    }
                    break;
                case "/v1/reload":
                    if (method.equals(HttpMethod.POST)) {
                        reload();
                    } else {
                        methodNotAllowed("POST", keepAlive);
                    }
                    break;
                case "/v1/events":
                    if (method.equals(HttpMethod.POST)) {
                        ingest(request, keepAlive);
                    } else {
                        methodNotAllowed("POST", keepAlive);
                    }
                    break;
                case "/v1/stream":
                    if (isGet(method, keepAlive)) {
                        upgraded = stream(request, query, keepAlive, false);
                    }
                    break;
                case "/v1/alerts":
                    if (isGet(method, keepAlive)) {
                        upgraded = stream(request, query, keepAlive, true);
                    }
                    break;
                default:
                    error(HttpResponseStatus.NOT_FOUND, "no such path: " + query.path(), keepAlive);
            }
        } finally {
            request.release();
            if (upgraded) {
                FullHttpRequest left;
                while ((left = waiting.poll()) != null) {
                    left.release();
                }
            }
        }
    }

    private boolean isGet(HttpMethod method, boolean keepAlive) {
        if (method.equals(HttpMethod.GET)) {
            return true;
        }
        methodNotAllowed("GET", keepAlive);
        return false;
    }

    // ---- health and status

    private void health(boolean keepAlive) {
        if (server.isReady()) {
            respond(Responses.json(HttpResponseStatus.OK, Unpooled.wrappedBuffer(HEALTH_OK), keepAlive), keepAlive);
        } else {
            ByteBuf body = ctx.alloc().buffer(32);
            body.writeCharSequence(server.isStopping() ? "{\"status\":\"stopping\"}" : "{\"status\":\"starting\"}",
                    StandardCharsets.US_ASCII);
            respond(Responses.json(HttpResponseStatus.SERVICE_UNAVAILABLE, body, keepAlive), keepAlive);
        }
    }

    private void status(boolean keepAlive) {
        Map<String, Object> fields = new LinkedHashMap<>(server.statusFields());
        Map<String, Long> values = new LinkedHashMap<>();
        for (Counter counter : Counter.values()) {
            values.put(counter.metricName(), counters.get(counter));
        }
        fields.put("counters", values);
        Map<String, Long> nacks = new LinkedHashMap<>();
        for (int code = 0; code < Counters.nackCodeLimit(); code++) {
            long n = counters.nackCount(code);
            if (n != 0) {
                nacks.put(Integer.toString(code), n);
            }
        }
        fields.put("nacks", nacks);
        byte[] json;
        try {
            json = STATUS_JSON.writeValueAsBytes(fields);
        } catch (JsonProcessingException e) {
            error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "status could not be written: " + e.getOriginalMessage(), keepAlive);
            return;
        }
        respond(Responses.json(HttpResponseStatus.OK, Unpooled.wrappedBuffer(json), keepAlive), keepAlive);
    }

    // ---- POST /v1/reload

    /**
     * Reloads the rules and answers when the new rule stages run: 200 with the rebuild's lines, 400
     * with every problem of the file (nothing changed), 500 otherwise (a stopped pipeline: after
     * {@link HttpServer#reloadTimeout}). The answer closes the
     * connection; nothing else is read from it meanwhile.
     */
    private void reload() {
        ctx.channel().config().setAutoRead(false);
        server.reload().whenComplete((lines, error) -> ctx.executor().execute(() -> {
            Map<String, Object> body = new LinkedHashMap<>();
            HttpResponseStatus status;
            if (error == null) {
                status = HttpResponseStatus.OK;
                body.put("reloaded", true);
                body.put("lines", lines);
            } else {
                Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
                status = cause instanceof dev.watchpost.daemon.config.ConfigException ? HttpResponseStatus.BAD_REQUEST
                        : HttpResponseStatus.INTERNAL_SERVER_ERROR;
                body.put("reloaded", false);
                body.put("problems", cause instanceof dev.watchpost.daemon.config.ConfigException config ? config.problems()
                        : cause instanceof java.util.concurrent.TimeoutException
                        ? List.of("the pipeline did not reach the reload within " + server.reloadTimeout().toSeconds()
                                + " s (has it stopped? see the log); the rules may still change when it does")
                        : List.of(String.valueOf(cause.getMessage())));
            }
            try {
                respond(Responses.json(status, Unpooled.wrappedBuffer(STATUS_JSON.writeValueAsBytes(body)), false), false);
            } catch (JsonProcessingException e) {
                error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "reload answer could not be written", false);
            }
        }));
    }

    // ---- POST /v1/events

    private void ingest(FullHttpRequest request, boolean keepAlive) {
        if (server.isIngestStopped()) {
            error(HttpResponseStatus.SERVICE_UNAVAILABLE, "the daemon is stopping", false);
            return;
        }
        long receivedAtUs = WallClock.nowMicros();
        String contentType = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
        CharSequence mime = contentType == null ? null : HttpUtil.getMimeType(contentType);
        boolean ndjson = mime != null && NDJSON.equalsIgnoreCase(mime.toString().trim());
        ByteBuf body = request.content().retainedDuplicate();
        try {
            JsonEventReader.Cursor events;
            try {
                events = server.reader().check(body, body.readerIndex(), body.readableBytes(), ndjson);
            } catch (JsonBodyException e) {
                error(HttpResponseStatus.BAD_REQUEST, e.getMessage(), keepAlive);
                return;
            }
            counters.add(Counter.HTTP_EVENTS_RECEIVED, events.count());
            if (events.count() == 0) {
                respond(Responses.json(HttpResponseStatus.OK, Unpooled.wrappedBuffer(EMPTY_RESULTS), keepAlive), keepAlive);
                return;
            }
            HttpIngestOrigin origin = new HttpIngestOrigin(events.count(), description(), this::answerLater);
            inFlight = new Ingest(body, events, origin, keepAlive, receivedAtUs);
            body = null; // the ingest holds it now
        } finally {
            if (body != null) {
                body.release();
            }
        }
        ctx.channel().config().setAutoRead(false);
        publishPending();
    }

    /**
     * Reads the rest of the body in flight into the ring, a chunk of claimed slots at a time; on a full
     * ring, tries again later. Event loop.
     */
    private void publishPending() {
        Ingest ingest = inFlight;
        if (ingest == null || ingest.events == null) {
            return;
        }
        RingBuffer<EventSlot> ring = server.ring();
        int n = ingest.origin.count();
        while (ingest.next < n) {
            if (server.isIngestStopped() || !ctx.channel().isActive()) {
                // Events already in the ring are handled; the client gets no answer and retries the
                // body, which the receipt_ids make safe.
                dropInFlight();
                ctx.close();
                return;
            }
            int chunk = Math.min(n - ingest.next, Math.min(PUBLISH_CHUNK, ring.getBufferSize()));
            long hi;
            try {
                hi = ring.tryNext(chunk);
            } catch (InsufficientCapacityException e) {
                ctx.executor().schedule(publishTask, RETRY_MICROS, TimeUnit.MICROSECONDS);
                return;
            }
            long lo = hi - chunk + 1;
            long sequence = lo;
            try {
                for (; sequence <= hi; sequence++) {
                    int index = ingest.next;
                    NackCode rejected = ingest.events.next(ring.get(sequence), ingest.origin, index, ingest.receivedAtUs);
                    if (rejected != null) {
                        ingest.origin.rejectedByReader(index, rejected, ingest.events.reason());
                    }
                    ingest.next++;
                }
            } catch (Throwable t) {
                // A claimed slot must be published; what was not filled passes the stages as a no-op.
                for (; sequence <= hi; sequence++) {
                    ring.get(sequence).claimClose(null, null, 0, ingest.receivedAtUs);
                }
                ring.publish(lo, hi);
                dropInFlight();
                if (t instanceof Error) {
                    throw (Error) t; // answered by exceptionCaught
                }
                server.logError(new String(description(), StandardCharsets.UTF_8) + ": event " + ingest.next
                        + " of a POST /v1/events body could not be put into the ring: " + t);
                error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "event " + ingest.next + " could not be queued", false);
                return;
            }
            ring.publish(lo, hi);
        }
        ingest.releaseBody(); // the ring holds the events now
    }

    /** From the ack thread: every event is handled; answer on the event loop. */
    private void answerLater(HttpIngestOrigin origin) {
        try {
            ctx.executor().execute(() -> {
                try {
                    answer(origin);
                } catch (Throwable t) {
                    exceptionCaught(ctx, t);
                }
            });
        } catch (RejectedExecutionException e) {
            // Shutting down: the connection is being closed anyway.
        }
    }

    private void answer(HttpIngestOrigin origin) {
        Ingest ingest = inFlight;
        if (ingest == null || ingest.origin != origin) {
            return; // dropped with its connection
        }
        inFlight = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        ByteBuf body = ctx.alloc().buffer((int) Math.min(16 + origin.count() * 32L, 1 << 20));
        try {
            origin.writeResults(body);
        } catch (Throwable t) {
            body.release();
            throw t;
        }
        respond(Responses.json(HttpResponseStatus.OK, body, ingest.keepAlive), ingest.keepAlive);
        if (ingest.keepAlive) {
            ctx.channel().config().setAutoRead(true);
            FullHttpRequest next;
            while (inFlight == null && ctx.channel().isActive() && (next = waiting.poll()) != null) {
                handle(next);
            }
        }
    }

    // ---- GET /v1/stream

    /**
     * Validates the query and upgrades; returns true when this handler has left the pipeline. The
     * alerts stream ({@code /v1/alerts}) is the same stream with its types fixed to alert.raised.
     */
    private boolean stream(FullHttpRequest request, QueryStringDecoder query, boolean keepAlive, boolean alerts) {
        long fromSeq = StreamSubscriber.LIVE_ONLY;
        StreamFilter filter;
        try {
            String from = single(query, "from_seq");
            if (from != null) {
                fromSeq = parseFromSeq(from);
            }
            String types = single(query, "types");
            if (alerts && types != null) {
                throw new IllegalArgumentException("types: /v1/alerts carries alert.raised only; use /v1/stream for other types");
            }
            if (alerts && single(query, "include") != null) {
                throw new IllegalArgumentException("include: /v1/alerts has no window repeats to include");
            }
            filter = StreamFilter.parse(alerts ? "alert.raised" : types, single(query, "camera"), single(query, "include"), server.registry());
        } catch (IllegalArgumentException e) {
            error(HttpResponseStatus.BAD_REQUEST, e.getMessage(), keepAlive);
            return false;
        }
        boolean websocket = request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
        String accept = request.headers().get(HttpHeaderNames.ACCEPT);
        if (!websocket && accept != null && accept.toLowerCase(java.util.Locale.ROOT).contains("text/event-stream")) {
            String lastEventId = request.headers().get("Last-Event-ID");
            if (lastEventId != null && fromSeq == StreamSubscriber.LIVE_ONLY) {
                try {
                    fromSeq = parseFromSeq(lastEventId.trim()) + 1; // the event after the last one the client has
                } catch (IllegalArgumentException e) {
                    error(HttpResponseStatus.BAD_REQUEST, "Last-Event-ID: must be a seq, was '" + lastEventId + "'", keepAlive);
                    return false;
                }
            }
            return serverSentEvents(filter, fromSeq);
        }
        if (!websocket) {
            FullHttpResponse response = Responses.error(ctx.alloc(), HttpResponseStatus.UPGRADE_REQUIRED,
                    "GET " + query.path() + " is a WebSocket (send Upgrade: websocket) or Server-Sent Events "
                            + "(send Accept: text/event-stream)", keepAlive);
            response.headers().set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
            respond(response, keepAlive);
            return false;
        }
        WebSocketServerHandshaker handshaker = server.handshakers().newHandshaker(request);
        if (handshaker == null) {
            FullHttpResponse response = Responses.error(ctx.alloc(), HttpResponseStatus.UPGRADE_REQUIRED,
                    "unsupported WebSocket version; use " + WebSocketVersion.V13.toHttpHeaderValue(), keepAlive);
            response.headers().set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, WebSocketVersion.V13.toHttpHeaderValue());
            respond(response, keepAlive);
            return false;
        }
        // Join the hub before the handshake answer leaves, so a client that sees the stream open
        // already has its place: live-only clients get every event stored after that.
        StreamSubscriber subscriber = server.hub().subscribe(ctx.channel(), filter, fromSeq, false);
        server.nudgePipeline();
        StreamChannelHandler streamHandler = new StreamChannelHandler(server, handshaker, subscriber);
        ctx.pipeline().replace(this, "stream", streamHandler);
        handshaker.handshake(ctx.channel(), request).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                streamHandler.opened();
            } else {
                f.channel().close();
            }
        });
        return true;
    }

    /**
     * The stream as Server-Sent Events: a 200 with {@code text/event-stream}, chunked, then one
     * message per event ({@code id: <seq>}, {@code data: <json>}) from the same hub and outbox as a
     * WebSocket client, and at a cut-off an {@code event: close} message before the response ends.
     * Once the headers are written the codec's encoder leaves the pipeline: the hub builds each chunk
     * whole, so no HTTP content object is made per event.
     */
    private boolean serverSentEvents(StreamFilter filter, long fromSeq) {
        StreamSubscriber subscriber = server.hub().subscribe(ctx.channel(), filter, fromSeq, true);
        server.nudgePipeline();
        SseChannelHandler streamHandler = new SseChannelHandler(server, subscriber);
        ctx.pipeline().replace(this, "stream", streamHandler);
        io.netty.handler.codec.http.HttpResponse response = new io.netty.handler.codec.http.DefaultHttpResponse(
                io.netty.handler.codec.http.HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        HttpUtil.setTransferEncodingChunked(response, true);
        ctx.channel().writeAndFlush(response).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                // The headers are out: from here on the stream writes whole chunks (StreamWire) past the codec.
                HttpServerCodec codec = f.channel().pipeline().get(HttpServerCodec.class);
                if (codec != null) {
                    codec.removeOutboundHandler();
                }
                streamHandler.opened();
            } else {
                f.channel().close();
            }
        });
        return true;
    }

    private static String single(QueryStringDecoder query, String name) {
        List<String> values = query.parameters().get(name);
        if (values == null || values.isEmpty()) {
            return null;
        }
        if (values.size() > 1) {
            throw new IllegalArgumentException(name + ": given " + values.size() + " times");
        }
        return values.get(0);
    }

    private static long parseFromSeq(String text) {
        try {
            long seq = Long.parseLong(text);
            if (seq >= 0) {
                return seq;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("from_seq: not a seq (an integer >= 0): '" + text + "'");
    }

    // ---- answers

    private void methodNotAllowed(String allowed, boolean keepAlive) {
        FullHttpResponse response = Responses.error(ctx.alloc(), HttpResponseStatus.METHOD_NOT_ALLOWED,
                "method not allowed; use " + allowed, keepAlive);
        response.headers().set(HttpHeaderNames.ALLOW, allowed);
        respond(response, keepAlive);
    }

    private void error(HttpResponseStatus status, String reason, boolean keepAlive) {
        respond(Responses.error(ctx.alloc(), status, reason, keepAlive), keepAlive);
    }

    /** Writes a response, counting 4xx as bad requests; closes after it unless kept alive. */
    private void respond(FullHttpResponse response, boolean keepAlive) {
        answerOwed = false;
        int code = response.status().code();
        if (code >= 400 && code < 500) {
            counters.increment(Counter.HTTP_BAD_REQUESTS);
        }
        ChannelFuture written = ctx.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** {@code http <address>:<port>} of the client, as UTF-8, for the dead-letter store. */
    private byte[] description() {
        if (description == null) {
            SocketAddress remote = ctx.channel().remoteAddress();
            String text = remote instanceof InetSocketAddress
                    ? ((InetSocketAddress) remote).getAddress().getHostAddress() + ":" + ((InetSocketAddress) remote).getPort()
                    : String.valueOf(remote);
            description = ("http " + text).getBytes(StandardCharsets.UTF_8);
        }
        return description;
    }
}
