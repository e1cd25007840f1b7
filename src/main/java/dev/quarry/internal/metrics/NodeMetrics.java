package dev.quarry.internal.metrics;

import dev.quarry.internal.config.MetricsConfig;
import java.util.Set;

/**
 * The node's metrics, as the engine reports them: one call per event, from one-line hooks in the
 * drain ({@code Drain}, {@code LeaseKeeper}, {@code Outcomes}), the queue's claim and
 * {@code Transactions}. {@link #NOOP} when {@code metrics.port} is not set, so the hooks cost
 * nothing then. A JVM runs one node ({@code bin/start}), so the hooks find the node's metrics
 * through {@link #get()} instead of each engine class being handed them.
 *
 * <p>Outcome labels: {@code done}, {@code retried} (failed, runs again later), {@code dead},
 * {@code given_back} (interrupted or not started, the attempt does not count), {@code cancelled}.
 */
public class NodeMetrics {
    /** Reports nothing: metrics are off. */
    public static final NodeMetrics NOOP = new NodeMetrics();

    private static volatile NodeMetrics current = NOOP;

    NodeMetrics() {
    }

    /** The node's metrics, {@link #NOOP} unless a node with metrics on is running in this JVM. */
    public static NodeMetrics get() {
        return current;
    }

    /**
     * Starts the node's {@code /metrics} endpoint when the config asks for one and makes it what
     * {@link #get()} returns; {@link #NOOP} otherwise.
     *
     * @param knownTypes the configured job types: others are counted as {@code other}, so a producer's typo cannot add label values
     * @param gauges     the database reads behind the per-queue gauges
     * @throws dev.quarry.QuarryException when the port cannot be opened
     */
    public static NodeMetrics start(MetricsConfig config, Set<String> knownTypes, QueueGauges gauges) {
        if (!config.enabled()) return NOOP;
        NodeMetrics m = PrometheusNodeMetrics.open(config, knownTypes, gauges);
        current = m;
        return m;
    }

    /** A job's run was recorded with this outcome (see the class comment), after running {@code nanos}. */
    public void jobFinished(String queue, String type, String outcome, long nanos) {
    }

    /** A claimed job starts {@code micros} after it became due (its insert, or its later run_at). */
    public void startDelay(String queue, long micros) {
    }

    /** A drain of the queue took the lease on this node. */
    public void drainStarted(String queue) {
    }

    /** That drain ended. */
    public void drainEnded(String queue) {
    }

    /** A drain of the queue lost its lease to a peer. */
    public void leaseLost(String queue) {
    }

    /** {@code n} completions were refused by fencing: the claim had been taken over. */
    public void fencingRefused(String queue, int n) {
    }

    /** {@code n} orphans (running under a lease taken over) were rescued by a drain's start. */
    public void orphansRescued(String queue, int n) {
    }

    /** A transaction was retried after a deadlock or lock-wait timeout. */
    public void dbRetry() {
    }

    /** Stops the endpoint; {@link #get()} is {@link #NOOP} again. */
    public void close() {
        if (current == this) current = NOOP;
    }
}
