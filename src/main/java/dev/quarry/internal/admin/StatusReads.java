package dev.quarry.internal.admin;

import dev.quarry.internal.queue.Drains;
import dev.quarry.internal.queue.JobState;
import dev.quarry.internal.queue.Transactions;
import dev.quarry.internal.schema.SchemaCheck;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * The cluster's status as the operator sees it ({@code quarry status}, the dashboard's overview)
 * and one queue's counts (a node's gauges): nodes from Quartz's check-ins, every queue's counts,
 * recent throughput, oldest due job, drains and pause flag, all timed by the database's clock.
 * Reads only. Each read is a range of an index with a bound on what it reads
 * ({@link ReadLimits#countCap()}), never a pass over the table, however many finished jobs
 * retention keeps (README, "Scale"). The one name put into SQL text is Quartz's table prefix, from
 * config, checked against a strict pattern.
 */
public final class StatusReads {
    private static final Pattern TABLE_PREFIX = Pattern.compile("[A-Za-z0-9_]{1,64}");
    /** The database's clock, which every node shares: the status is timed by it, not by the reader's. */
    static final String NOW_SQL = "SELECT NOW(6)";
    /**
     * Every node Quartz lists as checked in, with how long ago by the database's clock; parameter:
     * Quartz's scheduler name. LAST_CHECKIN_TIME is epoch millis by the node's clock; the
     * database's clock is the one all nodes share. Formatted with Quartz's table prefix.
     */
    static final String NODES_SQL = "SELECT INSTANCE_NAME, LAST_CHECKIN_TIME, CHECKIN_INTERVAL,"
            + " CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED) - LAST_CHECKIN_TIME FROM %sSCHEDULER_STATE"
            + " WHERE SCHED_NAME = ? ORDER BY INSTANCE_NAME";

    /** Which (queue, status) pairs have rows: a loose index scan ("Using index for group-by"), one index dive per pair. */
    static final String QUEUE_STATES_SQL = "SELECT DISTINCT queue, status FROM quarry_jobs";
    /** Exact count of one queue's jobs in one state; for a live state a short range of either index. */
    static final String COUNT_SQL = "SELECT COUNT(*) FROM quarry_jobs WHERE queue = ? AND status = ?";
    /** Counts at most the last parameter's entries of one (queue, status) index range: a cap, not a pass over millions. */
    static final String COUNT_UP_TO_SQL = "SELECT COUNT(*) FROM (SELECT 1 FROM quarry_jobs WHERE queue = ? AND status = ? LIMIT ?) t";
    /** The ready range of the claim index, checked for run_at on the index entries. */
    static final String OLDEST_DUE_SQL = "SELECT TIMESTAMPDIFF(MICROSECOND, MIN(t), NOW(6)) DIV 1000 FROM ("
            + "SELECT MIN(run_at) AS t FROM quarry_jobs WHERE queue = ? AND status = 'ready' AND run_at <= NOW(6)"
            // a due job no drain has promoted yet is due all the same; quarry_jobs_due bounds its run_at
            + " UNION ALL SELECT MIN(run_at) FROM quarry_jobs WHERE scheduled_queue = ? AND run_at <= NOW(6)) due";
    /**
     * Jobs of one queue that reached one status in the last hour, newest first down the finished
     * index, at most the last parameter of them; the last minute's are the newest of those, so that
     * count is exact unless the minute alone passes the cap.
     */
    static final String RECENT_SQL = "SELECT COUNT(*), COALESCE(SUM(finished_at >= NOW(6) - INTERVAL 1 MINUTE), 0) FROM"
            + " (SELECT finished_at FROM quarry_jobs WHERE queue = ? AND status = ? AND finished_at >= NOW(6) - INTERVAL 1 HOUR"
            + " ORDER BY finished_at DESC LIMIT ?) t";

    /**
     * Every drain's lease row with its running jobs and whether a live node's config names it;
     * parameters: Quartz's scheduler name, its check-in grace in milliseconds.
     */
    static final String DRAINS_SQL = "SELECT l.queue, l.drain, l.holder, l.epoch, TIMESTAMPDIFF(MICROSECOND, NOW(6), l.expires_at) DIV 1000,"
            + " l.paused, (SELECT COUNT(*) FROM quarry_jobs j WHERE j.queue = l.queue AND j.status = 'running'"
            + "   AND COALESCE(j.drain, 1) = l.drain),"
            + " EXISTS (SELECT 1 FROM quarry_node_queues n JOIN %sSCHEDULER_STATE s ON s.SCHED_NAME = ? AND s.INSTANCE_NAME = n.node"
            + "   WHERE n.queue = l.queue AND n.drains >= l.drain"
            + "   AND s.LAST_CHECKIN_TIME + s.CHECKIN_INTERVAL + ? >= CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED))"
            + " FROM quarry_leases l ORDER BY l.queue, l.drain";

    private final Transactions tx;
    private final String schedulerName;
    private final String quartzTablePrefix;
    private final ReadLimits limits;

    /**
     * @param schedulerName     Quartz's SCHED_NAME ({@code org.quartz.scheduler.instanceName}, default quarry)
     * @param quartzTablePrefix {@code org.quartz.jobStore.tablePrefix}, default {@code QRTZ_}
     */
    public StatusReads(DataSource dataSource, String schedulerName, String quartzTablePrefix) {
        this(dataSource, schedulerName, quartzTablePrefix, ReadLimits.DEFAULT);
    }

    /** As {@link #StatusReads(DataSource, String, String)}, with other read limits (the dashboard, tests, the benchmark). */
    public StatusReads(DataSource dataSource, String schedulerName, String quartzTablePrefix, ReadLimits limits) {
        checkTablePrefix(quartzTablePrefix);
        this.tx = new Transactions(dataSource);
        this.schedulerName = schedulerName;
        this.quartzTablePrefix = quartzTablePrefix;
        this.limits = limits;
    }

    /** The one name put into SQL text: Quartz's table prefix, from config. */
    static void checkTablePrefix(String quartzTablePrefix) {
        if (quartzTablePrefix == null || !TABLE_PREFIX.matcher(quartzTablePrefix).matches()) {
            throw new IllegalArgumentException("org.quartz.jobStore.tablePrefix '" + quartzTablePrefix + "' must be letters, digits and _");
        }
    }

    /** Every (queue, status) pair that has rows. */
    static List<String[]> queueStates(Connection c) throws SQLException {
        List<String[]> out = new ArrayList<>();
        try (PreparedStatement sel = c.prepareStatement(QUEUE_STATES_SQL); ResultSet rs = sel.executeQuery()) {
            while (rs.next()) out.add(new String[] {rs.getString(1), rs.getString(2)});
        }
        return out;
    }

    /**
     * The cluster's nodes and every queue's counts, recent throughput, lease and pause flag, all
     * timed by the database's clock.
     *
     * @param configuredQueues the reading config's queues: listed first (even when empty) and not flagged
     */
    public ClusterStatus status(List<String> configuredQueues) {
        return tx.autoCommit("read the cluster's status", c -> {
            LocalDateTime now;
            try (PreparedStatement sel = c.prepareStatement(NOW_SQL); ResultSet rs = sel.executeQuery()) {
                rs.next();
                now = time(rs, 1);
            }
            List<NodeStatus> nodes = new ArrayList<>();
            try (PreparedStatement sel = c.prepareStatement(String.format(NODES_SQL, quartzTablePrefix))) {
                sel.setString(1, schedulerName);
                try (ResultSet rs = sel.executeQuery()) {
                    while (rs.next()) {
                        long interval = rs.getLong(3);
                        long age = rs.getLong(4);
                        nodes.add(new NodeStatus(rs.getString(1), rs.getLong(2), interval, age, age <= interval + NodeStatus.QUARTZ_GRACE_MILLIS));
                    }
                }
            }
            Map<String, QueueBuilder> queues = new LinkedHashMap<>();
            for (String q : configuredQueues) queues.put(q, new QueueBuilder(q, true));
            Set<String> others = new TreeSet<>();
            // Which queues have which states: a loose index scan, one dive per pair, not a pass over the rows.
            Map<String, Set<JobState>> present = new LinkedHashMap<>();
            for (String[] qs : queueStates(c)) {
                queue(queues, others, qs[0]);
                present.computeIfAbsent(qs[0], k -> EnumSet.noneOf(JobState.class)).add(JobState.fromSql(qs[1]));
            }
            int cap = limits.countCap();
            for (Map.Entry<String, Set<JobState>> e : present.entrySet()) {
                QueueBuilder q = queues.get(e.getKey());
                for (JobState st : e.getValue()) {
                    // Live states are what an operator acts on, and the claim index holds only them in these ranges:
                    // exact. Finished ones are what retention keeps by the million: counted up to the cap.
                    q.counts.put(st, st.finished() ? countUpTo(c, q.name, st, cap) : Count.exact(count(c, q.name, st)));
                }
                if (e.getValue().contains(JobState.READY) || e.getValue().contains(JobState.SCHEDULED)) {
                    try (PreparedStatement sel = c.prepareStatement(OLDEST_DUE_SQL)) {
                        sel.setString(1, q.name);
                        sel.setString(2, q.name);
                        try (ResultSet rs = sel.executeQuery()) {
                            if (rs.next()) q.oldestDue = rs.getObject(1, Long.class);
                        }
                    }
                }
                if (e.getValue().contains(JobState.DONE)) {
                    Count[] recent = recent(c, q.name, JobState.DONE, cap);
                    q.doneMinute = recent[0];
                    q.doneHour = recent[1];
                }
                if (e.getValue().contains(JobState.DEAD)) {
                    Count[] recent = recent(c, q.name, JobState.DEAD, cap);
                    q.deadMinute = recent[0];
                    q.deadHour = recent[1];
                }
            }
            // Each drain's lease row, whether a live node is configured to run it, and its running jobs
            // (an index range of quarry_jobs_finished as long as the queue's concurrency).
            try (PreparedStatement sel = c.prepareStatement(String.format(DRAINS_SQL, quartzTablePrefix))) {
                sel.setString(1, schedulerName);
                sel.setLong(2, NodeStatus.QUARTZ_GRACE_MILLIS);
                try (ResultSet rs = sel.executeQuery()) {
                    while (rs.next()) {
                        QueueBuilder q = queue(queues, others, rs.getString(1));
                        int drain = rs.getInt(2);
                        long remaining = rs.getLong(5);
                        boolean held = rs.getString(3) != null && remaining > 0;
                        q.drains.add(new DrainStatus(drain, Drains.name(q.name, drain), held ? rs.getString(3) : null,
                                rs.getLong(4), held ? remaining : null, rs.getLong(7), rs.getBoolean(8)));
                        if (drain == 1) q.paused = rs.getBoolean(6);
                    }
                }
            }
            for (String o : others) queues.put(o, queues.remove(o)); // configured first, then the rest by name
            return new ClusterStatus(now, schedulerName, List.copyOf(nodes), queues.values().stream().map(QueueBuilder::build).toList());
        });
    }

    /**
     * One queue's jobs by status, counted as {@link #status} counts them (live states exactly,
     * finished ones up to the count cap), and how long its oldest due job has waited: one index
     * range per status, for a node's gauges.
     */
    public QueueCounts queueCounts(String queue) {
        return tx.autoCommit("count the jobs of queue " + queue, c -> {
            Map<JobState, Count> counts = new EnumMap<>(JobState.class);
            for (JobState st : JobState.values()) {
                counts.put(st, st.finished() ? countUpTo(c, queue, st, limits.countCap()) : Count.exact(count(c, queue, st)));
            }
            Long oldest = null;
            try (PreparedStatement sel = c.prepareStatement(OLDEST_DUE_SQL)) {
                sel.setString(1, queue);
                sel.setString(2, queue);
                try (ResultSet rs = sel.executeQuery()) {
                    if (rs.next()) oldest = rs.getObject(1, Long.class);
                }
            }
            return new QueueCounts(queue, Collections.unmodifiableMap(counts), oldest);
        });
    }

    private static QueueBuilder queue(Map<String, QueueBuilder> queues, Set<String> others, String name) {
        return queues.computeIfAbsent(name, n -> {
            others.add(n);
            return new QueueBuilder(n, false);
        });
    }

    private static long count(Connection c, String queue, JobState status) throws SQLException {
        try (PreparedStatement sel = c.prepareStatement(COUNT_SQL)) {
            sel.setString(1, queue);
            sel.setString(2, status.sql());
            try (ResultSet rs = sel.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static Count countUpTo(Connection c, String queue, JobState status, int cap) throws SQLException {
        try (PreparedStatement sel = c.prepareStatement(COUNT_UP_TO_SQL)) {
            sel.setString(1, queue);
            sel.setString(2, status.sql());
            sel.setInt(3, cap + 1);
            try (ResultSet rs = sel.executeQuery()) {
                rs.next();
                return Count.upTo(rs.getLong(1), cap);
            }
        }
    }

    /** Jobs of the queue that reached {@code status} in the last minute and in the last hour, each up to the cap. */
    private static Count[] recent(Connection c, String queue, JobState status, int cap) throws SQLException {
        try (PreparedStatement sel = c.prepareStatement(RECENT_SQL)) {
            sel.setString(1, queue);
            sel.setString(2, status.sql());
            sel.setInt(3, cap + 1);
            try (ResultSet rs = sel.executeQuery()) {
                rs.next();
                return new Count[] {Count.upTo(rs.getLong(2), cap), Count.upTo(rs.getLong(1), cap)};
            }
        }
    }

    /** The Quarry schema version the database holds (0 when none is recorded). */
    public int schemaVersion() {
        return tx.autoCommit("read the schema version", SchemaCheck::version);
    }

    private static LocalDateTime time(ResultSet rs, int column) throws SQLException {
        return rs.getObject(column, LocalDateTime.class);
    }

    private static final class QueueBuilder {
        final String name;
        final boolean configured;
        final Map<JobState, Count> counts = new EnumMap<>(JobState.class);
        Long oldestDue;
        Count doneMinute = Count.ZERO, doneHour = Count.ZERO, deadMinute = Count.ZERO, deadHour = Count.ZERO;
        final List<DrainStatus> drains = new ArrayList<>();
        boolean paused;

        QueueBuilder(String name, boolean configured) {
            this.name = name;
            this.configured = configured;
            for (JobState s : JobState.values()) counts.put(s, Count.ZERO);
        }

        QueueStatus build() {
            return new QueueStatus(name, configured, Collections.unmodifiableMap(new EnumMap<>(counts)), oldestDue, doneMinute, doneHour, deadMinute, deadHour,
                    List.copyOf(drains), paused);
        }
    }
}
