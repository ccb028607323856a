package dev.watchpost.bench.crash;

/**
 * Where the detectors should connect: the harness publishes each restart of the daemon here as a new
 * generation with its port, and says when the run is finishing. Detectors wait on it after losing a
 * connection. Thread-safe (monitor); used once per connection, never per event.
 */
final class DaemonTarget {
    /** One published daemon run. {@code last} is the run that will be stopped with SIGTERM, not killed. */
    record Run(long generation, int port, boolean last) {
    }

    private Run current = new Run(0, -1, false);
    private boolean finishing;
    private boolean aborted;

    synchronized void publish(int port, boolean last) {
        current = new Run(current.generation() + 1, port, last);
        notifyAll();
    }

    /** No new events from here on: resend what is outstanding and wait for its ACKs. */
    synchronized void finish() {
        finishing = true;
        notifyAll();
    }

    synchronized void abort() {
        aborted = true;
        notifyAll();
    }

    synchronized boolean finishing() {
        return finishing;
    }

    /** Waits for a run newer than {@code generation}; {@code null} once the harness has aborted. */
    synchronized Run awaitAfter(long generation) throws InterruptedException {
        while (!aborted && current.generation() <= generation) {
            wait();
        }
        return aborted ? null : current;
    }

    /** Waits up to {@code millis} for a newer run, {@link #finish} or {@link #abort}. */
    synchronized void awaitChange(long generation, long millis) throws InterruptedException {
        if (!aborted && !finishing && current.generation() == generation) {
            wait(millis);
        }
    }
}
