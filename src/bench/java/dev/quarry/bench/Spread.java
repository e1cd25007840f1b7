package dev.quarry.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a cluster run's work was spread, read from the jobs table: per queue and per node the jobs
 * done and their database-time span, and which nodes drained each queue, drain by drain. The node
 * is {@code claimed_by}, the Quartz instance id of the node whose claim ran the job; a drain is a
 * lease epoch (one per take-over of a queue).
 *
 * @param drainers per queue, the nodes of its drains in lease-epoch order (a node twice in a row once)
 * @param drains   drains that ran jobs, over all queues
 * @param maxHandoverMs the longest pause of any queue between one drain's last completion and the next drain's first claim
 */
record Spread(Map<String, Group> byQueue, Map<String, Group> byNode, Map<String, List<String>> drainers, int drains,
              double maxHandoverMs) {
    /** @param micros from the group's first start to its last completion, database time */
    record Group(long done, long micros) {
    }

    static Spread read(Connection c) throws SQLException {
        Map<String, List<String>> drainers = new LinkedHashMap<>();
        double[] maxHandoverMs = new double[1];
        int drains = readDrains(c, drainers, maxHandoverMs);
        return new Spread(groups(c, "queue"), groups(c, "claimed_by"), drainers, drains, maxHandoverMs[0]);
    }

    private static Map<String, Group> groups(Connection c, String column) throws SQLException {
        Map<String, Group> groups = new LinkedHashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT " + column + ", SUM(status = 'done'), COALESCE(TIMESTAMPDIFF(MICROSECOND, MIN(started_at), MAX(finished_at)), 0)"
                        + " FROM quarry_jobs WHERE " + column + " IS NOT NULL GROUP BY " + column + " ORDER BY " + column)) {
            while (rs.next()) groups.put(rs.getString(1), new Group(rs.getLong(2), rs.getLong(3)));
        }
        return groups;
    }

    /** Fills {@code drainers} and {@code maxHandoverMs[0]}, and returns the number of drains. */
    private static int readDrains(Connection c, Map<String, List<String>> drainers, double[] maxHandoverMs) throws SQLException {
        int drains = 0;
        String prevQueue = null;
        LocalDateTime prevEnd = null;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT queue, lease_epoch, claimed_by, COUNT(*), TIMESTAMPDIFF(MICROSECOND, MIN(started_at), MAX(finished_at)),"
                        + " MIN(started_at), MAX(finished_at)"
                        + " FROM quarry_jobs WHERE lease_epoch IS NOT NULL GROUP BY queue, lease_epoch, claimed_by"
                        + " ORDER BY queue, lease_epoch, MIN(started_at)")) {
            while (rs.next()) {
                drains++;
                String queue = rs.getString(1);
                String node = rs.getString(3);
                double s = rs.getLong(5) / 1e6;
                // Per drain, to the log: which node took the queue, how much it ran and at what pace.
                System.err.printf("bench:   queue %s, lease epoch %d, node %s: %d jobs in %.1f s (%.0f jobs/s)%n", queue, rs.getLong(2),
                        node, rs.getLong(4), s, s > 0 ? rs.getLong(4) / s : Double.NaN);
                // A pause between drains of one queue is a hand-over: a long one means a fire was missed.
                LocalDateTime start = rs.getObject(6, LocalDateTime.class);
                if (queue.equals(prevQueue) && prevEnd != null && start != null) {
                    maxHandoverMs[0] = Math.max(maxHandoverMs[0], Duration.between(prevEnd, start).toNanos() / 1e6);
                }
                prevQueue = queue;
                prevEnd = rs.getObject(7, LocalDateTime.class);
                List<String> nodes = drainers.computeIfAbsent(queue, q -> new ArrayList<>());
                if (nodes.isEmpty() || !nodes.get(nodes.size() - 1).equals(node)) nodes.add(node);
            }
        }
        return drains;
    }
}
