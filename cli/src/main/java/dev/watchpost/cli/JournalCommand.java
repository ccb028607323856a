package dev.watchpost.cli;

import dev.watchpost.persistence.journal.Journal;
import dev.watchpost.persistence.journal.VerifyReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code watchpost journal}: read-only checks of a data directory's journal files. */
@Command(name = "journal", mixinStandardHelpOptions = true, description = "Inspect the journal files.",
        subcommands = {JournalCommand.Verify.class})
final class JournalCommand {

    /** {@code watchpost journal verify}: scans every segment, checks every record's CRC and seq. */
    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Check every record of the journal (CRC, seq order) and print its counts. "
                    + "Exit 0 when clean, 1 when damaged. Safe while the daemon runs (its unflushed tail may show as damage).")
    static final class Verify implements Callable<Integer> {
        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "./data",
                description = "the daemon's data directory (default: ${DEFAULT-VALUE})")
        Path dataDir;

        @Option(names = "--json", description = "print the report as JSON, for scripts")
        boolean json;

        PrintStream out = System.out;

        @Override
        public Integer call() throws IOException {
            Path dir = dataDir.resolve("journal");
            if (!Files.isDirectory(dir)) {
                System.err.println("watchpost journal verify: no journal at " + dir);
                return Watchpost.EXIT_USAGE;
            }
            VerifyReport report = Journal.verify(dir);
            if (json) {
                com.fasterxml.jackson.databind.node.ObjectNode node = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
                        .put("clean", report.isClean())
                        .put("segments", report.segments())
                        .put("records", report.records())
                        .put("bytes", report.bytes())
                        .put("first_seq", report.firstSeq())
                        .put("last_seq", report.lastSeq())
                        .put("detail", report.detail());
                if (report.problemFile() != null) {
                    node.put("problem_file", report.problemFile().toString()).put("problem_position", report.problemPosition());
                }
                out.println(node);
            } else {
                out.printf("journal   %s%n", dir);
                out.printf("segments  %d%nrecords   %d%nbytes     %d%nseqs      %d..%d%n",
                        report.segments(), report.records(), report.bytes(), report.firstSeq(), report.lastSeq());
                out.println(report.isClean() ? "clean"
                        : "DAMAGED: " + report.detail() + " in " + report.problemFile() + " at byte " + report.problemPosition());
            }
            return report.isClean() ? 0 : Watchpost.EXIT_PARTIAL;
        }
    }
}
