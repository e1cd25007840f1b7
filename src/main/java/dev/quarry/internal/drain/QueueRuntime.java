package dev.quarry.internal.drain;

import dev.quarry.internal.config.QuarryConfig;
import dev.quarry.internal.config.QueueConfig;
import dev.quarry.internal.handler.HandlerRegistry;
import dev.quarry.internal.queue.JobQueue;
import dev.quarry.internal.queue.LeaseStore;
import dev.quarry.internal.queue.RetryPolicy;

/**
 * What every drain of one queue on this node shares: settings, the repositories, the handlers and
 * the queue's worker threads. Built once at node start.
 */
public final class QueueRuntime {
    final String node;
    final QueueConfig queue;
    final QuarryConfig config;
    final JobQueue jobs;
    final LeaseStore leases;
    final JobRunner runner;
    final RetryPolicy retry;
    final WorkerPool workers;
    final Rebalancing rebalancing;
    /** The queue's drains running on this node now; never more than {@code drains-per-node}. */
    private final java.util.concurrent.atomic.AtomicInteger drainsHere = new java.util.concurrent.atomic.AtomicInteger();
    private final ProgressWriter progress;

    /** A runtime whose handlers' progress reports go nowhere. */
    public QueueRuntime(String node, QueueConfig queue, QuarryConfig config, JobQueue jobs, LeaseStore leases,
                        HandlerRegistry handlers, WorkerPool workers, Rebalancing rebalancing) {
        this(node, queue, config, jobs, leases, handlers, workers, rebalancing, ProgressWriter.NONE);
    }

    /** @param progress the node's writer of job progress, shared by all its queues */
    public QueueRuntime(String node, QueueConfig queue, QuarryConfig config, JobQueue jobs, LeaseStore leases,
                        HandlerRegistry handlers, WorkerPool workers, Rebalancing rebalancing, ProgressWriter progress) {
        this.node = node;
        this.queue = queue;
        this.config = config;
        this.jobs = jobs;
        this.leases = leases;
        this.runner = new JobRunner(handlers, config.payloadMaxBytes(), progress);
        this.retry = new RetryPolicy(config.backoffBase(), config.backoffMax());
        this.workers = workers;
        this.rebalancing = rebalancing;
        this.progress = progress;
    }

    /** The node's writer of job progress. */
    public ProgressWriter progress() {
        return progress;
    }

    /** Counts a drain in, unless this node already runs {@code drains-per-node} of the queue's drains. */
    boolean enterDrain() {
        while (true) {
            int n = drainsHere.get();
            if (n >= queue.drainsPerNode()) return false;
            if (drainsHere.compareAndSet(n, n + 1)) return true;
        }
    }

    void leaveDrain() {
        drainsHere.decrementAndGet();
    }

    /** The queue's drains running on this node now. */
    int drainsHere() {
        return drainsHere.get();
    }

    public String node() {
        return node;
    }

    public QueueConfig queue() {
        return queue;
    }

    public LeaseStore leases() {
        return leases;
    }

    public WorkerPool workers() {
        return workers;
    }
}
