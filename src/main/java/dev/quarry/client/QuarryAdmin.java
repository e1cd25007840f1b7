package dev.quarry.client;

import dev.quarry.queue.JobState;
import dev.quarry.queue.Transactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * All the SQL of the operator's commands ({@code bin/quarry}): reading jobs and the cluster's
 * state, and the few state changes an operator may make. Like {@link dev.quarry.queue.JobQueue},
 * every change is one UPDATE guarded by the status it expects, with its row count checked, so a
 * job that a drain claimed a moment ago is never changed under it. Row data travels as bound
 * parameters only; the one name put into SQL text is Quartz's table prefix, from config, checked
 * against a strict pattern.
 */
public final class QuarryAdmin {
    /** Characters of last_error a listing carries. */
    public static final int ERROR_START_CHARS = 200;
    /** Rows deleted per statement by {@link #purge}: short locks, small undo logs. */
    public static final int PURGE_CHUNK = 5000;
    /** Dead jobs sent back to ready per transaction by {@link #retryDead}. */
    public static final int RETRY_CHUNK = 1000;

    private static final Pattern TABLE_PREFIX = Pattern.compile("[A-Za-z0-9_]{1,64}");
    private static final String JOB_COLUMNS = "id, queue, type, payload, priority, run_at, max_attempts, unique_key, status, attempts,"
            + " last_error, created_at, started_at, finished_at, claim_token, claimed_by, lease_epoch,"
            + " TIMESTAMPDIFF(MICROSECOND, NOW(6), run_at) DIV 1000";
    /** A dead or cancelled job starts afresh: due now, no attempts used, no claim. last_error stays as history. */
    private static final String BACK_TO_READY = "status = 'ready', attempts = 0, run_at = NOW(6), started_at = NULL, finished_at = NULL,"
            + " claim_token = NULL, claimed_by = NULL, lease_epoch = NULL, cancel_requested = 0";

    private final Transactions tx;
    private final String schedulerName;
    private final String quartzTablePrefix;

    /**
     * @param schedulerName     Quartz's SCHED_NAME ({@code org.quartz.scheduler.instanceName}, default quarry)
     * @param quartzTablePrefix {@code org.quartz.jobStore.tablePrefix}, default {@code QRTZ_}
     */
    public QuarryAdmin(DataSource dataSource, String schedulerName, String quartzTablePrefix) {
        if (quartzTablePrefix == null || !TABLE_PREFIX.matcher(quartzTablePrefix).matches()) {
            throw new IllegalArgumentException("org.quartz.jobStore.tablePrefix '" + quartzTablePrefix + "' must be letters, digits and _");
        }
        this.tx = new Transactions(dataSource);
        this.schedulerName = schedulerName;
        this.quartzTablePrefix = quartzTablePrefix;
    }

    /** The job with this id, every column. */
    public Optional<JobRow> job(long id) {
        return tx.autoCommit("read job " + id, c -> job(c, id));
    }

