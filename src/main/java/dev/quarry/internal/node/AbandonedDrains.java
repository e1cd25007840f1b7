package dev.quarry.internal.node;

import dev.quarry.internal.drain.DrainJob;
import dev.quarry.internal.queue.Drains;
import dev.quarry.internal.queue.LeaseStore;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fires at once a drain whose lease ran out while still held by a node that stopped checking in
 * (it died, or froze past the lease), so that a live node takes it over, or rescues its jobs when none has room, within a
 * tenth of the lease of its expiry, whatever Quartz knows.
 *
 * <p>Without it the take-over waited for a Quartz fire of the drain: Quartz's recovery of a node
 * it declares dead, or else the drain's next cron fire. Quartz recovers only the fires it still
 * records for that node, and a node Quartz had declared dead once before (a stall it survived,
 * a slow start) has none left, so its drain waited up to a whole cron period (a minute) after
 * its lease expired, its running jobs stuck meanwhile. The rule now: an expired, still-held
 * lease whose holder has stopped checking in to Quartz is the signal, checked by every node every
 * {@code lease.duration / 10} with one read of the small lease table; Quartz's recovery is only
 * the faster path.
 *
 * <p>A drain with a fire already waiting in Quartz (a recovery, a hand-over, a trigger blocked
 * behind a run Quartz still records) is left to it, so nodes do not pile fires on one drain.
 */
final class AbandonedDrains {
    static final String THREAD_NAME = "quarry-abandoned-drains";
    private static final Logger log = LoggerFactory.getLogger(AbandonedDrains.class);

    private final Scheduler scheduler;
    private final LeaseStore leases;
    /** Per queue this node serves, its drains here. */
    private final Map<String, Integer> drains;
    private final Duration every;
    private ScheduledExecutorService executor;

    AbandonedDrains(Scheduler scheduler, LeaseStore leases, Map<String, Integer> drains, Duration lease) {
        this.scheduler = scheduler;
        this.leases = leases;
        this.drains = Map.copyOf(drains);
        this.every = lease.dividedBy(10);
    }

    void start() {
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, THREAD_NAME);
            t.setDaemon(true);
            return t;
        });
        executor.scheduleWithFixedDelay(this::runOnceLogged, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    void stop() {
        if (executor != null) executor.shutdownNow();
    }

    private void runOnceLogged() {
        try {
            runOnce();
        } catch (SchedulerException | RuntimeException e) {
            log.warn("could not look for drains with an expired lease ({}); the next look, {} ms later, tries again", e.getMessage(),
                    every.toMillis());
        }
    }

    /** One look; returns how many drains it fired. */
    int runOnce() throws SchedulerException {
        int fired = 0;
        for (Map.Entry<String, Integer> d : leases.abandoned(drains)) {
            JobKey key = DrainJob.jobKey(d.getKey(), d.getValue());
            // The cron trigger is always there; any other is a fire already on its way.
            if (!scheduler.checkExists(key) || scheduler.getTriggersOfJob(key).size() > 1) continue;
            log.info("drain {}: its lease expired with no renewal from its holder; firing it so a live node takes it over",
                    Drains.name(d.getKey(), d.getValue()));
            scheduler.triggerJob(key);
            fired++;
        }
        return fired;
    }
}
