package dev.quarry.client;

import dev.quarry.QuarryException;
import dev.quarry.internal.Text;
import dev.quarry.internal.queue.Transactions;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The producer's side of Quarry: puts jobs into {@code quarry_jobs}. Needs only INSERT on the
 * producer's columns and SELECT on that table (the producer account of sql/grants.sql). Due times
 * are the database's ({@code NOW(6)}), never this machine's clock; row data travels as bound
 * parameters only. A job with a delay or a future time is inserted {@code scheduled} (the status
 * column's default, an expression of run_at, decides in the same statement), so it waits outside
 * the claim's index range until a node promotes it.
 *
 * <pre>{@code
 * QuarryClient client = new QuarryClient(dataSource);
 * long id = client.enqueue(NewJob.of("resize-video", "{\"file\":\"a.mp4\"}"));
 * long[] ids = client.enqueueAll(jobs);   // one transaction, up to 1000 rows per INSERT
 * }</pre>
 *
 * <p>An account that may also insert {@code id} (the node account) gets each batch's ids from one
 * multi-row {@code INSERT ... RETURNING}; the producer account, which may not, inserts a batch row by
 * row in its one transaction: slower, with ids just as exact.
 *
 * <p>Thread-safe: besides the data source it holds only which of those two paths its account takes.
 */
public final class QuarryClient {
    /** The id {@link #enqueueAllIfAbsent} gives a job it skipped; real ids start at 1. */
    public static final long SKIPPED = 0;
    /** Rows per INSERT statement in the batch path. */
    public static final int BATCH_ROWS = 1000;
    /** A statement is also cut once its payloads reach this many characters, well inside MariaDB's default 16 MiB max_allowed_packet. */
    static final long BATCH_PAYLOAD_CHARS = 4L * 1024 * 1024;

    private static final String COLUMNS = "INTO quarry_jobs (queue, type, payload, priority, run_at, max_attempts, unique_key) VALUES ";
    // Database time: FROM_UNIXTIME converts an instant to the session's time zone, as NOW(6) is.
    private static final String ROW = "(?, ?, ?, ?, IFNULL(FROM_UNIXTIME(?), NOW(6) + INTERVAL ? MICROSECOND), ?, ?)";
    private static final int PARAMS_PER_ROW = 8;
    /** MariaDB 10.5+ returns the inserted rows, in insert order: exact ids whatever the auto-increment settings. */
    private static final String RETURNING = " RETURNING id, unique_key";

    /** MariaDB's error when an account lacks a column's privilege (ER_COLUMNACCESS_DENIED_ERROR). */
    private static final int COLUMN_ACCESS_DENIED = 1143;

    private final Transactions tx;
    /**
     * Set once this data source's account was refused {@code RETURNING id}. MariaDB asks for the
     * INSERT privilege on every column that RETURNING names, and the producer account of
     * sql/grants.sql has none on {@code id} on purpose: an account that may set the id can insert
     * the largest one, and every later INSERT fails to get an auto-increment value. Such an account
     * enqueues row by row instead, each id read from the driver's generated key.
     */
    private volatile boolean returningRefused;

    public QuarryClient(DataSource dataSource) {
        this.tx = new Transactions(dataSource);
    }

    /**
     * Enqueues one job.
     *
     * @return its id
     * @throws DuplicateJobException when its unique key is held by a scheduled, ready or running job
     */
    public long enqueue(NewJob job) {
        return insert(List.of(job), false)[0];
    }

    /** Enqueues one job unless its unique key is held by a scheduled, ready or running job: then returns empty. */
    public OptionalLong enqueueIfAbsent(NewJob job) {
        long id = insert(List.of(job), true)[0];
        return id == SKIPPED ? OptionalLong.empty() : OptionalLong.of(id);
    }

    /**
     * Enqueues many jobs in one transaction, in multi-row INSERTs of up to {@value #BATCH_ROWS}
     * rows: all are enqueued or none.
     *
     * @return their ids, in the order of {@code jobs}
     * @throws DuplicateJobException when a unique key is held by a scheduled, ready or running job, or appears
     *                               twice in {@code jobs}; nothing is enqueued then
     */
    public long[] enqueueAll(List<NewJob> jobs) {
        return insert(jobs, false);
    }

    /**
     * Like {@link #enqueueAll}, but a job whose unique key is held (by a scheduled, ready or running job, or
     * by an earlier job of the same list) is skipped.
     *
     * @return the ids in the order of {@code jobs}, {@link #SKIPPED} for each skipped job
     */
    public long[] enqueueAllIfAbsent(List<NewJob> jobs) {
        return insert(jobs, true);
    }

    /**
     * Enqueues one job inside the caller's transaction, on {@code connection}: the job exists for
     * the nodes once the caller commits, and never if the caller rolls back. Nothing here commits,
     * rolls back or changes the connection's auto-commit; a deadlock is the caller's to retry, as
     * for any statement of its transaction. The connection's account needs the producer's grants
     * (sql/grants.sql).
     *
     * <pre>{@code
     * try (Connection c = dataSource.getConnection()) {
     *     c.setAutoCommit(false);
     *     long orderId = insertOrder(c, order);                       // the application's own row
     *     client.enqueue(c, NewJob.of("send-receipt", "{\"order\":" + orderId + "}"));
     *     c.commit();                                                 // both, or neither
     * }
     * }</pre>
     *
     * @return its id
     * @throws DuplicateJobException when its unique key is held by a scheduled, ready or running job
     * @throws QuarryException when a statement fails; the caller's transaction should then be rolled back
     */
    public long enqueue(Connection connection, NewJob job) {
        return enqueueAll(connection, List.of(job))[0];
    }

    /** {@link #enqueueAll(List)} inside the caller's transaction, as {@link #enqueue(Connection, NewJob)} does. */
    public long[] enqueueAll(Connection connection, List<NewJob> jobs) {
        java.util.Objects.requireNonNull(connection, "connection");
        if (jobs.isEmpty()) return new long[0];
        for (NewJob j : jobs) java.util.Objects.requireNonNull(j, "jobs must not contain null");
        try {
            return insertOn(connection, jobs, false);
        } catch (SQLException e) {
            throw new QuarryException("enqueue " + jobs.size() + (jobs.size() == 1 ? " job" : " jobs") + " in the caller's transaction failed: "
                    + Transactions.describe(e), e);
        }
    }

    private long[] insert(List<NewJob> jobs, boolean skipDuplicates) {
        int n = jobs.size();
        if (n == 0) return new long[0];
        for (NewJob j : jobs) Objects.requireNonNull(j, "jobs must not contain null");
        String what = n == 1
                ? "enqueue a '" + jobs.get(0).type() + "' job into queue " + jobs.get(0).queue()
                : "enqueue " + n + " jobs";
        return tx.inTransaction(what, c -> insertOn(c, jobs, skipDuplicates));
    }

    /** The INSERTs of {@code jobs} on {@code c}, in the caller's transaction: no commit, no rollback. */
    private long[] insertOn(Connection c, List<NewJob> jobs, boolean skipDuplicates) throws SQLException {
        int n = jobs.size();
        long[] ids = new long[n];
        for (int from = 0; from < n; ) {
            int to = chunkEnd(jobs, from);
            if (returningRefused) {
                insertRowByRow(c, jobs, from, to, ids, skipDuplicates);
            } else {
                try {
                    insertChunk(c, jobs, from, to, ids, skipDuplicates);
                } catch (SQLException e) {
                    if (e.getErrorCode() != COLUMN_ACCESS_DENIED) throw e;
                    // The refused statement inserted nothing, and every earlier chunk would have
                    // been refused the same way: this is the first. A missing grant on a producer
                    // column fails again below, with the server's message naming the column.
                    returningRefused = true;
                    insertRowByRow(c, jobs, from, to, ids, skipDuplicates);
                }
            }
            from = to;
        }
        return ids;
    }

    /** Where the statement that starts at {@code from} ends: at most BATCH_ROWS rows and about BATCH_PAYLOAD_CHARS of payload. */
    private static int chunkEnd(List<NewJob> jobs, int from) {
        int to = from;
        long chars = 0;
        while (to < jobs.size() && to - from < BATCH_ROWS && (to == from || chars < BATCH_PAYLOAD_CHARS)) {
            chars += jobs.get(to).payload().length();
            to++;
        }
        return to;
    }

    private static void insertChunk(Connection c, List<NewJob> jobs, int from, int to, long[] ids, boolean skipDuplicates)
            throws SQLException {
        int rows = to - from;
        StringBuilder sql = new StringBuilder(COLUMNS.length() + rows * (ROW.length() + 1) + 40);
        // IGNORE would also turn a too-long value or a failed CHECK into a warning and a mangled or skipped row;
        // NewJob refuses every such value before it gets here, so a taken unique key is all IGNORE can skip.
        sql.append(skipDuplicates ? "INSERT IGNORE " : "INSERT ").append(COLUMNS);
        for (int i = 0; i < rows; i++) {
            if (i > 0) sql.append(',');
            sql.append(ROW);
        }
        sql.append(RETURNING);
        long[] returnedIds = new long[rows];
        String[] returnedKeys = new String[rows];
        int returned = 0;
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int p = 1;
            for (int i = from; i < to; i++) p = bind(ps, p, jobs.get(i));
            assert p == rows * PARAMS_PER_ROW + 1;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (returned == rows) throw new SQLException("the INSERT of " + rows + " jobs returned more rows than that");
                    returnedIds[returned] = rs.getLong(1);
                    returnedKeys[returned++] = rs.getString(2);
                }
            }
        } catch (SQLException e) {
            if (e.getErrorCode() == 1062) throw duplicate(c, jobs, from, to);
            throw e;
        }
        // The rows come back in insert order; a skipped row is missing, and only a row with a unique key can be skipped.
        int k = 0;
        for (int i = from; i < to; i++) {
            String key = jobs.get(i).uniqueKey();
            if (k < returned && Objects.equals(returnedKeys[k], key)) {
                ids[i] = returnedIds[k++];
            } else if (skipDuplicates && key != null) {
                ids[i] = SKIPPED;
            } else {
                throw new SQLException("the INSERT returned " + returned + " rows for " + rows + " jobs; job " + (i + 1) + " is missing");
            }
        }
        if (k != returned) {
            throw new SQLException("the INSERT returned " + returned + " rows for " + rows + " jobs");
        }
    }

    /** The row by row path of an account that may not name {@code id} in RETURNING: one statement per job, same transaction. */
    private static void insertRowByRow(Connection c, List<NewJob> jobs, int from, int to, long[] ids, boolean skipDuplicates)
            throws SQLException {
        String sql = (skipDuplicates ? "INSERT IGNORE " : "INSERT ") + COLUMNS + ROW;
        try (PreparedStatement ps = c.prepareStatement(sql, Statement.RETURN_GENERATED_KEYS)) {
            for (int i = from; i < to; i++) {
                bind(ps, 1, jobs.get(i));
                if (ps.executeUpdate() == 0) {
                    // Only IGNORE skips a row, and only for a taken unique key (see insertChunk).
                    ids[i] = SKIPPED;
                    continue;
                }
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    if (!keys.next()) throw new SQLException("the INSERT of job " + (i + 1) + " returned no id");
                    ids[i] = keys.getLong(1);
                }
            }
        } catch (SQLException e) {
            if (e.getErrorCode() == 1062) throw duplicate(c, jobs, from, to);
            throw e;
        }
    }

    /** Binds one job's {@value #PARAMS_PER_ROW} parameters from position {@code p}; returns the next position. */
    private static int bind(PreparedStatement ps, int p, NewJob j) throws SQLException {
        ps.setString(p++, j.queue());
        ps.setString(p++, j.type());
        ps.setString(p++, j.payload());
        ps.setInt(p++, j.priority());
        if (j.runAt() == null) {
            ps.setNull(p++, Types.DECIMAL);
        } else {
            ps.setBigDecimal(p++, BigDecimal.valueOf(j.runAt().getEpochSecond()).add(BigDecimal.valueOf(j.runAt().getNano() / 1000, 6)));
        }
        ps.setLong(p++, j.delayMicros());
        if (j.maxAttempts() == null) ps.setNull(p++, Types.INTEGER);
        else ps.setInt(p++, j.maxAttempts());
        if (j.uniqueKey() == null) ps.setNull(p++, Types.VARCHAR);
        else ps.setString(p++, j.uniqueKey());
        return p;
    }

    /** Says which key broke the unique index: twice in the list, or held by a job in the table. */
    private static DuplicateJobException duplicate(Connection c, List<NewJob> jobs, int from, int to) throws SQLException {
        String tail = jobs.size() == 1 ? "; the job was not enqueued" : "; none of the " + jobs.size() + " jobs was enqueued";
        Map<String, Integer> firstSeen = new HashMap<>();
        for (int i = 0; i < to; i++) {
            String key = jobs.get(i).uniqueKey();
            if (key == null) continue;
            Integer earlier = firstSeen.putIfAbsent(key, i);
            if (earlier != null && i >= from) {
                return new DuplicateJobException("unique key '" + Text.oneLine(key, 255) + "' appears twice in the batch (jobs "
                        + (earlier + 1) + " and " + (i + 1) + " of " + jobs.size() + ")" + tail, key, null);
            }
        }
        Set<String> keys = new LinkedHashSet<>();
        for (int i = from; i < to; i++) {
            if (jobs.get(i).uniqueKey() != null) keys.add(jobs.get(i).uniqueKey());
        }
        if (!keys.isEmpty()) {
            try (PreparedStatement sel = c.prepareStatement("SELECT id, unique_key, status, queue FROM quarry_jobs"
                    + " WHERE active_unique_key IN (" + String.join(",", Collections.nCopies(keys.size(), "?")) + ") ORDER BY id LIMIT 1")) {
                int p = 1;
                for (String key : keys) sel.setString(p++, key);
                try (ResultSet rs = sel.executeQuery()) {
                    if (rs.next()) {
                        String key = rs.getString(2);
                        return new DuplicateJobException("unique key '" + Text.oneLine(key, 255) + "' is taken by job " + rs.getLong(1)
                                + " (" + rs.getString(3) + " in queue " + Text.oneLine(rs.getString(4), 64) + ")" + tail, key, rs.getLong(1));
                    }
                }
            }
        }
        // The holder committed after our statement failed and has finished since, or is not visible to this transaction.
        String key = keys.isEmpty() ? null : keys.iterator().next();
        return new DuplicateJobException("a unique key of the batch is taken by a scheduled, ready or running job" + tail, key, null);
    }
}
