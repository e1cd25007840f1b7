package dev.quarry.internal.admin;

/**
 * One node as Quartz's {@code SCHEDULER_STATE} table lists it.
 *
 * @param lastCheckinMillis     epoch millis by the node's own clock
 * @param checkinAgeMillis      the database's clock ({@code UNIX_TIMESTAMP(NOW(3))}) minus the last check-in;
 *                              includes any skew between the node's clock and the database's
 * @param alive                 whether the age is within the check-in interval plus Quartz's fixed 7.5 s
 *                              grace, past which a peer declares the node dead
 */
public record NodeStatus(String instance, long lastCheckinMillis, long checkinIntervalMillis, long checkinAgeMillis, boolean alive) {
    /** Quartz's hard-coded grace beyond the check-in interval, as the balancer counts it too. */
    public static final long QUARTZ_GRACE_MILLIS = dev.quarry.internal.queue.LeaseStore.QUARTZ_CHECKIN_GRACE_MILLIS;
}
