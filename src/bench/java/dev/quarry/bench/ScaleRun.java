package dev.quarry.bench;

import dev.quarry.internal.config.ConfigLoader;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * One queue on many hosts: a queue with {@code drains} drains of 4 workers each, its jobs sleeping
 * 100 ms, on one node JVM and then on K. The nodes run first; once every drain they have room for
 * is held, the burst of jobs is inserted in one statement, and the rate is jobs over the time from
 * that INSERT's commit to the last job's end (database time). Sleeping jobs need no CPU, so K nodes
 * on this one machine stand for K hosts: the K-node run should be about min(K, drains) times as
 * fast ({@code ratio_to_one_node}).
 */
final class ScaleRun {
    static final String QUEUE = "scale";
    static final int WORKERS = 4;
    static final int SLEEP_MILLIS = 100;

    private final BenchServer server;
    private final Bench.Settings settings;
    private final Path logDir;
    private final String javaOpts;

    ScaleRun(BenchServer server, Bench.Settings settings, Path logDir, String javaOpts) {
        this.server = server;
        this.settings = settings;
        this.logDir = logDir;
        this.javaOpts = javaOpts;
    }

    /** @param oneNodeJobsPerSecond the one-node figure, for the ratio; null for the one-node run itself */
    ResultRow run(int jobs, int nodes, int drains, Double oneNodeJobsPerSecond) throws Exception {
        String db = server.createDatabase("scale");
        ResultRow row = new ResultRow("scale").put("nodes", nodes).put("queue_drains", drains).put("workers", WORKERS)
                .put("job_ms", SLEEP_MILLIS).put("jobs", jobs);
        try (Connection c = server.connect(db)) {
            BenchNode.createSchema(server, db);
            Path configDir = writeConfig(logDir.resolve("scale-config"), db, drains);
            Map<String, String> dbEnv = Map.of("QUARRY_DB_URL", server.urlFor(db), "QUARRY_DB_USER", server.user(),
                    "QUARRY_DB_PASSWORD", server.password());
            List<NodeJvm> jvms = new ArrayList<>();
            int expectHeld = Math.min(nodes, drains);
            boolean finished;
            try {
                for (int i = 1; i <= nodes; i++) {
                    jvms.add(NodeJvm.launch("scale-node-" + i, "scale nodes=" + nodes + " (database " + db + ")", settings.quarryHome(),
                            configDir, logDir, dbEnv, javaOpts));
                }
                long deadline = System.nanoTime() + ClusterRun.START_TIMEOUT.toNanos();
                while (held(c) < expectHeld) {
                    for (NodeJvm n : jvms) if (!n.alive()) throw new IllegalStateException("node " + n.name() + " exited: " + n.tail());
                    if (System.nanoTime() > deadline) throw new IllegalStateException("the drains were not held within 2 minutes");
                    Thread.sleep(100);
                }
                try (PreparedStatement ins = c.prepareStatement("INSERT INTO quarry_jobs (queue, type, payload) SELECT ?, 'sleep', ?"
                        + " FROM seq_1_to_" + jobs)) {
                    ins.setString(1, QUEUE);
                    ins.setString(2, Integer.toString(SLEEP_MILLIS));
                    ins.executeUpdate();
                }
                finished = await(c, jobs, jvms, System.nanoTime() + settings.maxRunTime().toNanos());
            } finally {
                NodeJvm.stopAll(jvms);
            }
            double seconds;
            long done;
            long nodesUsed;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT TIMESTAMPDIFF(MICROSECOND, MIN(created_at),"
                    + " MAX(finished_at)) / 1e6, SUM(status = 'done'), COUNT(DISTINCT claimed_by) FROM quarry_jobs")) {
                rs.next();
                seconds = rs.getDouble(1);
                done = rs.getLong(2);
                nodesUsed = rs.getLong(3);
            }
            double rate = seconds > 0 ? done / seconds : Double.NaN;
            row.put("jobs_per_s", rate);
            if (oneNodeJobsPerSecond != null) row.put("ratio_to_one_node", rate / oneNodeJobsPerSecond);
            row.put("makespan_s", seconds).put("ideal_s", (double) jobs * SLEEP_MILLIS / 1000 / (WORKERS * Math.min(nodes, drains)))
                    .put("nodes_that_ran_jobs", nodesUsed).put("done", done);
            row.put("status", finished && done == jobs ? "ok" : "incomplete");
            return row;
        } finally {
            server.dropDatabase(db);
        }
    }

    private static int held(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM quarry_leases WHERE queue = '"
                + QUEUE + "' AND holder IS NOT NULL AND expires_at > NOW(6)")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static boolean await(Connection c, int jobs, List<NodeJvm> jvms, long deadlineNanos) throws SQLException, InterruptedException {
        while (true) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'done'")) {
                rs.next();
                if (rs.getLong(1) >= jobs) return true;
            }
            for (NodeJvm n : jvms) if (!n.alive()) throw new IllegalStateException("node " + n.name() + " exited: " + n.tail());
            if (System.nanoTime() > deadlineNanos) return false;
            Thread.sleep(100);
        }
    }

    /** The cluster run's config folder, with one queue of the given drains and the sleeping handler. */
    private Path writeConfig(Path dir, String db, int drains) throws IOException {
        ClusterConfig.write(dir, db, settings);
        Properties quarry = new Properties();
        quarry.setProperty("queues", QUEUE);
        quarry.setProperty("queue." + QUEUE + ".workers", String.valueOf(WORKERS));
        quarry.setProperty("queue." + QUEUE + ".drains", String.valueOf(drains));
        quarry.setProperty("handler.sleep.class", SleepHandler.class.getName());
        quarry.setProperty("handler.sleep.timeout", "1m");
        StringWriter text = new StringWriter();
        quarry.store(text, "written by bin/bench for a scale run");
        Files.writeString(dir.resolve(ConfigLoader.QUARRY_FILE), text.toString(), StandardCharsets.UTF_8);
        return dir;
    }
}
