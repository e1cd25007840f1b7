package dev.quarry.internal.schedule;

import dev.quarry.QuarryException;
import dev.quarry.internal.config.QuarryConfig;
import dev.quarry.internal.queue.Transactions;
import dev.quarry.internal.watch.WatchScanJob;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.quartz.Job;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's part in the cluster's schedules and watch folders: reconciles them with its config at
 * start, builds their Quartz jobs, and prunes old fire rows.
 */
public final class Schedules {
    private static final Logger log = LoggerFactory.getLogger(Schedules.class);
    /** Fire rows are kept at least this long: a repeated fire older than that is not expected. */
    static final Duration MIN_KEEP = Duration.ofDays(1);

    private final FireEnqueuer fires;
    private final ScheduleSync sync;
    private final Duration keep;
    private final Duration pruneEvery;
    private ScheduledExecutorService pruner;

    private Schedules(FireEnqueuer fires, ScheduleSync sync, Duration keep, Duration pruneEvery) {
        this.fires = fires;
        this.sync = sync;
        this.keep = keep;
        this.pruneEvery = pruneEvery;
    }

    /** Reconciles the cluster's schedules and watches with this node's config (before the scheduler starts; {@link #started} after). */
    public static Schedules reconcile(Scheduler scheduler, Transactions tx, QuarryConfig config, String node) throws SchedulerException {
        Duration done = config.retention().getOrDefault("done", MIN_KEEP);
        Schedules s = new Schedules(new FireEnqueuer(tx), new ScheduleSync(scheduler, tx, node, config.quartz().getProperty("org.quartz.jobStore.tablePrefix")), done.compareTo(MIN_KEEP) < 0 ? MIN_KEEP : done,
                config.pruneInterval());
        s.sync.reconcile(config.schedules());
        return s;
    }

    /** The Quartz jobs of schedules and watches, for the node's job factory. */
    public Map<Class<? extends Job>, Supplier<Job>> jobs() {
        return Map.of(ScheduleJob.class, () -> new ScheduleJob(fires), WatchScanJob.class, () -> new WatchScanJob(fires));
    }

    /**
     * Once the scheduler has started: records this node's config for the disagreement check, and
     * starts the pruning of old fire rows (each pass also restores the config row if a peer
     * removed it while this node was frozen).
     */
    public void started() {
        sync.record();
        startPruning();
    }

    private void startPruning() {
        pruner = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "quarry-fires-pruner");
            t.setDaemon(true);
            return t;
        });
        pruner.scheduleWithFixedDelay(() -> {
            try {
                sync.reassert();
            } catch (QuarryException e) {
                log.warn("could not restore this node's schedule config row: {}", e.getMessage());
            }
            try {
                int n = fires.prune(keep);
                if (n > 0) log.info("pruned {} fire records older than {}", n, dev.quarry.internal.config.Durations.format(keep));
            } catch (QuarryException e) {
                log.warn("could not prune old fire records: {}", e.getMessage());
            }
        }, pruneEvery.toMillis(), pruneEvery.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** At a clean stop: this node's config no longer counts. */
    public void stop() {
        if (pruner != null) pruner.shutdownNow();
        try {
            sync.forget();
        } catch (QuarryException e) {
            log.warn("could not remove this node's schedule config row: {}", e.getMessage());
        }
    }
}
