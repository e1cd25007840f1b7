package dev.quarry.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import dev.quarry.client.NewJob;
import dev.quarry.client.QuarryClient;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How fast producers can fill the queue with plain SQL, no node running:
 * <ul>
 *   <li>{@code multi-row}: one connection, 1,000-row INSERTs, auto-commit (bulk loading);</li>
 *   <li>{@code single-row}: T connections, one auto-committed one-row INSERT each, as web requests
 *       do (each commit waits for its own redo-log flush, unless group commit merges them);</li>
 *   <li>{@code client}: through {@link QuarryClient#enqueueAll}, in lists of 1,000 jobs.</li>
 * </ul>
 */
final class EnqueueRun {

    private final BenchServer server;
    private final Bench.Settings settings;

    EnqueueRun(BenchServer server, Bench.Settings settings) {
        this.server = server;
        this.settings = settings;
    }

    List<ResultRow> run() throws Exception {
        List<ResultRow> rows = new ArrayList<>();
        rows.add(multiRow(settings.enqueueRows()));
        rows.add(singleRow(settings.enqueueSingleRows(), settings.threads()));
        rows.add(client(settings.enqueueRows()));
        return rows;
    }

    private ResultRow multiRow(int n) throws Exception {
        String db = server.createDatabase("enqueue_multi");
        try (Connection c = server.connect(db)) {
            BenchNode.createSchema(server, db);
            long nanos = Backlog.insertQuarryJobs(c, BenchNode.QUEUE, BenchNode.TYPE, n);
            return new ResultRow("enqueue").put("path", "multi-row").put("rows_per_statement", Backlog.ROWS_PER_STATEMENT)
                    .put("threads", 1).put("jobs", n).put("insert_s", nanos / 1e9).put("insert_rows_per_s", n / (nanos / 1e9))
                    .put("status", "ok");
        } finally {
            server.dropDatabase(db);
        }
    }

    private ResultRow singleRow(int n, int threads) throws Exception {
        String db = server.createDatabase("enqueue_single");
        try {
            BenchNode.createSchema(server, db);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> workers = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < threads; i++) {
                int share = n / threads + (i < n % threads ? 1 : 0);
                int first = i;
                Thread t = new Thread(() -> {
                    try (Connection c = server.connect(db);
                         PreparedStatement ins = c.prepareStatement("INSERT INTO quarry_jobs (queue, type, payload) VALUES (?, ?, ?)")) {
                        for (int k = 0; k < share; k++) {
                            ins.setString(1, BenchNode.QUEUE);
                            ins.setString(2, BenchNode.TYPE);
                            ins.setString(3, "{\"n\":" + (first + (long) k * threads) + "}");
                            ins.executeUpdate();
                        }
                    } catch (SQLException | RuntimeException e) {
                        failure.compareAndSet(null, e);
                    }
                }, "quarry-bench-producer-" + (i + 1));
                workers.add(t);
                t.start();
            }
            for (Thread t : workers) t.join();
            long nanos = System.nanoTime() - t0;
            if (failure.get() != null) throw new IllegalStateException("producer failed: " + failure.get(), failure.get());
            return new ResultRow("enqueue").put("path", "single-row").put("threads", threads).put("jobs", n)
                    .put("insert_s", nanos / 1e9).put("insert_rows_per_s", n / (nanos / 1e9)).put("status", "ok");
        } finally {
            server.dropDatabase(db);
        }
    }

    /** Through the producer API's batch path: enqueueAll in lists of 1,000 jobs, one transaction each. */
    private ResultRow client(int n) throws Exception {
        String db = server.createDatabase("enqueue_client");
        com.zaxxer.hikari.HikariConfig hc = new com.zaxxer.hikari.HikariConfig();
        hc.setJdbcUrl(server.urlFor(db));
        hc.setUsername(server.user());
        hc.setPassword(server.password());
        hc.setMaximumPoolSize(2);
        try (com.zaxxer.hikari.HikariDataSource ds = new com.zaxxer.hikari.HikariDataSource(hc)) {
            BenchNode.createSchema(server, db);
            QuarryClient client = new QuarryClient(ds);
            List<NewJob> chunk = new ArrayList<>(QuarryClient.BATCH_ROWS);
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                chunk.add(NewJob.builder(BenchNode.TYPE).queue(BenchNode.QUEUE).payload("{\"n\":" + i + "}").build());
                if (chunk.size() == QuarryClient.BATCH_ROWS || i == n - 1) {
                    client.enqueueAll(chunk);
                    chunk.clear();
                }
            }
            long nanos = System.nanoTime() - t0;
            return new ResultRow("enqueue").put("path", "client").put("rows_per_call", QuarryClient.BATCH_ROWS).put("threads", 1)
                    .put("jobs", n).put("insert_s", nanos / 1e9).put("insert_rows_per_s", n / (nanos / 1e9)).put("status", "ok");
        } finally {
            server.dropDatabase(db);
        }
    }
}
