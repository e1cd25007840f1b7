package dev.quarry.bench;

import dev.quarry.internal.config.ConfigLoader;
import dev.quarry.internal.config.QuarryConfig;
import dev.quarry.internal.node.Node;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;

/**
 * What an idle node costs the database: a node in this process with one empty queue of D drains
 * (all on this node), left alone for {@link #WINDOW_S} s once its drains are held; the statements
 * its database account sent in that time, from MariaDB's user statistics ({@code userstat}, turned
 * on for the run and restored after). The node connects as an account of its own, so nothing else
 * on the server counts. Everything a node sends is in it: the drains' polls, lease renewals, the
 * balancer's reads, Quartz's check-ins and trigger acquisitions, the pruner.
 */
final class IdleRun {
    static final int WINDOW_S = 20;
    private static final String USER = "quarry_bench_idle";
    private static final String PASSWORD = "idle-bench-only";

    private final BenchServer server;
    private final Bench.Settings settings;

    IdleRun(BenchServer server, Bench.Settings settings) {
        this.server = server;
        this.settings = settings;
    }

    ResultRow run(int drains) throws Exception {
        String db = server.createDatabase("idle");
        ResultRow row = new ResultRow("idle").put("queue_drains", drains).put("window_s", WINDOW_S);
        try (Connection c = server.connect(db); Statement st = c.createStatement()) {
            BenchNode.createSchema(server, db);
            st.execute("CREATE USER IF NOT EXISTS '" + USER + "'@'%' IDENTIFIED BY '" + PASSWORD + "'");
            st.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON `" + db + "`.* TO '" + USER + "'@'%'");
            boolean userstatWas;
            try (ResultSet rs = st.executeQuery("SELECT @@GLOBAL.userstat")) {
                rs.next();
                userstatWas = rs.getBoolean(1);
            }
            st.execute("SET GLOBAL userstat = 1");
            Node node = Node.start(config(db, drains));
            try {
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (held(st) < drains) {
                    if (System.nanoTime() > deadline) throw new IllegalStateException("the drains were not held within 60 s");
                    Thread.sleep(100);
                }
                Thread.sleep(3000); // past the start-up's kicks and first prune pass
                long[] before = statements(st);
                long t0 = System.nanoTime();
                Thread.sleep(WINDOW_S * 1000L);
                long[] after = statements(st);
                double s = (System.nanoTime() - t0) / 1e9;
                row.put("statements_per_s", (after[0] - before[0]) / s).put("per_drain", (after[0] - before[0]) / s / drains)
                        .put("selects_per_s", (after[1] - before[1]) / s).put("updates_per_s", (after[2] - before[2]) / s)
                        .put("commits_per_s", (after[3] - before[3]) / s);
            } finally {
                node.stop();
                st.execute("SET GLOBAL userstat = " + (userstatWas ? 1 : 0));
                st.execute("DROP USER IF EXISTS '" + USER + "'@'%'");
            }
            row.put("status", "ok");
            return row;
        } finally {
            server.dropDatabase(db);
        }
    }

    private QuarryConfig config(String db, int drains) {
        Properties quarry = new Properties();
        quarry.setProperty("queues", BenchNode.QUEUE);
        quarry.setProperty("queue." + BenchNode.QUEUE + ".drains", String.valueOf(drains));
        quarry.setProperty("queue." + BenchNode.QUEUE + ".drains-per-node", String.valueOf(drains));
        settings.overrides().forEach(quarry::setProperty);
        Properties quartz = BenchNode.quartzFile(settings.quarryHome());
        quartz.setProperty("org.quartz.scheduler.instanceName", db);
        return ConfigLoader.fromProperties(quarry, quartz, Map.of("QUARRY_DB_URL", server.urlFor(db), "QUARRY_DB_USER", USER,
                "QUARRY_DB_PASSWORD", PASSWORD));
    }

    private static int held(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM quarry_leases WHERE holder IS NOT NULL AND expires_at > NOW(6)")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** All statements, selects, updates (DML), commits of the node's account so far. */
    private static long[] statements(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT SELECT_COMMANDS + UPDATE_COMMANDS + OTHER_COMMANDS, SELECT_COMMANDS, UPDATE_COMMANDS,"
                + " COMMIT_TRANSACTIONS FROM information_schema.USER_STATISTICS WHERE USER = '" + USER + "'")) {
            return rs.next() ? new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)} : new long[4];
        }
    }
}
