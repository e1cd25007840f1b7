package dev.quarry.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.quarry.internal.config.QuarryConfig;
import dev.quarry.internal.node.Node;
import java.sql.Connection;
import org.slf4j.LoggerFactory;

/**
 * Quarry draining a backlog: a real node in this process ({@link Node#start}), one queue, the
 * built-in noop handler, workers = T, the default batch size and drain budget, logging as
 * configured by the default logback.xml (one INFO line per job outcome). The backlog is inserted
 * before the node starts; the node's start-up kick begins the first drain at once.
 *
 * <p>Throughput is taken from database time, N / (MAX(finished_at) - MIN(started_at)), so node
 * start-up is left out; the wall time from {@code Node.start} to the last completion is reported
 * beside it. With {@code drainLogWarn} the {@code dev.quarry.internal.drain} logger is raised to WARN for
 * the run, to show what the per-job log line costs.
 */
final class QuarryRun {
    static final String DRAIN_LOGGER = "dev.quarry.internal.drain";

    private final BenchServer server;
    private final Bench.Settings settings;

    QuarryRun(BenchServer server, Bench.Settings settings) {
        this.server = server;
        this.settings = settings;
    }

    /** @param baselineJobsPerSecond the baseline's figure at this backlog, for the ratio; null when it was not run */
    ResultRow run(int backlog, boolean drainLogWarn, Double baselineJobsPerSecond) throws Exception {
        String db = server.createDatabase("quarry_" + backlog);
        Logger drainLog = (Logger) LoggerFactory.getLogger(DRAIN_LOGGER);
        Level levelBefore = drainLog.getLevel();
        ResultRow row = new ResultRow(drainLogWarn ? "quarry-warn" : "quarry").put("backlog", backlog).put("threads", settings.threads())
                .put("drain_log", drainLogWarn ? "WARN" : "INFO").put("set", settings.overridesText());
        try (Connection c = server.connect(db)) {
            BenchNode.createSchema(server, db);
            long insertNanos = Backlog.insertQuarryJobs(c, BenchNode.QUEUE, BenchNode.TYPE, backlog);
            long firstId = BenchNode.minId(c);
            // The backlog's own pages written before the clock starts, as in the baseline's run.
            double insertSettle = server.settle();
            QuarryConfig config = BenchNode.config(server, db, settings);
            if (drainLogWarn) drainLog.setLevel(Level.WARN);

            HeapSampler heap = HeapSampler.start();
            long t0 = System.nanoTime();
            Node node;
            try {
                node = Node.start(config);
            } catch (RuntimeException e) {
                heap.close();
                throw e;
            }
            boolean finished;
            long wallNanos;
            HeapSampler.Heap h;
            try (Progress p = new Progress("quarry backlog=" + backlog, backlog, () -> BenchNode.firstReady(server, db, firstId))) {
                finished = BenchNode.awaitDrained(c, t0 + settings.maxRunTime().toNanos());
                wallNanos = System.nanoTime() - t0;
                h = heap.stop();
            } finally {
                node.stop();
                drainLog.setLevel(levelBefore);
            }

            BenchNode.Totals totals = BenchNode.Totals.read(c);
            BenchNode.Drains drains = BenchNode.Drains.read(c);
            DelayStats delay = DelayStats.of(c, "TIMESTAMPDIFF(MICROSECOND, run_at, started_at)",
                    "quarry_jobs WHERE started_at IS NOT NULL");
            double dbSeconds = totals.dbMicros() / 1e6;
            double jobsPerSecond = dbSeconds > 0 ? totals.done() / dbSeconds : Double.NaN;
            row.put("jobs_per_s", jobsPerSecond);
            if (baselineJobsPerSecond != null) row.put("ratio", jobsPerSecond / baselineJobsPerSecond);
            row.put("p50_delay_ms", delay.p50Ms()).put("p99_delay_ms", delay.p99Ms()).put("max_delay_ms", delay.maxMs());
            h.addTo(row);
            row.put("wall_s", wallNanos / 1e9).put("db_s", dbSeconds)
                    .put("wall_jobs_per_s", totals.done() / (wallNanos / 1e9))
                    .put("insert_s", insertNanos / 1e9).put("insert_rows_per_s", backlog / (insertNanos / 1e9))
                    .put("drains", drains.withJobs())
                    .put("jobs", totals.jobs()).put("done", totals.done());
            if (drains.withJobs() > 1) row.put("max_handover_ms", drains.maxHandoverMs());
            totals.addBatchingTo(row);
            if (totals.dead() > 0) row.put("dead", totals.dead());
            row.put("status", !finished ? "timeout" : totals.done() == backlog ? "ok" : "incomplete");
            row.put("insert_settle_s", insertSettle);
            return row;
        } finally {
            drainLog.setLevel(levelBefore);
            server.dropDatabase(db);
        }
    }
}
