package dev.quarry.internal.schedule;

import dev.quarry.internal.queue.Transactions;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The operator's view of the cluster's schedules and watch folders ({@code quarry schedules},
 * {@code quarry schedule run|pause|resume}): reads of Quarry's and Quartz's tables, and the pause
 * flag each fire checks.
 */
public final class ScheduleAdmin {
    private final Transactions tx;
    private final String schedulerName;
    private final String prefix;

    public ScheduleAdmin(DataSource dataSource, String schedulerName, String quartzTablePrefix) {
        this.tx = new Transactions(dataSource);
        this.schedulerName = schedulerName;
        this.prefix = quartzTablePrefix;
    }

    /**
     * One schedule or watch.
     *
     * @param kind          schedule or watch
     * @param spec          the cron with its zone and misfire rule, or the folder and interval
     * @param nextFire      Quartz's next fire time, or null (no trigger: being reconciled, or in error)
     * @param triggerState  Quartz's state of the trigger (WAITING, ACQUIRED, ERROR, ...), or null
     * @param lastFire      the scheduled time of the latest fire that enqueued a job (a watch: when it enqueued)
     * @param lastJobId     that job, or null
     * @param lastJobStatus its status now, or null when it was pruned
     */
    public record Entry(String kind, String name, String spec, String timeZone, String type, String queue, boolean paused, Instant nextFire,
                        String triggerState, Instant lastFire, Long lastJobId, String lastJobStatus) {
    }

    /**
     * The schedule config a live node started with.
     *
     * @param names the schedules and watches it configures ("schedule:NAME", "watch:NAME")
     */
    public record NodeConfig(String node, String fingerprint, List<String> names, Instant startedAt) {
    }

    public List<Entry> list() {
        return tx.inTransaction("list the schedules", c -> {
            List<Entry> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT s.kind, s.name, s.spec, s.time_zone, s.type, s.queue, s.paused,"
                    + " t.NEXT_FIRE_TIME, t.TRIGGER_STATE, s.last_fire_at, s.last_job_id, j.status FROM quarry_schedules s"
                    + " LEFT JOIN quarry_jobs j ON j.id = s.last_job_id"
                    + " LEFT JOIN " + prefix + "TRIGGERS t ON t.SCHED_NAME = ? AND t.TRIGGER_GROUP = CONCAT('quarry-', s.kind) AND t.TRIGGER_NAME = s.name"
                    + " ORDER BY s.kind, s.name")) {
                ps.setString(1, schedulerName);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long next = rs.getLong(8);
                        Instant nextFire = rs.wasNull() || next <= 0 ? null : Instant.ofEpochMilli(next);
                        Timestamp last = rs.getTimestamp(10);
                        long job = rs.getLong(11);
                        Long jobId = rs.wasNull() ? null : job;
                        out.add(new Entry(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                                rs.getBoolean(7), nextFire, rs.getString(9), last == null ? null : last.toInstant(), jobId, rs.getString(12)));
                    }
                }
            }
            return out;
        });
    }

    /** The live nodes' schedule configs, oldest start first: the last one's config is the cluster's. */
    public List<NodeConfig> nodeConfigs() {
        return tx.inTransaction("read the nodes' schedule configs", c -> {
            List<NodeConfig> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT n.node, n.fingerprint, n.names, n.started_at FROM quarry_schedule_nodes n"
                    + " JOIN " + prefix + "SCHEDULER_STATE st ON st.SCHED_NAME = ? AND st.INSTANCE_NAME = n.node ORDER BY n.started_at, n.node")) {
                ps.setString(1, schedulerName);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String names = rs.getString(3);
                        out.add(new NodeConfig(rs.getString(1), rs.getString(2), names.isEmpty() ? List.of() : List.of(names.split(",")),
                                rs.getTimestamp(4).toInstant()));
                    }
                }
            }
            return out;
        });
    }

    /** A line saying which nodes disagree and whose config the cluster runs, or empty when they agree. */
    public static Optional<String> disagreement(List<NodeConfig> nodes) {
        Set<String> prints = new LinkedHashSet<>();
        nodes.forEach(n -> prints.add(n.fingerprint()));
        if (prints.size() < 2) return Optional.empty();
        NodeConfig last = nodes.get(nodes.size() - 1);
        StringBuilder s = new StringBuilder("the nodes' schedule configs disagree (");
        for (int i = 0; i < nodes.size(); i++) {
            if (i > 0) s.append(", ");
            s.append(nodes.get(i).node()).append(' ').append(nodes.get(i).fingerprint());
        }
        return Optional.of(s.append("): the cluster runs those of ").append(last.node())
                .append(", the last to start; give every node the same schedule.* and watch.* keys").toString());
    }

    /** Sets a schedule's pause flag; false when there is no such schedule. A paused schedule's fires enqueue nothing. */
    public boolean setPaused(String name, boolean paused) {
        return tx.inTransaction((paused ? "pause" : "resume") + " schedule " + name, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE quarry_schedules SET paused = ? WHERE kind = 'schedule' AND name = ?")) {
                ps.setBoolean(1, paused);
                ps.setString(2, name);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM quarry_schedules WHERE kind = 'schedule' AND name = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    /** Enqueues one job of schedule {@code name} now; empty when there is no such schedule. */
    public Optional<FireEnqueuer.Result> runNow(String name) {
        return new FireEnqueuer(tx).runNow(name);
    }
}
