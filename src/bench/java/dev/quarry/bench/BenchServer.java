package dev.quarry.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The MariaDB server the benchmark runs on. Every run gets its own fresh database,
 * {@code quarry_bench_<run>_<random>}, dropped when the run ends; a shutdown hook drops whatever
 * an interrupted benchmark (Ctrl-C) left behind.
 */
final class BenchServer {
    private final String serverUrl;
    private final String user;
    private final String password;
    private final boolean keepDatabases;
    private final java.time.Duration settleMax;
    private final Set<String> live = ConcurrentHashMap.newKeySet();

    /**
     * @param serverUrl a JDBC URL naming the server, with or without a database and parameters
     *                  (e.g. {@code jdbc:mariadb://127.0.0.1:3306/}); parameters are kept
     */
    BenchServer(String serverUrl, String user, String password, boolean keepDatabases, java.time.Duration settleMax) {
        if (!serverUrl.startsWith("jdbc:mariadb:") && !serverUrl.startsWith("jdbc:mysql:")) {
            throw new IllegalArgumentException("database server URL must be a jdbc:mariadb:// URL, not '" + serverUrl + "'");
        }
        this.serverUrl = serverUrl;
        this.user = user;
        this.password = password;
        this.keepDatabases = keepDatabases;
        this.settleMax = settleMax;
        Runtime.getRuntime().addShutdownHook(new Thread(this::dropAllQuietly, "quarry-bench-cleanup"));
    }

    String user() {
        return user;
    }

    String password() {
        return password;
    }

    /** The server URL without user or password, for the output. */
    String describe() {
        return urlFor("") + " as " + user;
    }

    /** Creates {@code quarry_bench_<label>_<8 hex digits>} and returns its name. */
    String createDatabase(String label) {
        String name = "quarry_bench_" + label + "_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
        exec("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        live.add(name);
        return name;
    }

    void dropDatabase(String name) {
        if (keepDatabases) {
            System.err.println("bench: keeping database " + name + " (--keep-databases)");
            live.remove(name);
            return;
        }
        exec("DROP DATABASE IF EXISTS `" + name + "`");
        live.remove(name);
    }

    Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(urlFor(database), user, password);
    }

    /** The server URL with {@code database} in place of whatever database it named. */
    String urlFor(String database) {
        return dev.quarry.internal.config.JdbcUrls.withDatabase(serverUrl, database);
    }

    /**
     * Waits, at most {@code --settle} (60 s), until the server has done the background work the runs before
     * left it: the purge of their undo history (under {@value #SETTLED_HISTORY} transactions left)
     * and the writing of their dirty pages. Otherwise whichever run comes next pays for it: the
     * purge threads take CPU from it, and a checkpoint that falls in it flushes every run's pages
     * at once (measured: the same baseline run used from 7.5 to 11.2 s of server CPU). An idle
     * InnoDB writes no dirty pages, so for the wait innodb_max_dirty_pages_pct is set to 0, then
     * back to its value (without the privilege for that, only the purge is waited for). Returns the
     * seconds waited.
     */
    double settle() {
        if (settleMax.isZero()) return 0;
        long t0 = System.nanoTime();
        long deadline = t0 + settleMax.toNanos();
        try (Connection c = connect(""); Statement st = c.createStatement()) {
            String dirtyPct = null;
            try (java.sql.ResultSet rs = st.executeQuery("SELECT @@GLOBAL.innodb_max_dirty_pages_pct")) {
                if (rs.next()) dirtyPct = rs.getString(1);
            }
            boolean flushing = false;
            try {
                st.execute("SET GLOBAL innodb_max_dirty_pages_pct = 0");
                flushing = true;
            } catch (SQLException e) {
                // no privilege: the purge is still waited for
            }
            try {
                while (System.nanoTime() < deadline && (status(st, "Innodb_history_list_length") >= SETTLED_HISTORY
                        || flushing && status(st, "Innodb_buffer_pool_pages_dirty") > SETTLED_DIRTY_PAGES)) {
                    Thread.sleep(200);
                }
            } finally {
                if (flushing && dirtyPct != null) st.execute("SET GLOBAL innodb_max_dirty_pages_pct = " + Double.parseDouble(dirtyPct));
            }
        } catch (SQLException e) {
            System.err.println("bench: could not wait for the server to settle: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static long status(Statement st, String name) throws SQLException {
        try (java.sql.ResultSet rs = st.executeQuery("SHOW GLOBAL STATUS LIKE '" + name + "'")) {
            return rs.next() ? rs.getLong(2) : 0;
        }
    }

    /** Dirty pages left when the server counts as settled: a few, which a run's first commits make anyway. */
    static final long SETTLED_DIRTY_PAGES = 100;
    static final long SETTLED_HISTORY = 1000;

    private void exec(String sql) {
        try (Connection c = connect(""); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " on " + describe() + " failed: " + e.getMessage()
                    + " (is MariaDB running? set QUARRY_BENCH_DB_URL or --db-url)", e);
        }
    }

    private void dropAllQuietly() {
        if (keepDatabases) return;
        for (String name : live) {
            try {
                exec("DROP DATABASE IF EXISTS `" + name + "`");
            } catch (RuntimeException e) {
                System.err.println("bench: could not drop " + name + ": " + e.getMessage());
            }
        }
    }
}
