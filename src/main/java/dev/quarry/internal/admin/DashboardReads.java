package dev.quarry.internal.admin;

import dev.quarry.internal.queue.JobState;
import dev.quarry.internal.queue.Transactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The dashboard's reads beyond {@link StatusReads}' and {@link JobReads}': the per-minute chart, the counts a
 * confirmation shows, and Quartz's triggers. Like theirs, each one reads a bounded range of
 * an index, however many rows the table holds.
 */
public final class DashboardReads {
    /** Minutes the chart covers. */
    public static final int CHART_MINUTES = 60;
    /**
     * Jobs counted per queue, status and minute, then shown as at least that many: 60 minutes of
     * two statuses read at most 120,000 index entries per queue.
     */
    public static final int MINUTE_CAP = 1_000;
    /** Rows a confirmation counts before it says "at least". */
    public static final int CONFIRM_CAP = 100_000;
    /** Quartz triggers listed at most. */
    public static final int TRIGGER_LIMIT = 500;

    /**
     * One minute of one (queue, status) range of the finished index, at most the cap's entries:
     * read from the index alone. Parameters: queue, status, from, to, cap.
     */
    static final String MINUTE_SQL = "(SELECT 1 FROM quarry_jobs FORCE INDEX (quarry_jobs_finished)"
            + " WHERE queue = ? AND status = ? AND finished_at >= ? AND finished_at < ? LIMIT ?)";
    /** Dead jobs of one queue finished before a time, up to a cap: one range of the finished index. */
    static final String DEAD_BEFORE_SQL = "SELECT COUNT(*) FROM (SELECT 1 FROM quarry_jobs FORCE INDEX (quarry_jobs_finished)"
            + " WHERE queue = ? AND status = 'dead' AND finished_at < NOW(6) - INTERVAL ? MICROSECOND LIMIT ?) t";

    private final Transactions tx;
    private final String schedulerName;
    private final String quartzTablePrefix;

    public DashboardReads(DataSource dataSource, String schedulerName, String quartzTablePrefix) {
        StatusReads.checkTablePrefix(quartzTablePrefix);
        this.tx = new Transactions(dataSource);
        this.schedulerName = schedulerName;
        this.quartzTablePrefix = quartzTablePrefix;
    }

    /**
     * Jobs done and dead per minute over the last {@value #CHART_MINUTES} minutes, summed over
     * {@code queues}, by the database's clock; minute 0 is the current one, so far.
     */
    public Chart chart(List<String> queues) {
        return tx.autoCommit("read the chart", c -> {
            LocalDateTime now;
            try (PreparedStatement sel = c.prepareStatement("SELECT NOW(6)"); ResultSet rs = sel.executeQuery()) {
                rs.next();
                now = rs.getObject(1, LocalDateTime.class);
            }
            LocalDateTime end = now.truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
            long[] done = new long[CHART_MINUTES];
            long[] dead = new long[CHART_MINUTES];
            boolean capped = false;
            for (String q : queues) {
                capped |= minutes(c, q, JobState.DONE, end, done);
                capped |= minutes(c, q, JobState.DEAD, end, dead);
            }
            return new Chart(end.minusMinutes(CHART_MINUTES), done, dead, capped);
        });
    }

    /** Adds one (queue, status)'s per-minute counts into {@code into}, oldest minute first; true when a minute hit the cap. */
    private static boolean minutes(Connection c, String queue, JobState status, LocalDateTime end, long[] into) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT m, COUNT(*) FROM (");
        for (int i = 0; i < CHART_MINUTES; i++) {
            if (i > 0) sql.append(" UNION ALL ");
            sql.append(MINUTE_SQL.replace("SELECT 1", "SELECT " + i + " AS m"));
        }
        sql.append(") t GROUP BY m");
        boolean capped = false;
        try (PreparedStatement sel = c.prepareStatement(sql.toString())) {
            int p = 1;
            for (int i = 0; i < CHART_MINUTES; i++) {
                LocalDateTime from = end.minusMinutes(CHART_MINUTES - i);
                sel.setString(p++, queue);
                sel.setString(p++, status.sql());
                sel.setObject(p++, from);
                sel.setObject(p++, from.plusMinutes(1));
                sel.setInt(p++, MINUTE_CAP);
            }
            try (ResultSet rs = sel.executeQuery()) {
                while (rs.next()) {
                    long n = rs.getLong(2);
                    into[rs.getInt(1)] += n;
                    capped |= n >= MINUTE_CAP;
                }
            }
        }
        return capped;
    }

