package dev.quarry.schema;

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
        assertThat(ddl).contains("INSERT INTO quarry_schema_version (version) VALUES (" + SchemaScripts.QUARRY_SCHEMA_VERSION + ")");
    }

    @Test
    void statements_split_at_line_ending_semicolons_and_skip_comment_lines() {
        assertThat(SchemaScripts.split("# c\n-- d\nCREATE TABLE a (\n  x INT -- inline\n);\nINSERT INTO a VALUES (1);\n"))
                .containsExactly("CREATE TABLE a (\n  x INT -- inline\n)", "INSERT INTO a VALUES (1)");
    }
}
