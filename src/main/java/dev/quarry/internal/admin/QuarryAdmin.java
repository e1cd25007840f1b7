package dev.quarry.internal.admin;

import dev.quarry.internal.queue.JobQueue;
import dev.quarry.internal.queue.JobState;
import dev.quarry.internal.queue.Transactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
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
 * state, and the few state changes an operator may make. Like {@link dev.quarry.internal.queue.JobQueue},
 * every change is one UPDATE guarded by the status it expects, with its row count checked, so a
 * job that a drain claimed a moment ago is never changed under it. Row data travels as bound
 * parameters only; the one name put into SQL text is Quartz's table prefix, from config, checked
 * against a strict pattern.
 *
 * <p>The reads stay fast however many finished jobs retention keeps (README, "Scale"): each one is a
 * range of an index with a bound on what it reads ({@link ReadLimits}), never a pass over the table.
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
            + " TIMESTAMPDIFF(MICROSECOND, NOW(6), run_at) DIV 1000, progress, progress_note, result";
    /** A dead or cancelled job starts afresh: due now, no attempts used, no claim. last_error stays as history. */
    private static final String BACK_TO_READY = "status = 'ready', attempts = 0, run_at = NOW(6), started_at = NULL, finished_at = NULL,"
            + " claim_token = NULL, claimed_by = NULL, lease_epoch = NULL, cancel_requested = 0";

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
            + " UNION ALL SELECT MIN(run_at) FROM quarry_jobs WHERE queue = ? AND status = 'scheduled' AND run_at <= NOW(6)) due";
    /**
     * Jobs of one queue that reached one status in the last hour, newest first down the finished
     * index, at most the last parameter of them; the last minute's are the newest of those, so that
     * count is exact unless the minute alone passes the cap.
     */
    static final String RECENT_SQL = "SELECT COUNT(*), COALESCE(SUM(finished_at >= NOW(6) - INTERVAL 1 MINUTE), 0) FROM"
            + " (SELECT finished_at FROM quarry_jobs WHERE queue = ? AND status = ? AND finished_at >= NOW(6) - INTERVAL 1 HOUR"
            + " ORDER BY finished_at DESC LIMIT ?) t";

    private static final String LIST_SQL = "SELECT id, queue, type, status, priority, attempts, max_attempts, run_at, created_at,"
            + " finished_at, LEFT(last_error, " + ERROR_START_CHARS + "), progress, progress_note FROM quarry_jobs";
    /** Both ends of the primary key: two index dives. */
    static final String ID_RANGE_SQL = "SELECT MIN(id), MAX(id) FROM quarry_jobs";
    /** Down the primary key inside an id window [second parameter, first parameter), filters checked on the rows. */
    static final String LIST_BY_ID_SQL = LIST_SQL + " FORCE INDEX (PRIMARY) WHERE id < ? AND id >= ?";
    private static final String AND_QUEUE = " AND queue = ?";
    private static final String AND_TYPE = " AND type = ?";
    private static final String BY_ID_ORDER = " ORDER BY id DESC LIMIT ?";
    /**
     * Keys of one (queue, status) range of the finished index, newest finish first, live jobs (no
     * finish time) last by id; with OFFSET, where a budget of entries ends, read from the index alone.
     */
    static final String KEYS_BY_FINISH_SQL = "SELECT id, finished_at FROM quarry_jobs FORCE INDEX (quarry_jobs_finished)"
            + " WHERE queue = ? AND status = ?";
    /** After a live job's key: the rest of the NULL finish times, lower ids. */
    private static final String AFTER_UNFINISHED = " AND finished_at IS NULL AND id < ?";
    /** After a finished job's key: earlier finish times, the same one with lower ids, then every live job. One index range. */
    private static final String AFTER_FINISHED = " AND (finished_at IS NULL OR finished_at < ? OR (finished_at = ? AND id < ?))";
    /** Up to and including a finished job's key: the rest of the window a budget allows. */
    private static final String UP_TO_FINISHED = " AND (finished_at > ? OR (finished_at = ? AND id >= ?))";
    /** Up to and including a live job's key. */
    private static final String UP_TO_UNFINISHED = " AND (finished_at IS NOT NULL OR id >= ?)";
    private static final String KEYS_BY_FINISH_ORDER = " ORDER BY finished_at DESC, id DESC LIMIT ?";
    /** Where a page that ended at a job goes on: that job's place in the finished index. */
    static final String CURSOR_SQL = "SELECT finished_at FROM quarry_jobs WHERE id = ?";
    /**
     * How far the operator's reads may go, so that they answer in well under a second however many
     * finished jobs retention keeps.
     *
     * @param countCap  finished jobs and recent throughput are counted up to this many per queue and status, then
     *                  shown as at least that many (default 100,000)
     * @param scanLimit {@link #jobs} reads at most about this many index entries or ids per call when a filter has no
     *                  index (default 100,000)
     */
    public record ReadLimits(int countCap, int scanLimit) {
        public static final ReadLimits DEFAULT = new ReadLimits(100_000, 100_000);

        public ReadLimits {
            if (countCap < 1 || scanLimit < 1) throw new IllegalArgumentException("read limits must be positive: " + countCap + ", " + scanLimit);
        }
    }

    private final Transactions tx;
    private final String schedulerName;
    private final String quartzTablePrefix;
    private final ReadLimits limits;

    /**
     * @param schedulerName     Quartz's SCHED_NAME ({@code org.quartz.scheduler.instanceName}, default quarry)
     * @param quartzTablePrefix {@code org.quartz.jobStore.tablePrefix}, default {@code QRTZ_}
     */
    public QuarryAdmin(DataSource dataSource, String schedulerName, String quartzTablePrefix) {
        this(dataSource, schedulerName, quartzTablePrefix, ReadLimits.DEFAULT);
    }

    /** As {@link #QuarryAdmin(DataSource, String, String)}, with other read limits (tests, the benchmark). */
    public QuarryAdmin(DataSource dataSource, String schedulerName, String quartzTablePrefix, ReadLimits limits) {
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
                        rs.getString(16), rs.getObject(17, Long.class), rs.getLong(18), rs.getObject(19, Integer.class),
                        rs.getString(20), rs.getString(21)));
            }
        }
    }

    /**
     * One page of jobs, newest first, each filter applied when not null. Every plan reads a bounded
     * number of index entries, however many finished jobs the table keeps:
     *
     * <ul>
     *   <li>with a {@code status}, through the {@code quarry_jobs_finished} index, (queue, status)
     *       range by range (every queue that has the status, unless {@code queue} names one), newest
     *       {@code finished_at} first and then highest id: live jobs have no finish time, so for them
     *       that is id order. Without a {@code type} it reads about {@code limit} entries per queue; a
     *       type is checked on the rows, with at most {@link ReadLimits#scanLimit()} entries read in all;</li>
     *   <li>without a status, down the primary key from {@code before}, through at most
     *       {@link ReadLimits#scanLimit()} ids, {@code queue} and {@code type} checked on the rows.</li>
     * </ul>
     *
     * When the scan limit ends a search before the page is full, the page says so and where to go on.
     *
     * @param before only jobs after this one in the listing's order (the {@code continueBefore} of the page
     *               before); with a status it must name an existing job
     * @param limit  at most this many (the CLI's default is 50)
     * @throws IllegalArgumentException when {@code before} names no job but must
     */
    public JobPage jobs(String queue, JobState status, String type, Long before, int limit) {
        if (limit < 1) throw new IllegalArgumentException("limit must be at least 1, not " + limit);
        return tx.autoCommit("list jobs", c -> status == null ? jobsById(c, queue, type, before, limit)
                : jobsByFinish(c, queue, status, type, before, limit));
    }

    private JobPage jobsById(Connection c, String queue, String type, Long before, int limit) throws SQLException {
        long lowest;
        long top;
        try (PreparedStatement sel = c.prepareStatement(ID_RANGE_SQL); ResultSet rs = sel.executeQuery()) {
            rs.next();
            if (rs.getObject(1) == null) return new JobPage(List.of(), null, false, 0);
            lowest = rs.getLong(1);
            top = rs.getLong(2) + 1;
        }
        if (before != null) top = Math.min(top, before);
        if (top <= lowest) return new JobPage(List.of(), null, false, 0);
        // The window bounds the rows examined by ids, so it holds whatever the filters: a rare type costs no more than a common one.
        long bottom = Math.max(lowest, top - limits.scanLimit());
        StringBuilder sql = new StringBuilder(LIST_BY_ID_SQL);
        if (queue != null) sql.append(AND_QUEUE);
        if (type != null) sql.append(AND_TYPE);
        sql.append(BY_ID_ORDER);
        List<JobSummary> out = new ArrayList<>();
        try (PreparedStatement sel = c.prepareStatement(sql.toString())) {
            int p = 1;
            sel.setLong(p++, top);
            sel.setLong(p++, bottom);
            if (queue != null) sel.setString(p++, queue);
            if (type != null) sel.setString(p++, type);
            sel.setInt(p, limit);
            try (ResultSet rs = sel.executeQuery()) {
                while (rs.next()) out.add(summary(rs));
            }
        }
        if (out.size() == limit) {
            long last = out.get(out.size() - 1).id();
            return new JobPage(out, last > lowest ? last : null, false, top - last);
        }
        return bottom > lowest ? new JobPage(out, bottom, true, top - bottom) : new JobPage(out, null, false, top - bottom);
    }

    private JobPage jobsByFinish(Connection c, String queue, JobState status, String type, Long before, int limit) throws SQLException {
        Key after = null;
        if (before != null) {
            try (PreparedStatement sel = c.prepareStatement(CURSOR_SQL)) {
                sel.setLong(1, before);
                try (ResultSet rs = sel.executeQuery()) {
                    if (!rs.next()) {
                        throw new IllegalArgumentException("there is no job " + before + " (pruned or purged since?): with a status,"
                                + " 'before' must name a job of the previous page; list again without it");
                    }
                    after = new Key(time(rs, 1), before);
                }
            }
        }
        List<String> queues = new ArrayList<>();
        if (queue != null) {
            queues.add(queue);
        } else {
            for (String[] qs : queueStates(c)) {
                if (qs[1].equals(status.sql())) queues.add(qs[0]);
            }
        }
        // The scan limit is shared: many queues each get a part, so the whole call stays bounded.
        int budget = Math.max(1, limits.scanLimit() / Math.max(1, queues.size()));
        List<Walk> walks = new ArrayList<>();
        for (String q : queues) walks.add(walk(c, q, status, type, after, limit, budget));

        // Of a walk the scan limit cut off, only what lies before its stop is known; the earliest stop bounds the page.
        Key bound = null;
        for (Walk w : walks) {
            if (w.cutOff && (bound == null || LISTING_ORDER.compare(w.stop, bound) < 0)) bound = w.stop;
        }
        List<Keyed> all = new ArrayList<>();
        long examined = 0;
        boolean more = false;
        for (Walk w : walks) {
            examined += w.examined;
            more |= !w.ended;
            for (Keyed k : w.found) {
                if (bound == null || LISTING_ORDER.compare(k.key, bound) <= 0) all.add(k);
            }
        }
        all.sort((a, b) -> LISTING_ORDER.compare(a.key, b.key));
        more |= all.size() > limit;
        List<JobSummary> out = all.stream().limit(limit).map(Keyed::job).toList();
        if (out.size() == limit) return new JobPage(out, more ? out.get(out.size() - 1).id() : null, false, examined);
        if (bound != null) return new JobPage(out, bound.id, true, examined);
        return new JobPage(out, null, false, examined);
    }

    /**
     * One (queue, status) range of the finished index from {@code after} on, in listing order.
     * Without a type the rows come straight off the index walk, {@code limit} of them. With a type,
     * first the index alone finds where {@code budget} entries end (a covering read), then the walk
     * reads rows up to there only, checking the type, and stops at {@code limit} matches.
     */
    private Walk walk(Connection c, String queue, JobState status, String type, Key after, int limit, int budget) throws SQLException {
        Walk w = new Walk();
        Key end = null;
        if (type != null) {
            try (PreparedStatement sel = c.prepareStatement(KEYS_BY_FINISH_SQL + after(after) + KEYS_BY_FINISH_ORDER + " OFFSET ?")) {
                int p = bindRange(sel, 1, queue, status, after);
                sel.setInt(p++, 1);
                sel.setInt(p, budget - 1);
                try (ResultSet rs = sel.executeQuery()) {
                    if (rs.next()) end = new Key(time(rs, 2), rs.getLong(1));
                }
            }
        }
        String sql = LIST_SQL + " FORCE INDEX (quarry_jobs_finished) WHERE queue = ? AND status = ?" + after(after)
                + (end == null ? "" : end.finishedAt == null ? UP_TO_UNFINISHED : UP_TO_FINISHED) + (type == null ? "" : AND_TYPE)
                + KEYS_BY_FINISH_ORDER;
        try (PreparedStatement sel = c.prepareStatement(sql)) {
            int p = bindRange(sel, 1, queue, status, after);
            if (end != null) {
                if (end.finishedAt != null) {
                    sel.setObject(p++, end.finishedAt);
                    sel.setObject(p++, end.finishedAt);
                }
                sel.setLong(p++, end.id);
            }
            if (type != null) sel.setString(p++, type);
            sel.setInt(p, limit);
            try (ResultSet rs = sel.executeQuery()) {
                while (rs.next()) {
                    JobSummary j = summary(rs);
                    w.found.add(new Keyed(new Key(j.finishedAt(), j.id()), j));
                }
            }
        }
        if (w.found.size() == limit) {
            Keyed last = w.found.get(w.found.size() - 1);
            w.stop = last.key;
            w.examined = type == null ? limit : budget; // at most
        } else if (end != null) {
            w.stop = end;
            w.cutOff = true;
            w.examined = budget;
        } else {
            w.ended = true;
            w.examined = type == null ? w.found.size() : budget;
        }
        return w;
    }

    private static String after(Key after) {
        return after == null ? "" : after.finishedAt == null ? AFTER_UNFINISHED : AFTER_FINISHED;
    }

    /** Binds queue, status and the keyset after {@code after}; returns the next parameter's index. */
    private static int bindRange(PreparedStatement sel, int p, String queue, JobState status, Key after) throws SQLException {
        sel.setString(p++, queue);
        sel.setString(p++, status.sql());
        if (after != null) {
            if (after.finishedAt != null) {
                sel.setObject(p++, after.finishedAt);
                sel.setObject(p++, after.finishedAt);
            }
            sel.setLong(p++, after.id);
        }
        return p;
    }

    private static JobSummary summary(ResultSet rs) throws SQLException {
        return new JobSummary(rs.getLong(1), rs.getString(2), rs.getString(3), JobState.fromSql(rs.getString(4)),
                rs.getInt(5), rs.getInt(6), rs.getObject(7, Integer.class), time(rs, 8), time(rs, 9), time(rs, 10),
                rs.getString(11), rs.getObject(12, Integer.class), rs.getString(13));
    }

    /** A place in the finished index's order: finish time (null for live jobs), then id. */
    private record Key(LocalDateTime finishedAt, long id) {
    }

    private record Keyed(Key key, JobSummary job) {
    }

    /** Newest finish time first, live jobs (no finish time) after every finished one, then highest id: a backward walk of the index. */
    private static final Comparator<Key> LISTING_ORDER = Comparator
            .comparing(Key::finishedAt, Comparator.nullsLast(Comparator.<LocalDateTime>reverseOrder()))
            .thenComparing(Comparator.comparingLong(Key::id).reversed());

    /** How far one (queue, status) walk got. */
    private static final class Walk {
        final List<Keyed> found = new ArrayList<>();
        long examined;
        /** The last key the walk covered; what follows it is unknown. */
        Key stop;
        /** The range has no more entries. */
        boolean ended;
        /** The budget ran out before the page was full. */
        boolean cutOff;
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
            for (String[] qs : queueStates(c)) out.add(qs[0]);
            return List.copyOf(out);
        });
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

    /**
     * Pauses or resumes a queue: a paused queue's drains claim nothing (running jobs finish). Works
     * for a queue that never ran: drain 1's lease row is created. Drain 1's row is the queue's: it
     * is locked first, then every drain's row is written, and a drain's row created later copies
     * its flag under the same lock ({@code LeaseStore}), so no drain of a paused queue claims.
     *
     * @return whether the queue was paused before
     */
    public boolean setPaused(String queue, boolean paused) {
        return tx.inTransaction((paused ? "pause" : "resume") + " queue " + queue, c -> {
            try (PreparedStatement ins = c.prepareStatement("INSERT IGNORE INTO quarry_leases (queue, drain) VALUES (?, 1)")) {
                ins.setString(1, queue);
                ins.executeUpdate();
            }
            boolean before = false;
            try (PreparedStatement sel = c.prepareStatement("SELECT paused FROM quarry_leases WHERE queue = ? AND drain = 1 FOR UPDATE")) {
                sel.setString(1, queue);
                try (ResultSet rs = sel.executeQuery()) {
                    if (rs.next()) before = rs.getBoolean(1);
                }
            }
            try (PreparedStatement upd = c.prepareStatement("UPDATE quarry_leases SET paused = ? WHERE queue = ?")) {
                upd.setBoolean(1, paused);
                upd.setString(2, queue);
                upd.executeUpdate();
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
                        q.drains.add(new DrainStatus(drain, dev.quarry.internal.queue.Drains.name(q.name, drain), held ? rs.getString(3) : null,
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
     * The live holder of the queue's lease that sorts first by name (of several, when the queue
     * has several drains), or empty when no drain holds it: one primary-key range of the lease table.
     * The node it names reports the queue's gauges, so a cluster reports each queue once.
     */
    public Optional<String> firstLiveHolder(String queue) {
        return tx.autoCommit("read the lease holders of queue " + queue, c -> {
            try (PreparedStatement sel = c.prepareStatement("SELECT MIN(holder) FROM quarry_leases WHERE queue = ? AND holder IS NOT NULL"
                    + " AND expires_at > NOW(6)")) {
                sel.setString(1, queue);
                try (ResultSet rs = sel.executeQuery()) {
                    return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.<String>empty();
                }
            }
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
