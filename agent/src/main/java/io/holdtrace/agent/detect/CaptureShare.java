package io.holdtrace.agent.detect;

import io.holdtrace.bootstrap.CaptureBudget;
import java.lang.management.ManagementFactory;
import java.util.function.LongSupplier;

/**
 * Keeps the capture budget at a share of the CPU the process itself uses ({@code captureBudget}), so that
 * capture costs a service that uses half a core the same share as one that uses sixteen cores. Each
 * second, on the detector's thread, it reads the process's CPU time and grants the budget its share of
 * what the process spent since the last reading.
 *
 * <p>Until checkouts first go uncaptured it reads nothing: the first grant (the share of one core) is
 * enough, and a process whose checkouts fit in it never loads the management classes the reading takes
 * (about 40 ms of CPU, once). Where the process's CPU time cannot be read, the first grant stays.
 */
public final class CaptureShare {

    /** The least a window grants: a nearly idle process still captures a few checkouts a second. */
    static final long MIN_GRANT = 200_000L;
    private static final long PERIOD = 1_000_000_000L;

    private final CaptureBudget budget;
    private final double share;
    private final LongSupplier processCpuNanos;
    private final LongSupplier uncaptured;
    private boolean reading;
    private boolean unreadable;
    private long lastCpu = -1L;
    private long lastAt;
    private volatile double cores = -1.0;

    /**
     * @param share the share of the process's CPU, such as 0.005; 0 or less leaves the budget as it is
     * @param processCpuNanos the process's CPU time so far, or a negative value where it cannot be read
     * @param uncaptured checkouts not captured so far (the budget was spent)
     */
    CaptureShare(CaptureBudget budget, double share, LongSupplier processCpuNanos, LongSupplier uncaptured) {
        this.budget = budget;
        this.share = share;
        this.processCpuNanos = processCpuNanos;
        this.uncaptured = uncaptured;
    }

    public static CaptureShare ofProcess(CaptureBudget budget, double share, LongSupplier uncaptured) {
        return new CaptureShare(budget, share, new ProcessCpu(), uncaptured);
    }

    /** Called by each detector pass; does its work at most once a second. */
    public void update(long now) {
        if (unreadable || share <= 0.0) {
            return;
        }
        if (!reading) {
            if (uncaptured.getAsLong() == 0L) {
                return;
            }
            reading = true;
        }
        if (lastCpu >= 0L && now - lastAt < PERIOD) {
            return;
        }
        long cpu = processCpuNanos.getAsLong();
        if (cpu < 0L) {
            unreadable = true;
            return;
        }
        if (lastCpu >= 0L && cpu >= lastCpu) {
            double used = (cpu - lastCpu) / (double) (now - lastAt);
            cores = used;
            budget.grant(Math.max(MIN_GRANT, (long) (share * used * 1e9)));
        }
        lastCpu = cpu;
        lastAt = now;
    }

    /** The cores the process used over the last second measured, or -1 if not measured. */
    public double processCores() {
        return cores;
    }

    /** The process's CPU time from the JDK's operating-system bean; -1 where it has none. */
    private static final class ProcessCpu implements LongSupplier {
        private com.sun.management.OperatingSystemMXBean os;

        @Override
        public long getAsLong() {
            try {
                if (os == null) {
                    os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
                }
                return os.getProcessCpuTime();
            } catch (Throwable e) { // no jdk.management, another JDK's bean: keep the first grant
                return -1L;
            }
        }
    }
}
