package dev.watchpost.persistence.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import dev.watchpost.persistence.ChildJvm;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Prints the store's rates, snapshot size and RSS at 1 M and 10 M receipts, measured in a child JVM
 * with a 64 MB heap. A measurement, not a check: it runs only with {@code -Dwatchpost.measure=true}
 * (about a minute and 0.2 GB of disk).
 */
@EnabledIfSystemProperty(named = "watchpost.measure", matches = "true")
class DedupStoreFootprintTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(ints = {1_000_000, 10_000_000})
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void shouldPrintRatesSnapshotSizeAndRssForAFullStore(int receipts) throws Exception {
        try (ChildJvm child = ChildJvm.start(DedupStoreFootprint.class, dir.resolve("child.err"), DedupStoreFootprint.jvmOptions(),
                dir.resolve("data").toString(), Integer.toString(receipts), Integer.toString(receipts))) {
            for (String line; !(line = child.awaitLine("")).equals("DONE"); ) {
                if (line.startsWith("RESULT ")) {
                    System.out.println("dedup " + receipts + " receipts: " + line.substring("RESULT ".length()));
                }
            }
            assertEquals(0, child.awaitExit(), child::stderr);
        }
    }
}
