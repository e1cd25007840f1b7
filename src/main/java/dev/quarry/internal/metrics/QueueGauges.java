package dev.quarry.internal.metrics;

import java.util.Map;
import java.util.Optional;

/** The database reads behind the per-queue gauges, supplied by the node (the metrics know no SQL). */
public interface QueueGauges {
    /**
     * The queue's jobs by status name ({@code ready}, {@code done}, ...), and its oldest due job's
     * wait; empty when another node reports the queue (of the nodes whose drains hold it, the one
     * whose name sorts first does).
     */
    Optional<Snapshot> read(String queue);

    /**
     * @param jobsByStatus     every status, finished ones counted up to the operator reads' cap
     * @param oldestDueMillis  how long the oldest due job has waited past its run_at; null when none is due
     */
    record Snapshot(Map<String, Long> jobsByStatus, Long oldestDueMillis) {
    }
}
