package dev.watchpost.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code watchpost reload}: the daemon reads its rules file again ({@code POST /v1/reload}) and puts
 * the new rules in place without a restart; with problems in the file nothing changes and each is
 * printed. The same as {@code systemctl reload watchpostd} (SIGHUP), with the answer.
 */
@Command(name = "reload", mixinStandardHelpOptions = true,
        description = "Reload the daemon's rules file; print what was rebuilt, or every problem of the file.")
final class ReloadCommand implements Callable<Integer> {
    @Option(names = "--http", paramLabel = "HOST:PORT", converter = HostPort.Converter.class,
            description = "the daemon's HTTP address (default: ${DEFAULT-VALUE})", defaultValue = "127.0.0.1:7780")
    HostPort address;

    @Override
    public Integer call() throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> response;
        try {
            response = client.send(HttpRequest.newBuilder(URI.create("http://" + address + "/v1/reload"))
                    .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            System.err.println("watchpost: cannot reach the daemon at " + address + ": " + e);
            return Watchpost.EXIT_UNREACHABLE;
        }
        JsonNode body;
        try {
            body = new ObjectMapper().readTree(response.body());
        } catch (IOException e) {
            System.err.println("watchpost: the daemon answered " + response.statusCode() + ": " + response.body());
            return Watchpost.EXIT_PARTIAL;
        }
        if (response.statusCode() == 200) {
            body.path("lines").forEach(line -> System.out.println(line.asText()));
            return 0;
        }
        System.err.println("watchpost: rules not reloaded (the daemon answered " + response.statusCode() + "); the rules in force stay:");
        body.path("problems").forEach(problem -> System.err.println(problem.asText()));
        return response.statusCode() == 400 ? Watchpost.EXIT_USAGE : Watchpost.EXIT_PARTIAL;
    }
}
