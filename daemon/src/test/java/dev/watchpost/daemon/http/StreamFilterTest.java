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
        assertTrue(filter.matches(4, 1, 2, false));
    }

    @Test
    void shouldTakeOnlyTheNamedTypes() {
        StreamFilter filter = StreamFilter.parse("face.recognized, site.door", null, REGISTRY);
        assertTrue(filter.matches(4, 0, 0, false));
        assertTrue(filter.matches(1500, 0, 0, false));
        assertFalse(filter.matches(3, 0, 0, false));
        assertFalse(filter.matches(65535, 0, 0, false));
    }

    @Test
    void shouldTakeOnlyTheCamera() {
        StreamFilter filter = StreamFilter.parse(null, CAMERA.toString().toUpperCase(), REGISTRY);
        assertTrue(filter.matches(3, CAMERA.getMostSignificantBits(), CAMERA.getLeastSignificantBits(), false));
        assertFalse(filter.matches(3, CAMERA.getMostSignificantBits(), 0, false));
        assertFalse(filter.matches(3, 0, 0, false));
    }

    @Test
    void shouldLeaveWindowRepeatsOffUnlessDuplicatesAreIncluded() {
        assertFalse(StreamFilter.ALL.matches(4, 1, 2, true));
        assertFalse(StreamFilter.parse("face.recognized", null, null, REGISTRY).matches(4, 0, 0, true));

        StreamFilter everything = StreamFilter.parse(null, null, "duplicates", REGISTRY);
        assertTrue(everything.matches(4, 1, 2, true));
        assertTrue(everything.matches(4, 1, 2, false));
        StreamFilter typed = StreamFilter.parse("face.recognized", null, " duplicates ", REGISTRY);
        assertTrue(typed.matches(4, 0, 0, true));
        assertFalse(typed.matches(3, 0, 0, true), "include adds repeats; it does not widen the other filters");
    }

    @Test
    void shouldRefuseAnUnknownIncludeNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StreamFilter.parse(null, null, "duplicates,late", REGISTRY));
        assertEquals("include: unknown value 'late' (known: duplicates)", e.getMessage());
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
