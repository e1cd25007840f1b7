package dev.quarry.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.quarry.internal.node.Node;
import dev.quarry.internal.queue.ClaimedJob;
import dev.quarry.internal.queue.JobQueue;
import dev.quarry.internal.queue.Lease;
import dev.quarry.internal.queue.LeaseStore;
import dev.quarry.internal.queue.Transactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Latency beside a delayed backlog (issue 9): the queue holds a backlog of jobs due tomorrow
 * (reminders, retries in backoff) while a producer inserts at the steady run's rate, half of the
 * jobs due at once and half due one second later. Reports the insert-to-start delay of the jobs
 * due at once (started_at - created_at), the due-to-start delay of the delayed ones
 * (started_at - run_at: how soon a drain promotes and claims them), and, after the node has
 * stopped, the rows one claim of a full batch reads with the backlog still waiting, from the
 * session's handler counters. Any job started before its run_at fails the run.
 */
final class DelayedRun {
    /** The short delay of every other job of the stream. */
    static final long STREAM_DELAY_MICROS = 1_000_000;
    /** The batch claimed for the rows-read figure: the shipped queue.Q.batch-size. */
    static final int MEASURED_BATCH = 500;

    private final BenchServer server;
    private final Bench.Settings settings;

    DelayedRun(BenchServer server, Bench.Settings settings) {
        this.server = server;
        this.settings = settings;
    }

    ResultRow run(int backlog) throws Exception {
        int rate = settings.rate();
        Duration duration = settings.duration();
        long total = Math.round(rate * (duration.toNanos() / 1e9));
        String db = server.createDatabase("delayed");
        ResultRow row = new ResultRow("delayed").put("backlog", backlog).put("threads", settings.threads()).put("rate", rate)
                .put("duration_s", duration.toNanos() / 1e9).put("set", settings.overridesText());
        try (Connection c = server.connect(db)) {
            BenchNode.createSchema(server, db);
            row.put("insert_s", insertBacklog(c, backlog) / 1e9);
            HeapSampler heap = HeapSampler.start();
            Node node;
            try {
                node = Node.start(BenchNode.config(server, db, settings));
            } catch (RuntimeException e) {
                heap.close();
                throw e;
            }
            boolean finished;
            HeapSampler.Heap h;
            SteadyRun.Pacing pacing;
            try {
                SteadyRun.awaitLease(c, System.nanoTime() + TimeUnit.SECONDS.toNanos(30));
                pacing = SteadyRun.produce(server, db, rate, total, (first, rows) ->
                        Backlog.quarryInsertSomeDelayed(BenchNode.QUEUE, BenchNode.TYPE, first, rows, STREAM_DELAY_MICROS));
                finished = awaitStream(c, System.nanoTime() + settings.maxRunTime().toNanos());
                h = heap.stop();
            } finally {
                node.stop();
            }
            String stream = "quarry_jobs WHERE run_at < NOW(6) + INTERVAL 1 HOUR AND started_at IS NOT NULL";
            DelayStats now = DelayStats.of(c, "TIMESTAMPDIFF(MICROSECOND, created_at, started_at)", stream + " AND run_at <= created_at");
            DelayStats later = DelayStats.of(c, "TIMESTAMPDIFF(MICROSECOND, run_at, started_at)", stream + " AND run_at > created_at");
            long done = count(c, "SELECT COUNT(*) FROM quarry_jobs WHERE status = 'done'");
            long early = count(c, "SELECT COUNT(*) FROM quarry_jobs WHERE started_at < run_at");
            long waiting = count(c, "SELECT COUNT(*) FROM quarry_jobs WHERE status = 'scheduled'");
            row.put("p50_delay_ms", now.p50Ms()).put("p99_delay_ms", now.p99Ms()).put("max_delay_ms", now.maxMs())
                    .put("delayed_p50_ms", later.p50Ms()).put("delayed_p99_ms", later.p99Ms()).put("delayed_max_ms", later.maxMs());
            h.addTo(row);
            row.put("producer_max_late_ms", pacing.maxBehindNanos() / 1e6).put("jobs", total).put("done", done)
                    .put("scheduled_left", waiting).put("started_early", early);
            BenchNode.Totals.read(c).addBatchingTo(row);
            ClaimCost cost = measureOneClaim(db);
            row.put("claim_batch", cost.claimed()).put("claim_rows_read", cost.rowsRead()).put("claim_ms", cost.millis());
            boolean ok = finished && done == total && early == 0 && waiting == backlog;
            row.put("status", !finished ? "timeout" : ok ? "ok" : "incomplete");
            return row;
        } finally {
            server.dropDatabase(db);
        }
    }

