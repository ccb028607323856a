package dev.watchpost.daemon.http;

import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamFilterTest {
    private static final EventTypeRegistry REGISTRY = EventTypeRegistry.v1().withSiteTypes(Map.of(1500, "site.door"));
    private static final UUID CAMERA = UUID.fromString("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");

    @Test
    void shouldTakeEveryEventWithoutTypesOrCamera() {
        StreamFilter filter = StreamFilter.parse(null, null, REGISTRY);
        assertSame(StreamFilter.ALL, filter);
        assertTrue(filter.matches(4, 1, 2));
    }

    @Test
    void shouldTakeOnlyTheNamedTypes() {
        StreamFilter filter = StreamFilter.parse("face.recognized, site.door", null, REGISTRY);
        assertTrue(filter.matches(4, 0, 0));
        assertTrue(filter.matches(1500, 0, 0));
        assertFalse(filter.matches(3, 0, 0));
        assertFalse(filter.matches(65535, 0, 0));
    }

    @Test
    void shouldTakeOnlyTheCamera() {
        StreamFilter filter = StreamFilter.parse(null, CAMERA.toString().toUpperCase(), REGISTRY);
        assertTrue(filter.matches(3, CAMERA.getMostSignificantBits(), CAMERA.getLeastSignificantBits()));
        assertFalse(filter.matches(3, CAMERA.getMostSignificantBits(), 0));
        assertFalse(filter.matches(3, 0, 0));
    }

    @Test
    void shouldRefuseAnUnknownTypeNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StreamFilter.parse("face.recognized,nope", null, REGISTRY));
        assertEquals("types: unknown event type 'nope'", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> StreamFilter.parse("face.recognized,", null, REGISTRY));
    }

    @Test
    void shouldRefuseACameraThatIsNotUuidText() {
        assertThrows(IllegalArgumentException.class, () -> StreamFilter.parse(null, "1-1-1-1-1", REGISTRY));
        assertThrows(IllegalArgumentException.class, () -> StreamFilter.parse(null, "", REGISTRY));
    }
}
