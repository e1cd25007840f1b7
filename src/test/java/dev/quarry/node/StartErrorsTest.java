package dev.quarry.node;

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
}
