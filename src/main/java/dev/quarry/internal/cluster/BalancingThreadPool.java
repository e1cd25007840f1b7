package dev.quarry.internal.cluster;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.quartz.SchedulerConfigException;
import org.quartz.simpl.SimpleThreadPool;
import org.quartz.spi.ThreadPool;

/**
 * Quarry's Quartz thread pool ({@code org.quartz.threadPool.class}): Quartz's own
 * {@link SimpleThreadPool}, plus a say in when this node's scheduler thread looks for triggers.
 * Quartz acquires a trigger only after {@link #blockForAvailableThreads()} returns; while the
 * {@link Balancer} says a peer runs fewer drains, this pool waits (up to the balancer's
 * {@code maxDefer}), so the peer acquires the trigger instead. That is how the cluster spreads
 * its queues: through Quartz's own acquisition, never by refusing a fire that was taken.
 *
 * <p>Quartz builds the pool from quartz.properties before the node exists, so the node finds it
 * by scheduler name and instance id ({@link #of}) and attaches its balancer; until then, and
 * without one, it is a plain SimpleThreadPool. Settings: {@code threadCount}, {@code threadPriority}.
 */
public final class BalancingThreadPool implements ThreadPool {
    private static final Map<String, BalancingThreadPool> POOLS = new ConcurrentHashMap<>();
    private static final long RECHECK_MILLIS = 250;

    private final SimpleThreadPool threads = new SimpleThreadPool();
    private final AtomicInteger running = new AtomicInteger();
    private final Object drainEnded = new Object();
    private volatile Balancer balancer;
    private volatile boolean shutDown;
    /** Until when (nanoTime) this node leaves every fire to its peers; see {@link #leaveNextFiresToPeers}. */
    private volatile long holdUntilNanos;
    private volatile boolean holding;
    private String instanceName;
    private String instanceId;

    /** The pool Quartz built for this scheduler instance, or null when quartz.properties names another class. */
    public static BalancingThreadPool of(String instanceName, String instanceId) {
        return POOLS.get(instanceName + "/" + instanceId);
    }

    public void balanceWith(Balancer balancer) {
        this.balancer = balancer;
    }

    /** Drains (Quartz jobs) running on this node now. */
    public int running() {
        return running.get();
    }

    public void setThreadCount(int count) {
        threads.setThreadCount(count);
    }

    public void setThreadPriority(int priority) {
        threads.setThreadPriority(priority);
    }

    @Override
    public boolean runInThread(Runnable job) {
        running.incrementAndGet();
        boolean taken = threads.runInThread(() -> {
            try {
                job.run();
            } finally {
                running.decrementAndGet();
                synchronized (drainEnded) {
                    drainEnded.notifyAll();
                }
            }
        });
        if (!taken) running.decrementAndGet();
        return taken;
    }

    /**
     * Holds this node's scheduler thread back for the balancer's {@code maxDefer}, whatever the
     * counts say, so a peer acquires the next fire: used when this node was fired for a queue it
     * does not serve and asked Quartz to fire it again.
     */
    public void leaveNextFiresToPeers() {
        Balancer b = balancer;
        if (b == null) return;
        holdUntilNanos = System.nanoTime() + b.maxDefer().toNanos();
        holding = true;
    }

    private boolean holdingForPeers() {
        if (!holding) return false;
        if (System.nanoTime() - holdUntilNanos < 0) return true;
        holding = false;
        return false;
    }

    @Override
    public int blockForAvailableThreads() {
        int free = threads.blockForAvailableThreads();
        Balancer b = balancer;
        if (b == null || free <= 0) return free;
        long until = System.nanoTime() + b.maxDefer().toNanos();
        boolean held = false;
        // A request to leave the next fires to peers holds for its own window, however long this wait has lasted.
        while (!shutDown && (holdingForPeers() || (System.nanoTime() < until && !b.mayStartAnother()))) {
            held = true;
            synchronized (drainEnded) {
                try {
                    drainEnded.wait(RECHECK_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return threads.blockForAvailableThreads();
                }
            }
        }
        // A drain may have started or ended meanwhile: report what is free now.
        return held ? threads.blockForAvailableThreads() : free;
    }

    @Override
    public void initialize() throws SchedulerConfigException {
        threads.setInstanceName(instanceName);
        threads.setInstanceId(instanceId);
        threads.initialize();
        POOLS.put(instanceName + "/" + instanceId, this);
    }

    @Override
    public void shutdown(boolean waitForJobsToComplete) {
        shutDown = true;
        synchronized (drainEnded) {
            drainEnded.notifyAll();
        }
        threads.shutdown(waitForJobsToComplete);
        POOLS.remove(instanceName + "/" + instanceId, this);
    }

    @Override
    public int getPoolSize() {
        return threads.getPoolSize();
    }

    @Override
    public void setInstanceId(String schedInstId) {
        this.instanceId = schedInstId;
    }

    @Override
    public void setInstanceName(String schedName) {
        this.instanceName = schedName;
    }
}
