package dev.quarry.schema;

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
    /** The Quarry schema version this build needs; {@code quarry_schema_version} must hold it. */
    public static final int QUARRY_SCHEMA_VERSION = 1;
    public static final String QUARRY_SCRIPT = "sql/001_quarry_tables.sql";
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

    public static List<String> quarry() {
        return split(resource(QUARRY_SCRIPT));
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

    /** Builds both schemas on {@code c}, Quartz's first. */
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
            out.append("-- Quarry tables, schema version ").append(QUARRY_SCHEMA_VERSION).append('\n');
            quarry().forEach(s -> out.append(s).append(";\n\n"));
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
