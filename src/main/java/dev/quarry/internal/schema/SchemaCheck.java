package dev.quarry.internal.schema;

import dev.quarry.QuarryException;
import dev.quarry.internal.queue.Transactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Verifies at start that the database holds every table this version needs, at the right Quarry
 * schema version. Quarry never creates or alters tables on a DBA's server; it names what is
 * missing and the script to run.
 */
public final class SchemaCheck {
    static final List<String> QUARTZ_TABLES = List.of("JOB_DETAILS", "TRIGGERS", "SIMPLE_TRIGGERS", "CRON_TRIGGERS",
            "SIMPROP_TRIGGERS", "BLOB_TRIGGERS", "CALENDARS", "PAUSED_TRIGGER_GRPS", "FIRED_TRIGGERS", "SCHEDULER_STATE", "LOCKS");
    static final List<String> QUARRY_TABLES = List.of("quarry_jobs", "quarry_leases", "quarry_schema_version");

    private SchemaCheck() {
    }

    /** @return the problems found, each one line; empty when the schema is complete */
    public static List<String> problems(DataSource ds, String quartzPrefix) {
        try (Connection c = ds.getConnection()) {
            List<String> problems = new ArrayList<>();
            String db = c.getCatalog();
            for (String t : QUARTZ_TABLES) {
                if (!exists(c, quartzPrefix + t)) {
                    problems.add("Quartz table " + quartzPrefix + t + " is missing from database " + db
                            + ": run the Quartz DDL (sql/quartz-tables.sh prints it)");
                }
            }
            for (String t : QUARRY_TABLES) {
                if (!exists(c, t)) problems.add("table " + t + " is missing from database " + db + ": run " + SchemaScripts.scriptsAfter(0));
            }
            if (problems.isEmpty()) {
                int version = version(c);
                int needed = SchemaScripts.QUARRY_SCHEMA_VERSION;
                if (version < needed) {
                    problems.add("database " + db + " holds Quarry schema version " + version + ", this node needs " + needed
                            + ": run " + SchemaScripts.scriptsAfter(version));
                } else if (version > needed) {
                    problems.add("database " + db + " holds Quarry schema version " + version + ", newer than this node's " + needed
                            + ": run the Quarry release that upgraded it");
                } else {
                    problems.addAll(shapeProblems(c, db));
                    problems.addAll(progressResultProblems(c, db));
                    problems.addAll(scheduleProblems(c, db));
                    problems.addAll(dueIndexProblems(c, db));
                }
            }
            return problems;
        } catch (SQLException e) {
            throw new QuarryException("cannot check the schema: " + Transactions.describe(e), e);
        }
    }

    /**
     * What version 2 added, looked for in the tables themselves: a version row inserted by hand, or
     * a script stopped halfway, would otherwise pass for an upgrade and leave delayed jobs in the
     * claim's way.
     */
    private static List<String> shapeProblems(Connection c, String db) throws SQLException {
        List<String> problems = new ArrayList<>();
        String upgrade = SchemaScripts.scriptName(2);
        try (PreparedStatement ps = c.prepareStatement("SELECT COLUMN_TYPE FROM information_schema.COLUMNS"
                + " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'quarry_jobs' AND COLUMN_NAME = 'status'");
             ResultSet rs = ps.executeQuery()) {
            if (!rs.next() || !rs.getString(1).contains("'scheduled'")) {
                problems.add("column quarry_jobs.status of database " + db + " has no 'scheduled' state: run " + upgrade);
            }
        }
        if (!exists(c, "quarry_node_queues")) problems.add("table quarry_node_queues is missing from database " + db + ": run " + upgrade);
        problems.addAll(drainProblems(c, db));
        return problems;
    }

    /** What version 3 added for several drains per queue: a drain number on leases, jobs and node rows, in the lease's key. */
    private static List<String> drainProblems(Connection c, String db) throws SQLException {
        List<String> problems = new ArrayList<>();
        String upgrade = SchemaScripts.scriptName(3);
        for (String[] column : new String[][] {{"quarry_leases", "drain"}, {"quarry_jobs", "drain"}, {"quarry_node_queues", "drains"}}) {
            if (!hasColumn(c, column[0], column[1])) {
                problems.add("column " + column[0] + "." + column[1] + " is missing from database " + db + ": run " + upgrade);
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM information_schema.STATISTICS"
                + " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'quarry_leases' AND INDEX_NAME = 'PRIMARY'"
                + " AND SEQ_IN_INDEX = 2 AND COLUMN_NAME = 'drain'");
             ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) problems.add("the primary key of quarry_leases in database " + db + " is not (queue, drain): run " + upgrade);
        }
        return problems;
    }

    private static boolean hasColumn(Connection c, String table, String column) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM information_schema.COLUMNS"
                + " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?")) {
            ps.setString(1, table);
            ps.setString(2, column);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** What version 3 added for progress and results: three columns of quarry_jobs. */
    private static List<String> progressResultProblems(Connection c, String db) throws SQLException {
        List<String> problems = new ArrayList<>();
        for (String column : List.of("progress", "progress_note", "result")) {
            if (!hasColumn(c, "quarry_jobs", column)) {
                problems.add("column quarry_jobs." + column + " of database " + db + " is missing: run " + SchemaScripts.scriptName(3));
            }
        }
        return problems;
    }

    /**
     * What version 4 changed: quarry_jobs_due is (scheduled_queue, run_at). Without it the node's
     * staging and due checks find nothing to bound them, and every claim and completion would
     * still write the index it replaced.
     */
    private static List<String> dueIndexProblems(Connection c, String db) throws SQLException {
        String upgrade = SchemaScripts.scriptName(4);
        if (!hasColumn(c, "quarry_jobs", "scheduled_queue")) {
            return List.of("column quarry_jobs.scheduled_queue is missing from database " + db + ": run " + upgrade);
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT COLUMN_NAME FROM information_schema.STATISTICS"
                + " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'quarry_jobs' AND INDEX_NAME = 'quarry_jobs_due'"
                + " ORDER BY SEQ_IN_INDEX");
             ResultSet rs = ps.executeQuery()) {
            List<String> columns = new ArrayList<>();
            while (rs.next()) columns.add(rs.getString(1));
            if (!columns.equals(List.of("scheduled_queue", "run_at"))) {
                return List.of("index quarry_jobs_due of table quarry_jobs in database " + db + " is not (scheduled_queue, run_at): run "
                        + upgrade);
            }
        }
        return List.of();
    }

    /** What version 3 added for schedules and watch folders. */
    private static List<String> scheduleProblems(Connection c, String db) throws SQLException {
        List<String> problems = new ArrayList<>();
        for (String t : List.of("quarry_schedules", "quarry_fires", "quarry_schedule_nodes")) {
            if (!exists(c, t)) problems.add("table " + t + " is missing from database " + db + ": run " + SchemaScripts.scriptName(3));
        }
        return problems;
    }

    private static boolean exists(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** The highest version an upgrade script recorded; 0 for an empty table (a script stopped before its last line). */
    static final String VERSION_SQL = "SELECT COALESCE(MAX(version), 0) FROM quarry_schema_version";

    /** The Quarry schema version the database holds (0 when none is recorded). */
    public static int version(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(VERSION_SQL);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
