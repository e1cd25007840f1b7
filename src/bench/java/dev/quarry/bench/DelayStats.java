package dev.quarry.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Percentiles of a per-job delay, computed without holding the jobs in memory: the server sorts
 * the delays and the rows are streamed (fetch size set, so Connector/J does not buffer the result)
 * while the ranks of interest go by. Nearest-rank percentiles, in milliseconds.
 */
record DelayStats(long count, double p50Ms, double p99Ms, double maxMs) {

    /**
     * @param micros a SQL expression giving the delay in microseconds, e.g.
     *               {@code TIMESTAMPDIFF(MICROSECOND, run_at, started_at)}
     * @param from   the FROM and WHERE part, e.g. {@code quarry_jobs WHERE started_at IS NOT NULL}
     */
    static DelayStats of(Connection c, String micros, String from) throws SQLException {
        long n;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + from)) {
            rs.next();
            n = rs.getLong(1);
        }
        if (n == 0) return new DelayStats(0, Double.NaN, Double.NaN, Double.NaN);
        long rank50 = rank(0.50, n);
        long rank99 = rank(0.99, n);
        double p50 = Double.NaN, p99 = Double.NaN, max = Double.NaN;
        try (Statement st = c.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY)) {
            st.setFetchSize(4096);
            try (ResultSet rs = st.executeQuery("SELECT " + micros + " AS d FROM " + from + " ORDER BY d")) {
                long i = 0;
                while (rs.next()) {
                    i++;
                    if (i == rank50) p50 = rs.getLong(1) / 1000.0;
                    if (i == rank99) p99 = rs.getLong(1) / 1000.0;
                    max = rs.getLong(1) / 1000.0;
                }
            }
        }
        return new DelayStats(n, p50, p99, max);
    }

    /** 1-based nearest rank: the smallest value with at least p of the values at or below it. */
    static long rank(double p, long n) {
        return Math.max(1, (long) Math.ceil(p * n));
    }
}
