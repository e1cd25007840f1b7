package dev.quarry.internal.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Everything a node needs to run, read once at start from {@code quarry.properties},
 * {@code quartz.properties} and the environment, validated, then never changed. Built by
 * {@link ConfigLoader}; {@link #describe()} gives the effective settings with secrets masked.
 *
 * @param configDir       the folder the files came from ({@code QUARRY_CONFIG_DIR}, default {@code quartz})
 * @param database        the pool's target
 * @param queues          the queues this node drains, in the order configured
 * @param handlers        the configured handlers by job type ({@code noop} is built in)
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
 */
public record QuarryConfig(
        String configDir,
        DatabaseConfig database,
        List<QueueConfig> queues,
        Map<String, HandlerConfig> handlers,
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
        ScheduleConfig schedules) {

    public static final int DEFAULT_MAX_ATTEMPTS = 5;
    public static final Duration DEFAULT_BACKOFF_BASE = Duration.ofSeconds(10);
    public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofHours(1);
    public static final Duration DEFAULT_LEASE_DURATION = Duration.ofSeconds(30);
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(250);
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(30);
    public static final Duration DEFAULT_RETENTION_DONE = Duration.ofDays(7);
    public static final Duration DEFAULT_RETENTION_DEAD = Duration.ofDays(30);
    public static final Duration DEFAULT_RETENTION_CANCELLED = Duration.ofDays(7);
    public static final Duration DEFAULT_PRUNE_INTERVAL = Duration.ofMinutes(10);
    public static final int DEFAULT_PAYLOAD_MAX_BYTES = 1024 * 1024;
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
        s.append("database: ").append(database).append('\n');
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
