package dev.watchpost.handlers.rules;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * The site as the rules file describes it ({@code site:}): its cameras with their names, floor,
 * position, neighbours and group, and its zones. One description serves every rule that needs
 * to know the place: spatial correlation reads the topology (which cameras are neighbours),
 * enrichment the names. Cameras and zones are named in the rules by their key and found in events
 * by their id.
 *
 * @param name    the site's display name, or {@code null}
 * @param cameras the cameras, in the order the file lists them
 * @param zones   the zones, in the order the file lists them
 */
public record Site(String name, List<Camera> cameras, List<Zone> zones) {
    /** No site described: no names, no topology. */
    public static final Site EMPTY = new Site(null, List.of(), List.of());

    /**
     * One camera.
     *
     * @param key        its name in the rules file (letters, digits, '_' and '-')
     * @param id         the camera_id its detectors send
     * @param name       display name, or {@code null}
     * @param floor      floor or area, or {@code null}
     * @param position   {x, y} in the site's own units (metres on a plan), or {@code null}
     * @param neighbours keys of the cameras a person can walk to next, as written (the relation is symmetric)
     * @param group      a group of cameras that are all neighbours of each other, or {@code null}
     */
    public record Camera(String key, UUID id, String name, String floor, double[] position, List<String> neighbours, String group) {
        public Camera {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(id, "id");
            neighbours = List.copyOf(neighbours);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Camera c && key.equals(c.key) && id.equals(c.id) && Objects.equals(name, c.name)
                    && Objects.equals(floor, c.floor) && java.util.Arrays.equals(position, c.position)
                    && neighbours.equals(c.neighbours) && Objects.equals(group, c.group);
        }

        @Override
        public int hashCode() {
            return Objects.hash(key, id, name, floor, java.util.Arrays.hashCode(position), neighbours, group);
        }

        @Override
        public String toString() {
            return "Camera[" + key + " " + id + (name == null ? "" : " '" + name + "'") + "]";
        }
    }

    /**
     * One zone.
     *
     * @param key    its name in the rules file
     * @param id     the zone_id detectors send
     * @param name   display name, or {@code null}
     * @param camera key of the camera it belongs to, or {@code null}
     */
    public record Zone(String key, UUID id, String name, String camera) {
        public Zone {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(id, "id");
        }
    }

    public Site {
        cameras = List.copyOf(cameras);
        zones = List.copyOf(zones);
    }

    /** The camera with this id, or {@code null}. */
    public Camera camera(UUID id) {
        for (Camera camera : cameras) {
            if (camera.id().equals(id)) {
                return camera;
            }
        }
        return null;
    }

    /** The camera with this key, or {@code null}. */
    public Camera cameraByKey(String key) {
        for (Camera camera : cameras) {
            if (camera.key().equals(key)) {
                return camera;
            }
        }
        return null;
    }

    /** The zone with this id, or {@code null}. */
    public Zone zone(UUID id) {
        for (Zone zone : zones) {
            if (zone.id().equals(id)) {
                return zone;
            }
        }
        return null;
    }

    /**
     * The neighbour relation by camera id: {@code a} and {@code b} are neighbours when either lists
     * the other, or both are in one group. A camera is not its own neighbour. Unknown keys are left
     * out (the loader reports them).
     */
    public Map<UUID, Set<UUID>> neighbourIds() {
        Map<UUID, Set<UUID>> out = new HashMap<>();
        for (Camera camera : cameras) {
            out.put(camera.id(), new HashSet<>());
        }
        Map<String, List<Camera>> groups = new HashMap<>();
        for (Camera camera : cameras) {
            for (String key : camera.neighbours()) {
                Camera other = cameraByKey(key);
                if (other != null && !other.id().equals(camera.id())) {
                    out.get(camera.id()).add(other.id());
                    out.get(other.id()).add(camera.id());
                }
            }
            if (camera.group() != null) {
                groups.computeIfAbsent(camera.group(), g -> new ArrayList<>()).add(camera);
            }
        }
        for (List<Camera> group : groups.values()) {
            for (Camera a : group) {
                for (Camera b : group) {
                    if (!a.id().equals(b.id())) {
                        out.get(a.id()).add(b.id());
                    }
                }
            }
        }
        return out;
    }

    /** True when the two cameras are neighbours (see {@link #neighbourIds}). */
    public boolean neighbours(UUID a, UUID b) {
        Set<UUID> of = neighbourIds().get(a);
        return of != null && of.contains(b);
    }
}
