package dev.watchpost.bench.jmh;

import dev.watchpost.handlers.EnrichHandler;
import dev.watchpost.handlers.ErrorLog;
import dev.watchpost.handlers.rules.EnrichmentRules;
import dev.watchpost.handlers.rules.EnrichmentRules.SeverityRules;
import dev.watchpost.handlers.rules.Rules;
import dev.watchpost.handlers.rules.Site;
import dev.watchpost.handlers.rules.TagTable;
import dev.watchpost.handlers.rules.TrackRules;
import dev.watchpost.handlers.rules.WindowDedupRules;
import dev.watchpost.ringbuffer.Counters;
import dev.watchpost.ringbuffer.EventSlot;
import dev.watchpost.ringbuffer.codec.EventFrame;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The enrich stage's work per event with the three built-ins on: a site of three cameras, a subject
 * directory of {@code subjects} entries (a tenth of them banned), severity by type and tag. Events
 * cycle through the cameras and through subjects, one in eight not in the directory; each gets its
 * enrichment object written and appended to the slot's extras. Run with {@code -prof gc}: the target
 * is 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class EnrichHandlerBenchmark {
    static final int PAYLOAD_BYTES = 36;

    @Param({"1000"})
    int subjects;

    private EnrichHandler enrich;
    private final EventSlot slot = new EventSlot(512);
    private ByteBuffer template;
    private int frameLength;
    private UUID[] cameras;
    private long[] subjectMsb;
    private long[] subjectLsb;
    private Path dir;
    private long n;

    @Setup
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("enrich-bench");
        cameras = new UUID[] {UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID()};
        List<Site.Camera> list = new ArrayList<>();
        for (int i = 0; i < cameras.length; i++) {
            list.add(new Site.Camera("camera" + i, cameras[i], "Camera " + i, "ground", null, List.of(), null));
        }
        Site site = new Site("Bench shop", list, List.of());
        StringBuilder directory = new StringBuilder();
        subjectMsb = new long[subjects + subjects / 8];
        subjectLsb = new long[subjectMsb.length];
        for (int i = 0; i < subjectMsb.length; i++) {
            UUID id = UUID.randomUUID();
            subjectMsb[i] = id.getMostSignificantBits();
            subjectLsb[i] = id.getLeastSignificantBits();
            if (i < subjects) {
                directory.append("{\"id\": \"").append(id).append("\", \"name\": \"Person ").append(i).append("\", \"tags\": [\"")
                        .append(i % 10 == 0 ? "banned" : "staff").append("\"]}\n");
            }
        }
        Path file = dir.resolve("subjects.jsonl");
        Files.writeString(file, directory);
        EnrichmentRules enrichment = new EnrichmentRules(true, Map.of(), file, EnrichmentRules.RELOAD_INTERVAL_DEFAULT,
                new SeverityRules(0, Map.of(), Map.of("person", 1), Map.of("banned", 5), 10), 5, Duration.ofSeconds(30));
        Rules rules = new Rules(Duration.ofSeconds(2), Duration.ofSeconds(1), WindowDedupRules.defaults(), TrackRules.DEFAULT, site, enrichment);
        Counters counters = new Counters();
        enrich = new EnrichHandler(rules, new TagTable(), counters, new ErrorLog(counters, System.err::println), line -> { }, false);
        template = BenchFrames.faceRecognized(UUID.randomUUID(), System.currentTimeMillis() * 1000, PAYLOAD_BYTES);
        frameLength = BenchFrames.frameLength(PAYLOAD_BYTES);
    }

    @TearDown
    public void tearDown() throws IOException {
        enrich.close();
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    @Benchmark
    public int onEvent() {
        long i = ++n;
        ByteBuffer buffer = slot.claimEvent(frameLength, null, i, i);
        buffer.put(0, template, 0, frameLength);
        UUID camera = cameras[(int) (i % cameras.length)];
        buffer.putLong(EventFrame.CAMERA_ID_OFFSET, Long.reverseBytes(camera.getMostSignificantBits()));
        buffer.putLong(EventFrame.CAMERA_ID_OFFSET + 8, Long.reverseBytes(camera.getLeastSignificantBits()));
        int s = (int) (i % subjectMsb.length);
        buffer.putLong(EventFrame.SUBJECT_ID_OFFSET, Long.reverseBytes(subjectMsb[s]));
        buffer.putLong(EventFrame.SUBJECT_ID_OFFSET + 8, Long.reverseBytes(subjectLsb[s]));
        slot.sequence(i);
        enrich.onEvent(slot, i, (i & 63) == 0);
        return slot.extraLength();
    }
}
