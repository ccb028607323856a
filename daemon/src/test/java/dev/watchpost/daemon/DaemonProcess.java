package dev.watchpost.daemon;

import dev.watchpost.persistence.ChildJvm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code watchpostd} in a child JVM, as systemd would run it, on ephemeral ports: for tests that
 * kill it with SIGKILL or stop it with SIGTERM. Its log goes to a file; the ports are read from its
 * ready line.
 */
final class DaemonProcess implements AutoCloseable {
    private static final Pattern READY = Pattern.compile("watchpostd ready: tcp (\\d+), udp (\\d+), http (\\d+)");

    private final Process process;
    private final Path log;
    private final int tcpPort;
    private final int httpPort;

    private DaemonProcess(Process process, Path log, int tcpPort, int httpPort) {
        this.process = process;
        this.log = log;
        this.tcpPort = tcpPort;
        this.httpPort = httpPort;
    }

    static DaemonProcess start(Path config, Path dataDir, Path log) throws IOException {
        return start(config, dataDir, log, List.of("-Xmx256m"));
    }

    /** As {@link #start(Path, Path, Path)}, with these JVM options (heap size, collector) in place of {@code -Xmx256m}. */
    static DaemonProcess start(Path config, Path dataDir, Path log, List<String> jvmOptions) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("@" + ChildJvm.jvmArgsFile());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Watchpostd.class.getName());
        command.addAll(List.of("--config", config.toString(), "--data-dir", dataDir.toString(),
                "--tcp-port", "0", "--udp-port", "0", "--http-port", "0"));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String line; (line = out.readLine()) != null; ) {
            Files.writeString(log, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            seen.append(line).append('\n');
            Matcher m = READY.matcher(line);
            if (m.find()) {
                Thread drain = new Thread(() -> drain(out, log), "daemon-log");
                drain.setDaemon(true);
                drain.start();
                return new DaemonProcess(process, log, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(3)));
            }
        }
        throw new IllegalStateException("watchpostd exited before it was ready:\n" + seen);
    }

    private static void drain(BufferedReader out, Path log) {
        try {
            for (String line; (line = out.readLine()) != null; ) {
                Files.writeString(log, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
        } catch (IOException ignored) {
            // the process is gone
        }
    }

    int tcpPort() {
        return tcpPort;
    }

    int httpPort() {
        return httpPort;
    }

    /** SIGHUP: the daemon reloads its rules file. */
    void hangUp() throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -HUP " + process.pid() + " failed");
        }
    }

    /** SIGKILL: no shutdown hook, no drain, no fsync. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM, then the exit code once it has drained and stopped. */
    int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("watchpostd did not stop within 60 s of SIGTERM");
        }
        return process.exitValue();
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
