package dev.watchpost.persistence;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A second JVM running a {@code main} class from the test class path, with the project's JVM flags,
 * for tests that need a process to die (kill -9) or a clean heap to measure. The child reads its
 * instructions from its arguments, reports on stdout a line at a time, and should block reading
 * stdin when it has to wait: it then exits by itself when the test closes stdin or dies.
 *
 * <p>The child's stderr goes to a file (Surefire owns the test JVM's own streams).
 */
public final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final BufferedReader stdout;
    private final Path stderr;

    private ChildJvm(Process process, Path stderr) {
        this.process = process;
        this.stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.stderr = stderr;
    }

    /**
     * Starts {@code mainClass} with {@code args}, the project's JVM argument file for this JDK and
     * {@code jvmOptions} (e.g. {@code -Xmx64m}); its stderr goes to {@code stderrFile}.
     */
    public static ChildJvm start(Class<?> mainClass, Path stderrFile, List<String> jvmOptions, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("@" + jvmArgsFile());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .redirectError(stderrFile.toFile())
                .start();
        return new ChildJvm(process, stderrFile);
    }

    /**
     * The argument file of {@code config/jvm} for the running JDK: {@code jdk25.args} from 25 on,
     * {@code jdk17.args} before. Found by walking up from the working directory (Surefire runs in
     * the module's directory).
     */
    public static Path jvmArgsFile() {
        String name = Runtime.version().feature() >= 25 ? "jdk25.args" : "jdk17.args";
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("config").resolve("jvm").resolve(name);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no config/jvm/" + name + " above " + Path.of("").toAbsolutePath());
    }

    /**
     * Blocks until the child prints a line starting with {@code prefix} and returns that line,
     * skipping other lines; fails with the child's stderr if it exits first.
     */
    public String awaitLine(String prefix) throws IOException {
        for (String line; (line = stdout.readLine()) != null; ) {
            if (line.startsWith(prefix)) {
                return line;
            }
        }
        throw new IllegalStateException("child exited (" + exitCodeOrRunning() + ") before printing '" + prefix + "'; stderr:\n" + stderr());
    }

    /** Writes a line to the child's stdin. */
    public void send(String line) throws IOException {
        OutputStream in = process.getOutputStream();
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    /** Kills the child with SIGKILL (no shutdown hooks, no finally blocks) and waits for it to be gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** Closes the child's stdin and waits for it to exit; returns its exit code. */
    public int awaitExit() throws IOException, InterruptedException {
        process.getOutputStream().close();
        return process.waitFor();
    }

    public Process process() {
        return process;
    }

    /** What the child wrote to stderr so far. */
    public String stderr() {
        try {
            return Files.readString(stderr, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + stderr + ": " + e + ")";
        }
    }

    private String exitCodeOrRunning() {
        return process.isAlive() ? "still running" : "exit code " + process.exitValue();
    }

    /** Kills the child if it is still running and waits for it to be gone. */
    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
