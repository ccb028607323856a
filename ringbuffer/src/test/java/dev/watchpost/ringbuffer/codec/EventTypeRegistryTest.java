package dev.watchpost.ringbuffer.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventTypeRegistryTest {
    @Test
    void shouldKnowTheElevenBuiltInTypesOfVersion1() {
        EventTypeRegistry registry = EventTypeRegistry.v1();
        assertEquals("motion.detected", registry.name(1));
        assertEquals("face.recognized", registry.name(4));
        assertEquals("vision.metrics.v1", registry.name(11));
        assertEquals(10, registry.code("compliance.detected"));
        for (int code = 1; code <= 11; code++) {
            assertTrue(registry.isAcceptedFromDetector(code), "code " + code);
        }
        assertFalse(registry.isAcceptedFromDetector(0));
        assertFalse(registry.isAcceptedFromDetector(12));
        assertNull(registry.name(12));
        assertEquals(-1, registry.code("no.such.type"));
    }

    @Test
    void shouldAcceptDeclaredSiteTypesFromDetectors() {
        EventTypeRegistry registry = EventTypeRegistry.v1().withSiteTypes(Map.of(1000, "shelf.empty", 32767, "door.open"));
        assertTrue(registry.isAcceptedFromDetector(1000));
        assertTrue(registry.isAcceptedFromDetector(32767));
        assertFalse(registry.isAcceptedFromDetector(1001));
        assertEquals(1000, registry.code("shelf.empty"));
        assertArrayEquals("door.open".getBytes(StandardCharsets.UTF_8), registry.nameUtf8(32767));
        assertFalse(EventTypeRegistry.v1().isAcceptedFromDetector(1000), "the original registry is unchanged");
    }

    @Test
    void shouldShareTheNameBytesInsteadOfCopyingThem() {
        EventTypeRegistry registry = EventTypeRegistry.v1();
        assertSame(registry.nameUtf8(3), registry.nameUtf8(3));
        assertNull(registry.nameUtf8(500));
    }

    @Test
    void shouldRejectSiteCodesOutsideTheSiteRangeNamingTheValue() {
        IllegalArgumentException low = assertThrows(IllegalArgumentException.class,
            () -> EventTypeRegistry.v1().withSiteTypes(Map.of(999, "too.low")));
        assertTrue(low.getMessage().contains("999"), low.getMessage());
        IllegalArgumentException high = assertThrows(IllegalArgumentException.class,
            () -> EventTypeRegistry.v1().withSiteTypes(Map.of(32768, "derived.range")));
        assertTrue(high.getMessage().contains("32768"), high.getMessage());
    }

    @Test
    void shouldRejectADuplicateNameNamingIt() {
        IllegalArgumentException builtIn = assertThrows(IllegalArgumentException.class,
            () -> EventTypeRegistry.v1().withSiteTypes(Map.of(1000, "face.detected")));
        assertTrue(builtIn.getMessage().contains("face.detected"), builtIn.getMessage());
        IllegalArgumentException site = assertThrows(IllegalArgumentException.class,
            () -> EventTypeRegistry.v1().withSiteTypes(Map.of(1000, "same", 1001, "same")));
        assertTrue(site.getMessage().contains("same"), site.getMessage());
    }

    @Test
    void shouldRejectRedeclaringACode() {
        EventTypeRegistry registry = EventTypeRegistry.v1().withSiteTypes(Map.of(1000, "shelf.empty"));
        assertThrows(IllegalArgumentException.class, () -> registry.withSiteTypes(Map.of(1000, "shelf.full")));
    }

    @Test
    void shouldNameDerivedTypesButNeverAcceptThemFromDetectors() {
        EventTypeRegistry registry = EventTypeRegistry.v1().withDerived(Map.of(32768, "person.entered_then_paid"));
        assertEquals("person.entered_then_paid", registry.name(32768));
        assertEquals(32768, registry.code("person.entered_then_paid"));
        assertTrue(registry.isDerived(32768));
        assertTrue(registry.isDerived(65535));
        assertFalse(registry.isDerived(32767));
        assertFalse(registry.isAcceptedFromDetector(32768));
        assertThrows(IllegalArgumentException.class, () -> registry.withDerived(Map.of(5000, "not.derived")));
    }

    @Test
    void shouldTreatCodesOutsideUint16AsUnknown() {
        EventTypeRegistry registry = EventTypeRegistry.v1();
        assertNull(registry.name(-1));
        assertNull(registry.name(65536));
        assertFalse(registry.isAcceptedFromDetector(-1));
        assertFalse(registry.isAcceptedFromDetector(65536));
    }

    @Test
    void shouldNameASitesOwnDerivedTypesAboveTheBuiltInsButNeverAcceptThemFromDetectors() {
        EventTypeRegistry registry = EventTypeRegistry.standard().withSiteTypes(Map.of(1000, "shelf.empty", 40000, "customer.waved"));
        assertEquals(40000, registry.code("customer.waved"));
        assertTrue(registry.isDerived(40000));
        assertFalse(registry.isAcceptedFromDetector(40000));
        assertTrue(registry.isAcceptedFromDetector(1000));
        IllegalArgumentException builtIn = assertThrows(IllegalArgumentException.class,
            () -> EventTypeRegistry.standard().withSiteTypes(Map.of(32774, "my.alert")));
        assertTrue(builtIn.getMessage().contains("32774"), builtIn.getMessage());
    }
}
