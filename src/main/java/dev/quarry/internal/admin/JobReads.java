package dev.quarry.internal.admin;

import dev.quarry.internal.queue.JobState;
import dev.quarry.internal.queue.Transactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The operator's reads of single jobs ({@code quarry show}, {@code quarry wait}, the dashboard's job
 * page) and of pages of jobs ({@code quarry jobs}, the dashboard's listings). Every page reads a
 * bounded range of an index ({@link ReadLimits#scanLimit()}), never a pass over the table, however
 * many finished jobs retention keeps (README, "Scale"). Row data travels as bound parameters only.
 */
public final class JobReads {
    /** Characters of last_error a listing carries. */
    public static final int ERROR_START_CHARS = 200;

    private static final String JOB_COLUMNS = "id, queue, type, payload, priority, run_at, max_attempts, unique_key, status, attempts,"
            + " last_error, created_at, started_at, finished_at, claim_token, claimed_by, lease_epoch,"
            + " TIMESTAMPDIFF(MICROSECOND, NOW(6), run_at) DIV 1000, progress, progress_note, result";
    /** One job, every column: a primary-key lookup. */
    static final String JOB_SQL = "SELECT " + JOB_COLUMNS + " FROM quarry_jobs WHERE id = ?";

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

    private final Transactions tx;
    private final ReadLimits limits;

    public JobReads(DataSource dataSource) {
        this(dataSource, ReadLimits.DEFAULT);
    }

    /** As {@link #JobReads(DataSource)}, with other read limits (the dashboard, tests, the benchmark). */
    public JobReads(DataSource dataSource, ReadLimits limits) {
        this.tx = new Transactions(dataSource);
        this.limits = limits;
    }

    /** The job with this id, every column. */
    public Optional<JobRow> job(long id) {
        return tx.autoCommit("read job " + id, c -> job(c, id));
    }

    /** The job with this id, every column, on {@code c}: an operator's command reads back what it changed. */
    static Optional<JobRow> job(Connection c, long id) throws SQLException {
        try (PreparedStatement sel = c.prepareStatement(JOB_SQL)) {
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
            for (String[] qs : StatusReads.queueStates(c)) {
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

    private static LocalDateTime time(ResultSet rs, int column) throws SQLException {
        return rs.getObject(column, LocalDateTime.class);
    }
}
