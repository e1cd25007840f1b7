package dev.quarry.internal.config;

import dev.quarry.handler.JobHandler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Everything a node needs to run, validated, then never changed: made only by
 * {@link NodeSettings#build()}, which the config files ({@link ConfigLoader}) and the Java builder
 * both fill. {@link #describe()} gives the effective settings with secrets masked.
 *
 * @param configDir       the folder the files came from ({@code QUARRY_CONFIG_DIR}, default {@code quartz})
 * @param database        the target of the node's own pool, or null when the application gave a data source
 * @param queues          the queues this node drains, in the order configured
 * @param handlers        the configured handlers by job type ({@code noop} is built in)
 * @param handlerObjects  the handler objects given to the Java builder, by job type (their handlers entry is of kind OBJECT)
 * @param maxAttempts     attempts for a job whose row leaves max_attempts NULL (retry.max-attempts, default 5)
 * @param backoffBase     first retry delay before jitter (retry.backoff.base, default 10s); doubles per attempt
 * @param backoffMax      longest retry delay (retry.backoff.max, default 1h)
 * @param leaseDuration   how long a queue lease lasts unless renewed (lease.duration, default 30s)
 * @param pollInterval    how often an idle drain looks for new jobs (drain.poll-interval, default 250ms)
 * @param shutdownGrace   how long running jobs may finish after SIGTERM (shutdown.grace, default 30s)
 * @param retention       how long finished rows stay, by status (retention.done 7d, retention.dead 30d, retention.cancelled 7d)
 * @param pruneInterval   how often a queue's finished rows are pruned (retention.prune-interval, default 10m)
 * @param payloadMaxBytes larger payloads are refused: the job goes dead (payload.max-bytes, default 1 MiB)
 * @param quartz          the Quartz properties, with the settings Quarry relies on applied
 * @param metrics         the Prometheus endpoint (metrics.port, off by default)
 * @param schedules       recurring jobs, watch folders and mail handlers' SMTP settings ({@code schedule.*}, {@code watch.*},
 *                        {@code handler.T.mail})
 * @param nodeName        this node's name in its Quartz instance id ({@code QUARRY_NODE_NAME}), or null
 */
public record QuarryConfig(
        String configDir,
        DatabaseConfig database,
        List<QueueConfig> queues,
        Map<String, HandlerConfig> handlers,
        Map<String, JobHandler> handlerObjects,
        int maxAttempts,
        Duration backoffBase,
        Duration backoffMax,
        Duration leaseDuration,
        Duration pollInterval,
        Duration shutdownGrace,
        Map<String, Duration> retention,
        Duration pruneInterval,
        int payloadMaxBytes,
        Properties quartz,
        MetricsConfig metrics,
        ScheduleConfig schedules,
        String nodeName) {

    public static final int DEFAULT_MAX_ATTEMPTS = dev.quarry.NodeBuilder.DEFAULT_MAX_ATTEMPTS;
    public static final Duration DEFAULT_BACKOFF_BASE = dev.quarry.NodeBuilder.DEFAULT_BACKOFF_BASE;
    public static final Duration DEFAULT_BACKOFF_MAX = dev.quarry.NodeBuilder.DEFAULT_BACKOFF_MAX;
    public static final Duration DEFAULT_LEASE_DURATION = dev.quarry.NodeBuilder.DEFAULT_LEASE_DURATION;
    public static final Duration DEFAULT_POLL_INTERVAL = dev.quarry.NodeBuilder.DEFAULT_POLL_INTERVAL;
    public static final Duration DEFAULT_SHUTDOWN_GRACE = dev.quarry.NodeBuilder.DEFAULT_SHUTDOWN_GRACE;
    public static final Duration DEFAULT_RETENTION_DONE = dev.quarry.NodeBuilder.DEFAULT_RETENTION_DONE;
    public static final Duration DEFAULT_RETENTION_DEAD = dev.quarry.NodeBuilder.DEFAULT_RETENTION_DEAD;
    public static final Duration DEFAULT_RETENTION_CANCELLED = dev.quarry.NodeBuilder.DEFAULT_RETENTION_CANCELLED;
    public static final Duration DEFAULT_PRUNE_INTERVAL = dev.quarry.NodeBuilder.DEFAULT_PRUNE_INTERVAL;
    public static final int DEFAULT_PAYLOAD_MAX_BYTES = dev.quarry.NodeBuilder.DEFAULT_PAYLOAD_MAX_BYTES;
    /** MEDIUMTEXT holds 16 MiB - 1 bytes; a larger limit could never be reached. */
    public static final int PAYLOAD_COLUMN_MAX_BYTES = 16 * 1024 * 1024 - 1;

    public QueueConfig queue(String name) {
        return queues.stream().filter(q -> q.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no queue " + name));
    }

    /** The effective configuration, one setting per line, secrets masked; logged once at start. */
    public String describe() {
        StringBuilder s = new StringBuilder();
        s.append("config dir: ").append(configDir).append('\n');
        s.append("database: ").append(database == null ? "the data source the application gave" : database).append('\n');
        for (QueueConfig q : queues) {
            s.append("queue ").append(q.name()).append(": workers=").append(q.workers()).append(", drains=").append(q.drains()).append(", drains-per-node=").append(q.drainsPerNode())
                    .append(", cron=").append(q.cron()).append(", batch-size=").append(q.batchSize())
                    .append(", budget=").append(q.budget().map(Durations::format).orElse("none")).append('\n');
        }
        handlers.values().forEach(h -> s.append("handler ").append(h.type()).append(": ").append(h.kind().key())
                .append(' ').append(h.target()).append(", timeout=").append(Durations.format(h.timeout())).append('\n'));
        s.append("retry: max-attempts=").append(maxAttempts).append(", backoff.base=").append(Durations.format(backoffBase))
                .append(", backoff.max=").append(Durations.format(backoffMax)).append('\n');
        s.append("lease.duration=").append(Durations.format(leaseDuration))
                .append(", drain.poll-interval=").append(Durations.format(pollInterval))
                .append(", shutdown.grace=").append(Durations.format(shutdownGrace)).append('\n');
        s.append("retention: ");
        retention.forEach((k, v) -> s.append(k).append('=').append(Durations.format(v)).append(' '));
        s.append("prune-interval=").append(Durations.format(pruneInterval)).append('\n');
        s.append("payload.max-bytes=").append(payloadMaxBytes).append('\n');
        s.append("metrics: ").append(metrics.enabled() ? metrics.bind() + ":" + metrics.port() : "off").append('\n');
        s.append(schedules.describe());
        quartz.stringPropertyNames().stream().sorted()
                .forEach(k -> s.append(k).append('=').append(k.toLowerCase().contains("password") ? "****" : quartz.getProperty(k)).append('\n'));
        return s.toString().stripTrailing();
    }
}
