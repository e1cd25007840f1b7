package dev.quarry.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quarry.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** sql/grants.sql, applied as written (database and account names swapped for unique ones), on a real server. */
class GrantsTest {
    private static TestDatabase db;
    private static String producer;
    private static String node;

    @BeforeAll
    static void applyGrants() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(TestDatabase.ENFORCES_GRANTS,
                "the test server runs without grant tables (the tests' own embedded MariaDB): accounts cannot be tested");
        db = TestDatabase.create("grants");
        String suffix = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL);
        producer = "qp_" + suffix;
        node = "qn_" + suffix;
        String script = Files.readString(Path.of("sql", "grants.sql"))
                .replace("quarry.", "`" + db.name() + "`.")
                .replace("'quarry_producer'", "'" + producer + "'")
                .replace("'quarry_node'", "'" + node + "'");
        try (Connection c = db.dataSource().getConnection()) {
            SchemaScripts.apply(c, SchemaScripts.split(script));
        }
    }

    @AfterAll
    static void dropAccounts() {
        if (db == null) return;
        db.exec("DROP USER IF EXISTS '" + producer + "'@'%'");
        db.exec("DROP USER IF EXISTS '" + node + "'@'%'");
        db.close();
    }

    private static Connection as(String user, String password) throws SQLException {
        return DriverManager.getConnection(db.url(), user, password);
    }

    @Test
    void the_producer_can_insert_and_read_jobs_but_not_change_or_delete_them() throws SQLException {
        try (Connection c = as(producer, "change-me-producer"); Statement st = c.createStatement()) {
            assertThat(st.executeUpdate("INSERT INTO quarry_jobs (type, payload) VALUES ('noop', '{}')")).isEqualTo(1);
            assertThat(st.executeQuery("SELECT status FROM quarry_jobs").next()).isTrue();
            assertThatThrownBy(() -> st.executeUpdate("UPDATE quarry_jobs SET status = 'done'")).hasMessageContaining("UPDATE command denied");
            assertThatThrownBy(() -> st.executeUpdate("DELETE FROM quarry_jobs")).hasMessageContaining("DELETE command denied");
            assertThatThrownBy(() -> st.executeQuery("SELECT * FROM quarry_leases")).hasMessageContaining("SELECT command denied");
        }
    }

    @Test
    void the_node_account_can_change_rows_but_not_tables() throws SQLException {
        try (Connection c = as(node, "change-me-node"); Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO quarry_leases (queue) VALUES ('grants-test')");
            assertThat(st.executeUpdate("UPDATE quarry_leases SET paused = 1 WHERE queue = 'grants-test'")).isEqualTo(1);
            assertThat(st.executeUpdate("DELETE FROM QRTZ_LOCKS WHERE SCHED_NAME = 'none'")).isZero();
            assertThatThrownBy(() -> st.execute("ALTER TABLE quarry_jobs ADD COLUMN x INT")).hasMessageContaining("denied");
            assertThatThrownBy(() -> st.execute("DROP TABLE quarry_leases")).hasMessageContaining("denied");
        }
    }
}
