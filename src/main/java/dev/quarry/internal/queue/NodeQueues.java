package dev.quarry.internal.queue;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.Map;

/**
 * All SQL on {@code quarry_node_queues}: which queues each node serves, and with how many drains;
 * and the one statement Quarry writes to Quartz's {@code SCHEDULER_STATE}, a stopping node's
 * removal of its own check-in row ({@link #forgetCheckIn}), the other half of leaving the cluster. Quartz fires a queue's
 * drain on whichever node acquires its trigger, and nodes may list different {@code queues} (a
 * video queue only on the hosts with the encoder, a rolling change of the config), so a node must
 * be able to tell whether a live peer serves a queue it does not, and the balancer must hand a
 * queue only to a node that serves it. A node writes its rows at start and removes them when it
 * stops cleanly; rows of a node that died stay until the next start of any node, and count for
 * nothing meanwhile, since liveness comes from Quartz's check-ins.
 */
public final class NodeQueues {
    /**
     * A node's own check-in row, by scheduler name and instance; formatted with Quartz's table prefix.
     * Only the node itself deletes it, once Quartz has shut down and checks in no more.
     */
    static final String FORGET_CHECK_IN_SQL = "DELETE FROM %sSCHEDULER_STATE WHERE SCHED_NAME = ? AND INSTANCE_NAME = ?";

    private final Transactions tx;
    private final String schedulerName;
    private final String quartzTablePrefix;

    public NodeQueues(Transactions tx, String schedulerName, String quartzTablePrefix) {
        this.tx = tx;
        this.schedulerName = schedulerName;
        this.quartzTablePrefix = quartzTablePrefix;
    }

    /** Records the queues {@code node} serves, each with its drains, and forgets nodes Quartz no longer lists. */
    public void register(String node, Map<String, Integer> queues) {
        tx.inTransaction("record the queues of node " + node, c -> {
            try (PreparedStatement del = c.prepareStatement("DELETE FROM quarry_node_queues WHERE node = ? OR node NOT IN"
                    + " (SELECT INSTANCE_NAME FROM " + quartzTablePrefix + "SCHEDULER_STATE WHERE SCHED_NAME = ?)")) {
                del.setString(1, node);
                del.setString(2, schedulerName);
                del.executeUpdate();
            }
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO quarry_node_queues (node, queue, drains) VALUES (?, ?, ?)")) {
                for (Map.Entry<String, Integer> q : queues.entrySet()) {
                    ins.setString(1, node);
                    ins.setString(2, q.getKey());
                    ins.setInt(3, q.getValue());
                    ins.addBatch();
                }
                ins.executeBatch();
            }
            return null;
        });
    }

    /** Removes {@code node}'s rows: it stopped. */
    public void forget(String node) {
        tx.autoCommit("forget the queues of node " + node, c -> {
            try (PreparedStatement del = c.prepareStatement("DELETE FROM quarry_node_queues WHERE node = ?")) {
                del.setString(1, node);
                return del.executeUpdate();
            }
        });
    }

    /**
     * Removes {@code node}'s Quartz check-in row. Quartz leaves a stopped node's row behind until a
     * peer's failover check removes it; a node that stopped cleanly removes its own, so the
     * cluster's status lists only live nodes. Call only after this node's scheduler has shut down.
     */
    public void forgetCheckIn(String node) {
        tx.autoCommit("remove the check-in row of node " + node, c -> {
            try (PreparedStatement del = c.prepareStatement(String.format(FORGET_CHECK_IN_SQL, quartzTablePrefix))) {
                del.setString(1, schedulerName);
                del.setString(2, node);
                return del.executeUpdate();
            }
        });
    }

    /**
     * The queues each live node serves, each with the drains the node's config names. A node is
     * live while Quartz would not yet declare it dead (as in {@link LeaseStore#drainsByLiveNode}).
     */
    public Map<String, Map<String, Integer>> byLiveNode() {
        return tx.autoCommit("read which queues the cluster's nodes serve", c -> {
            try (PreparedStatement sel = c.prepareStatement("SELECT n.node, n.queue, n.drains FROM quarry_node_queues n JOIN " + quartzTablePrefix
                    + "SCHEDULER_STATE s ON s.SCHED_NAME = ? AND s.INSTANCE_NAME = n.node"
                    + " WHERE " + LeaseStore.LIVE_CHECKIN)) {
                sel.setString(1, schedulerName);
                LeaseStore.bindLive(sel, 2);
                Map<String, Map<String, Integer>> out = new HashMap<>();
                try (ResultSet rs = sel.executeQuery()) {
                    while (rs.next()) out.computeIfAbsent(rs.getString(1), k -> new HashMap<>()).put(rs.getString(2), rs.getInt(3));
                }
                return out;
            }
        });
    }

    /** Whether some live node other than {@code self} serves {@code queue} with at least {@code drain} drains. */
    public boolean servedByLivePeer(String queue, int drain, String self) {
        return byLiveNode().entrySet().stream().anyMatch(e -> !e.getKey().equals(self) && e.getValue().getOrDefault(queue, 0) >= drain);
    }
}
