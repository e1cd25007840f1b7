package dev.quarry.internal.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.quarry.client.DuplicateJobException;
import dev.quarry.client.NewJob;
import dev.quarry.client.QuarryClient;
import dev.quarry.testing.TestDatabase;
import dev.quarry.testing.TestRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    private static HikariDataSource pool(String user, String password) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(db.url());
        hc.setUsername(user);
        hc.setPassword(password);
        hc.setMaximumPoolSize(4);
        hc.setPoolName("grants-" + user);
        hc.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        return new HikariDataSource(hc);
    }

    /** The columns a producer may set, as sql/grants.sql and the README list them. */
    private static final String PRODUCER_COLUMNS = "queue, type, payload, priority, run_at, max_attempts, unique_key";

    @Test
    void the_producer_can_insert_a_job_with_every_producer_column_and_read_every_column() throws SQLException {
        try (Connection c = as(producer, "change-me-producer"); Statement st = c.createStatement()) {
            assertThat(st.executeUpdate("INSERT INTO quarry_jobs (" + PRODUCER_COLUMNS + ") VALUES"
                    + " ('video', 'resize-video', '{\"file\":\"a.mp4\"}', -1, NOW(6) + INTERVAL 1 HOUR, 3, 'resize:a.mp4')")).isEqualTo(1);
            try (ResultSet rs = st.executeQuery("SELECT * FROM quarry_jobs WHERE unique_key = 'resize:a.mp4'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString("status")).as("a future run_at").isEqualTo("scheduled");
                assertThat(rs.getInt("priority")).isEqualTo(-1);
                assertThat(rs.getInt("max_attempts")).isEqualTo(3);
                assertThat(rs.getObject("claim_token")).isNull();
            }
            // The minimal insert of the README, and INSERT IGNORE for a key already held.
            assertThat(st.executeUpdate("INSERT INTO quarry_jobs (type, payload) VALUES ('noop', '{}')")).isEqualTo(1);
            assertThat(st.executeUpdate("INSERT IGNORE INTO quarry_jobs (type, unique_key) VALUES ('noop', 'resize:a.mp4')")).isZero();
        }
    }

    @Test
    void the_producer_cannot_set_a_column_that_belongs_to_the_engine() throws SQLException {
        Map<String, String> forged = new LinkedHashMap<>();
        forged.put("status", "'running'");
        forged.put("claim_token", "42");
        forged.put("lease_epoch", "9223372036854775807");
        forged.put("attempts", "0");
        forged.put("claimed_by", "'nobody'");
        forged.put("started_at", "NOW(6)");
        forged.put("finished_at", "NOW(6)");
        forged.put("last_error", "'forged'");
        forged.put("cancel_requested", "1");
        forged.put("created_at", "NOW(6)");
        forged.put("id", "999999");
        try (Connection c = as(producer, "change-me-producer"); Statement st = c.createStatement()) {
            forged.forEach((column, value) -> assertThatThrownBy(() -> st.executeUpdate(
                    "INSERT INTO quarry_jobs (type, unique_key, " + column + ") VALUES ('noop', 'forged', " + value + ")"))
                    .as(column).hasMessageContaining("INSERT command denied").hasMessageContaining("column '" + column + "'"));
        }
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE unique_key = 'forged'")).isZero();
    }

    @Test
    void the_producer_can_read_but_not_change_or_delete_jobs_or_touch_other_tables() throws SQLException {
        try (Connection c = as(producer, "change-me-producer"); Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO quarry_jobs (type, payload) VALUES ('noop', '{}')");
            assertThat(st.executeQuery("SELECT status FROM quarry_jobs").next()).isTrue();
            assertThatThrownBy(() -> st.executeUpdate("UPDATE quarry_jobs SET status = 'done'")).hasMessageContaining("UPDATE command denied");
            assertThatThrownBy(() -> st.executeUpdate("DELETE FROM quarry_jobs")).hasMessageContaining("DELETE command denied");
            assertThatThrownBy(() -> st.executeQuery("SELECT * FROM quarry_leases")).hasMessageContaining("SELECT command denied");
            assertThatThrownBy(() -> st.executeUpdate("INSERT INTO quarry_leases (queue) VALUES ('x')")).hasMessageContaining("INSERT command denied");
        }
    }

    @Test
    void the_java_client_works_on_the_producer_account_and_names_the_job_holding_a_duplicate_key() {
        try (HikariDataSource producerPool = pool(producer, "change-me-producer")) {
            QuarryClient client = new QuarryClient(producerPool);
            long id = client.enqueue(NewJob.builder("send-mail").payload("{}").queue("mail").priority(2)
                    .delay(Duration.ofMinutes(5)).maxAttempts(2).uniqueKey("mail:1").build());
            assertThat(id).isPositive();
            long[] batch = client.enqueueAll(List.of(NewJob.of("noop", "a"), NewJob.of("noop", "b")));
            assertThat(batch[1]).isGreaterThan(batch[0]).isGreaterThan(id);
            assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE id IN (?, ?) AND payload IN ('a', 'b')", batch[0], batch[1])).isEqualTo(2);
            assertThatThrownBy(() -> client.enqueue(NewJob.builder("send-mail").uniqueKey("mail:1").build()))
                    .isInstanceOf(DuplicateJobException.class)
                    .satisfies(e -> assertThat(((DuplicateJobException) e).heldBy()).isEqualTo(id));
            long[] some = client.enqueueAllIfAbsent(List.of(NewJob.builder("noop").uniqueKey("mail:1").build(),
                    NewJob.builder("noop").uniqueKey("mail:2").build()));
            assertThat(some[0]).isEqualTo(QuarryClient.SKIPPED);
            assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE id = ? AND unique_key = 'mail:2'", some[1])).isEqualTo(1);
            // A batch is one transaction on this path too: the duplicate in its second row leaves nothing behind.
            assertThatThrownBy(() -> client.enqueueAll(List.of(NewJob.builder("noop").uniqueKey("mail:3").build(),
                    NewJob.builder("noop").uniqueKey("mail:1").build()))).isInstanceOf(DuplicateJobException.class);
            assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE unique_key = 'mail:3'")).isZero();
        }
    }

    @Test
    void a_drain_on_the_node_account_runs_a_job_the_producer_inserted() throws SQLException {
        try (Connection c = as(producer, "change-me-producer"); Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO quarry_jobs (queue, type, payload) VALUES ('granted', 'noop', '{}')");
        }
        try (HikariDataSource nodePool = pool(node, "change-me-node");
             TestRuntime runtime = new TestRuntime(db, nodePool, "grants-node", "queues = granted\n", Map.of())) {
            runtime.drainUntilIdle();
        }
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE queue = 'granted' AND status = 'done'")).isEqualTo(1);
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
