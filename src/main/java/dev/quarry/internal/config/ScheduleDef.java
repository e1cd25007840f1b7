package dev.quarry.internal.config;

import java.time.ZoneId;

/**
 * One recurring job, from the {@code schedule.NAME.*} keys: a Quartz cron in a time zone, and the
 * job each fire enqueues.
 *
 * @param name        the NAME of the keys; letters, digits, _ and -, up to 64
 * @param cron        a Quartz cron expression (seconds first: {@code 0 30 2 * * ?} is 02:30 every day)
 * @param type        the job type each fire enqueues (required)
 * @param payload     the job's payload (default empty); {@code ${fireTime}}, {@code ${fireTimeLocal}},
 *                    {@code ${date}} and {@code ${schedule}} are replaced at each fire
 * @param queue       the job's queue (default {@code default})
 * @param priority    the job's priority (default 0)
 * @param maxAttempts the job's max_attempts, or null for the node's retry.max-attempts
 * @param timeZone    the zone the cron is read in (default UTC)
 * @param misfire     what a fire time the cluster was down for becomes
 */
public record ScheduleDef(String name, String cron, String type, String payload, String queue, int priority, Integer maxAttempts,
                          ZoneId timeZone, Misfire misfire) {

    /** What becomes of fire times missed while no node could fire them (past Quartz's misfireThreshold). */
    public enum Misfire {
        /** Dropped: the next fire is the next regular one. */
        SKIP,
        /** One job now for all the missed fires, then the regular ones. */
        ONCE;

        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The definition as one canonical line: what the config fingerprint and the change check compare. */
    public String canonical() {
        return "schedule " + name + " cron=" + cron + " tz=" + timeZone.getId() + " misfire=" + misfire.key() + " type=" + type
                + " queue=" + queue + " priority=" + priority + " max-attempts=" + maxAttempts + " payload=" + payload;
    }
}
