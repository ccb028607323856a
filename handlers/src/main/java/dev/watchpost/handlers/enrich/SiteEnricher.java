package dev.watchpost.handlers.enrich;

import dev.watchpost.handlers.rules.Site;

/**
 * The built-in {@code site}: what the rules file's {@code site:} section says about the event's
 * camera and zone, and the site's name:
 * {@code "camera":{"key":"door","name":"Front door","floor":"ground"},"zone":{"key":"entrance","name":"Entrance"},"site":"Corner shop"}.
 * A camera or zone the site does not list adds nothing. Each member is a byte fragment built at
 * configuration time, found by the id's halves.
 */
public final class SiteEnricher implements Enricher {
    public static final String NAME = "site";

    private UuidTable cameras = new UuidTable(1);
    private UuidTable zones = new UuidTable(1);
    private byte[][] cameraFragments = new byte[0][];
    private byte[][] zoneFragments = new byte[0][];
    private byte[] siteFragment;

    @Override
    public String name() {
        return NAME;
    }

    /** Names come first: other enrichers may read what the site says. */
    @Override
    public int priority() {
        return 100;
    }

    @Override
    public void configure(EnricherSetup setup) {
        Site site = setup.rules().site();
        cameras = new UuidTable(site.cameras().size());
        cameraFragments = new byte[site.cameras().size()][];
        for (int i = 0; i < site.cameras().size(); i++) {
            Site.Camera camera = site.cameras().get(i);
            StringBuilder value = new StringBuilder("{\"key\":").append(Json.string(camera.key()));
            if (camera.name() != null) {
                value.append(",\"name\":").append(Json.string(camera.name()));
            }
            if (camera.floor() != null) {
                value.append(",\"floor\":").append(Json.string(camera.floor()));
            }
            cameraFragments[i] = EnrichmentOut.fragment("camera", value.append('}').toString());
            cameras.put(camera.id().getMostSignificantBits(), camera.id().getLeastSignificantBits(), i);
        }
        zones = new UuidTable(site.zones().size());
        zoneFragments = new byte[site.zones().size()][];
        for (int i = 0; i < site.zones().size(); i++) {
            Site.Zone zone = site.zones().get(i);
            StringBuilder value = new StringBuilder("{\"key\":").append(Json.string(zone.key()));
            if (zone.name() != null) {
                value.append(",\"name\":").append(Json.string(zone.name()));
            }
            zoneFragments[i] = EnrichmentOut.fragment("zone", value.append('}').toString());
            zones.put(zone.id().getMostSignificantBits(), zone.id().getLeastSignificantBits(), i);
        }
        siteFragment = site.name() == null ? null : EnrichmentOut.fragment("site", Json.string(site.name()));
    }

    @Override
    public void enrich(EnrichContext event, EnrichmentOut out) {
        int camera = cameras.get(event.cameraMsb(), event.cameraLsb());
        if (camera != UuidTable.NOT_FOUND) {
            out.member(cameraFragments[camera]);
        }
        int zone = zones.get(event.zoneMsb(), event.zoneLsb());
        if (zone != UuidTable.NOT_FOUND) {
            out.member(zoneFragments[zone]);
        }
        if (siteFragment != null) {
            out.member(siteFragment);
        }
    }
}
