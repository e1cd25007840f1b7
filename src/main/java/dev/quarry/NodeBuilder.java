package dev.quarry;

import dev.quarry.client.NewJob;
import dev.quarry.handler.JobHandler;
import dev.quarry.internal.config.NodeSettings;
import dev.quarry.internal.config.QuarryConfig;
import dev.quarry.internal.config.ScheduleDef;
import dev.quarry.internal.node.Node;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * The settings of a node embedded in an application, made by {@link Quarry#node(DataSource)}. Each
 * setting is a key of {@code quarry.properties}, named in its Javadoc, with the same default and
 * the same rule: {@code bin/start} reads its files into the same settings. A bad value throws
 * {@link QuarryException} at once, with one line naming the key; what only the whole can check
 * (the poll interval against the lease, the drains per node against the drains) is checked by
 * {@link #start()}, before anything starts. Not thread-safe; use it from one thread, then start it.
 */
public final class NodeBuilder {
    /** Attempts for a job whose row leaves max_attempts NULL ({@code retry.max-attempts}). */
    public static final int DEFAULT_MAX_ATTEMPTS = 5;
    /** First retry delay before jitter, doubling per attempt ({@code retry.backoff.base}). */
    public static final Duration DEFAULT_BACKOFF_BASE = Duration.ofSeconds(10);
    /** Longest retry delay ({@code retry.backoff.max}). */
    public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofHours(1);
    /** How long a drain's lease lasts unless renewed ({@code lease.duration}). */
    public static final Duration DEFAULT_LEASE_DURATION = Duration.ofSeconds(30);
    /** How often an idle drain looks for new jobs ({@code drain.poll-interval}). */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(250);
    /** How long running jobs may finish once the node is stopped ({@code shutdown.grace}). */
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(30);
    /** How long done rows stay ({@code retention.done}). */
    public static final Duration DEFAULT_RETENTION_DONE = Duration.ofDays(7);
    /** How long dead rows stay ({@code retention.dead}). */
    public static final Duration DEFAULT_RETENTION_DEAD = Duration.ofDays(30);
    /** How long cancelled rows stay ({@code retention.cancelled}). */
    public static final Duration DEFAULT_RETENTION_CANCELLED = Duration.ofDays(7);
    /** How often a queue's finished rows are pruned ({@code retention.prune-interval}). */
    public static final Duration DEFAULT_PRUNE_INTERVAL = Duration.ofMinutes(10);
    /** Larger payloads are refused, the job dead; longer results are cut ({@code payload.max-bytes}). */
    public static final int DEFAULT_PAYLOAD_MAX_BYTES = 1024 * 1024;
    /** The longest one run of a handler may take before it is interrupted and retried ({@code handler.TYPE.timeout}). */
    public static final Duration DEFAULT_HANDLER_TIMEOUT = Duration.ofMinutes(5);

    private final DataSource dataSource;
    private final NodeSettings settings = NodeSettings.inCode();

    NodeBuilder(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Drains {@code name} with the default options (the key {@code queues}); without any queue a node drains {@code default}. */
    public NodeBuilder queue(String name) {
        settings.queue(name);
        return this;
    }

    /** Drains {@code name}, with its options ({@code queue.NAME.*}): {@code .queue("video", q -> q.workers(4).drains(3))}. */
    public NodeBuilder queue(String name, Consumer<QueueOptions> options) {
        options.accept(new QueueOptions(settings.queue(name)));
        return this;
    }

    /**
     * Runs jobs of {@code type} with {@code handler}, shared by every worker thread of the node, so
     * it must be thread-safe; its runs may take up to {@link #DEFAULT_HANDLER_TIMEOUT}.
     */
    public NodeBuilder handler(String type, JobHandler handler) {
        return handler(type, handler, DEFAULT_HANDLER_TIMEOUT);
    }

    /** {@link #handler(String, JobHandler)} with the longest a run may take ({@code handler.TYPE.timeout}). */
    public NodeBuilder handler(String type, JobHandler handler, Duration timeout) {
        settings.handler(type, handler, timeout);
        return this;
    }

    /**
     * A recurring job ({@code schedule.NAME.*}): each fire of the Quartz {@code cron} (seconds
     * first: {@code "0 0 2 * * ?"} is 02:00 every day, UTC) enqueues one job like {@code job}, its
     * type, payload, queue, priority and max attempts; the payload's {@code ${fireTime}},
     * {@code ${fireTimeLocal}}, {@code ${date}} and {@code ${schedule}} are filled in at each fire.
     * Exactly one job per fire time across the cluster, whichever node fires it, however often.
     * The schedules of the last node to start are the cluster's.
     */
    public NodeBuilder schedule(String name, String cron, NewJob job) {
        return schedule(name, cron, job, o -> { });
    }

    /** {@link #schedule(String, String, NewJob)} with its time zone and misfire rule. */
    public NodeBuilder schedule(String name, String cron, NewJob job, Consumer<ScheduleOptions> options) {
        Objects.requireNonNull(job, "job");
        if (job.runAt() != null || job.delay() != null || job.uniqueKey() != null) {
            throw new IllegalArgumentException("schedule " + name + ": a scheduled job's time is its fire time, and its unique key the fire's;"
                    + " give the job no runAt, delay or uniqueKey");
        }
        ScheduleOptions o = new ScheduleOptions();
        options.accept(o);
        settings.schedule(name, cron, job.type(), job.payload(), job.queue(), job.priority(), job.maxAttempts(), o.timeZone,
                o.catchUpOnce ? ScheduleDef.Misfire.ONCE : ScheduleDef.Misfire.SKIP);
        return this;
    }

    /** {@code retry.max-attempts}: 1 to 1000, default {@value #DEFAULT_MAX_ATTEMPTS}. */
    public NodeBuilder maxAttempts(int attempts) {
        settings.maxAttempts(attempts);
        return this;
    }

    /** {@code retry.backoff.base} and {@code retry.backoff.max}: defaults {@link #DEFAULT_BACKOFF_BASE} and {@link #DEFAULT_BACKOFF_MAX}. */
    public NodeBuilder backoff(Duration base, Duration max) {
        settings.backoff(base, max);
        return this;
    }

    /** {@code lease.duration}: at least 2 s, default {@link #DEFAULT_LEASE_DURATION}; a drain's failover time. */
    public NodeBuilder leaseDuration(Duration lease) {
        settings.leaseDuration(lease);
        return this;
    }

    /** {@code drain.poll-interval}: at least 10 ms and at most a third of the lease, default {@link #DEFAULT_POLL_INTERVAL}. */
    public NodeBuilder pollInterval(Duration poll) {
        settings.pollInterval(poll);
        return this;
    }

    /** {@code shutdown.grace}: default {@link #DEFAULT_SHUTDOWN_GRACE}; what {@link QuarryNode#close()} gives running jobs. */
    public NodeBuilder shutdownGrace(Duration grace) {
        settings.shutdownGrace(grace);
        return this;
    }

    /** {@code retention.done}: default {@link #DEFAULT_RETENTION_DONE}. */
    public NodeBuilder retainDone(Duration d) {
        settings.retention("done", d);
        return this;
    }

    /** {@code retention.dead}: default {@link #DEFAULT_RETENTION_DEAD}. */
    public NodeBuilder retainDead(Duration d) {
        settings.retention("dead", d);
        return this;
    }

    /** {@code retention.cancelled}: default {@link #DEFAULT_RETENTION_CANCELLED}. */
    public NodeBuilder retainCancelled(Duration d) {
        settings.retention("cancelled", d);
        return this;
    }

    /** {@code retention.prune-interval}: at least 1 s, default {@link #DEFAULT_PRUNE_INTERVAL}. */
    public NodeBuilder pruneInterval(Duration d) {
        settings.pruneInterval(d);
        return this;
    }

    /** {@code payload.max-bytes}: 1 to 16 MiB - 1, default {@value #DEFAULT_PAYLOAD_MAX_BYTES}. */
    public NodeBuilder payloadMaxBytes(int bytes) {
        settings.payloadMaxBytes(bytes);
        return this;
    }

    /** Serves Prometheus metrics at {@code http://bind:port/metrics} ({@code metrics.port}, {@code metrics.bind}); off by default. */
    public NodeBuilder metrics(String bind, int port) {
        settings.metrics(port, bind);
        return this;
    }

    /** The node's name in its Quartz instance id ({@code QUARRY_NODE_NAME}); default {@code node}, after the host name. */
    public NodeBuilder nodeName(String name) {
        settings.nodeName(Objects.requireNonNull(name, "name"));
        return this;
    }

    /**
     * One of Quartz's own settings, as in {@code quartz.properties}: for instance
     * {@code org.quartz.scheduler.instanceName} (the cluster's name, default {@code quarry}) or
     * {@code org.quartz.jobStore.tablePrefix} (default {@code QRTZ_}). The settings Quarry's
     * guarantees rest on (a clustered JDBC job store, Quarry's thread pool) are refused otherwise.
     */
    public NodeBuilder quartzProperty(String key, String value) {
        settings.quartzProperty(key, value);
        return this;
    }

    /**
     * How many connections of the data source the node may hold at once: one per drain it can hold
     * and three more (Quartz, the progress writer, the pruner). Give the pool at least this many
     * beyond the application's own use.
     */
    public int connectionsNeeded() {
        return settings.build().queues().stream().mapToInt(q -> q.drainsPerNode()).sum() + 3;
    }

    /**
     * Checks the whole, the tables (schema version, Quartz's tables) and the handlers, then starts
     * the node: it joins the cluster and begins to drain.
     *
     * @throws QuarryException with one line saying why; nothing is left running
     */
    public QuarryNode start() {
        QuarryConfig config = settings.build();
        return new QuarryNode(Node.start(config, dataSource));
    }
}
