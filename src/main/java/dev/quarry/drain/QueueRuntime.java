package dev.quarry.drain;

import dev.quarry.config.QuarryConfig;
import dev.quarry.config.QueueConfig;
import dev.quarry.handler.HandlerRegistry;
import dev.quarry.queue.JobQueue;
import dev.quarry.queue.LeaseStore;
import dev.quarry.queue.RetryPolicy;

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

    public QueueRuntime(String node, QueueConfig queue, QuarryConfig config, JobQueue jobs, LeaseStore leases,
                        HandlerRegistry handlers, WorkerPool workers, Rebalancing rebalancing) {
        this.node = node;
        this.queue = queue;
        this.config = config;
        this.jobs = jobs;
        this.leases = leases;
        this.runner = new JobRunner(handlers, config.payloadMaxBytes());
        this.retry = new RetryPolicy(config.backoffBase(), config.backoffMax());
        this.workers = workers;
        this.rebalancing = rebalancing;
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
