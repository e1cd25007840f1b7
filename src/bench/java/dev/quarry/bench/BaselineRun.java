package dev.quarry.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The yardstick: the least a correct SKIP LOCKED queue needs, hand-written in plain JDBC, on a
 * minimal table, in this process and on the same server as Quarry. T threads, one connection each,
 * READ COMMITTED. Each batch is two transactions: claim (SELECT 100 ids in due order FOR UPDATE
 * SKIP LOCKED, then one UPDATE to 'running'), run a no-op per job, then one UPDATE to 'done'.
 * No lease, no claim token, no payload, no per-job log line: what Quarry adds on top is what the
 * ratio measures.
 */
final class BaselineRun {
    static final int BATCH = 100;
    static final String TABLE = """
            CREATE TABLE bench_jobs (
              id      BIGINT NOT NULL AUTO_INCREMENT,
              run_at  DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
              status  ENUM('ready','running','done') NOT NULL DEFAULT 'ready',
              PRIMARY KEY (id),
              KEY bench_jobs_claim (status, run_at, id)
            ) ENGINE=InnoDB""";
    private static final String CLAIM = "SELECT id FROM bench_jobs WHERE status = 'ready' AND run_at <= NOW(6)"
            + " ORDER BY run_at, id LIMIT " + BATCH + " FOR UPDATE SKIP LOCKED";

    private final BenchServer server;
    private final Bench.Settings settings;

    BaselineRun(BenchServer server, Bench.Settings settings) {
        this.server = server;
        this.settings = settings;
    }

    ResultRow run(int backlog) throws Exception {
        int threads = settings.threads();
        String db = server.createDatabase("baseline_" + backlog);
        ResultRow row = new ResultRow("baseline").put("backlog", backlog).put("threads", threads);
        try {
            long firstId;
            long insertNanos;
            try (Connection c = server.connect(db); Statement st = c.createStatement()) {
                st.execute(TABLE);
                long t0 = System.nanoTime();
                for (long done = 0; done < backlog; ) {
                    int chunk = (int) Math.min(Backlog.ROWS_PER_STATEMENT, backlog - done);
                    st.executeUpdate("INSERT INTO bench_jobs (status) VALUES " + String.join(",", Collections.nCopies(chunk, "('ready')")));
                    done += chunk;
                }
                insertNanos = System.nanoTime() - t0;
                try (ResultSet rs = st.executeQuery("SELECT MIN(id) FROM bench_jobs")) {
                    rs.next();
                    firstId = rs.getLong(1);
                }
            }

            // The backlog's own pages written before the clock starts, as in Quarry's run: inserting is the producers' work.
            double insertSettle = server.settle();
            AtomicLong noops = new AtomicLong();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CountDownLatch ready = new CountDownLatch(threads);
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> workers = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                Thread t = new Thread(() -> {
                    try (Connection c = server.connect(db)) {
                        c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                        c.setAutoCommit(false);
                        ready.countDown();
                        go.await();
                        drain(c, noops);
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                        ready.countDown();
                    }
                }, "quarry-bench-baseline-" + (i + 1));
                workers.add(t);
                t.start();
            }
            ready.await();
            HeapSampler heap = HeapSampler.start();
            long t0 = System.nanoTime();
            go.countDown();
            long deadline = t0 + settings.maxRunTime().toNanos();
            try (Progress p = new Progress("baseline backlog=" + backlog, backlog, () -> firstReady(db, firstId))) {
                for (Thread t : workers) {
                    long left = deadline - System.nanoTime();
                    if (left > 0) t.join(Math.max(1, left / 1_000_000));
                }
            }
            long wallNanos = System.nanoTime() - t0;
            HeapSampler.Heap h = heap.stop();
            boolean timedOut = workers.stream().anyMatch(Thread::isAlive);
            if (timedOut) workers.forEach(Thread::interrupt);
            if (failure.get() != null) throw new IllegalStateException("baseline worker failed: " + failure.get(), failure.get());

            long done;
            try (Connection c = server.connect(db); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM bench_jobs WHERE status = 'done'")) {
                rs.next();
                done = rs.getLong(1);
            }
            double wall = wallNanos / 1e9;
            row.put("jobs_per_s", done / wall);
            h.addTo(row);
            row.put("wall_s", wall).put("insert_s", insertNanos / 1e9).put("insert_rows_per_s", backlog / (insertNanos / 1e9));
            row.put("jobs", backlog).put("done", done).put("status", timedOut ? "timeout" : done == backlog ? "ok" : "incomplete");
            row.put("insert_settle_s", insertSettle);
            if (noops.get() != done) row.put("noops", noops.get());
            return row;
        } finally {
            server.dropDatabase(db);
        }
    }

    /** One thread's loop until a claim finds nothing unlocked: the other threads finish whatever they hold. */
    private static void drain(Connection c, AtomicLong noops) throws SQLException {
        List<Long> ids = new ArrayList<>(BATCH);
        try (PreparedStatement claim = c.prepareStatement(CLAIM)) {
            while (!Thread.currentThread().isInterrupted()) {
                ids.clear();
                try (ResultSet rs = claim.executeQuery()) {
                    while (rs.next()) ids.add(rs.getLong(1));
                }
                if (ids.isEmpty()) {
                    c.commit();
                    return;
                }
                update(c, "UPDATE bench_jobs SET status = 'running' WHERE id IN ", ids);
                c.commit();
                for (long id : ids) noop(id, noops);
                update(c, "UPDATE bench_jobs SET status = 'done' WHERE id IN ", ids);
                c.commit();
            }
        }
    }

    private static void update(Connection c, String sql, List<Long> ids) throws SQLException {
        try (PreparedStatement upd = c.prepareStatement(sql + "(" + String.join(",", Collections.nCopies(ids.size(), "?")) + ")")) {
            for (int i = 0; i < ids.size(); i++) upd.setLong(i + 1, ids.get(i));
            int n = upd.executeUpdate();
            if (n != ids.size()) throw new SQLException("updated " + n + " of " + ids.size() + " locked rows");
        }
    }

    /** The job: nothing, but counted, so nothing is optimised away. */
    private static void noop(long id, AtomicLong noops) {
        noops.incrementAndGet();
    }

    /** Rows before the first ready one, in claim order: a cheap index probe, good enough for progress. */
    private long firstReady(String db, long firstId) {
        try (Connection c = server.connect(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id FROM bench_jobs WHERE status = 'ready' ORDER BY run_at, id LIMIT 1")) {
            return rs.next() ? rs.getLong(1) - firstId : -1;
        } catch (SQLException e) {
            return -1;
        }
    }
}
