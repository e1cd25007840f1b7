package dev.quarry.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;

/**
 * Peak heap of this process during one run: a daemon thread reads the heap's used bytes every
 * 100 ms. Before it starts, a full GC gives every run the same clean start, and the pools' own
 * peak counters are reset (their sum, read at the end, bounds the true peak from above: pools
 * peak at different moments). Also counts the collections and their time, the process's CPU
 * time and the database server's ({@link ServerCpu}), during the run.
 *
 * <p>"Used" includes garbage not yet collected, so the peak depends on the maximum heap (-Xmx,
 * printed as heap_max_mb) as much as on what the code keeps live.
 */
final class HeapSampler implements AutoCloseable {
    private static final long PERIOD_MS = 100;

    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final Thread thread;
    private final long gcCountAtStart;
    private final long gcMillisAtStart;
    private final long cpuNanosAtStart;
    private final long serverCpuNanosAtStart;
    private volatile boolean running = true;
    private volatile long peakUsed;

    private HeapSampler() {
        System.gc();
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) pool.resetPeakUsage();
        }
        gcCountAtStart = gcCount();
        gcMillisAtStart = gcMillis();
        cpuNanosAtStart = processCpuNanos();
        serverCpuNanosAtStart = ServerCpu.nanos();
        peakUsed = memory.getHeapMemoryUsage().getUsed();
        thread = new Thread(this::sample, "quarry-bench-heap-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    static HeapSampler start() {
        return new HeapSampler();
    }

    private void sample() {
        while (running) {
            long used = memory.getHeapMemoryUsage().getUsed();
            if (used > peakUsed) peakUsed = used;
            try {
                Thread.sleep(PERIOD_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Stops sampling and returns the figures; the thread is gone when this returns. */
    Heap stop() {
        running = false;
        thread.interrupt();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long poolPeaks = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) poolPeaks += pool.getPeakUsage().getUsed();
        }
        long used = memory.getHeapMemoryUsage().getUsed();
        long cpu = processCpuNanos();
        long serverCpu = ServerCpu.nanos();
        return new Heap(Math.max(peakUsed, used), poolPeaks, memory.getHeapMemoryUsage().getMax(), gcCount() - gcCountAtStart,
                gcMillis() - gcMillisAtStart, cpu < 0 || cpuNanosAtStart < 0 ? -1 : cpu - cpuNanosAtStart,
                serverCpu < 0 || serverCpuNanosAtStart < 0 ? -1 : serverCpu - serverCpuNanosAtStart);
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }

    /** CPU time of this whole process (all threads, GC included), or -1 where the JVM does not say. */
    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    private static long gcCount() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) n += Math.max(0, gc.getCollectionCount());
        return n;
    }

    private static long gcMillis() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) n += Math.max(0, gc.getCollectionTime());
        return n;
    }

    /**
     * @param peakUsedBytes  the highest heap use sampled
     * @param poolPeaksBytes the sum of the heap pools' peak counters (an upper bound)
     * @param maxBytes       the heap's maximum size (-Xmx or the JVM's default)
     * @param cpuNanos       CPU time this process used during the run, all threads; -1 when unknown
     * @param serverCpuNanos CPU time the database server used during the run ({@link ServerCpu}); -1 when unknown
     */
    record Heap(long peakUsedBytes, long poolPeaksBytes, long maxBytes, long gcCount, long gcMillis, long cpuNanos, long serverCpuNanos) {
        void addTo(ResultRow row) {
            row.put("peak_heap_mb", peakUsedBytes / (1024 * 1024));
            row.put("heap_max_mb", maxBytes / (1024 * 1024));
            row.put("gc_count", gcCount);
            row.put("gc_ms", gcMillis);
            if (cpuNanos >= 0) row.put("jvm_cpu_s", cpuNanos / 1e9);
            if (serverCpuNanos >= 0) row.put("db_cpu_s", serverCpuNanos / 1e9);
        }
    }
}
