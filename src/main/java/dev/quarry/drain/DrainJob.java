package dev.quarry.drain;

import java.time.Instant;
import java.util.Date;
import java.util.Map;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.InterruptableJob;
import org.quartz.JobExecutionContext;
import org.quartz.JobKey;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Quartz job that drains one queue; one JobDetail per queue, named after it, in group
 * {@value #GROUP}. {@code @DisallowConcurrentExecution} asks Quartz's cluster to keep the queue's
 * other triggers BLOCKED while it runs anywhere. Quartz does not always manage it (a stalled node
 * declared dead while its drain runs, quartz#782 and #847; fires that meet at a hand-over), so the
 * lease in {@link Drain} is what keeps two drains of a queue apart.
 *
 * <p>Unless the queue sets a budget, a drain claims until the queue's next scheduled fire, so the
 * next drain follows at once and a job waits for a poll interval, not for the next minute.
 */
@DisallowConcurrentExecution
public final class DrainJob implements InterruptableJob {
    public static final String GROUP = "quarry";
    private static final Logger log = LoggerFactory.getLogger(DrainJob.class);
    /** With no schedule to go by (trigger gone), drain for a minute. */
    private static final long FALLBACK_BUDGET_MILLIS = 60_000;

    private final Map<String, QueueRuntime> runtimes;
    private volatile Drain current;
    private volatile boolean interrupted;

    public DrainJob(Map<String, QueueRuntime> runtimes) {
        this.runtimes = runtimes;
    }

    public static JobKey jobKey(String queue) {
        return JobKey.jobKey(queue, GROUP);
    }

    public static TriggerKey cronKey(String queue) {
        return TriggerKey.triggerKey(queue + "-cron", GROUP);
    }

    @Override
    public void execute(JobExecutionContext context) {
        String queue = context.getJobDetail().getKey().getName();
        QueueRuntime rt = runtimes.get(queue);
        if (rt == null) {
            log.warn("drain of queue {} fired on a node that does not serve it (not in its 'queues'); give every node the same quarry.properties",
                    queue);
            return;
        }
        Drain drain = new Drain(rt, deadline(context, rt));
        current = drain;
        if (interrupted) drain.requestStop();
        DrainSummary summary;
        try {
            summary = drain.run();
        } finally {
            current = null;
        }
        if (!interrupted && java.util.Set.of("budget", "prior drain running", "rebalance").contains(summary.endedBy())) {
            followUpIfDue(context, rt);
        }
    }

    /**
     * A drain that hands over while jobs are due asks for a follow-up fire at once, so a missed or
     * refused fire never leaves the queue waiting for the next period. Quartz holds it until this
     * execution has returned.
     */
    private static void followUpIfDue(JobExecutionContext context, QueueRuntime rt) {
        try {
            if (rt.jobs.hasDue(rt.queue.name())) context.getScheduler().triggerJob(jobKey(rt.queue.name()));
        } catch (SchedulerException | RuntimeException e) {
            log.warn("could not schedule a follow-up drain of queue {}: {}; the next fire drains it", rt.queue.name(), e.getMessage());
        }
    }

    private static Instant deadline(JobExecutionContext context, QueueRuntime rt) {
        Instant now = Instant.now();
        if (rt.queue.budget().isPresent()) return now.plus(rt.queue.budget().get());
        Date next = null;
        if (context.getTrigger().getKey().equals(cronKey(rt.queue.name()))) {
            next = context.getNextFireTime();
        } else {
            try {
                Trigger cron = context.getScheduler().getTrigger(cronKey(rt.queue.name()));
                if (cron != null) next = cron.getFireTimeAfter(new Date());
            } catch (SchedulerException e) {
                log.warn("cannot read the schedule of queue {}: {}", rt.queue.name(), e.getMessage());
            }
        }
        return next == null || next.toInstant().isBefore(now) ? now.plusMillis(FALLBACK_BUDGET_MILLIS) : next.toInstant();
    }

    /** Called by Quartz on shutdown: the drain stops claiming and winds down within the grace period. */
    @Override
    public void interrupt() {
        interrupted = true;
        Drain d = current;
        if (d != null) d.requestStop();
    }
}
