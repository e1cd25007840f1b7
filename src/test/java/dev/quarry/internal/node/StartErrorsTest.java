package dev.quarry.internal.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.testing.NodeProcess;
import dev.quarry.testing.TestConfig;
import dev.quarry.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node that cannot run stops at once, with one line naming the cause and the fix, and a non-zero exit. */
class StartErrorsTest {
    private static final Duration EXIT = Duration.ofSeconds(60);

    @TempDir
    Path work;

    private static List<String> errorLines(NodeProcess node) {
        return node.output().lines().filter(l -> l.startsWith("quarry: ")).toList();
    }

    @Test
    void an_unknown_key_stops_the_node_with_exit_2_naming_key_and_file() {
        try (TestDatabase db = TestDatabase.create("badkey");
             NodeProcess node = NodeProcess.start("n", db, TestConfig.write(work.resolve("c"), "queues = default\nretry.max-atempts = 3\n"), work, Map.of())) {
            assertThat(node.awaitExit(EXIT)).isEqualTo(Main.EXIT_CONFIG);
            assertThat(errorLines(node)).singleElement().asString()
                    .startsWith("quarry: bad configuration: ").endsWith("quarry.properties: unknown key 'retry.max-atempts'");
        }
    }

    @Test
    void a_bad_schedule_stops_the_node_with_exit_2_naming_the_key() {
        try (TestDatabase db = TestDatabase.create("badsched");
             NodeProcess node = NodeProcess.start("n", db, TestConfig.write(work.resolve("c"),
                     "schedule.nightly.cron = 0 30 25 * * ?\nschedule.nightly.type = report\n"), work, Map.of())) {
            assertThat(node.awaitExit(EXIT)).isEqualTo(Main.EXIT_CONFIG);
            assertThat(errorLines(node)).singleElement().asString()
                    .startsWith("quarry: bad configuration: ").contains("quarry.properties: schedule.nightly.cron=0 30 25 * * ? is not a Quartz cron expression");
        }
    }

    @Test
    void a_shell_handler_whose_command_does_not_exist_stops_the_node_with_exit_2() {
        try (TestDatabase db = TestDatabase.create("badcmd");
             NodeProcess node = NodeProcess.start("n", db, TestConfig.write(work.resolve("c"),
                     "handler.resize.shell = /opt/nowhere/resize --fast\n"), work, Map.of())) {
            assertThat(node.awaitExit(EXIT)).isEqualTo(Main.EXIT_CONFIG);
            assertThat(errorLines(node)).containsExactly(
                    "quarry: bad configuration: quarry.properties: handler.resize.shell: command /opt/nowhere/resize does not exist");
        }
    }