    /**
     * How many dead jobs a retry or purge of {@code queue} (null: every queue) would touch, finished
     * at least {@code olderThan} ago, up to {@value #CONFIRM_CAP}.
     */
    public Count deadJobs(String queue, Duration olderThan) {
        return tx.autoCommit("count dead jobs", c -> {
            List<String> queues = new ArrayList<>();
            if (queue != null) {
                queues.add(queue);
            } else {
                for (String[] qs : StatusReads.queueStates(c)) {
                    if (qs[1].equals(JobState.DEAD.sql())) queues.add(qs[0]);
                }
            }
            long total = 0;
            for (String q : queues) {
                if (total > CONFIRM_CAP) break;
                try (PreparedStatement sel = c.prepareStatement(DEAD_BEFORE_SQL)) {
                    sel.setString(1, q);
                    sel.setLong(2, olderThan.toNanos() / 1000);
                    sel.setLong(3, CONFIRM_CAP + 1 - total);
                    try (ResultSet rs = sel.executeQuery()) {
                        rs.next();
                        total += rs.getLong(1);
                    }
                }
            }
            return Count.upTo(total, CONFIRM_CAP);
        });
    }

    /** Quartz's triggers of this scheduler (drains, and any other Quartz job), at most {@value #TRIGGER_LIMIT}. */
    public List<TriggerRow> triggers() {
        return tx.autoCommit("read the Quartz triggers", c -> {
            List<TriggerRow> out = new ArrayList<>();
            String p = quartzTablePrefix;
            try (PreparedStatement sel = c.prepareStatement("SELECT t.TRIGGER_NAME, t.TRIGGER_GROUP, t.JOB_NAME, t.JOB_GROUP, t.TRIGGER_STATE,"
                    + " t.TRIGGER_TYPE, t.NEXT_FIRE_TIME, t.PREV_FIRE_TIME, c.CRON_EXPRESSION, c.TIME_ZONE_ID, t.DESCRIPTION"
                    + " FROM " + p + "TRIGGERS t LEFT JOIN " + p + "CRON_TRIGGERS c ON c.SCHED_NAME = t.SCHED_NAME"
                    + " AND c.TRIGGER_NAME = t.TRIGGER_NAME AND c.TRIGGER_GROUP = t.TRIGGER_GROUP"
                    + " WHERE t.SCHED_NAME = ? ORDER BY t.JOB_GROUP, t.JOB_NAME, t.TRIGGER_NAME LIMIT " + TRIGGER_LIMIT)) {
                sel.setString(1, schedulerName);
                try (ResultSet rs = sel.executeQuery()) {
                    while (rs.next()) {
                        out.add(new TriggerRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                                rs.getString(6), positive(rs.getLong(7)), positive(rs.getLong(8)), rs.getString(9), rs.getString(10),
                                rs.getString(11)));
                    }
                }
            }
            return out;
        });
    }

    private static Long positive(long millis) {
        return millis > 0 ? millis : null;
    }

    /**
     * Jobs per minute, oldest minute first.
     *
     * @param from   the first minute's start, database time
     * @param capped some minute of some queue reached {@link #MINUTE_CAP}: its count is a lower bound
     */
    public record Chart(LocalDateTime from, long[] done, long[] dead, boolean capped) {
    }

    /**
     * One Quartz trigger.
     *
     * @param nextFireMillis epoch millis (Quartz's clock, the nodes'), null when none
     * @param cron           the cron expression of a cron trigger, else null
     */
    public record TriggerRow(String name, String group, String jobName, String jobGroup, String state, String type,
                             Long nextFireMillis, Long prevFireMillis, String cron, String timeZone, String description) {
    }
}