    private static Optional<JobRow> job(Connection c, long id) throws SQLException {
        try (PreparedStatement sel = c.prepareStatement("SELECT " + JOB_COLUMNS + " FROM quarry_jobs WHERE id = ?")) {
            sel.setLong(1, id);
            try (ResultSet rs = sel.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                return Optional.of(new JobRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5),
                        time(rs, 6), rs.getObject(7, Integer.class), rs.getString(8), JobState.fromSql(rs.getString(9)),
                        rs.getInt(10), rs.getString(11), time(rs, 12), time(rs, 13), time(rs, 14), rs.getObject(15, Long.class),
                        rs.getString(16), rs.getObject(17, Long.class), rs.getLong(18)));
            }
        }
    }

    /**
     * Jobs newest first (by id), each filter applied when not null.
     *
     * @param limit at most this many (the CLI's default is 50)
     */
    public List<JobSummary> jobs(String queue, JobState status, String type, int limit) {
        StringBuilder sql = new StringBuilder("SELECT id, queue, type, status, priority, attempts, max_attempts, run_at, created_at,"
                + " finished_at, LEFT(last_error, " + ERROR_START_CHARS + ") FROM quarry_jobs WHERE 1 = 1");
        List<Object> params = new ArrayList<>();
        if (queue != null) {
            sql.append(" AND queue = ?");
            params.add(queue);
        }
        if (status != null) {
            sql.append(" AND status = ?");
            params.add(status.sql());
        }
        if (type != null) {
            sql.append(" AND type = ?");
            params.add(type);
        }
        sql.append(" ORDER BY id DESC LIMIT ?");
        params.add(limit);
        return tx.autoCommit("list jobs", c -> {
            try (PreparedStatement sel = c.prepareStatement(sql.toString())) {
                for (int i = 0; i < params.size(); i++) sel.setObject(i + 1, params.get(i));
                List<JobSummary> out = new ArrayList<>();
                try (ResultSet rs = sel.executeQuery()) {
                    while (rs.next()) {
                        out.add(new JobSummary(rs.getLong(1), rs.getString(2), rs.getString(3), JobState.fromSql(rs.getString(4)),
                                rs.getInt(5), rs.getInt(6), rs.getObject(7, Integer.class), time(rs, 8), time(rs, 9), time(rs, 10),
                                rs.getString(11)));
                    }
                }
                return out;
            }
        });
    }

    /**
     * Sends a dead or cancelled job back to ready, due now, with its attempts reset to 0; last_error
     * stays. A job in any other status is left alone ({@link Change.Outcome#WRONG_STATUS}), and so is
     * one whose unique key another active job holds.
     */
    public Change retry(long id) {
        return tx.autoCommit("retry job " + id, c -> {
            int n;
            try (PreparedStatement upd = c.prepareStatement(
                    "UPDATE quarry_jobs SET " + BACK_TO_READY + " WHERE id = ? AND status IN ('dead', 'cancelled')")) {
                upd.setLong(1, id);
                n = upd.executeUpdate();
            } catch (SQLException e) {
                if (e.getErrorCode() != 1062) throw e;
                return new Change(Change.Outcome.UNIQUE_KEY_TAKEN, job(c, id).orElse(null), keyHolder(c, id));
            }
            return changed(c, id, n);
        });
    }

    /**
     * Sends every dead job (of {@code queue}, or of all queues when null) back to ready, as
     * {@link #retry} does one, {@value #RETRY_CHUNK} per transaction. A job whose unique key
     * another active job holds stays dead.
     */
    public RetriedDead retryDead(String queue) {
        String inQueue = queue == null ? "" : " AND queue = ?";
        int retried = 0;
        int kept = 0;
        long after = 0;
        while (true) {
            long from = after;
            long[] chunk = tx.inTransaction("retry dead jobs" + (queue == null ? "" : " of queue " + queue), c -> {
                List<Long> ids = new ArrayList<>();
                try (PreparedStatement sel = c.prepareStatement("SELECT id FROM quarry_jobs WHERE status = 'dead'" + inQueue
                        + " AND id > ? ORDER BY id LIMIT " + RETRY_CHUNK + " FOR UPDATE")) {
                    int p = 1;
                    if (queue != null) sel.setString(p++, queue);
                    sel.setLong(p, from);
                    try (ResultSet rs = sel.executeQuery()) {
                        while (rs.next()) ids.add(rs.getLong(1));
                    }
                }
                if (ids.isEmpty()) return null;
                String in = " id IN (" + String.join(",", Collections.nCopies(ids.size(), "?")) + ")";
                // IGNORE: a row that would duplicate an active unique key stays dead instead of failing the chunk.
                // Every value set is a constant, so a duplicate key is the only error IGNORE can meet here.
                try (PreparedStatement upd = c.prepareStatement("UPDATE IGNORE quarry_jobs SET " + BACK_TO_READY + " WHERE status = 'dead' AND" + in)) {
                    for (int i = 0; i < ids.size(); i++) upd.setLong(i + 1, ids.get(i));
                    upd.executeUpdate();
                }
                // Counted, not taken from the UPDATE: with the driver's default (found rows) its count includes the ignored rows.
                // The rows are locked by this transaction, so the count is exactly what it changed.
                try (PreparedStatement cnt = c.prepareStatement("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'ready' AND" + in)) {
                    for (int i = 0; i < ids.size(); i++) cnt.setLong(i + 1, ids.get(i));
                    try (ResultSet rs = cnt.executeQuery()) {
                        rs.next();
                        return new long[] {ids.get(ids.size() - 1), ids.size(), rs.getLong(1)};
                    }
                }
            });
            if (chunk == null) return new RetriedDead(retried, kept);
            after = chunk[0];
            retried += (int) chunk[2];
            kept += (int) (chunk[1] - chunk[2]);
        }
    }

    /**
     * Cancels a scheduled or ready job: it becomes cancelled, finished now, and never runs. A running
     * job gets a cancel request, which its node acts on. Finished jobs are refused.
     */
    public Change cancel(long id) {
        return tx.autoCommit("cancel job " + id, c -> {
            try (PreparedStatement upd = c.prepareStatement(
                    "UPDATE quarry_jobs SET status = 'cancelled', finished_at = NOW(6), claim_token = NULL WHERE id = ? AND status IN ('scheduled', 'ready')")) {
                upd.setLong(1, id);
                if (upd.executeUpdate() == 1) return changed(c, id, 1);
            }
            // A running job is stopped by its node, which looks for these requests about once a second.
            try (PreparedStatement upd = c.prepareStatement(
                    "UPDATE quarry_jobs SET cancel_requested = 1 WHERE id = ? AND status = 'running'")) {
                upd.setLong(1, id);
                if (upd.executeUpdate() == 1) {
                    return new Change(Change.Outcome.STOP_REQUESTED, job(c, id).orElse(null), null);
                }
            }
            return changed(c, id, 0);
        });
    }

    private static Change changed(Connection c, long id, int rows) throws SQLException {
        Optional<JobRow> now = job(c, id);
        if (rows == 1) return new Change(Change.Outcome.APPLIED, now.orElse(null), null);
        if (rows != 0) throw new SQLException("the UPDATE of job " + id + " changed " + rows + " rows");
        return now.map(j -> new Change(Change.Outcome.WRONG_STATUS, j, null)).orElseGet(() -> new Change(Change.Outcome.NOT_FOUND, null, null));
    }

    private static Long keyHolder(Connection c, long id) throws SQLException {
        try (PreparedStatement sel = c.prepareStatement("SELECT a.id FROM quarry_jobs a JOIN quarry_jobs j ON a.active_unique_key = j.unique_key"
                + " WHERE j.id = ? AND a.id <> j.id")) {
            sel.setLong(1, id);
            try (ResultSet rs = sel.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    /**
     * Deletes finished jobs whose finished_at is older than {@code olderThan}, by the database's
     * clock, {@value #PURGE_CHUNK} rows per statement. Scheduled, ready and running rows are never touched.
     *
     * @param statuses finished statuses only (done, dead, cancelled)
     * @param queue    one queue, or null for all
     * @return how many rows were deleted
     */
    public long purge(Duration olderThan, Set<JobState> statuses, String queue) {
        for (JobState s : statuses) {
            if (!s.finished()) throw new IllegalArgumentException("purge deletes finished jobs only, not " + s.sql() + " ones");
        }
        long micros = olderThan.toNanos() / 1000;
        List<String> queues = queue != null ? List.of(queue) : queues();
        long deleted = 0;
        for (String q : queues) {
            for (JobState s : statuses) {
                // Queue and status first, as the quarry_jobs_finished index has them: each chunk is a range read, not a scan.
                for (int n = PURGE_CHUNK; n == PURGE_CHUNK; ) {
                    n = tx.autoCommit("purge " + s.sql() + " jobs of queue " + q, c -> {
                        try (PreparedStatement del = c.prepareStatement("DELETE FROM quarry_jobs WHERE queue = ? AND status = ?"
                                + " AND finished_at < NOW(6) - INTERVAL ? MICROSECOND LIMIT " + PURGE_CHUNK)) {
                            del.setString(1, q);
                            del.setString(2, s.sql());
                            del.setLong(3, micros);
                            return del.executeUpdate();
                        }
                    });
                    deleted += n;
                }
            }
        }
        return deleted;
    }

    /** Every queue that has rows. */
    private List<String> queues() {
        return tx.autoCommit("list queues", c -> {
            List<String> out = new ArrayList<>();
            try (PreparedStatement sel = c.prepareStatement("SELECT DISTINCT queue FROM quarry_jobs ORDER BY queue");
                 ResultSet rs = sel.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
            return out;
        });
    }

    /**
     * Pauses or resumes a queue: a paused queue's drains claim nothing (running jobs finish). Works
     * for a queue that never ran: its lease row is created.
     *
     * @return whether the queue was paused before
     */
    public boolean setPaused(String queue, boolean paused) {
        return tx.inTransaction((paused ? "pause" : "resume") + " queue " + queue, c -> {
            boolean before = false;
            try (PreparedStatement sel = c.prepareStatement("SELECT paused FROM quarry_leases WHERE queue = ? FOR UPDATE")) {
                sel.setString(1, queue);
                try (ResultSet rs = sel.executeQuery()) {
                    if (rs.next()) before = rs.getBoolean(1);
                }
            }
            try (PreparedStatement ups = c.prepareStatement(
                    "INSERT INTO quarry_leases (queue, paused) VALUES (?, ?) ON DUPLICATE KEY UPDATE paused = VALUES(paused)")) {
                ups.setString(1, queue);
                ups.setBoolean(2, paused);
                if (ups.executeUpdate() < 1) throw new SQLException("no lease row of queue " + queue + " was written");
            }
            return before;
        });
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
            try (PreparedStatement sel = c.prepareStatement("SELECT NOW(6)"); ResultSet rs = sel.executeQuery()) {
                rs.next();
                now = time(rs, 1);
            }
            List<NodeStatus> nodes = new ArrayList<>();
            // LAST_CHECKIN_TIME is epoch millis by the node's clock; the database's clock is the one all nodes share.
            try (PreparedStatement sel = c.prepareStatement("SELECT INSTANCE_NAME, LAST_CHECKIN_TIME, CHECKIN_INTERVAL,"
                    + " CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED) - LAST_CHECKIN_TIME FROM " + quartzTablePrefix + "SCHEDULER_STATE"
                    + " WHERE SCHED_NAME = ? ORDER BY INSTANCE_NAME")) {
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
            try (PreparedStatement sel = c.prepareStatement("SELECT queue, status, COUNT(*) FROM quarry_jobs GROUP BY queue, status");
                 ResultSet rs = sel.executeQuery()) {
                while (rs.next()) {
                    queue(queues, others, rs.getString(1)).counts.put(JobState.fromSql(rs.getString(2)), rs.getLong(3));
                }
            }
            try (PreparedStatement sel = c.prepareStatement("SELECT queue, TIMESTAMPDIFF(MICROSECOND, MIN(run_at), NOW(6)) DIV 1000"
                    + " FROM quarry_jobs WHERE status IN ('ready', 'scheduled') AND run_at <= NOW(6) GROUP BY queue");
                 ResultSet rs = sel.executeQuery()) {
                while (rs.next()) queue(queues, others, rs.getString(1)).oldestDue = rs.getLong(2);
            }
            try (PreparedStatement sel = c.prepareStatement("SELECT queue,"
                    + " SUM(status = 'done' AND finished_at >= NOW(6) - INTERVAL 1 MINUTE), SUM(status = 'done'),"
                    + " SUM(status = 'dead' AND finished_at >= NOW(6) - INTERVAL 1 MINUTE), SUM(status = 'dead')"
                    + " FROM quarry_jobs WHERE status IN ('done', 'dead') AND finished_at >= NOW(6) - INTERVAL 1 HOUR GROUP BY queue");
                 ResultSet rs = sel.executeQuery()) {
                while (rs.next()) {
                    QueueBuilder q = queue(queues, others, rs.getString(1));
                    q.doneMinute = rs.getLong(2);
                    q.doneHour = rs.getLong(3);
                    q.deadMinute = rs.getLong(4);
                    q.deadHour = rs.getLong(5);
                }
            }
            try (PreparedStatement sel = c.prepareStatement("SELECT queue, holder, epoch, TIMESTAMPDIFF(MICROSECOND, NOW(6), expires_at) DIV 1000,"
                    + " paused FROM quarry_leases");
                 ResultSet rs = sel.executeQuery()) {
                while (rs.next()) {
                    QueueBuilder q = queue(queues, others, rs.getString(1));
                    long remaining = rs.getLong(4);
                    if (rs.getString(2) != null && remaining > 0) {
                        q.holder = rs.getString(2);
                        q.expiresIn = remaining;
                    }
                    q.epoch = rs.getLong(3);
                    q.paused = rs.getBoolean(5);
                }
            }
            for (String o : others) queues.put(o, queues.remove(o)); // configured first, then the rest by name
            return new ClusterStatus(now, schedulerName, List.copyOf(nodes), queues.values().stream().map(QueueBuilder::build).toList());
        });
    }

    private static QueueBuilder queue(Map<String, QueueBuilder> queues, Set<String> others, String name) {
        return queues.computeIfAbsent(name, n -> {
            others.add(n);
            return new QueueBuilder(n, false);
        });
    }

    /** The Quarry schema version the database holds (0 when none is recorded). */
    public int schemaVersion() {
        return tx.autoCommit("read the schema version", c -> {
            try (PreparedStatement sel = c.prepareStatement("SELECT COALESCE(MAX(version), 0) FROM quarry_schema_version");
                 ResultSet rs = sel.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        });
    }

    private static LocalDateTime time(ResultSet rs, int column) throws SQLException {
        return rs.getObject(column, LocalDateTime.class);
    }

    /** What {@link #retryDead} did. */
    public record RetriedDead(int retried, int keptForUniqueKey) {
    }

    private static final class QueueBuilder {
        final String name;
        final boolean configured;
        final Map<JobState, Long> counts = new EnumMap<>(JobState.class);
        Long oldestDue;
        long doneMinute, doneHour, deadMinute, deadHour;
        String holder;
        long epoch;
        Long expiresIn;
        boolean paused;

        QueueBuilder(String name, boolean configured) {
            this.name = name;
            this.configured = configured;
            for (JobState s : JobState.values()) counts.put(s, 0L);
        }

        QueueStatus build() {
            return new QueueStatus(name, configured, Collections.unmodifiableMap(new EnumMap<>(counts)), oldestDue, doneMinute, doneHour, deadMinute, deadHour,
                    holder, epoch, expiresIn, paused);
        }
    }
}
