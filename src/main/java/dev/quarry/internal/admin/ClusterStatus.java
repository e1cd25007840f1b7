package dev.quarry.internal.admin;

import java.time.LocalDateTime;
import java.util.List;

/**
 * The cluster at one moment: Quartz's nodes and Quarry's queues.
 *
 * @param databaseTime the database's NOW(6), the clock all queue times use
 * @param scheduler    Quartz's SCHED_NAME (org.quartz.scheduler.instanceName)
 * @param queues       the configured queues in config order, then any other queue with rows or a lease row, by name
 */
public record ClusterStatus(LocalDateTime databaseTime, String scheduler, List<NodeStatus> nodes, List<QueueStatus> queues) {
}