    /**
     * The backlog as one INSERT ... SELECT from the Sequence engine, with plain future run_at values
     * as a producer writes them (the status column's default makes them scheduled). Into an empty
     * table with unique_checks off MariaDB loads in bulk, building the indexes by sorting.
     *
     * @return the elapsed nanoseconds
     */
    private static long insertBacklog(Connection c, int backlog) throws SQLException {
        long t0 = System.nanoTime();
        try (Statement st = c.createStatement()) {
            st.execute("SET SESSION unique_checks = 0");
            st.executeUpdate("INSERT INTO quarry_jobs (queue, type, payload, run_at) SELECT '" + BenchNode.QUEUE + "', '" + BenchNode.TYPE
                    + "', '', NOW(6) + INTERVAL 1 DAY + INTERVAL seq MICROSECOND FROM seq_1_to_" + backlog);
            st.execute("SET SESSION unique_checks = 1");
        }
        return System.nanoTime() - t0;
    }

    /** Polls every 100 ms until every job of the stream (due within the hour) is finished, or the time is up. */
    private static boolean awaitStream(Connection c, long deadlineNanos) throws SQLException, InterruptedException {
        String sql = "SELECT EXISTS (SELECT 1 FROM quarry_jobs WHERE queue = '" + BenchNode.QUEUE + "'"
                + " AND status IN ('scheduled','ready','running') AND run_at < NOW(6) + INTERVAL 1 HOUR)";
        while (true) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                if (!rs.getBoolean(1)) return true;
            }
            if (System.nanoTime() > deadlineNanos) return false;
            Thread.sleep(100);
        }
    }

    record ClaimCost(int claimed, long rowsRead, double millis) {
    }

    /**
     * One claim of a full batch of due jobs, the backlog still waiting, on a pool of one connection
     * so the session's Handler_read_* counters are the claim's: lease renewal, staging, the locking
     * read and the UPDATE, all of it.
     */
    private ClaimCost measureOneClaim(String db) throws SQLException {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(server.urlFor(db));
        hc.setUsername(server.user());
        hc.setPassword(server.password());
        hc.setMaximumPoolSize(1);
        hc.setPoolName("bench-claim-cost");
        hc.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        try (HikariDataSource one = new HikariDataSource(hc)) {
            try (Connection c = one.getConnection(); Statement st = c.createStatement()) {
                st.executeUpdate(Backlog.quarryInsert(BenchNode.QUEUE, BenchNode.TYPE, 0, MEASURED_BATCH));
            }
            Transactions tx = new Transactions(one);
            LeaseStore.Result taken = new LeaseStore(tx, db, "QRTZ_").tryAcquire(BenchNode.QUEUE, 1, "bench-claim-cost", Duration.ofSeconds(30));
            if (!taken.acquired()) throw new IllegalStateException("the stopped node still holds the lease of queue " + BenchNode.QUEUE);
            Lease lease = taken.lease();
            JobQueue queue = new JobQueue(tx);
            long first = handlerReads(one);
            long showCost = handlerReads(one) - first;
            long before = handlerReads(one);
            long t0 = System.nanoTime();
            List<ClaimedJob> claimed = queue.claim(lease, Duration.ofSeconds(30), MEASURED_BATCH, 5, 1 << 20);
            double ms = (System.nanoTime() - t0) / 1e6;
            long read = handlerReads(one) - before - showCost;
            return new ClaimCost(claimed.size(), read, ms);
        }
    }

    private static long handlerReads(HikariDataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("SHOW SESSION STATUS LIKE 'Handler_read%'");
             ResultSet rs = ps.executeQuery()) {
            long sum = 0;
            while (rs.next()) sum += rs.getLong(2);
            return sum;
        }
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