    @Test
    void a_metrics_port_in_use_stops_the_node_with_exit_3_naming_the_key() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             TestDatabase db = TestDatabase.create("metricsport");
             NodeProcess node = NodeProcess.start("n", db, TestConfig.write(work.resolve("c"), "queues = default\nmetrics.port = "
                     + taken.getLocalPort() + "\nmetrics.bind = 127.0.0.1\n"), work, Map.of())) {
            assertThat(node.awaitExit(EXIT)).isEqualTo(Main.EXIT_START);
            assertThat(errorLines(node)).singleElement().asString()
                    .startsWith("quarry: cannot start: metrics.port=" + taken.getLocalPort() + ": cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
    }

    @Test
    void missing_tables_stop_the_node_with_exit_3_naming_the_table_and_the_script() {
        try (TestDatabase db = TestDatabase.empty("notables");
             NodeProcess node = NodeProcess.start("n", db, TestConfig.write(work.resolve("c"), "queues = default\n"), work, Map.of())) {
            assertThat(node.awaitExit(EXIT)).isEqualTo(Main.EXIT_START);
            assertThat(errorLines(node)).singleElement().asString()
                    .startsWith("quarry: cannot start: Quartz table QRTZ_JOB_DETAILS is missing from database " + db.name())
                    .contains("sql/quartz-tables.sh");
        }
    }

    @Test
    void an_unreachable_database_stops_the_node_with_exit_3_and_no_password_in_sight() {
        try (TestDatabase db = TestDatabase.create("unreachable");
             NodeProcess node = NodeProcess.start("n", db, TestConfig.write(work.resolve("c"), "queues = default\n"), work,
                     Map.of("QUARRY_DB_URL", "jdbc:mariadb://127.0.0.1:1/quarry", "QUARRY_DB_PASSWORD", "hunter2-secret"))) {
            assertThat(node.awaitExit(EXIT)).isEqualTo(Main.EXIT_START);
            assertThat(errorLines(node)).singleElement().asString()
                    .startsWith("quarry: cannot start: cannot connect to the database at jdbc:mariadb://127.0.0.1:1/quarry as root: ");
            assertThat(node.output()).doesNotContain("hunter2-secret");
        }
    }

    @Test
    void a_password_in_the_url_shows_neither_in_the_start_up_log_nor_in_the_start_error() {
        String secret = "InUrl-" + Long.toHexString(System.nanoTime());
        try (TestDatabase db = TestDatabase.create("urlpw");
             NodeProcess node = NodeProcess.start("n", db, TestConfig.write(work.resolve("c"), "queues = default\n"), work,
                     Map.of("QUARRY_DB_URL", "jdbc:mariadb://127.0.0.1:1/quarry?user=root&PASSWORD=" + secret))) {
            assertThat(node.awaitExit(EXIT)).isEqualTo(Main.EXIT_START);
            assertThat(node.output()).contains("effective configuration").contains("url=jdbc:mariadb://127.0.0.1:1/quarry?user=root&PASSWORD=****");
            assertThat(errorLines(node)).singleElement().asString().startsWith(
                    "quarry: cannot start: cannot connect to the database at jdbc:mariadb://127.0.0.1:1/quarry?user=root&PASSWORD=**** as root: ");
            assertThat(node.output()).doesNotContain(secret);
        }
    }

    @Test
    void a_schema_at_another_version_stops_the_node_with_exit_3_naming_the_versions() {
        try (TestDatabase db = TestDatabase.create("oldschema")) {
            db.exec("DELETE FROM quarry_schema_version");
            db.exec("INSERT INTO quarry_schema_version (version) VALUES (0)");
            try (NodeProcess node = NodeProcess.start("n", db, TestConfig.write(work.resolve("c"), "queues = default\n"), work, Map.of())) {
                assertThat(node.awaitExit(EXIT)).isEqualTo(Main.EXIT_START);
                assertThat(errorLines(node)).containsExactly("quarry: cannot start: database " + db.name()
                        + " holds Quarry schema version 0, this node needs 4: run sql/001_quarry_tables.sql, then sql/002_scheduled_state.sql, then sql/003_drains_progress_schedules.sql, then sql/004_due_index_of_scheduled_jobs.sql");
            }
        }
    }

    @Test
    void wrong_credentials_stop_the_node_with_exit_3_and_the_servers_reason_but_never_the_password() {
        org.junit.jupiter.api.Assumptions.assumeTrue(TestDatabase.ENFORCES_GRANTS,
                "the test server runs without grant tables (the tests' own embedded MariaDB): it takes any password");
        String password = "wrong-" + Long.toHexString(System.nanoTime());
        try (TestDatabase db = TestDatabase.create("badpw");
             NodeProcess node = NodeProcess.start("n", db, TestConfig.write(work.resolve("c"), "queues = default\n"), work,
                     Map.of("QUARRY_DB_USER", "quarry_nobody", "QUARRY_DB_PASSWORD", password))) {
            assertThat(node.awaitExit(EXIT)).isEqualTo(Main.EXIT_START);
            assertThat(errorLines(node)).singleElement().asString()
                    .startsWith("quarry: cannot start: cannot connect to the database at " + db.url() + " as quarry_nobody: ")
                    .contains("Access denied");
            assertThat(node.output()).doesNotContain(password);
        }
    }

    @Test
    void a_running_node_never_shows_its_password_in_its_log() {
        org.junit.jupiter.api.Assumptions.assumeTrue(TestDatabase.ENFORCES_GRANTS,
                "the test server runs without grant tables (the tests' own embedded MariaDB): no account can be made");
        String user = "qpw_" + Long.toHexString(System.nanoTime() & 0xffffff);
        String password = "s3cret-" + Long.toHexString(System.nanoTime());
        try (TestDatabase db = TestDatabase.create("pwlog")) {
            db.exec("CREATE USER '" + user + "'@'%' IDENTIFIED BY '" + password + "'");
            try {
                db.exec("GRANT SELECT, INSERT, UPDATE, DELETE ON `" + db.name() + "`.* TO '" + user + "'@'%'");
                try (NodeProcess node = NodeProcess.start("n", db, TestConfig.write(work.resolve("c"), "queues = default\n"), work,
                        Map.of("QUARRY_DB_USER", user, "QUARRY_DB_PASSWORD", password))) {
                    node.instanceId(EXIT);
                    db.insertJob("noop", "{}");
                    dev.quarry.testing.Poll.until(EXIT, "the job", () -> db.count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'done'") == 1);
                    node.signal("TERM");
                    node.awaitExit(EXIT);
                    assertThat(node.output()).contains("password=****").contains("user=" + user).doesNotContain(password);
                }
            } finally {
                db.exec("DROP USER '" + user + "'@'%'");
            }
        }
    }

    @Test
    void a_misspelt_quartz_key_stops_the_node_with_exit_2_naming_the_key_and_file() {
        try (TestDatabase db = TestDatabase.create("quartzkey");
             NodeProcess node = NodeProcess.start("n", db, TestConfig.write(work.resolve("c"), "queues = default\n",
                     "org.quartz.jobStore.clusterCheckinIntervall = 5000\n"), work, Map.of())) {
            assertThat(node.awaitExit(EXIT)).isEqualTo(Main.EXIT_CONFIG);
            assertThat(errorLines(node)).singleElement().asString().startsWith("quarry: bad configuration: ")
                    .endsWith("quartz.properties: unknown key 'org.quartz.jobStore.clusterCheckinIntervall' (Quartz has no such setting)");
        }
    }
}
