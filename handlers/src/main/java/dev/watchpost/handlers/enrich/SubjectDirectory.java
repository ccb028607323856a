package dev.watchpost.handlers.enrich;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.watchpost.handlers.rules.TagTable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The subject directory file: one JSON object per line (JSON lines), blank lines and lines starting
 * with {@code #} ignored:
 *
 * <pre>
 * {"id": "5a1e0c7e-0000-4000-8000-000000000001", "name": "Ada Lovelace", "tags": ["vip"]}
 * </pre>
 *
 * {@code id} is the subject_id detectors send (a UUID), {@code name} the display name, {@code tags}
 * its watch-list tags (optional; 1..32 of a-z, 0-9, '_', '-'). Read into an immutable
 * {@link Snapshot}: a lookup by the id's halves gives the member's bytes and the tag bits.
 */
public final class SubjectDirectory {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final java.util.regex.Pattern TAG = java.util.regex.Pattern.compile("[a-z0-9_-]{1,32}");
    /** A directory for one site: a few thousand people is already a large one. */
    public static final int MAX_SUBJECTS = 1_000_000;

    private SubjectDirectory() {
    }

    /** The file could not be read: which line, and what is wrong. */
    public static final class ParseException extends Exception {
        private final int line;

        ParseException(int line, String message) {
            super(line > 0 ? "line " + line + ": " + message : message);
            this.line = line;
        }

        /** The line (from 1), or 0 for the file as a whole. */
        public int line() {
            return line;
        }
    }

    /** One version of the directory. Immutable: safe to read from any thread. */
    public static final class Snapshot {
        static final Snapshot EMPTY = new Snapshot(new UuidTable(1), new byte[0][], new long[0]);

        private final UuidTable ids;
        private final byte[][] fragments;
        private final long[] tags;

        Snapshot(UuidTable ids, byte[][] fragments, long[] tags) {
            this.ids = ids;
            this.fragments = fragments;
            this.tags = tags;
        }

        /** The subject's entry, or {@link UuidTable#NOT_FOUND}. */
        int find(long msb, long lsb) {
            return ids.get(msb, lsb);
        }

        /** {@code "subject":{"name":…,"watchlist":[…]}} of entry {@code i}. */
        byte[] fragment(int i) {
            return fragments[i];
        }

        long tags(int i) {
            return tags[i];
        }

        public int size() {
            return fragments.length;
        }
    }

    /** Reads {@code file}, numbering its tags in {@code tagTable}. */
    public static Snapshot read(Path file, TagTable tagTable) throws ParseException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ParseException(0, "no such file");
        } catch (IOException e) {
            throw new ParseException(0, "cannot read: " + e);
        }
        return parse(lines, tagTable);
    }

    static Snapshot parse(List<String> lines, TagTable tagTable) throws ParseException {
        List<byte[]> fragments = new ArrayList<>();
        List<Long> tagBits = new ArrayList<>();
        List<UUID> ids = new ArrayList<>();
        Set<UUID> seen = new HashSet<>();
        for (int n = 0; n < lines.size(); n++) {
            String text = lines.get(n).trim();
            int line = n + 1;
            if (text.isEmpty() || text.startsWith("#")) {
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(text);
            } catch (JsonProcessingException e) {
                throw new ParseException(line, "not a JSON object: " + e.getOriginalMessage());
            }
            if (node == null || !node.isObject()) {
                throw new ParseException(line, "must be a JSON object such as {\"id\": \"…\", \"name\": \"…\", \"tags\": [\"vip\"]}");
            }
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (!key.equals("id") && !key.equals("name") && !key.equals("tags")) {
                    throw new ParseException(line, "unknown key '" + key + "' (known: id, name, tags)");
                }
            }
            UUID id;
            try {
                String idText = node.path("id").asText("");
                id = UUID.fromString(idText);
                if (idText.length() != 36 || (id.getMostSignificantBits() == 0 && id.getLeastSignificantBits() == 0)) {
                    throw new IllegalArgumentException();
                }
            } catch (IllegalArgumentException e) {
                throw new ParseException(line, "id: must be a non-nil UUID; was " + node.path("id"));
            }
            if (!seen.add(id)) {
                throw new ParseException(line, "id: " + id + " is listed twice");
            }
            JsonNode name = node.path("name");
            if (!name.isTextual() || name.asText().isEmpty()) {
                throw new ParseException(line, "name: required, a non-empty string; was " + (name.isMissingNode() ? "absent" : name));
            }
            StringBuilder value = new StringBuilder("{\"name\":").append(Json.string(name.asText())).append(",\"watchlist\":[");
            long bits = 0;
            JsonNode tags = node.path("tags");
            if (!tags.isMissingNode() && !tags.isNull()) {
                if (!tags.isArray()) {
                    throw new ParseException(line, "tags: must be a list such as [\"vip\"]; was " + tags);
                }
                for (int i = 0; i < tags.size(); i++) {
                    String tag = tags.get(i).asText();
                    if (!tags.get(i).isTextual() || !TAG.matcher(tag).matches()) {
                        throw new ParseException(line, "tags[" + i + "]: a tag is 1..32 of a-z, 0-9, '_', '-'; was " + tags.get(i));
                    }
                    int bit = tagTable.bit(tag);
                    if (bit < 0) {
                        throw new ParseException(line, "tags[" + i + "]: more than " + TagTable.MAX_TAGS + " distinct tags at this site");
                    }
                    value.append(i > 0 ? "," : "").append(Json.string(tag));
                    bits |= 1L << bit;
                }
            }
            if (ids.size() == MAX_SUBJECTS) {
                throw new ParseException(line, "more than " + MAX_SUBJECTS + " subjects");
            }
            ids.add(id);
            fragments.add(EnrichmentOut.fragment("subject", value.append("]}").toString()));
            tagBits.add(bits);
        }
        UuidTable table = new UuidTable(ids.size());
        long[] tags = new long[ids.size()];
        for (int i = 0; i < ids.size(); i++) {
            table.put(ids.get(i).getMostSignificantBits(), ids.get(i).getLeastSignificantBits(), i);
            tags[i] = tagBits.get(i);
        }
        return new Snapshot(table, fragments.toArray(new byte[0][]), tags);
    }
}
