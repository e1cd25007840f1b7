package dev.quarry.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.quarry.handler.JobContext;
import dev.quarry.handler.JobHandler;
import dev.quarry.handler.Outcome;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Java handler for node processes in tests: notes each run in {@code test_runs} (so tests can
 * count how often a job really ran), then sleeps for the payload's {@code "sleep":millis} if any,
 * or for {@code QUARRY_TEST_JOB_MILLIS}.
 */
public final class RecordingHandler implements JobHandler {
    private static final Pattern SLEEP = Pattern.compile("\"sleep\"\\s*:\\s*(\\d+)");
    private static final long DEFAULT_MILLIS = Long.parseLong(System.getenv().getOrDefault("QUARRY_TEST_JOB_MILLIS", "0"));
    private static final String NODE = System.getenv().getOrDefault("QUARRY_NODE_NAME", "?");
    private static volatile HikariDataSource pool;

    private static HikariDataSource pool() {
        if (pool == null) {
            synchronized (RecordingHandler.class) {
                if (pool == null) {
                    HikariConfig hc = new HikariConfig();
                    hc.setJdbcUrl(System.getenv("QUARRY_DB_URL"));
                    hc.setUsername(System.getenv().getOrDefault("QUARRY_DB_USER", "root"));
                    hc.setPassword(System.getenv().getOrDefault("QUARRY_DB_PASSWORD", ""));
                    hc.setMaximumPoolSize(4);
                    hc.setPoolName("recording");
                    pool = new HikariDataSource(hc);
                }
            }
        }
        return pool;
    }

    @Override
    public Outcome handle(JobContext job) throws Exception {
        long run;
        try (Connection c = pool().getConnection();
             // The drain that claimed the run, as the claim just wrote it: whose lease the run started under.
             PreparedStatement ps = c.prepareStatement("INSERT INTO test_runs (job_id, node, attempt, drain)"
                     + " SELECT ?, ?, ?, COALESCE(drain, 1) FROM quarry_jobs WHERE id = ?", java.sql.Statement.RETURN_GENERATED_KEYS)) {
            ps.setLong(1, job.id());
            ps.setString(2, NODE);
            ps.setInt(3, job.attempt());
            ps.setLong(4, job.id());
            ps.executeUpdate();
            try (java.sql.ResultSet keys = ps.getGeneratedKeys()) {
                keys.next();
                run = keys.getLong(1);
            }
        }
        Matcher m = SLEEP.matcher(job.payload());
        long millis = m.find() ? Long.parseLong(m.group(1)) : DEFAULT_MILLIS;
        try {
            if (millis > 0) Thread.sleep(millis);
        } finally {
            // When the run ended, interrupted or not: tests check that no two runs of a job overlap.
            try (Connection c = pool().getConnection();
                 PreparedStatement ps = c.prepareStatement("UPDATE test_runs SET ended_at = NOW(6) WHERE seq = ?")) {
                ps.setLong(1, run);
                ps.executeUpdate();
            }
        }
        return Outcome.done();
    }
}
