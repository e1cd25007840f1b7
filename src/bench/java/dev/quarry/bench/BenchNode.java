package dev.quarry.bench;

import dev.quarry.internal.config.ConfigLoader;
import dev.quarry.internal.config.QuarryConfig;
import dev.quarry.internal.schema.SchemaScripts;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.Map;
import java.util.Properties;

/** What the Quarry runs share: the schema, the node's configuration and the figures read back from the jobs table. */
final class BenchNode {
    /** The one queue a benchmark node drains. */
    static final String QUEUE = "bench";
    /** The built-in handler. */
    static final String TYPE = "noop";
    /**
     * The shipped default: a drain claims until the next fire, so a backlog longer than a minute is
     * drained by several drains that hand over at each minute; the node's start-up kick starts the first.
     */
    static final String CRON = "0 * * * * ?";

    private BenchNode() {
    }

    /** Builds the Quartz and Quarry tables in {@code db} from the same scripts a DBA runs. */
    static void createSchema(BenchServer server, String db) throws SQLException {
        try (Connection c = server.connect(db)) {
            SchemaScripts.applyAll(c);
        }
    }

    /**
     * A node config as an operator would write it, with one queue of T workers and everything
     * else at its default unless {@code --set} says otherwise; Quartz settings from the Quarry folder's quartz/quartz.properties
     * when there is one. The Quartz instance name is the database's, so no two runs in this process
     * share a scheduler.
     */
    static QuarryConfig config(BenchServer server, String db, Bench.Settings settings) {
        Properties quarry = new Properties();
        quarry.setProperty("queues", QUEUE);
        quarry.setProperty("queue." + QUEUE + ".workers", String.valueOf(settings.threads()));
        quarry.setProperty("queue." + QUEUE + ".cron", CRON);
        settings.overrides().forEach(quarry::setProperty);
        Path quarryHome = settings.quarryHome();
        Properties quartz = quartzFile(quarryHome);
        quartz.setProperty("org.quartz.scheduler.instanceName", db);
        Map<String, String> env = Map.of("QUARRY_DB_URL", server.urlFor(db), "QUARRY_DB_USER", server.user(),
                "QUARRY_DB_PASSWORD", server.password());
        return ConfigLoader.fromProperties(quarry, quartz, env);
    }

    static Properties quartzFile(Path quarryHome) {
        Properties p = new Properties();
        Path file = quarryHome.resolve("quartz").resolve(ConfigLoader.QUARTZ_FILE);
        if (Files.isRegularFile(file)) {
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
            }
        }
        return p;
    }

    /** Whether the queue still has a job that is scheduled, ready or running (index probes). */
    static boolean pending(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT EXISTS (SELECT 1 FROM quarry_jobs WHERE queue = '" + QUEUE + "' AND status IN ('scheduled','ready','running'))")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /** Polls every 100 ms until nothing is scheduled, ready or running, or the time is up; returns whether all finished. */
    static boolean awaitDrained(Connection c, long deadlineNanos) throws SQLException, InterruptedException {
        while (pending(c)) {
            if (System.nanoTime() > deadlineNanos) return false;
            Thread.sleep(100);
        }
        return true;
    }

    /** Jobs before the first ready one in claim order, as a progress estimate. */
    static long firstReady(BenchServer server, String db, long firstId) {
        try (Connection c = server.connect(db); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT id FROM quarry_jobs WHERE queue = '" + QUEUE + "' AND status = 'ready' ORDER BY priority, run_at, id LIMIT 1")) {
            return rs.next() ? rs.getLong(1) - firstId : -1;
        } catch (SQLException e) {
            return -1;
        }
    }

    static long minId(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT COALESCE(MIN(id), 0) FROM quarry_jobs")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Counts and database times of the run, from the rows themselves.
     *
     * @param dbMicros   from the first claim (MIN(started_at)) to the last completion (MAX(finished_at))
     * @param claims     claim transactions that got jobs: each writes its own random claim_token, which stays on the row
     * @param doneWrites statements that marked jobs done: NOW(6) is fixed per statement, so each leaves its own finished_at
     */
    record Totals(long jobs, long done, long dead, long other, long dbMicros, long claims, long doneWrites) {
        static Totals read(Connection c) throws SQLException {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT COUNT(*), COALESCE(SUM(status = 'done'), 0), COALESCE(SUM(status = 'dead'), 0),"
                            + " COALESCE(SUM(status NOT IN ('done','dead')), 0),"
                            + " COALESCE(TIMESTAMPDIFF(MICROSECOND, MIN(started_at), MAX(finished_at)), 0),"
                            + " COUNT(DISTINCT claim_token), COUNT(DISTINCT finished_at) FROM quarry_jobs")) {
                rs.next();
                return new Totals(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6),
                        rs.getLong(7));
            }
        }

        /** Average jobs per claim and per done-statement: how well the drain batches its writes. */
        void addBatchingTo(ResultRow row) {
            row.put("claims", claims);
            row.put("jobs_per_claim", claims > 0 ? (double) done / claims : Double.NaN);
            row.put("done_writes", doneWrites);
            row.put("jobs_per_done_write", doneWrites > 0 ? (double) done / doneWrites : Double.NaN);
        }
    }

    /**
     * The drains that ran jobs, from the lease epoch each job was claimed under, and the longest
     * pause between one drain's last completion and the next drain's first claim (a hand-over).
     */
    record Drains(int withJobs, long leaseEpoch, double maxHandoverMs) {
        static Drains read(Connection c) throws SQLException {
            int n = 0;
            double maxGap = 0;
            LocalDateTime prevEnd = null;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT lease_epoch, MIN(started_at), MAX(finished_at), COUNT(*), COALESCE(drain, 1) FROM quarry_jobs"
                            + " WHERE lease_epoch IS NOT NULL GROUP BY COALESCE(drain, 1), lease_epoch ORDER BY MIN(started_at)")) {
                while (rs.next()) {
                    n++;
                    LocalDateTime start = rs.getObject(2, LocalDateTime.class);
                    LocalDateTime end = rs.getObject(3, LocalDateTime.class);
                    if (start != null && end != null) {
                        // Per drain, to the log: shows whether the rate holds up as the table fills with finished rows.
                        double s = Duration.between(start, end).toNanos() / 1e9;
                        System.err.printf("bench:   drain %d under lease epoch %d: %d jobs in %.1f s (%.0f jobs/s)%n", rs.getInt(5),
                                rs.getLong(1), rs.getLong(4), s, s > 0 ? rs.getLong(4) / s : Double.NaN);
                    }
                    if (prevEnd != null && start != null) {
                        maxGap = Math.max(maxGap, Duration.between(prevEnd, start).toNanos() / 1e6);
                    }
                    if (end != null) prevEnd = end;
                }
            }
            long epoch = 0;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT COALESCE(MAX(epoch), 0) FROM quarry_leases WHERE queue = '" + QUEUE + "'")) {
                if (rs.next()) epoch = rs.getLong(1);
            }
            return new Drains(n, epoch, maxGap);
        }
    }
}
