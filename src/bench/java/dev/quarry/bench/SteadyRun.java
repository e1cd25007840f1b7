package dev.quarry.bench;

import dev.quarry.internal.node.Node;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Latency at a steady load: a node drains while one producer thread inserts jobs at a fixed rate.
 * The producer is paced by a schedule, not by sleeps: every 10 ms tick it inserts, in one
 * multi-row INSERT, however many jobs are due by then (rate x time since start) and not yet
 * inserted, so a late tick is made up at the next and the rate does not drift. Reports the
 * insert-to-start delay, started_at - created_at (both database time), p50/p99/max.
 *
 * <p>The node starts first and the producer waits until its first drain holds the lease, so the
 * node's start-up is not counted. A minute boundary falls inside any 60 s run: the drain then
 * hands over to the next one, which is part of the real path and shows in the max delay.
 */
final class SteadyRun {
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final BenchServer server;
    private final Bench.Settings settings;

    SteadyRun(BenchServer server, Bench.Settings settings) {
        this.server = server;
        this.settings = settings;
    }

    ResultRow run() throws Exception {
        int rate = settings.rate();
        Duration duration = settings.duration();
        long total = Math.round(rate * (duration.toNanos() / 1e9));
        String db = server.createDatabase("steady");
        ResultRow row = new ResultRow("steady").put("threads", settings.threads()).put("rate", rate)
                .put("duration_s", duration.toNanos() / 1e9).put("set", settings.overridesText());
        try (Connection c = server.connect(db)) {
            BenchNode.createSchema(server, db);
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
            Pacing pacing;
            try {
                awaitLease(c, System.nanoTime() + TimeUnit.SECONDS.toNanos(30));
                pacing = produce(server, db, rate, total, (first, rows) -> Backlog.quarryInsert(BenchNode.QUEUE, BenchNode.TYPE, first, rows));
                finished = BenchNode.awaitDrained(c, System.nanoTime() + settings.maxRunTime().toNanos());
                h = heap.stop();
            } finally {
                node.stop();
            }
            BenchNode.Totals totals = BenchNode.Totals.read(c);
            BenchNode.Drains drains = BenchNode.Drains.read(c);
            DelayStats delay = DelayStats.of(c, "TIMESTAMPDIFF(MICROSECOND, created_at, started_at)",
                    "quarry_jobs WHERE started_at IS NOT NULL");
            double insertSpan = spanSeconds(c);
            row.put("p50_delay_ms", delay.p50Ms()).put("p99_delay_ms", delay.p99Ms()).put("max_delay_ms", delay.maxMs());
            h.addTo(row);
            row.put("insert_rows_per_s", insertSpan > 0 ? total / insertSpan : Double.NaN)
                    .put("producer_max_late_ms", pacing.maxBehindNanos / 1e6)
                    .put("drains", drains.withJobs())
                    .put("jobs", totals.jobs()).put("done", totals.done());
            if (drains.withJobs() > 1) row.put("max_handover_ms", drains.maxHandoverMs());
            totals.addBatchingTo(row);
            if (totals.dead() > 0) row.put("dead", totals.dead());
            row.put("status", !finished ? "timeout" : totals.done() == total ? "ok" : "incomplete");
            return row;
        } finally {
            server.dropDatabase(db);
        }
    }

    /**
     * How late against its schedule the producer inserted a job at worst: up to one tick (10 ms) by
     * design, more when an INSERT took longer than a tick or the thread stalled.
     */
    record Pacing(long maxBehindNanos) {
    }

    /** The INSERT of jobs {@code first} to {@code first + rows - 1} (from 0) of a paced producer. */
    @FunctionalInterface
    interface Inserts {
        String sql(long first, int rows);
    }

    static Pacing produce(BenchServer server, String db, int rate, long total, Inserts inserts) throws SQLException {
        long maxBehind = 0;
        try (Connection p = server.connect(db); Statement st = p.createStatement()) {
            long start = System.nanoTime();
            long inserted = 0;
            for (long tick = 1; inserted < total; tick++) {
                long at = start + tick * TICK_NANOS;
                for (long now = System.nanoTime(); now < at; now = System.nanoTime()) LockSupport.parkNanos(at - now);
                long now = System.nanoTime();
                long due = Math.min(total, (long) Math.floor((now - start) / 1e9 * rate));
                if (due > inserted) {
                    // Job k (from 1) is due at start + k/rate; the oldest one inserted now is job inserted + 1.
                    long dueAtNanos = start + (long) ((inserted + 1) * 1e9 / rate);
                    maxBehind = Math.max(maxBehind, now - dueAtNanos);
                    int rows = (int) (due - inserted);
                    for (int off = 0; off < rows; off += Backlog.ROWS_PER_STATEMENT) {
                        int chunk = Math.min(Backlog.ROWS_PER_STATEMENT, rows - off);
                        st.executeUpdate(inserts.sql(inserted + off, chunk));
                    }
                    inserted = due;
                }
            }
        }
        return new Pacing(Math.max(0, maxBehind));
    }

    static void awaitLease(Connection c, long deadlineNanos) throws SQLException, InterruptedException {
        while (System.nanoTime() < deadlineNanos) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT 1 FROM quarry_leases WHERE queue = '" + BenchNode.QUEUE + "' AND holder IS NOT NULL AND expires_at > NOW(6)")) {
                if (rs.next()) return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("no drain of queue " + BenchNode.QUEUE + " took the lease within 30 s of the node's start");
    }

    private static double spanSeconds(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT COALESCE(TIMESTAMPDIFF(MICROSECOND, MIN(created_at), MAX(created_at)), 0) FROM quarry_jobs")) {
            rs.next();
            return rs.getLong(1) / 1e6;
        }
    }
}
