package dev.watchpost.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code watchpost status}: the daemon's state and counters, from {@code GET /v1/status}. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Print the daemon's state and counters.")
final class StatusCommand implements Callable<Integer> {
    @Option(names = "--http", paramLabel = "HOST:PORT", converter = HostPort.Converter.class,
            description = "the daemon's HTTP address (default: ${DEFAULT-VALUE})", defaultValue = "127.0.0.1:7780")
    HostPort address;

    @Option(names = "--json", description = "print the daemon's answer as JSON, for scripts")
    boolean json;

    PrintStream out = System.out;

    @Override
    public Integer call() throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> response;
        try {
            response = client.send(HttpRequest.newBuilder(URI.create("http://" + address + "/v1/status"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            System.err.println("watchpost: cannot reach the daemon at " + address + ": " + e);
            return Watchpost.EXIT_UNREACHABLE;
        }
        if (response.statusCode() != 200) {
            System.err.println("watchpost: the daemon answered " + response.statusCode() + ": " + response.body());
            return Watchpost.EXIT_PARTIAL;
        }
        if (json) {
            out.println(response.body());
            return 0;
        }
        print(new ObjectMapper().readTree(response.body()), 0, out);
        return 0;
    }

    /** One field a line, name and value in columns; an object's fields below its name, indented by two more. */
    static void print(JsonNode object, int depth, PrintStream out) {
        String indent = "  ".repeat(depth);
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getValue().isObject()) {
                out.println(indent + field.getKey() + ":");
                print(field.getValue(), depth + 1, out);
            } else {
                out.printf("%s%-" + Math.max(1, 30 - indent.length()) + "s %s%n", indent, field.getKey(), field.getValue().asText());
            }
        }
    }
}
