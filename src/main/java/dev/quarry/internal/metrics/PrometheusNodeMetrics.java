package dev.quarry.internal.metrics;

import dev.quarry.QuarryException;
import dev.quarry.internal.config.MetricsConfig;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link NodeMetrics} in a registry of its own, served in the Prometheus text format on {@code metrics.port}. */
final class PrometheusNodeMetrics extends NodeMetrics {
    private static final Logger log = LoggerFactory.getLogger(PrometheusNodeMetrics.class);
    /** The gauges read from the database at most this often, however often Prometheus scrapes. */
    static final long GAUGE_REFRESH_NANOS = 5_000_000_000L;
    static final String OTHER_TYPE = "other";
    /** Job runs: from a millisecond to an hour. */
    private static final double[] RUN_BOUNDS = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600};
    /** Waits for a worker: from a millisecond to a day of backlog. */
    private static final double[] DELAY_BOUNDS = {0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 86400};

    private final Set<String> knownTypes;
    private final QueueGauges gauges;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter finished;
    private final Histogram runDuration;
    private final Histogram startDelay;
    private final Counter drains;
    private final Counter leasesLost;
    private final Counter refused;
    private final Counter rescued;
    private final Counter dbRetries;
    private final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
    private HTTPServer server;
    private long readAtNanos;
    private boolean read;
    private Map<String, QueueGauges.Snapshot> snapshot = Map.of();
    private long lastErrorLogNanos;

    private PrometheusNodeMetrics(Set<String> knownTypes, QueueGauges gauges) {
        this.knownTypes = Set.copyOf(knownTypes);
        this.gauges = gauges;
        finished = Counter.builder().name("quarry_jobs_finished_total")
                .help("Job runs recorded, by queue, job type (types outside the config count as 'other') and outcome")
                .labelNames("queue", "type", "outcome").register(registry);
        runDuration = Histogram.builder().name("quarry_job_run_duration_seconds").help("How long job runs took, by queue")
                .labelNames("queue").classicOnly().classicUpperBounds(RUN_BOUNDS).register(registry);
        startDelay = Histogram.builder().name("quarry_job_start_delay_seconds")
                .help("From a job's insert (or its later run_at) to its start, by queue")
                .labelNames("queue").classicOnly().classicUpperBounds(DELAY_BOUNDS).register(registry);
        drains = Counter.builder().name("quarry_drains_total").help("Drains that took a queue's lease on this node")
                .labelNames("queue").register(registry);
        GaugeWithCallback.builder().name("quarry_drains_running").help("Drains of the queue running on this node now")
                .labelNames("queue").callback(cb -> running.forEach((q, n) -> cb.call(n.get(), q))).register(registry);
        leasesLost = Counter.builder().name("quarry_leases_lost_total").help("Drains on this node that lost their lease to a peer")
                .labelNames("queue").register(registry);
        refused = Counter.builder().name("quarry_completions_refused_total")
                .help("Job outcomes refused by fencing because the claim had been taken over").labelNames("queue").register(registry);
        rescued = Counter.builder().name("quarry_orphans_rescued_total")
                .help("Jobs left running under a lost lease, rescued by a drain on this node").labelNames("queue").register(registry);
        dbRetries = Counter.builder().name("quarry_database_retries_total")
                .help("Transactions retried after a deadlock or lock-wait timeout").register(registry);
        GaugeWithCallback.builder().name("quarry_jobs")
                .help("Jobs by queue and status (finished ones counted up to 100,000), reported by a node draining the queue")
                .labelNames("queue", "status")
                .callback(cb -> snapshot().forEach((q, s) -> s.jobsByStatus().forEach((st, n) -> cb.call(n, q, st)))).register(registry);
        GaugeWithCallback.builder().name("quarry_oldest_due_job_age_seconds")
                .help("How long the queue's oldest due job has waited past its run_at (0 when none), reported by a node draining the queue")
                .labelNames("queue")
                .callback(cb -> snapshot().forEach((q, s) -> cb.call(s.oldestDueMillis() == null ? 0 : s.oldestDueMillis() / 1000.0, q)))
                .register(registry);
    }

    static PrometheusNodeMetrics open(MetricsConfig config, Set<String> knownTypes, QueueGauges gauges) {
        PrometheusNodeMetrics m = new PrometheusNodeMetrics(knownTypes, gauges);
        try {
            m.server = HTTPServer.builder().hostname(config.bind()).port(config.port()).registry(m.registry).buildAndStart();
        } catch (IOException | RuntimeException e) {
            throw new QuarryException("metrics.port=" + config.port() + ": cannot listen on " + config.bind() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        log.info("metrics: Prometheus text format on http://{}:{}/metrics", config.bind(), m.server.getPort());
        return m;
    }

    /**
     * Per queue that a drain on this node holds, and that this node reports (see {@link QueueGauges#read}):
     * so that in a cluster one node reports a queue, not each. Read again when older than {@link #GAUGE_REFRESH_NANOS}; between reads, the last one.
     */
    private synchronized Map<String, QueueGauges.Snapshot> snapshot() {
        long now = System.nanoTime();
        if (read && now - readAtNanos < GAUGE_REFRESH_NANOS) return snapshot;
        read = true;
        readAtNanos = now;
        Map<String, QueueGauges.Snapshot> next = new TreeMap<>();
        running.forEach((q, n) -> {
            if (n.get() <= 0) return;
            try {
                gauges.read(q).ifPresent(snap -> next.put(q, snap));
            } catch (RuntimeException e) {
                // A scrape must still answer: the queue's gauges are left out until the database answers again.
                if (now - lastErrorLogNanos > 60_000_000_000L) {
                    lastErrorLogNanos = now;
                    log.warn("metrics: cannot read the gauges of queue {}: {}", q, e.getMessage());
                }
            }
        });
        snapshot = next;
        return snapshot;
    }

    @Override
    public void jobFinished(String queue, String type, String outcome, long nanos) {
        finished.labelValues(queue, knownTypes.contains(type) ? type : OTHER_TYPE, outcome).inc();
        runDuration.labelValues(queue).observe(nanos / 1e9);
    }

    @Override
    public void startDelay(String queue, long micros) {
        startDelay.labelValues(queue).observe(Math.max(0, micros) / 1e6);
    }

    @Override
    public void drainStarted(String queue) {
        drains.labelValues(queue).inc();
        running.computeIfAbsent(queue, q -> new AtomicInteger()).incrementAndGet();
        synchronized (this) {
            read = false; // a queue this node now drains shows in the next scrape
        }
    }

    @Override
    public void drainEnded(String queue) {
        running.computeIfAbsent(queue, q -> new AtomicInteger()).decrementAndGet();
    }

    @Override
    public void leaseLost(String queue) {
        leasesLost.labelValues(queue).inc();
    }

    @Override
    public void fencingRefused(String queue, int n) {
        refused.labelValues(queue).inc(n);
    }

    @Override
    public void orphansRescued(String queue, int n) {
        if (n > 0) rescued.labelValues(queue).inc(n);
    }

    @Override
    public void dbRetry() {
        dbRetries.inc();
    }

    @Override
    public void close() {
        super.close();
        if (server != null) server.close();
    }
}
