package dev.quarry;

import dev.quarry.internal.config.NodeSettings;
import java.time.Duration;

/**
 * How a node drains one queue: given to {@link NodeBuilder#queue(String, java.util.function.Consumer)}.
 * Each setting is the key {@code queue.NAME.*} of {@code quarry.properties}, checked by the same
 * rules; a bad value throws {@link QuarryException} naming that key.
 */
public final class QueueOptions {
    /** Handler threads for the queue on each node that holds one of its drains. */
    public static final int DEFAULT_WORKERS = 8;
    /** Every minute: when Quartz fires each drain (a running drain keeps claiming between fires). */
    public static final String DEFAULT_CRON = "0 * * * * ?";
    /** The most jobs one claim statement takes. */
    public static final int DEFAULT_BATCH_SIZE = 500;
    /** Drains of the queue across the cluster. */
    public static final int DEFAULT_DRAINS = 1;
    /** Drains of the queue one node holds at most. */
    public static final int DEFAULT_DRAINS_PER_NODE = 1;

    private final NodeSettings.Queue queue;

    QueueOptions(NodeSettings.Queue queue) {
        this.queue = queue;
    }

    /** Handler threads per drain ({@code queue.NAME.workers}, 1 to 1000, default {@value #DEFAULT_WORKERS}). */
    public QueueOptions workers(int n) {
        queue.workers(n);
        return this;
    }

    /**
     * How many drains the queue has across the cluster ({@code queue.NAME.drains}, 1 to 64, default
     * {@value #DEFAULT_DRAINS}): each is fenced by a lease of its own, so the queue runs at most
     * {@code drains x workers} jobs at once, cluster-wide.
     */
    public QueueOptions drains(int n) {
        queue.drains(n);
        return this;
    }

    /** Drains of the queue one node holds at most ({@code queue.NAME.drains-per-node}, 1 to drains, default {@value #DEFAULT_DRAINS_PER_NODE}). */
    public QueueOptions drainsPerNode(int n) {
        queue.drainsPerNode(n);
        return this;
    }

    /** The drains' Quartz cron expression ({@code queue.NAME.cron}, default {@value #DEFAULT_CRON}). */
    public QueueOptions cron(String expression) {
        queue.cron(expression);
        return this;
    }

    /** Most jobs claimed in one statement ({@code queue.NAME.batch-size}, 1 to 10,000, default {@value #DEFAULT_BATCH_SIZE}). */
    public QueueOptions batchSize(int n) {
        queue.batchSize(n);
        return this;
    }

    /**
     * How long one drain claims before it hands the queue over ({@code queue.NAME.budget}, at least
     * 1 s); null, the default: a drain lives until shutdown, a lost lease or a hand-over.
     */
    public QueueOptions budget(Duration budget) {
        queue.budget(budget);
        return this;
    }
}
