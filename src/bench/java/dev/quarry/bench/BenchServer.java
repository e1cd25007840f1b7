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
    private final Set<String> live = ConcurrentHashMap.newKeySet();

    /**
     * @param serverUrl a JDBC URL naming the server, with or without a database and parameters
     *                  (e.g. {@code jdbc:mariadb://127.0.0.1:3306/}); parameters are kept
     */
    BenchServer(String serverUrl, String user, String password, boolean keepDatabases) {
        if (!serverUrl.startsWith("jdbc:mariadb:") && !serverUrl.startsWith("jdbc:mysql:")) {
            throw new IllegalArgumentException("database server URL must be a jdbc:mariadb:// URL, not '" + serverUrl + "'");
        }
        this.serverUrl = serverUrl;
        this.user = user;
        this.password = password;
        this.keepDatabases = keepDatabases;
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
