package dev.quarry.bench;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Multi-row INSERTs, the fastest plain-SQL way a producer can fill a queue: 1,000 rows per
 * statement, each statement its own auto-committed transaction (so one redo-log flush per 1,000
 * rows with the server's default innodb_flush_log_at_trx_commit=1). The values are generated here,
 * never taken from outside, so they are written into the SQL text.
 */
final class Backlog {
    static final int ROWS_PER_STATEMENT = 1000;

    private Backlog() {
    }

    /** Inserts {@code n} noop jobs into {@code quarry_jobs} of {@code queue}; returns the elapsed nanoseconds. */
    static long insertQuarryJobs(Connection c, String queue, String type, long n) throws SQLException {
        long t0 = System.nanoTime();
        try (Statement st = c.createStatement()) {
            for (long done = 0; done < n; ) {
                int chunk = (int) Math.min(ROWS_PER_STATEMENT, n - done);
                st.executeUpdate(quarryInsert(queue, type, done, chunk));
                done += chunk;
            }
        }
        return System.nanoTime() - t0;
    }

    /** One INSERT of {@code rows} jobs with payloads {"n":first}, {"n":first+1}, ... */
    static String quarryInsert(String queue, String type, long first, int rows) {
        StringBuilder sql = new StringBuilder(64 + rows * 40).append("INSERT INTO quarry_jobs (queue, type, payload) VALUES ");
        for (int i = 0; i < rows; i++) {
            if (i > 0) sql.append(',');
            sql.append("('").append(queue).append("','").append(type).append("','{\"n\":").append(first + i).append("}')");
        }
        return sql.toString();
    }

    /**
     * One INSERT of {@code rows} jobs, as {@link #quarryInsert}, where every odd-numbered job is due
     * {@code delayMicros} after the database's clock and the others are due now: a producer's mix
     * of plain and delayed jobs.
     */
    static String quarryInsertSomeDelayed(String queue, String type, long first, int rows, long delayMicros) {
        StringBuilder sql = new StringBuilder(64 + rows * 72).append("INSERT INTO quarry_jobs (queue, type, payload, run_at) VALUES ");
        for (int i = 0; i < rows; i++) {
            long n = first + i;
            if (i > 0) sql.append(',');
            sql.append("('").append(queue).append("','").append(type).append("','{\"n\":").append(n).append("}',")
                    .append(n % 2 == 1 ? "NOW(6) + INTERVAL " + delayMicros + " MICROSECOND" : "NOW(6)").append(')');
        }
        return sql.toString();
    }
}
