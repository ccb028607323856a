package dev.watchpost.bench.crash;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One run of {@code watchpostd} as a child process on ephemeral ports. Its stdout and stderr go to a
 * log file; the ports come from its ready line. {@link #kill} is SIGKILL, {@link #terminate} SIGTERM.
 */
final class DaemonChild implements AutoCloseable {
    private static final Pattern READY =
            Pattern.compile("watchpostd ready: tcp (\\d+)(?:, udp \\d+)?, http (\\d+).*?journal last seq (\\d+)");

    private final Process process;
    private final int tcpPort;
    private final long journalLastSeq;

    private DaemonChild(Process process, int tcpPort, long journalLastSeq) {
        this.process = process;
        this.tcpPort = tcpPort;
        this.journalLastSeq = journalLastSeq;
    }

    /** Starts {@code command} and waits for its ready line; the child is killed if it does not come. */
    static DaemonChild start(List<String> command, Path log, Duration readyTimeout) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<Matcher> ready = new CompletableFuture<>();
        Thread drain = new Thread(() -> drain(process, log, ready), "daemon-log");
        drain.setDaemon(true);
        drain.start();
        try {
            Matcher m = ready.get(readyTimeout.toMillis(), TimeUnit.MILLISECONDS);
            return new DaemonChild(process, Integer.parseInt(m.group(1)), Long.parseLong(m.group(3)));
        } catch (ExecutionException | TimeoutException e) {
            process.destroyForcibly();
            process.waitFor();
            throw new IOException("watchpostd was not ready within " + readyTimeout.toSeconds() + " s (exit "
                    + (process.isAlive() ? "none" : process.exitValue()) + "); see " + log);
        }
    }

    private static void drain(Process process, Path log, CompletableFuture<Matcher> ready) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            for (String line; (line = in.readLine()) != null; ) {
                out.write(line);
                out.write('\n');
                out.flush();
                if (!ready.isDone()) {
                    Matcher m = READY.matcher(line);
                    if (m.find()) {
                        ready.complete(m);
                    }
                }
            }
        } catch (IOException ignored) {
            // the process is gone
        } finally {
            ready.completeExceptionally(new IOException("watchpostd exited before it was ready"));
        }
    }

    int tcpPort() {
        return tcpPort;
    }

    /** The journal's last seq as the daemon reported it when ready (after its recovery). */
    long journalLastSeq() {
        return journalLastSeq;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code of a child that stopped by itself; -1 while it runs. */
    int exitCodeIfDead() {
        return process.isAlive() ? -1 : process.exitValue();
    }

    /** SIGKILL: no shutdown hook, no drain, no fsync; returns once the process is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGKILL without waiting: for a shutdown hook. */
    void destroyNow() {
        process.destroyForcibly();
    }

    /** SIGTERM, then the exit code once it has drained and stopped; SIGKILL and -1 after {@code timeout}. */
    int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
            return -1;
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
