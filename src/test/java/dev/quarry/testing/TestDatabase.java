package dev.quarry.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.quarry.internal.schema.SchemaScripts;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A fresh database on the test server, with the Quartz and Quarry tables built from the same
 * scripts a DBA runs; dropped on close. The server is the one {@link TestServer} finds, as
 * {@code QUARRY_TEST_DB_USER} (default root) with {@code QUARRY_TEST_DB_PASSWORD} (default empty).
 */
public final class TestDatabase implements AutoCloseable {
    public static final String SERVER_URL = TestServer.url();
    public static final String USER = System.getenv().getOrDefault("QUARRY_TEST_DB_USER", "root");
    public static final String PASSWORD = System.getenv().getOrDefault("QUARRY_TEST_DB_PASSWORD", "");

    private final String name;
    private final String url;
    private final HikariDataSource dataSource;

    private TestDatabase(String name) {
        this.name = name;
        this.url = urlFor(name);
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(url);
        hc.setUsername(USER);
        hc.setPassword(PASSWORD);
        hc.setMaximumPoolSize(8);
        hc.setPoolName("test-" + name);
        hc.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        this.dataSource = new HikariDataSource(hc);
    }

    /**
     * Whether the test server checks accounts and grants. The embedded server the tests start when
     * no other answers runs without grant tables, so tests of accounts and passwords skip there.
     */
    public static final boolean ENFORCES_GRANTS = probeGrants();

