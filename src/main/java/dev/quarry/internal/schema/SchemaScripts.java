package dev.quarry.internal.schema;

import dev.quarry.QuarryException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The DDL a DBA runs, as statements. Quarry's own tables come from {@code sql/} (packed on the
 * class path by the build); Quartz's come from the {@code tables_mysql_innodb.sql} inside the
 * Quartz jar, less its DROP TABLE lines, so a script run twice fails instead of wiping the schedule.
 *
 * <p>{@code main} prints them: {@code sql/quartz-tables.sh} calls it, and the tests build their
 * schema through the same methods.
 */
public final class SchemaScripts {
    /**
     * Quarry's scripts in order: the one at index {@code i} brings a database from version {@code i}
     * to {@code i + 1}. A fresh install runs them all; an upgrade runs those after its version.
     */
    public static final List<String> QUARRY_SCRIPTS = List.of("sql/001_quarry_tables.sql", "sql/002_scheduled_state.sql",
            "sql/003_drains_progress_schedules.sql", "sql/004_due_index_of_scheduled_jobs.sql");
    /** The Quarry schema version this build needs; {@code quarry_schema_version} must hold it. */
    public static final int QUARRY_SCHEMA_VERSION = QUARRY_SCRIPTS.size();
    static final String QUARTZ_RESOURCE = "org/quartz/impl/jdbcjobstore/tables_mysql_innodb.sql";

    private SchemaScripts() {
    }

    public static List<String> quartz() {
        List<String> out = new ArrayList<>();
        for (String s : split(resource(QUARTZ_RESOURCE))) {
            String upper = s.toUpperCase(java.util.Locale.ROOT);
            if (upper.startsWith("DROP TABLE") || upper.equals("COMMIT")) continue;
            out.add(s);
        }
        return out;
    }

    /** Every statement of every Quarry script, in order: a fresh install at {@link #QUARRY_SCHEMA_VERSION}. */
    public static List<String> quarry() {
        return upgrade(0);
    }

    /** The statements that bring a database at {@code fromVersion} (0: no tables) to {@link #QUARRY_SCHEMA_VERSION}. */
    public static List<String> upgrade(int fromVersion) {
        List<String> out = new ArrayList<>();
        for (int v = fromVersion + 1; v <= QUARRY_SCHEMA_VERSION; v++) out.addAll(script(v));
        return out;
    }

    /** The statements of the script that makes version {@code version}. */
    public static List<String> script(int version) {
        if (version < 1 || version > QUARRY_SCHEMA_VERSION) {
            throw new IllegalArgumentException("Quarry schema version " + version + " does not exist; this build knows 1 to " + QUARRY_SCHEMA_VERSION);
        }
        return split(resource(scriptName(version)));
    }

    /** {@code sql/00N_....sql}, the script that makes {@code version}. */
    public static String scriptName(int version) {
        return QUARRY_SCRIPTS.get(version - 1);
    }

    /** The scripts that bring {@code fromVersion} up to date, as a DBA reads them: "sql/002_x.sql" or "sql/001_x.sql, then sql/002_y.sql". */
    public static String scriptsAfter(int fromVersion) {
        return String.join(", then ", QUARRY_SCRIPTS.subList(Math.max(0, fromVersion), QUARRY_SCHEMA_VERSION));
    }

    /** Runs the statements in order on {@code c}. */
    public static void apply(Connection c, List<String> statements) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (String s : statements) st.execute(s);
        }
    }

    /**
     * Splits a script into statements: whole-line comments ({@code --}, {@code #}) are dropped and a
     * statement ends at a semicolon that ends a line.
     */
    static List<String> split(String script) {
        List<String> statements = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String line : script.split("\r?\n")) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("--") || t.startsWith("#")) continue;
            if (cur.length() > 0) cur.append('\n');
            if (t.endsWith(";")) {
                cur.append(line, 0, line.lastIndexOf(';'));
                statements.add(cur.toString().strip());
                cur.setLength(0);
            } else {
                cur.append(line);
            }
        }
        if (!cur.toString().isBlank()) statements.add(cur.toString().strip());
        return statements;
    }

    private static String resource(String name) {
        try (InputStream in = SchemaScripts.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) throw new QuarryException(name + " is not on the class path; rebuild Quarry with 'mvn package'");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new QuarryException("cannot read " + name + ": " + e.getMessage(), e);
        }
    }

    /** Builds both schemas on {@code c}, Quartz's first, Quarry's at {@link #QUARRY_SCHEMA_VERSION} (every script in order). */
    public static void applyAll(Connection c) throws SQLException {
        apply(c, quartz());
        apply(c, quarry());
    }

    /** The DDL as a DBA runs it, with a heading for each part; either part may be left out. */
    public static String print(boolean withQuartz, boolean withQuarry) {
        StringBuilder out = new StringBuilder();
        if (withQuartz) {
            out.append("-- Quartz tables for MariaDB, from the Quartz jar's tables_mysql_innodb.sql, less its lines that delete tables\n");
            quartz().forEach(s -> out.append(s).append(";\n\n"));
        }
        if (withQuarry) {
            for (int v = 1; v <= QUARRY_SCHEMA_VERSION; v++) {
                out.append("-- Quarry tables, schema version ").append(v).append(" (").append(scriptName(v)).append(")\n");
                script(v).forEach(s -> out.append(s).append(";\n\n"));
            }
        }
        return out.toString();
    }

    /** Prints the DDL: {@code quartz}, {@code quarry}, or both ({@code all} or no argument). */
    public static void main(String[] args) {
        String which = args.length == 0 ? "all" : args[0];
        boolean all = which.equals("all");
        if (!all && !which.equals("quartz") && !which.equals("quarry")) {
            System.err.println("usage: SchemaScripts [quartz|quarry|all]");
            System.exit(2);
        }
        System.out.print(print(all || which.equals("quartz"), all || which.equals("quarry")));
    }
}
