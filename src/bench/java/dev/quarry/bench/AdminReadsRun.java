package dev.quarry.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.quarry.internal.cli.QuarryCli;
import dev.quarry.internal.config.ConfigLoader;
import dev.quarry.internal.config.QuarryConfig;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;

/**
 * The operator's reads on a table that keeps millions of finished jobs ({@code --only admin-reads}):
 * fills a fresh database with {@code --admin-rows} finished jobs (default 10,000,000: 7 days of
 * retention at about 16 jobs/s) plus a thousand live ones, then times {@code quarry status} and
 * {@code quarry jobs} with several filters, in this process (no JVM start-up), three times each:
 * the first run meets whatever the buffer pool holds after the fill, the median is the warm figure.
 * For comparison it also times, once, the statements status and jobs used before (a GROUP BY over
 * the whole table, and a type filter down the primary key), cut off after 300 s.
 */
final class AdminReadsRun {
    static final String RARE_TYPE = "rare-type";
    private static final int FILL_CHUNK = 500_000;
    private static final int REPEATS = 3;
    /** Seven days, in microseconds, over which the finished jobs' times are spread. */
    private static final long SPAN_MICROS = 7L * 24 * 3600 * 1_000_000;

    private final BenchServer server;

    AdminReadsRun(BenchServer server) {
        this.server = server;
    }

    List<ResultRow> run(int rows) throws Exception {
        String db = server.createDatabase("admin_" + rows);
        try {
            BenchNode.createSchema(server, db);
            long fillNanos = fill(db, rows);
            System.err.printf("bench: admin-reads: %,d finished jobs inserted in %.1f s%n", rows, fillNanos / 1e9);
            List<ResultRow> out = new ArrayList<>();
            try (HikariDataSource ds = pool(db)) {
                long middle;
                try (Connection c = ds.getConnection(); Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT MIN(id) FROM quarry_jobs WHERE id >= " + rows / 2)) {
                    rs.next();
                    middle = rs.getLong(1);
                    c.commit();
                }
                QuarryConfig config = config(db);
                List<List<String>> commands = List.of(
                        List.of("status"), List.of("status", "--json"),
                        List.of("jobs"), List.of("jobs", "--status", "dead"), List.of("jobs", "--queue", "mail", "--status", "done"),
                        List.of("jobs", "--status", "ready"), List.of("jobs", "--status", "dead", "--before", Long.toString(middle)),
                        List.of("jobs", "--type", RARE_TYPE), List.of("jobs", "--status", "done", "--type", RARE_TYPE),
                        List.of("jobs", "--queue", "video", "--type", RARE_TYPE), List.of("jobs", "--queue", "video"),
                        List.of("jobs", "--queue", "mail", "--status", "done", "--type", RARE_TYPE, "--before", Long.toString(middle)));
                for (List<String> cmd : commands) out.add(time(config, ds, rows, cmd));
                out.add(timeSql(ds, rows, "before: status counts", "SELECT queue, status, COUNT(*) FROM quarry_jobs GROUP BY queue, status"));
                out.add(timeSql(ds, rows, "before: jobs --queue video --type " + RARE_TYPE, "SELECT id FROM quarry_jobs WHERE queue = 'video'"
                        + " AND type = '" + RARE_TYPE + "' ORDER BY id DESC LIMIT 50"));
            }
            for (ResultRow r : out) r.put("fill_s", fillNanos / 1e9);
            return out;
        } finally {
            server.dropDatabase(db);
        }
    }

