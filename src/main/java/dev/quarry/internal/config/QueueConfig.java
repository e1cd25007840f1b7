package dev.quarry.internal.config;

import java.time.Duration;
import java.util.Optional;

/**
 * One queue as this node drains it.
 *
 * @param name      the value producers put in {@code quarry_jobs.queue}
 * @param workers   handler threads for this queue on this node (default 8)
 * @param cron      Quartz cron expression of the drain (default every minute: {@code 0 * * * * ?})
 * @param batchSize most jobs claimed in one statement (default 500); a drain claims only for free workers, so
 *                  never more than {@code workers} at a time
 * @param budget    when set, how long one drain claims before it hands its queue over; empty (the default): a drain
 *                  lives until shutdown, a lost lease or a hand-over to a less busy node
 * @param drains    how many drains the queue has across the cluster (default 1), each fenced by a lease of its
 *                  own and running {@code workers} jobs at once: the queue runs at most {@code drains x workers}
 *                  jobs at a time, cluster-wide
 * @param drainsPerNode most of the queue's drains one node holds at once (default 1, at most {@code drains}): with
 *                  the default a node never runs more than {@code workers} of the queue's jobs, however many peers
 *                  are gone; a drain no node has room for waits, its orphaned jobs rescued all the same
 */
public record QueueConfig(String name, int workers, String cron, int batchSize, Optional<Duration> budget, int drains,
                          int drainsPerNode) {
    public static final int DEFAULT_WORKERS = dev.quarry.QueueOptions.DEFAULT_WORKERS;
    public static final String DEFAULT_CRON = dev.quarry.QueueOptions.DEFAULT_CRON;
    public static final int DEFAULT_BATCH_SIZE = dev.quarry.QueueOptions.DEFAULT_BATCH_SIZE;
    public static final int DEFAULT_DRAINS = dev.quarry.QueueOptions.DEFAULT_DRAINS;
    public static final int DEFAULT_DRAINS_PER_NODE = dev.quarry.QueueOptions.DEFAULT_DRAINS_PER_NODE;

    /** Jobs of this queue that may run at once across the whole cluster. */
    public int globalConcurrency() {
        return drains * workers;
    }
}