    private static boolean probeGrants() {
        String probe = "quarry_probe_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL);
        try (Connection c = DriverManager.getConnection(urlFor(""), USER, PASSWORD); Statement st = c.createStatement()) {
            st.execute("CREATE USER '" + probe + "'@'%' IDENTIFIED BY 'x'");
            st.execute("DROP USER '" + probe + "'@'%'");
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    /** Creates {@code quarry_test_<label>_<random>} with the full schema. */
    public static TestDatabase create(String label) {
        return create(label, SchemaScripts.QUARRY_SCHEMA_VERSION);
    }

    /** Like {@link #create(String)}, with Quarry's tables as the scripts up to {@code quarryVersion} make them (upgrade tests). */
    public static TestDatabase create(String label, int quarryVersion) {
        String name = "quarry_test_" + label + "_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
        try (Connection c = DriverManager.getConnection(urlFor(""), USER, PASSWORD); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create a test database on " + SERVER_URL + " as " + USER
                    + " (is MariaDB running? set QUARRY_TEST_DB_URL): " + e.getMessage(), e);
        }
        TestDatabase db = new TestDatabase(name);
        try (Connection c = db.dataSource.getConnection()) {
            SchemaScripts.apply(c, SchemaScripts.quartz());
            for (int v = 1; v <= quarryVersion; v++) SchemaScripts.apply(c, SchemaScripts.script(v));
        } catch (SQLException e) {
            db.close();
            throw new IllegalStateException("cannot build the schema: " + e.getMessage(), e);
        }
        return db;
    }

    /** A database with no tables at all, for schema-check tests. */
    public static TestDatabase empty(String label) {
        String name = "quarry_test_" + label + "_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
        execOnServer("CREATE DATABASE `" + name + "`");
        return new TestDatabase(name);
    }

    static String urlFor(String database) {
        return dev.quarry.internal.config.JdbcUrls.withDatabase(SERVER_URL, database);
    }

    private static void execOnServer(String sql) {
        try (Connection c = DriverManager.getConnection(urlFor(""), USER, PASSWORD); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    public String name() {
        return name;
    }

    public String url() {
        return url;
    }

    public HikariDataSource dataSource() {
        return dataSource;
    }

    /**
     * Records every status change of quarry_jobs in {@code test_transitions} through a trigger, so
     * tests can count how often a job was claimed or finalized, and under which lease epoch.
     */
    public TestDatabase withTransitionAudit() {
        exec("CREATE TABLE test_transitions (seq BIGINT AUTO_INCREMENT PRIMARY KEY, job_id BIGINT NOT NULL,"
                + " from_status VARCHAR(16), to_status VARCHAR(16), claimed_by VARCHAR(200), lease_epoch BIGINT,"
                + " at DATETIME(6) NOT NULL DEFAULT NOW(6), KEY (job_id))");
        exec("CREATE TRIGGER test_audit AFTER UPDATE ON quarry_jobs FOR EACH ROW"
                + " IF NEW.status <> OLD.status THEN"
                + " INSERT INTO test_transitions (job_id, from_status, to_status, claimed_by, lease_epoch)"
                + " VALUES (NEW.id, OLD.status, NEW.status, NEW.claimed_by, NEW.lease_epoch); END IF");
        return this;
    }

    /** A table where {@link RecordingHandler} notes each run a handler made. */
    public TestDatabase withRunLog() {
        exec("CREATE TABLE test_runs (seq BIGINT AUTO_INCREMENT PRIMARY KEY, job_id BIGINT NOT NULL, node VARCHAR(200),"
                + " attempt INT, drain INT NULL, at DATETIME(6) NOT NULL DEFAULT NOW(6), ended_at DATETIME(6) NULL, KEY (job_id))");
        return this;
    }

    /**
     * Records every take-over of a drain's lease (each new epoch) in {@code test_leases}, in
     * database time, so tests can tell who held each drain of a queue at any moment, and, for a
     * lease taken from a holder, when that holder's lease had expired ({@code previous_expires_at}).
     */
    public TestDatabase withLeaseAudit() {
        exec("CREATE TABLE test_leases (seq BIGINT AUTO_INCREMENT PRIMARY KEY, queue VARCHAR(64), drain INT, holder VARCHAR(200),"
                + " epoch BIGINT, previous_holder VARCHAR(200) NULL, previous_expires_at DATETIME(6) NULL,"
                + " at DATETIME(6) NOT NULL DEFAULT NOW(6))");
        exec("CREATE TRIGGER test_lease_audit AFTER UPDATE ON quarry_leases FOR EACH ROW"
                + " IF NEW.epoch <> OLD.epoch THEN"
                + " INSERT INTO test_leases (queue, drain, holder, epoch, previous_holder, previous_expires_at)"
                + " VALUES (NEW.queue, NEW.drain, NEW.holder, NEW.epoch, OLD.holder, OLD.expires_at); END IF");
        return this;
    }

    public void exec(String sql, Object... params) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) ps.setObject(i + 1, params[i]);
            ps.execute();
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    public long insertJob(String type, String payload) {
        return insert("INSERT INTO quarry_jobs (type, payload) VALUES (?, ?)", type, payload);
    }

    public long insert(String sql, Object... params) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(sql, Statement.RETURN_GENERATED_KEYS)) {
            for (int i = 0; i < params.length; i++) ps.setObject(i + 1, params[i]);
            ps.executeUpdate();
            try (ResultSet rs = ps.getGeneratedKeys()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    /** Inserts {@code n} jobs of one type in multi-row statements. */
    public void insertJobs(int n, String queue, String type) {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            for (int done = 0; done < n; ) {
                int chunk = Math.min(1000, n - done);
                StringBuilder sql = new StringBuilder("INSERT INTO quarry_jobs (queue, type, payload) VALUES ");
                for (int i = 0; i < chunk; i++) {
                    if (i > 0) sql.append(',');
                    sql.append("('").append(queue).append("','").append(type).append("','{\"n\":").append(done + i).append("}')");
                }
                st.executeUpdate(sql.toString());
                done += chunk;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("insert jobs: " + e.getMessage(), e);
        }
    }

    public long count(String sql, Object... params) {
        List<Map<String, Object>> rows = query(sql, params);
        return ((Number) rows.get(0).values().iterator().next()).longValue();
    }

    public Map<String, Object> job(long id) {
        List<Map<String, Object>> rows = query("SELECT * FROM quarry_jobs WHERE id = ?", id);
        if (rows.isEmpty()) throw new AssertionError("no job " + id);
        return rows.get(0);
    }

    public String status(long id) {
        return (String) job(id).get("status");
    }

    /** Counts by status, e.g. {ready=3, done=10}, for assertion messages. */
    public Map<String, Long> statusCounts() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Map<String, Object> r : query("SELECT status, COUNT(*) AS n FROM quarry_jobs GROUP BY status ORDER BY status")) {
            m.put((String) r.get("status"), ((Number) r.get("n")).longValue());
        }
        return m;
    }

    public List<Map<String, Object>> query(String sql, Object... params) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) ps.setObject(i + 1, params[i]);
            try (ResultSet rs = ps.executeQuery()) {
                List<Map<String, Object>> rows = new ArrayList<>();
                int cols = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= cols; i++) row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                    rows.add(row);
                }
                return rows;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        dataSource.close();
        execOnServer("DROP DATABASE IF EXISTS `" + name + "`");
    }
}
