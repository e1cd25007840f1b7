package dev.quarry.internal.schedule;

import dev.quarry.internal.config.ScheduleConfig;
import dev.quarry.internal.config.ScheduleDef;
import dev.quarry.internal.config.WatchDef;
import dev.quarry.internal.queue.Transactions;
import dev.quarry.internal.watch.WatchScanJob;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TimeZone;
import org.quartz.CronScheduleBuilder;
import org.quartz.CronTrigger;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobKey;
import org.quartz.ObjectAlreadyExistsException;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.SimpleTrigger;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.matchers.GroupMatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the cluster's schedules and watches those of this node's config, at its start: each one
 * added, changed or removed here takes effect on every node, since the triggers and the
 * definitions live in the database. When two nodes' configs disagree, the last one to start wins;
 * each node's fingerprint is recorded so the disagreement shows.
 */
final class ScheduleSync {
    static final String SCHEDULE_GROUP = "quarry-schedule";
    static final String WATCH_GROUP = "quarry-watch";
    private static final Logger log = LoggerFactory.getLogger(ScheduleSync.class);
    static final String RECORD_SQL = "REPLACE INTO quarry_schedule_nodes (node, fingerprint, names) VALUES (?, ?, ?)";
    /** The rows of nodes with no Quartz check-in, but this node's; formatted with Quartz's table prefix. */
    static final String FORGET_UNCHECKED_SQL = "DELETE n FROM quarry_schedule_nodes n LEFT JOIN %sSCHEDULER_STATE st"
            + " ON st.SCHED_NAME = ? AND st.INSTANCE_NAME = n.node WHERE st.INSTANCE_NAME IS NULL AND n.node <> ?";
    static final String REASSERT_SQL = "INSERT IGNORE INTO quarry_schedule_nodes (node, fingerprint, names, started_at) VALUES (?, ?, ?, ?)";

    private final Scheduler scheduler;
    private final Transactions tx;
    private final String node;
    private final String quartzPrefix;
    private String fingerprint;
    private String names;
    private java.sql.Timestamp startedAt;

    ScheduleSync(Scheduler scheduler, Transactions tx, String node, String quartzPrefix) {
        this.scheduler = scheduler;
        this.tx = tx;
        this.node = node;
        this.quartzPrefix = quartzPrefix;
    }

    void reconcile(ScheduleConfig config) throws SchedulerException {
        Set<String> schedules = new HashSet<>();
        for (ScheduleDef d : config.schedules()) {
            schedules.add(d.name());
            upsertRow(FireEnqueuer.SCHEDULE, d.name(), d.cron() + " (" + d.timeZone().getId() + ", misfire " + d.misfire().key() + ")",
                    d.timeZone().getId(), d.type(), d.payload(), d.queue(), d.priority(), d.maxAttempts());
            syncSchedule(d);
        }
        removeOthers(FireEnqueuer.SCHEDULE, SCHEDULE_GROUP, schedules);
        Set<String> watches = new HashSet<>();
        for (WatchDef w : config.watches()) {
            watches.add(w.name());
            upsertRow(FireEnqueuer.WATCH, w.name(), w.dir() + " every " + dev.quarry.internal.config.Durations.format(w.interval()), "UTC", w.type(), "",
                    w.queue(), 0, null);
            syncWatch(w);
        }
        removeOthers(FireEnqueuer.WATCH, WATCH_GROUP, watches);
        List<String> names = new ArrayList<>();
        config.schedules().forEach(d -> names.add("schedule:" + d.name()));
        config.watches().forEach(w -> names.add("watch:" + w.name()));
        fingerprint = config.fingerprint();
        this.names = String.join(",", names);
    }

