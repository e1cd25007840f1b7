package dev.quarry.internal.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SchemaScriptsTest {
    @Test
    void the_quartz_ddl_comes_from_the_quartz_jar_without_its_drop_statements() {
        List<String> ddl = SchemaScripts.quartz();
        assertThat(ddl).hasSizeGreaterThanOrEqualTo(11);
        assertThat(ddl).noneMatch(s -> s.toUpperCase().startsWith("DROP"));
        assertThat(ddl).anyMatch(s -> s.startsWith("CREATE TABLE QRTZ_LOCKS"));
        assertThat(ddl).anyMatch(s -> s.startsWith("CREATE TABLE QRTZ_SCHEDULER_STATE"));
    }

    @Test
    void the_quarry_ddl_creates_its_tables_and_records_its_version() {
        List<String> ddl = SchemaScripts.quarry();
        assertThat(ddl).anyMatch(s -> s.startsWith("CREATE TABLE quarry_jobs"));
        assertThat(ddl).anyMatch(s -> s.startsWith("CREATE TABLE quarry_leases"));
        assertThat(ddl).contains("INSERT INTO quarry_schema_version (version) VALUES (1)");
        assertThat(ddl).contains("INSERT IGNORE INTO quarry_schema_version (version) VALUES (" + SchemaScripts.QUARRY_SCHEMA_VERSION + ")");
    }

    @Test
    void each_quarry_script_is_numbered_by_the_version_it_makes_and_an_upgrade_runs_those_after_it() {
        assertThat(SchemaScripts.QUARRY_SCHEMA_VERSION).isEqualTo(4);
        assertThat(SchemaScripts.QUARRY_SCRIPTS).containsExactly("sql/001_quarry_tables.sql", "sql/002_scheduled_state.sql",
                "sql/003_drains_progress_schedules.sql", "sql/004_due_index_of_scheduled_jobs.sql");
        assertThat(SchemaScripts.script(1)).anyMatch(s -> s.startsWith("CREATE TABLE quarry_jobs"))
                .noneMatch(s -> s.contains("scheduled"));
        assertThat(SchemaScripts.script(2)).anyMatch(s -> s.startsWith("ALTER TABLE quarry_jobs"))
                .last().isEqualTo("INSERT IGNORE INTO quarry_schema_version (version) VALUES (2)");
        assertThat(SchemaScripts.script(3)).anyMatch(s -> s.startsWith("ALTER TABLE quarry_jobs"))
                .last().isEqualTo("INSERT IGNORE INTO quarry_schema_version (version) VALUES (3)");
        assertThat(SchemaScripts.script(4)).anyMatch(s -> s.startsWith("ALTER TABLE quarry_jobs"))
                .last().isEqualTo("INSERT IGNORE INTO quarry_schema_version (version) VALUES (4)");
        List<String> fromOne = new java.util.ArrayList<>(SchemaScripts.script(2));
        fromOne.addAll(SchemaScripts.script(3));
        fromOne.addAll(SchemaScripts.script(4));
        assertThat(SchemaScripts.upgrade(1)).isEqualTo(fromOne);
        assertThat(SchemaScripts.upgrade(3)).isEqualTo(SchemaScripts.script(4));
        assertThat(SchemaScripts.upgrade(4)).isEmpty();
        assertThat(SchemaScripts.scriptsAfter(1)).isEqualTo("sql/002_scheduled_state.sql, then sql/003_drains_progress_schedules.sql,"
                + " then sql/004_due_index_of_scheduled_jobs.sql");
        assertThat(SchemaScripts.scriptsAfter(0)).isEqualTo("sql/001_quarry_tables.sql, then sql/002_scheduled_state.sql,"
                + " then sql/003_drains_progress_schedules.sql, then sql/004_due_index_of_scheduled_jobs.sql");
        assertThat(SchemaScripts.print(false, true)).contains("-- Quarry tables, schema version 1 (sql/001_quarry_tables.sql)")
                .contains("-- Quarry tables, schema version 2 (sql/002_scheduled_state.sql)");
    }

    @Test
    void statements_split_at_line_ending_semicolons_and_skip_comment_lines() {
        assertThat(SchemaScripts.split("# c\n-- d\nCREATE TABLE a (\n  x INT -- inline\n);\nINSERT INTO a VALUES (1);\n"))
                .containsExactly("CREATE TABLE a (\n  x INT -- inline\n)", "INSERT INTO a VALUES (1)");
    }
}
