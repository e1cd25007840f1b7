package dev.quarry;

import java.time.ZoneId;
import java.util.Objects;

/**
 * How a recurring job's cron is read, and what becomes of fire times the cluster was down for:
 * given to {@link NodeBuilder#schedule(String, String, dev.quarry.client.NewJob, java.util.function.Consumer)}.
 * Each setting is a key {@code schedule.NAME.*} of {@code quarry.properties}.
 */
public final class ScheduleOptions {
    /** The zone a cron is read in unless another is given. */
    public static final ZoneId DEFAULT_TIME_ZONE = ZoneId.of("UTC");

    ZoneId timeZone = DEFAULT_TIME_ZONE;
    boolean catchUpOnce;

    ScheduleOptions() {
    }

    /** The zone the cron is read in ({@code schedule.NAME.time-zone}, default UTC); daylight saving included. */
    public ScheduleOptions timeZone(ZoneId zone) {
        timeZone = Objects.requireNonNull(zone, "zone");
        return this;
    }

    /**
     * Fire times missed while no node could fire them become one job at once
     * ({@code schedule.NAME.misfire=once}); by default they are dropped ({@code skip}).
     */
    public ScheduleOptions catchUpOnce() {
        catchUpOnce = true;
        return this;
    }
}
