package dev.watchpost.ringbuffer.pipeline;

import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.LiteBlockingWaitStrategy;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;

import java.time.Duration;
import java.util.Locale;

/**
 * How a stage's thread waits for the stage before it. On a 2-core box a stage thread that spins
 * steals the core an I/O thread needs, so the spinning kinds are for boxes with cores to spare.
 */
public enum WaitStrategyKind {
    /**
     * Parks on a monitor, for the producers and for the stage thread before it alike
     * ({@link StageBlockingWaitStrategy}); no CPU when idle; wakes in tens of microseconds. The only
     * kind that lingers.
     */
    BLOCKING,
    /** Like blocking, but skips the signal when no thread waits: cheaper for producers. */
    LITE_BLOCKING,
    /** Spins, then yields, then sleeps 100 ns at a time: little CPU when idle, fast to wake. */
    SLEEPING,
    /** Spins then yields: a core per stage thread, always. */
    YIELDING,
    /** Spins: a core per stage thread, always; never on a box with fewer cores than threads. */
    BUSY_SPIN;

    /** @param linger how long the first stage thread, out of events, sleeps before it parks ({@link #BLOCKING} only) */
    public WaitStrategy create(Duration linger) {
        switch (this) {
            case BLOCKING:
                return new StageBlockingWaitStrategy(linger.toNanos());
            case LITE_BLOCKING:
                return new LiteBlockingWaitStrategy();
            case SLEEPING:
                return new SleepingWaitStrategy();
            case YIELDING:
                return new YieldingWaitStrategy();
            case BUSY_SPIN:
                return new BusySpinWaitStrategy();
            default:
                throw new IllegalStateException(name());
        }
    }

    /** The configuration name, e.g. {@code lite-blocking}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses a configuration name; {@code null} when there is no such kind. */
    public static WaitStrategyKind fromConfigName(String name) {
        for (WaitStrategyKind kind : values()) {
            if (kind.configName().equals(name)) {
                return kind;
            }
        }
        return null;
    }
}
