package dev.quarry.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.testing.TestDatabase;
import org.junit.jupiter.api.Test;

/** {@code quarry schema print} and {@code quarry schema check}. */
class SchemaCommandTest {
    @Test
    void schema_print_gives_both_ddls_and_drops_nothing_without_any_configuration() {
        Cli.Result r = Cli.runWithEnv(java.util.Map.of(), "schema", "print");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("CREATE TABLE QRTZ_LOCKS").contains("CREATE TABLE quarry_jobs")
                .contains("INSERT INTO quarry_schema_version (version) VALUES (1)")
                .contains("ALTER TABLE quarry_jobs").contains("INSERT IGNORE INTO quarry_schema_version (version) VALUES (2)");
        // The DROPs are of keys built again (an index in version 2, widened; the leases' primary key in version 3;
        // the due index in version 4, on a new column);
        // no table, column or row is ever dropped.
        assertThat(r.out().toUpperCase().replace("DROP KEY QUARRY_JOBS_FINISHED,", "").replace("DROP PRIMARY KEY,\n  ADD PRIMARY KEY (QUEUE, DRAIN)", "")
                .replace("DROP INDEX IF EXISTS QUARRY_JOBS_DUE,\n  ADD KEY QUARRY_JOBS_DUE (SCHEDULED_QUEUE, RUN_AT)", ""))
                .doesNotContain("DROP");
        assertThat(r.out()).contains("ADD KEY IF NOT EXISTS quarry_jobs_due (queue, status, run_at)")
                .contains("ADD KEY quarry_jobs_due (scheduled_queue, run_at)");
    }

    @Test
    void schema_print_can_give_one_of_the_two() {
        Cli.Result quarry = Cli.runWithEnv(java.util.Map.of(), "schema", "print", "quarry");
        assertThat(quarry.out()).contains("CREATE TABLE quarry_jobs").doesNotContain("QRTZ_");
        Cli.Result quartz = Cli.runWithEnv(java.util.Map.of(), "schema", "print", "quartz");
        assertThat(quartz.out()).contains("CREATE TABLE QRTZ_LOCKS").doesNotContain("quarry_jobs");
        assertThat(Cli.runWithEnv(java.util.Map.of(), "schema", "print", "both").exit()).isEqualTo(QuarryCli.USAGE);
    }

    @Test
    void schema_check_on_a_complete_database_names_its_version() {
        try (TestDatabase db = TestDatabase.create("cli_schema_ok")) {
            Cli.Result r = Cli.run(db, "", "schema", "check");
            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.out().strip()).isEqualTo("schema ok (version 4)");
        }
    }

    @Test
    void schema_check_on_a_version_1_database_names_the_upgrade_script_in_one_line_and_exits_3() {
        try (TestDatabase db = TestDatabase.create("cli_schema_v1", 1)) {
            Cli.Result r = Cli.run(db, "", "schema", "check");
            assertThat(r.exit()).as(r.toString()).isEqualTo(QuarryCli.DATABASE);
            assertThat(r.out().strip()).isEqualTo("database " + db.name()
                    + " holds Quarry schema version 1, this node needs 4: run sql/002_scheduled_state.sql, then sql/003_drains_progress_schedules.sql, then sql/004_due_index_of_scheduled_jobs.sql");
        }
    }

    @Test
    void schema_check_on_an_empty_database_names_each_missing_table_and_exits_3() {
        try (TestDatabase db = TestDatabase.empty("cli_schema_empty")) {
            Cli.Result r = Cli.run(db, "", "schema", "check");
            assertThat(r.exit()).isEqualTo(QuarryCli.DATABASE);
            assertThat(r.out()).contains("QRTZ_LOCKS is missing from database " + db.name())
                    .contains("table quarry_jobs is missing from database " + db.name() + ": run sql/001_quarry_tables.sql, then sql/002_scheduled_state.sql, then sql/003_drains_progress_schedules.sql");
        }
    }

    @Test
    void a_command_on_an_empty_database_exits_3_and_points_to_schema_check() {
        try (TestDatabase db = TestDatabase.empty("cli_schema_hint")) {
            Cli.Result r = Cli.run(db, "", "jobs");
            assertThat(r.exit()).isEqualTo(QuarryCli.DATABASE);
            assertThat(r.err()).contains("quarry_jobs' doesn't exist").contains("run 'quarry schema check'");
        }
    }

    @Test
    void schema_alone_shows_its_usage_as_an_error() {
        Cli.Result r = Cli.runWithEnv(java.util.Map.of(), "schema");
        assertThat(r.exit()).isEqualTo(QuarryCli.USAGE);
        assertThat(r.err()).contains("print").contains("check");
    }
}
