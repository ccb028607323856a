package dev.watchpost.cli;

import dev.watchpost.daemon.json.JsonBodyException;
import dev.watchpost.daemon.json.JsonEventReader;
import dev.watchpost.daemon.json.ParsedEvent;
import dev.watchpost.ringbuffer.client.DetectorClient;
import dev.watchpost.ringbuffer.codec.EventTypeRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code watchpost send}: a detector simulator for people. Reads events in their JSON form, one per
 * line, turns each into a protocol v1 EVENT frame and sends them over one TCP connection, then waits
 * for the daemon's ACKs and reports every NACK against the line it came from.
 */
@Command(name = "send", mixinStandardHelpOptions = true,
        description = "Send NDJSON events to the daemon as protocol v1 frames and report ACKs and NACKs.")
final class SendCommand implements Callable<Integer> {
    @Option(names = "--tcp", paramLabel = "HOST:PORT", required = true, converter = HostPort.Converter.class,
            description = "the daemon's detector TCP address, e.g. 127.0.0.1:7700")
    HostPort address;

    @Option(names = "--token", description = "send HELLO with this token first")
    String token;

    @Option(names = "--name", description = "detector name in the HELLO (default: ${DEFAULT-VALUE})", defaultValue = "watchpost-send")
    String name;

    @Option(names = "--timeout", description = "seconds to wait for the daemon (default: ${DEFAULT-VALUE})", defaultValue = "30")
    int timeoutSeconds;

    @Option(names = "--site-type", paramLabel = "CODE=NAME", description = "a site event type the daemon is configured with, e.g. 1000=shelf.empty")
    java.util.Map<Integer, String> siteTypes = new java.util.LinkedHashMap<>();

    @Parameters(paramLabel = "FILE", description = "NDJSON file, one event per line ('-' for standard input)")
    String file;

    PrintStream out = System.out;

    @Override
    public Integer call() throws IOException {
        byte[] body = "-".equals(file) ? System.in.readAllBytes() : Files.readAllBytes(Path.of(file));
        List<ParsedEvent> events;
        try {
            events = new JsonEventReader(EventTypeRegistry.v1().withSiteTypes(siteTypes)).read(body, 0, body.length, true);
        } catch (JsonBodyException e) {
            System.err.println("watchpost send: " + file + ": " + e.getMessage());
            return Watchpost.EXIT_USAGE;
        }
        int localErrors = 0;
        List<Integer> lineOfSeq = new ArrayList<>();
        lineOfSeq.add(0);
        DetectorClient detector;
        try {
            detector = DetectorClient.connect(address.host(), address.port(), Duration.ofSeconds(timeoutSeconds));
        } catch (IOException e) {
            System.err.println("watchpost send: cannot connect to " + address + ": " + e.getMessage());
            return Watchpost.EXIT_UNREACHABLE;
        }
        try (detector) {
            if (token != null && !detector.hello(token, name)) {
                detector.nacks().forEach(n -> out.println("NACK " + n.code() + " (" + n.message() + ") for the HELLO"));
                return Watchpost.EXIT_PARTIAL;
            }
            long lastSeq = 0;
            for (int i = 0; i < events.size(); i++) {
                ParsedEvent event = events.get(i);
                if (event.isRejected()) {
                    out.println("event " + (i + 1) + ": not sent: " + event.reason() + " (the daemon would answer NACK "
                            + event.rejection().code() + ")");
                    localErrors++;
                    continue;
                }
                lastSeq = detector.send(event.frame(), 0, event.frameLength());
                lineOfSeq.add(i + 1);
            }
            boolean acked = detector.awaitAck(lastSeq);
            for (DetectorClient.Nack nack : detector.nacks()) {
                String where = nack.seq() > 0 && nack.seq() < lineOfSeq.size() ? "event " + lineOfSeq.get((int) nack.seq()) : "connection";
                out.println(where + ": NACK " + nack.code() + " (" + nack.message() + ")");
            }
            out.printf("sent %d, acknowledged %d, nacked %d, not sent %d%n",
                    lastSeq, detector.ackedSeq(), detector.nacks().size(), localErrors);
            if (!acked) {
                System.err.println("watchpost send: the daemon acknowledged only up to seq " + detector.ackedSeq()
                        + (detector.closedByPeer() ? " and closed the connection" : " before the timeout"));
                return Watchpost.EXIT_PARTIAL;
            }
            return detector.nacks().isEmpty() && localErrors == 0 ? 0 : Watchpost.EXIT_PARTIAL;
        }
    }
}