    /**
     * Records this node's config row; call once the scheduler has started. A peer's clean-up
     * removes the rows of nodes with no Quartz check-in, so a row written before this node's
     * first check-in (at its start) could be taken by a peer starting at the same moment, and the
     * disagreement of this node's config would never show. Rows of nodes no longer checked in
     * (killed, or failed over) count for nothing and are removed here.
     */
    void record() {
        if (fingerprint == null) throw new IllegalStateException("record() before reconcile()");
        startedAt = tx.inTransaction("record this node's schedule config", c -> {
            try (PreparedStatement ps = c.prepareStatement(RECORD_SQL)) {
                ps.setString(1, node);
                ps.setString(2, fingerprint);
                ps.setString(3, names);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(FORGET_UNCHECKED_SQL.formatted(quartzPrefix))) {
                ps.setString(1, schedulerName());
                ps.setString(2, node);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT started_at FROM quarry_schedule_nodes WHERE node = ?")) {
                ps.setString(1, node);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getTimestamp(1);
                }
            }
        });
    }

    /**
     * Writes this node's row again if a peer removed it, with its first start time, so the order
     * of starts is unchanged. That happens to a node frozen past Quartz's failover (a peer removed
     * its check-in) while another node started; once it runs again Quartz checks it in anew.
     */
    void reassert() {
        if (startedAt == null) return;
        tx.autoCommit("restore this node's schedule config row", c -> {
            try (PreparedStatement ps = c.prepareStatement(REASSERT_SQL)) {
                ps.setString(1, node);
                ps.setString(2, fingerprint);
                ps.setString(3, names);
                ps.setTimestamp(4, startedAt);
                return ps.executeUpdate();
            }
        });
    }

    private String schedulerName() throws java.sql.SQLException {
        try {
            return scheduler.getSchedulerName();
        } catch (SchedulerException e) {
            throw new java.sql.SQLException(e.getMessage(), e);
        }
    }

    void forget() {
        tx.inTransaction("remove this node's schedule config row", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM quarry_schedule_nodes WHERE node = ?")) {
                ps.setString(1, node);
                return ps.executeUpdate();
            }
        });
    }

    private void syncSchedule(ScheduleDef d) throws SchedulerException {
        JobDetail job = JobBuilder.newJob(ScheduleJob.class).withIdentity(d.name(), SCHEDULE_GROUP)
                .withDescription("schedule " + d.name()).storeDurably().requestRecovery(true).build();
        CronScheduleBuilder cron = CronScheduleBuilder.cronSchedule(d.cron()).inTimeZone(TimeZone.getTimeZone(d.timeZone()));
        // Fires more than misfireThreshold late (the cluster was down, or its node died): skip drops
        // them, once fires one job now for them all. A fire less late than that runs late.
        cron = d.misfire() == ScheduleDef.Misfire.SKIP ? cron.withMisfireHandlingInstructionDoNothing() : cron.withMisfireHandlingInstructionFireAndProceed();
        CronTrigger trigger = TriggerBuilder.newTrigger().withIdentity(d.name(), SCHEDULE_GROUP).forJob(job).withSchedule(cron).build();
        ensureJob(job);
        Trigger existing = scheduler.getTrigger(trigger.getKey());
        if (existing == null) {
            schedule(trigger);
            log.info("schedule {} added: {} in {}, misfire {}", d.name(), d.cron(), d.timeZone().getId(), d.misfire().key());
        } else if (!(existing instanceof CronTrigger c) || !c.getCronExpression().equals(d.cron())
                || !c.getTimeZone().getID().equals(trigger.getTimeZone().getID()) || c.getMisfireInstruction() != trigger.getMisfireInstruction()) {
            reschedule(trigger);
            log.info("schedule {} changed: {} in {}, misfire {}", d.name(), d.cron(), d.timeZone().getId(), d.misfire().key());
        }
    }

    private void syncWatch(WatchDef w) throws SchedulerException {
        JobDetail job = JobBuilder.newJob(WatchScanJob.class).withIdentity(w.name(), WATCH_GROUP)
                .withDescription("watch " + w.name()).storeDurably().requestRecovery(true)
                .usingJobData(WatchScanJob.dataFor(w.name(), w.dir(), w.interval())).build();
        SimpleTrigger trigger = TriggerBuilder.newTrigger().withIdentity(w.name(), WATCH_GROUP).forJob(job)
                .withSchedule(SimpleScheduleBuilder.simpleSchedule().withIntervalInMilliseconds(w.interval().toMillis()).repeatForever()
                        .withMisfireHandlingInstructionNextWithRemainingCount()).build();
        JobDetail stored = scheduler.getJobDetail(job.getKey());
        if (stored == null || !WatchScanJob.sameFolder(stored.getJobDataMap(), job.getJobDataMap())) {
            // A new folder starts with no watermark: its files are all new (those already enqueued are recognised).
            scheduler.addJob(job, true);
        }
        Trigger existing = scheduler.getTrigger(trigger.getKey());
        if (existing == null) {
            schedule(trigger);
            log.info("watch {} added: {} every {}", w.name(), w.dir(), dev.quarry.internal.config.Durations.format(w.interval()));
        } else if (!(existing instanceof SimpleTrigger s) || s.getRepeatInterval() != trigger.getRepeatInterval() || stored == null
                || !WatchScanJob.sameFolder(stored.getJobDataMap(), job.getJobDataMap())) {
            reschedule(trigger);
            log.info("watch {} changed: {} every {}", w.name(), w.dir(), dev.quarry.internal.config.Durations.format(w.interval()));
        }
    }

    private void ensureJob(JobDetail job) throws SchedulerException {
        if (scheduler.checkExists(job.getKey())) return;
        try {
            scheduler.addJob(job, false);
        } catch (ObjectAlreadyExistsException raced) {
            // another node added it a moment ago
        }
    }

    private void schedule(Trigger trigger) throws SchedulerException {
        try {
            scheduler.scheduleJob(trigger);
        } catch (ObjectAlreadyExistsException raced) {
            reschedule(trigger);
        }
    }

    /** Replaces the trigger; one an operator paused stays paused. */
    private void reschedule(Trigger trigger) throws SchedulerException {
        TriggerKey key = trigger.getKey();
        boolean paused = scheduler.getTriggerState(key) == Trigger.TriggerState.PAUSED;
        scheduler.rescheduleJob(key, trigger);
        if (paused) scheduler.pauseTrigger(key);
    }

    private void removeOthers(String kind, String group, Set<String> keep) throws SchedulerException {
        for (JobKey key : scheduler.getJobKeys(GroupMatcher.jobGroupEquals(group))) {
            if (!keep.contains(key.getName())) {
                scheduler.deleteJob(key);
                log.info("{} {} removed: this node's config does not have it", kind, key.getName());
            }
        }
        tx.inTransaction("remove " + kind + "s that are no longer configured", c -> {
            List<String> gone = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT name FROM quarry_schedules WHERE kind = ?")) {
                ps.setString(1, kind);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) if (!keep.contains(rs.getString(1))) gone.add(rs.getString(1));
                }
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM quarry_schedules WHERE kind = ? AND name = ?")) {
                for (String name : gone) {
                    ps.setString(1, kind);
                    ps.setString(2, name);
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }

    private void upsertRow(String kind, String name, String spec, String zone, String type, String payload, String queue, int priority,
                           Integer maxAttempts) {
        tx.inTransaction("record " + kind + " " + name, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO quarry_schedules (kind, name, spec, time_zone, type, payload, queue, priority,"
                    + " max_attempts, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE spec = VALUES(spec),"
                    + " time_zone = VALUES(time_zone), type = VALUES(type), payload = VALUES(payload), queue = VALUES(queue),"
                    + " priority = VALUES(priority), max_attempts = VALUES(max_attempts), updated_by = VALUES(updated_by), updated_at = NOW(6)")) {
                ps.setString(1, kind);
                ps.setString(2, name);
                ps.setString(3, spec);
                ps.setString(4, zone);
                ps.setString(5, type);
                ps.setString(6, payload);
                ps.setString(7, queue);
                ps.setInt(8, priority);
                if (maxAttempts == null) ps.setNull(9, java.sql.Types.INTEGER);
                else ps.setInt(9, maxAttempts);
                ps.setString(10, node);
                ps.executeUpdate();
            }
            return null;
        });
    }
}
