package dev.quarry.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Several nodes (issue 5, point 4): a backlog of noop jobs split evenly over three queues, drained
 * by K node JVMs that all serve all three queues, as a real cluster on one host would be. Quartz,
 * with Quarry's balancing thread pool, decides which node drains which queue; each queue is drained
 * by one node at a time. The same
 * backlog drained by one node process is the comparison ({@code ratio_to_one_node}).
 *
 * <p>The backlog is inserted before the nodes start, and the nodes are launched together. Rates
 * are from database time, N / (MAX(finished_at) - MIN(started_at)), so JVM start-up is left out;
 * but a node that comes up after the others have taken every queue adds nothing, which is part of
 * what this run shows. Per node and per queue, {@code per_node} and {@code per_queue} give each
 * one's jobs over that same whole-run time, so they add up to {@code jobs/s}; {@code drained_by}
 * names the nodes (n1..nK, in launch order) that drained each queue, drain after drain, and
 * {@code max_handover_ms} the longest pause of a queue between two of its drains (a drain ends at
 * the queue's next fire, so a run that crosses a minute boundary has hand-overs). {@code node_cpu_s}
 * is each node JVM's CPU time: on a small machine the nodes and the database share the same cores.
 *
 * <p>Every node JVM is fresh, so every run pays for class loading and JIT compilation alike; there is no warm-up.
 */
final class ClusterRun {
    /** Three JVMs starting at once on a small, busy machine can take a while. */
    static final Duration START_TIMEOUT = Duration.ofMinutes(2);
    static final String NODE_PREFIX = "cluster-node-";

    private final BenchServer server;
    private final Bench.Settings settings;
    private final Path logDir;
    private final String javaOpts;

    /**
     * @param logDir   where cluster-node-N.log and the shared config folder go
     * @param javaOpts the node JVMs' options, as bin/start takes them from QUARRY_JAVA_OPTS
     */
    ClusterRun(BenchServer server, Bench.Settings settings, Path logDir, String javaOpts) {
        this.server = server;
        this.settings = settings;
        this.logDir = logDir;
        this.javaOpts = javaOpts;
    }

    /** Removes the node logs of an earlier invocation; the runs of this one are appended, each under a heading. */
    void clearLogs() throws IOException {
        if (!Files.isDirectory(logDir)) return;
        try (DirectoryStream<Path> logs = Files.newDirectoryStream(logDir, NODE_PREFIX + "*.log")) {
            for (Path log : logs) Files.delete(log);
        }
    }

    /** @param oneNodeJobsPerSecond the one-node run's figure at this backlog, for the ratio; null for the one-node run itself */
    ResultRow run(int backlog, int nodes, Double oneNodeJobsPerSecond) throws Exception {
        List<String> queues = ClusterConfig.QUEUES;
        String db = server.createDatabase("cluster_" + backlog);
        ResultRow row = new ResultRow("cluster").put("nodes", nodes).put("queues", queues.size()).put("backlog", backlog);
        try (Connection c = server.connect(db)) {
            BenchNode.createSchema(server, db);
            // Queue by queue, so each queue's ids are one range: the progress estimate relies on it.
            long[] firstIds = new long[queues.size()];
            long[] sizes = new long[queues.size()];
            long insertNanos = 0;
            for (int i = 0; i < queues.size(); i++) {
                firstIds[i] = maxId(c) + 1;
                sizes[i] = backlog / queues.size() + (i < backlog % queues.size() ? 1 : 0);
                insertNanos += Backlog.insertQuarryJobs(c, queues.get(i), BenchNode.TYPE, sizes[i]);
            }
            Path configDir = ClusterConfig.write(logDir.resolve("cluster-config"), db, settings);
            Map<String, String> dbEnv = Map.of("QUARRY_DB_URL", server.urlFor(db), "QUARRY_DB_USER", server.user(),
                    "QUARRY_DB_PASSWORD", server.password());
            String label = "cluster nodes=" + nodes + " backlog=" + backlog;

            List<NodeJvm> jvms = new ArrayList<>();
            Map<String, String> names = new LinkedHashMap<>();
            double[] startedS = new double[nodes];
            double[] cpuS = new double[nodes];
            boolean finished;
            long wallNanos;
            List<NodeJvm.Exit> exits;
            long t0 = System.nanoTime();
            try {
                for (int i = 1; i <= nodes; i++) {
                    jvms.add(NodeJvm.launch(NODE_PREFIX + i, label + " (database " + db + ")", settings.quarryHome(), configDir, logDir,
                            dbEnv, javaOpts));
                }
                awaitStarted(jvms, names, startedS, t0 + START_TIMEOUT.toNanos());
                System.err.printf("bench: %s: nodes up after %s s%n", label, join(startedS));
                try (Progress p = new Progress(label, backlog, () -> doneEstimate(db, queues, firstIds, sizes))) {
                    finished = awaitDrained(c, queues, jvms, t0 + settings.maxRunTime().toNanos());
                    wallNanos = System.nanoTime() - t0;
                }
                for (int i = 0; i < nodes; i++) cpuS[i] = jvms.get(i).cpuSeconds();
            } finally {
                exits = NodeJvm.stopAll(jvms);
            }

            BenchNode.Totals totals = BenchNode.Totals.read(c);
            Spread spread = Spread.read(c);
            double dbSeconds = totals.dbMicros() / 1e6;
            double jobsPerSecond = dbSeconds > 0 ? totals.done() / dbSeconds : Double.NaN;
            Function<String, String> nodeName = id -> names.getOrDefault(id, id);
            row.put("jobs_per_s", jobsPerSecond);
            if (oneNodeJobsPerSecond != null) row.put("ratio_to_one_node", jobsPerSecond / oneNodeJobsPerSecond);
            row.put("per_node", shares(names.keySet(), spread.byNode(), nodeName, dbSeconds))
                    .put("per_queue", shares(queues, spread.byQueue(), q -> q, dbSeconds))
                    .put("drained_by", drainedBy(queues, spread.drainers(), nodeName))
                    .put("queue_s", spans(queues, spread.byQueue()))
                    .put("threads", settings.threads())
                    .put("started_s", join(startedS)).put("node_cpu_s", join(cpuS))
                    .put("wall_s", wallNanos / 1e9).put("db_s", dbSeconds)
                    .put("insert_s", insertNanos / 1e9).put("insert_rows_per_s", backlog / (insertNanos / 1e9))
                    .put("drains", spread.drains());
            if (spread.drains() > queues.size()) row.put("max_handover_ms", spread.maxHandoverMs());
            row.put("jobs", totals.jobs()).put("done", totals.done());
            totals.addBatchingTo(row);
            if (totals.dead() > 0) row.put("dead", totals.dead());
            row.put("exit", String.join("/", exits.stream().map(e -> e.code() + (e.killed() ? "(killed)" : "")).toList()));
            if (!javaOpts.equals(Bench.DEFAULT_NODE_JAVA_OPTS)) row.put("java_opts", javaOpts);
            row.put("set", settings.overridesText());
            boolean killed = exits.stream().anyMatch(NodeJvm.Exit::killed);
            row.put("status", !finished ? "timeout" : totals.done() != backlog ? "incomplete" : killed ? "stop-timeout" : "ok");
            return row;
        } finally {
            server.dropDatabase(db);
        }
    }

    /** Polls the nodes' logs together, so each start time is its own, not the wait for the ones before it. */
    private static void awaitStarted(List<NodeJvm> jvms, Map<String, String> names, double[] startedS, long deadlineNanos)
            throws IOException, InterruptedException {
        String[] ids = new String[jvms.size()];
        int up = 0;
        while (up < jvms.size()) {
            for (int i = 0; i < jvms.size(); i++) {
                if (ids[i] != null) continue;
                ids[i] = jvms.get(i).startedId();
                if (ids[i] != null) {
                    startedS[i] = jvms.get(i).secondsSinceLaunch();
                    up++;
                }
            }
            if (up < jvms.size() && System.nanoTime() > deadlineNanos) {
                throw new IllegalStateException("not every node started within " + START_TIMEOUT.toSeconds() + " s");
            }
            Thread.sleep(50);
        }
        for (int i = 0; i < ids.length; i++) {
            // Two nodes under one id would pass for one node in per_node (a quartz.properties with a fixed instanceId).
            if (names.putIfAbsent(ids[i], "n" + (i + 1)) != null) {
                throw new IllegalStateException("two nodes got the same Quartz instance id " + ids[i] + "; run again");
            }
        }
    }

    /**
     * Polls every 100 ms until no job of the run's queues is scheduled, ready or running (an index range per
     * queue), or the time is up; returns whether all finished. A node that exits meanwhile fails the run.
     */
    private static boolean awaitDrained(Connection c, List<String> queues, List<NodeJvm> jvms, long deadlineNanos)
            throws SQLException, InterruptedException {
        String sql = "SELECT EXISTS (SELECT 1 FROM quarry_jobs WHERE queue IN ('" + String.join("','", queues)
                + "') AND status IN ('scheduled','ready','running'))";
        while (true) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                if (!rs.getBoolean(1)) return true;
            }
            for (NodeJvm n : jvms) {
                if (!n.alive()) throw new IllegalStateException("node " + n.name() + " exited during the run: " + n.tail());
            }
            if (System.nanoTime() > deadlineNanos) return false;
            Thread.sleep(100);
        }
    }

    /** Jobs before each queue's first ready one, summed: cheap index probes, as {@link Progress} wants. */
    private long doneEstimate(String db, List<String> queues, long[] firstIds, long[] sizes) {
        long done = 0;
        try (Connection c = server.connect(db); Statement st = c.createStatement()) {
            for (int i = 0; i < queues.size(); i++) {
                try (ResultSet rs = st.executeQuery("SELECT id FROM quarry_jobs WHERE queue = '" + queues.get(i)
                        + "' AND status = 'ready' ORDER BY priority, run_at, id LIMIT 1")) {
                    done += rs.next() ? rs.getLong(1) - firstIds[i] : sizes[i];
                }
            }
            return done;
        } catch (SQLException e) {
            return -1;
        }
    }

    private static long maxId(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT COALESCE(MAX(id), 0) FROM quarry_jobs")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** {@code n1:6210/n2:0/n3:0}: each one's jobs done over the whole run's database time, so they add up to jobs/s. */
    private static String shares(Iterable<String> keys, Map<String, Spread.Group> groups, Function<String, String> name, double dbSeconds) {
        List<String> parts = new ArrayList<>();
        for (String k : keys) {
            Spread.Group g = groups.get(k);
            long done = g == null ? 0 : g.done();
            parts.add(name.apply(k) + ":" + (dbSeconds > 0 ? Math.round(done / dbSeconds) : 0));
        }
        return String.join("/", parts);
    }

    /** {@code q1:n1/q2:n1/q3:n2>n3}: the nodes that drained each queue, in order. */
    private static String drainedBy(List<String> queues, Map<String, List<String>> drainers, Function<String, String> name) {
        List<String> parts = new ArrayList<>();
        for (String q : queues) {
            List<String> nodes = drainers.getOrDefault(q, List.of());
            parts.add(q + ":" + (nodes.isEmpty() ? "-" : String.join(">", nodes.stream().map(name).toList())));
        }
        return String.join("/", parts);
    }

    /** {@code q1:4.1/q2:4.3/q3:4.2}: seconds from each queue's first start to its last completion. */
    private static String spans(List<String> queues, Map<String, Spread.Group> groups) {
        List<String> parts = new ArrayList<>();
        for (String q : queues) {
            Spread.Group g = groups.get(q);
            parts.add(q + ":" + (g == null ? "-" : String.format(Locale.ROOT, "%.1f", g.micros() / 1e6)));
        }
        return String.join("/", parts);
    }

    private static String join(double[] seconds) {
        List<String> parts = new ArrayList<>();
        for (double s : seconds) parts.add(Double.isNaN(s) ? "n/a" : String.format(Locale.ROOT, "%.1f", s));
        return String.join("/", parts);
    }

    /**
     * With {@code --repeat}: per node count, the median rate of the runs that ended ok, and the
     * median K-node rate over the median one-node rate.
     */
    static List<ResultRow> medians(List<ResultRow> reps, int backlog, int nodes) {
        List<ResultRow> out = new ArrayList<>();
        Double one = null;
        for (int k : nodes == 1 ? List.of(1) : List.of(1, nodes)) {
            List<ResultRow> ok = reps.stream().filter(r -> "ok".equals(r.get("status")) && String.valueOf(k).equals(r.get("nodes"))).toList();
            if (ok.isEmpty()) continue;
            Double rate = Medians.median(ok, "jobs_per_s");
            if (k == 1) one = rate;
            ResultRow m = new ResultRow("cluster-median").put("nodes", k).put("queues", ClusterConfig.QUEUES.size()).put("backlog", backlog)
                    .put("jobs_per_s", rate);
            if (k != 1 && one != null && rate != null) m.put("ratio_to_one_node", rate / one);
            m.put("threads", ok.get(0).get("threads")).put("wall_s", Medians.median(ok, "wall_s")).put("db_s", Medians.median(ok, "db_s"))
                    .put("reps", ok.size()).put("each_jobs_per_s", String.join("/", ok.stream().map(r -> r.get("jobs_per_s")).toList()))
                    .put("status", "ok");
            out.add(m);
        }
        return out;
    }
}
