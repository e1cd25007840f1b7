package dev.quarry.internal.admin;

import dev.quarry.internal.queue.JobQueue;
import dev.quarry.internal.queue.JobState;
import dev.quarry.internal.queue.LeaseStore;
import dev.quarry.internal.queue.Transactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * The state changes an operator may make ({@code quarry retry}, {@code cancel}, {@code pause},
 * {@code resume}, {@code purge}, and the dashboard's buttons). Like {@link JobQueue}, every change
 * of a job is one UPDATE guarded by the status it expects, with its row count checked, so a job
 * that a drain claimed a moment ago is never changed under it. The statements the engine shares
 * with these commands are the engine's own: purge deletes through {@link JobQueue#prune}, pause and
 * resume go through {@link LeaseStore#setPaused}, whose lock order the drains rely on. Row data
 * travels as bound parameters only.
 */
public final class AdminCommands {
    /** Rows deleted per statement by {@link #purge}: short locks, small undo logs. */
    public static final int PURGE_CHUNK = 5000;
    /** Dead jobs sent back to ready per transaction by {@link #retryDead}. */
    public static final int RETRY_CHUNK = 1000;

    /** A dead or cancelled job starts afresh: due now, no attempts used, no claim. last_error stays as history. */
    private static final String BACK_TO_READY = "status = 'ready', attempts = 0, run_at = NOW(6), started_at = NULL, finished_at = NULL,"
            + " claim_token = NULL, claimed_by = NULL, lease_epoch = NULL, cancel_requested = 0";
    /** Sends one dead or cancelled job back to ready; the guard on its status is what keeps a claimed job out. */
    static final String RETRY_SQL = "UPDATE quarry_jobs SET " + BACK_TO_READY + " WHERE id = ? AND status IN ('dead', 'cancelled')";
    /**
     * The next chunk of dead jobs by id, locked, so the chunk's UPDATE and count see the same rows.
     * Formatted with the queue's condition (empty for all queues); parameters: the queue when named,
     * the last id of the previous chunk.
     */
    static final String DEAD_CHUNK_SQL = "SELECT id FROM quarry_jobs WHERE status = 'dead'%s AND id > ? ORDER BY id LIMIT "
            + RETRY_CHUNK + " FOR UPDATE";
    /**
     * The chunk back to ready, followed by its ids' IN list. IGNORE: a row that would duplicate an active
     * unique key stays dead instead of failing the chunk.
     */
    static final String RETRY_DEAD_SQL = "UPDATE IGNORE quarry_jobs SET " + BACK_TO_READY + " WHERE status = 'dead' AND";
    /** How many of the chunk are ready now, followed by its ids' IN list: the count the UPDATE IGNORE cannot give. */
    static final String COUNT_READY_SQL = "SELECT COUNT(*) FROM quarry_jobs WHERE status = 'ready' AND";
    /** A job not yet claimed is cancelled outright: it never runs. */
    static final String CANCEL_SQL = "UPDATE quarry_jobs SET status = 'cancelled', finished_at = NOW(6), claim_token = NULL"
            + " WHERE id = ? AND status IN ('scheduled', 'ready')";
    /** A running job only gets a request: its node stops it, about once a second, and records the outcome. */
    static final String REQUEST_CANCEL_SQL = "UPDATE quarry_jobs SET cancel_requested = 1 WHERE id = ? AND status = 'running'";
    /** The active job holding the unique key a retry would take again: through the active_unique_key index. */
    static final String KEY_HOLDER_SQL = "SELECT a.id FROM quarry_jobs a JOIN quarry_jobs j ON a.active_unique_key = j.unique_key"
            + " WHERE j.id = ? AND a.id <> j.id";

    private final Transactions tx;
    private final LeaseStore leases;

    /**
     * @param schedulerName     Quartz's SCHED_NAME ({@code org.quartz.scheduler.instanceName}, default quarry)
     * @param quartzTablePrefix {@code org.quartz.jobStore.tablePrefix}, default {@code QRTZ_}
     */
    public AdminCommands(DataSource dataSource, String schedulerName, String quartzTablePrefix) {
        StatusReads.checkTablePrefix(quartzTablePrefix);
        this.tx = new Transactions(dataSource);
        this.leases = new LeaseStore(tx, schedulerName, quartzTablePrefix);
    }

    /**
     * Sends a dead or cancelled job back to ready, due now, with its attempts reset to 0; last_error
     * stays. A job in any other status is left alone ({@link Change.Outcome#WRONG_STATUS}), and so is
     * one whose unique key another active job holds.
     */
    public Change retry(long id) {
        return tx.autoCommit("retry job " + id, c -> {
            int n;
            try (PreparedStatement upd = c.prepareStatement(RETRY_SQL)) {
                upd.setLong(1, id);
                n = upd.executeUpdate();
            } catch (SQLException e) {
                if (e.getErrorCode() != 1062) throw e;
                return new Change(Change.Outcome.UNIQUE_KEY_TAKEN, JobReads.job(c, id).orElse(null), keyHolder(c, id));
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
                try (PreparedStatement sel = c.prepareStatement(String.format(DEAD_CHUNK_SQL, inQueue))) {
                    int p = 1;
                    if (queue != null) sel.setString(p++, queue);
                    sel.setLong(p, from);
                    try (ResultSet rs = sel.executeQuery()) {
                        while (rs.next()) ids.add(rs.getLong(1));
                    }
                }
                if (ids.isEmpty()) return null;
                String in = " id IN (" + String.join(",", Collections.nCopies(ids.size(), "?")) + ")";
                // Every value set is a constant, so a duplicate key is the only error IGNORE can meet here.
                try (PreparedStatement upd = c.prepareStatement(RETRY_DEAD_SQL + in)) {
                    for (int i = 0; i < ids.size(); i++) upd.setLong(i + 1, ids.get(i));
                    upd.executeUpdate();
                }
                // Counted, not taken from the UPDATE: with the driver's default (found rows) its count includes the ignored rows.
                // The rows are locked by this transaction, so the count is exactly what it changed.
                try (PreparedStatement cnt = c.prepareStatement(COUNT_READY_SQL + in)) {
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
            try (PreparedStatement upd = c.prepareStatement(CANCEL_SQL)) {
                upd.setLong(1, id);
                if (upd.executeUpdate() == 1) return changed(c, id, 1);
            }
            // A running job is stopped by its node, which looks for these requests about once a second.
            try (PreparedStatement upd = c.prepareStatement(REQUEST_CANCEL_SQL)) {
                upd.setLong(1, id);
                if (upd.executeUpdate() == 1) {
                    return new Change(Change.Outcome.STOP_REQUESTED, JobReads.job(c, id).orElse(null), null);
                }
            }
            return changed(c, id, 0);
        });
    }

    private static Change changed(Connection c, long id, int rows) throws SQLException {
        Optional<JobRow> now = JobReads.job(c, id);
        if (rows == 1) return new Change(Change.Outcome.APPLIED, now.orElse(null), null);
        if (rows != 0) throw new SQLException("the UPDATE of job " + id + " changed " + rows + " rows");
        return now.map(j -> new Change(Change.Outcome.WRONG_STATUS, j, null)).orElseGet(() -> new Change(Change.Outcome.NOT_FOUND, null, null));
    }

    private static Long keyHolder(Connection c, long id) throws SQLException {
        try (PreparedStatement sel = c.prepareStatement(KEY_HOLDER_SQL)) {
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
        List<String> queues = queue != null ? List.of(queue) : queues();
        JobQueue jobs = new JobQueue(tx);
        long deleted = 0;
        for (String q : queues) {
            for (JobState s : statuses) {
                for (int n = PURGE_CHUNK; n == PURGE_CHUNK; ) {
                    n = jobs.prune(q, s, olderThan, PURGE_CHUNK);
                    deleted += n;
                }
            }
        }
        return deleted;
    }

    /** Every queue that has rows, by name. */
    private List<String> queues() {
        return tx.autoCommit("list queues", c -> {
            Set<String> out = new TreeSet<>();
            for (String[] qs : StatusReads.queueStates(c)) out.add(qs[0]);
            return List.copyOf(out);
        });
    }

    /**
     * Pauses or resumes a queue: a paused queue's drains claim nothing (running jobs finish). Works
     * for a queue that never ran: drain 1's lease row is created. See {@link LeaseStore#setPaused}.
     *
     * @return whether the queue was paused before
     */
    public boolean setPaused(String queue, boolean paused) {
        return leases.setPaused(queue, paused);
    }

    /** What {@link #retryDead} did. */
    public record RetriedDead(int retried, int keptForUniqueKey) {
    }
}
