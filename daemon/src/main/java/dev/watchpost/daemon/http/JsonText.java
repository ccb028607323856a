package dev.watchpost.daemon.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;

import java.io.IOException;
import java.io.UncheckedIOException;

/** The little JSON the HTTP answers need (results, errors), written by Jackson into a {@link ByteBuf}. */
final class JsonText {
    private static final JsonFactory FACTORY = new JsonFactory();

    private JsonText() {
    }

    /** A generator appending UTF-8 to {@code out}; closing it flushes and leaves {@code out} open. */
    static JsonGenerator generator(ByteBuf out) throws IOException {
        return FACTORY.createGenerator((java.io.OutputStream) new ByteBufOutputStream(out), com.fasterxml.jackson.core.JsonEncoding.UTF8);
    }

    /** Appends {@code {"error":"<reason>"}}. */
    static void writeError(String reason, ByteBuf out) {
        try (JsonGenerator json = generator(out)) {
            json.writeStartObject();
            json.writeStringField("error", reason);
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