    /**
     * Finished jobs in id order of their finish, spread over seven days: 60% queue default, 30%
     * mail, 10% video; 90% done, 5% dead, 5% cancelled; one in 100,000 of type rare-type, all in
     * queue mail. Then 1,000 ready jobs and 8 running ones in default.
     */
    long fill(String db, int rows) throws SQLException {
        long t0 = System.nanoTime();
        long step = Math.max(1, SPAN_MICROS / rows);
        java.util.concurrent.atomic.AtomicLong inserted = new java.util.concurrent.atomic.AtomicLong();
        try (Connection c = server.connect(db); Statement st = c.createStatement();
             Progress p = new Progress("admin-reads fill", rows, inserted::get)) {
            for (long from = 1; from <= rows; from += FILL_CHUNK) {
                long to = Math.min(rows, from + FILL_CHUNK - 1);
                st.executeUpdate("INSERT INTO quarry_jobs (queue, type, status, attempts, run_at, created_at, started_at, finished_at)"
                        + " SELECT CASE WHEN seq % 10 < 6 THEN 'default' WHEN seq % 10 < 9 THEN 'mail' ELSE 'video' END,"
                        + " CASE WHEN seq % 100000 = 77 THEN '" + RARE_TYPE + "' WHEN seq % 2 = 0 THEN 'resize' ELSE 'welcome' END,"
                        + " CASE (seq DIV 10) % 20 WHEN 0 THEN 'dead' WHEN 1 THEN 'cancelled' ELSE 'done' END, 1, t, t, t, t"
                        + " FROM (SELECT seq, NOW(6) - INTERVAL (" + rows + " - seq) * " + step + " MICROSECOND AS t"
                        + " FROM seq_" + from + "_to_" + to + ") s");
                inserted.set(to);
            }
            st.executeUpdate("INSERT INTO quarry_jobs (type, run_at) SELECT 'resize', NOW(6) - INTERVAL seq SECOND FROM seq_1_to_1000");
            st.executeUpdate("INSERT INTO quarry_jobs (type, status, attempts, claim_token, started_at) SELECT 'resize', 'running', 1, seq, NOW(6)"
                    + " FROM seq_1_to_8");
            st.execute("ANALYZE TABLE quarry_jobs");
        }
        return System.nanoTime() - t0;
    }

    HikariDataSource pool(String db) {
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("bench-admin");
        hc.setJdbcUrl(server.urlFor(db));
        hc.setUsername(server.user());
        hc.setPassword(server.password());
        hc.setMaximumPoolSize(2);
        hc.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        return new HikariDataSource(hc);
    }

    private QuarryConfig config(String db) {
        Properties quarry = new Properties();
        quarry.setProperty("queues", "default,mail,video");
        return ConfigLoader.fromProperties(quarry, new Properties(), Map.of("QUARRY_DB_URL", server.urlFor(db)));
    }

    /** One command as bin/quarry runs it, minus the JVM's start: {@value #REPEATS} times. */
    private static ResultRow time(QuarryConfig config, HikariDataSource ds, int rows, List<String> args) {
        long[] ms = new long[REPEATS];
        int exit = 0;
        String note = "";
        for (int i = 0; i < REPEATS; i++) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cl = new CommandLine(new QuarryCli(config, ds, new ByteArrayInputStream(new byte[0])));
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            long t0 = System.nanoTime();
            exit = cl.execute(args.toArray(String[]::new));
            ms[i] = (System.nanoTime() - t0) / 1_000_000;
            note = err.toString().strip().replace('\n', ' ');
            if (note.length() > 160) note = note.substring(0, 160) + "...";
            if (i == 0) System.err.printf("bench: admin-reads: quarry %s: exit %d, %d lines%s%n", String.join(" ", args), exit,
                    out.toString().lines().count(), note.isEmpty() ? "" : ", stderr: " + note);
        }
        return row(rows, "quarry " + String.join(" ", args), ms).put("exit", exit).put("stderr", note.isEmpty() ? null : note);
    }

    private static ResultRow timeSql(HikariDataSource ds, int rows, String what, String sql) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            long t0 = System.nanoTime();
            String status = "ok";
            try (ResultSet rs = st.executeQuery("SET STATEMENT max_statement_time = 300 FOR " + sql)) {
                while (rs.next()) {
                    // read it all, as the command did
                }
            } catch (SQLException e) {
                if (e.getErrorCode() != 1969) throw e;
                status = "cut off at 300 s";
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            c.commit();
            System.err.printf("bench: admin-reads: %s: %d ms%n", what, ms);
            return new ResultRow("admin-reads").put("rows", rows).put("command", what).put("first_ms", ms).put("result", status);
        }
    }

    private static ResultRow row(int rows, String command, long[] ms) {
        long[] sorted = ms.clone();
        Arrays.sort(sorted);
        return new ResultRow("admin-reads").put("rows", rows).put("command", command).put("first_ms", ms[0])
                .put("median_ms", sorted[sorted.length / 2]).put("max_ms", sorted[sorted.length - 1]);
    }
}
