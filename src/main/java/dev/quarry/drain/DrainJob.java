package dev.quarry.drain;

import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.InterruptableJob;
import org.quartz.JobExecutionContext;
import org.quartz.JobKey;
import org.quartz.SchedulerException;
import org.quartz.TriggerKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Quartz job that drains one queue; one JobDetail per queue, named after it, in group
 * {@value #GROUP}. {@code @DisallowConcurrentExecution} asks Quartz's cluster to keep the queue's
 * other triggers BLOCKED while it runs anywhere. Quartz does not always manage it (a stalled node
 * declared dead while its drain runs, quartz#782 and #847; a node whose clock runs ahead), so the
 * lease in {@link Drain} is what keeps two drains of a queue apart.
 *
 * <p>A drain lives until shutdown, a lost lease or a hand-over, so the queue's workers never wait
 * at a drain boundary. The queue's cron fires are the "is the previous drain still running?"
 * check: while a drain runs, Quartz holds them; when none runs (its node died or stopped), the
 * next fire, or Quartz's recovery of the dead node's job, starts one at once.
 */
@DisallowConcurrentExecution
public final class DrainJob implements InterruptableJob {
    public static final String GROUP = "quarry";
    private static final Logger log = LoggerFactory.getLogger(DrainJob.class);
    /** Why a drain ended that calls for a follow-up fire while jobs are due: it handed the queue over. */
    private static final Set<String> HAND_OVERS = Set.of("budget", "rebalance");

    private final Map<String, QueueRuntime> runtimes;
    private final OtherNodes others;
    private volatile Drain current;
    private volatile boolean interrupted;

    public DrainJob(Map<String, QueueRuntime> runtimes, OtherNodes others) {
        this.runtimes = runtimes;
        this.others = others;
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
            handOverUnserved(context, queue);
            return;
        }
        Drain drain = rt.queue.budget().map(b -> new Drain(rt, Instant.now().plus(b))).orElseGet(() -> new Drain(rt));
        current = drain;
        if (interrupted) drain.requestStop();
        DrainSummary summary;
        try {
            summary = drain.run();
        } finally {
            current = null;
        }
        if (!interrupted && HAND_OVERS.contains(summary.endedBy())) followUpIfDue(context, rt);
    }

    /**
     * A drain that hands over while jobs are due asks for a follow-up fire at once, so the queue
     * never waits for its next cron fire. Quartz holds it until this execution has returned; the
     * balancing thread pool steers it to a less busy node. A drain refused by a live one asks for
     * nothing: the live drain is the answer, and asking again would only loop.
     */
    private static void followUpIfDue(JobExecutionContext context, QueueRuntime rt) {
        try {
            if (rt.jobs.hasDue(rt.queue.name())) context.getScheduler().triggerJob(jobKey(rt.queue.name()));
        } catch (SchedulerException | RuntimeException e) {
            log.warn("could not schedule a follow-up drain of queue {}: {}; the next fire drains it", rt.queue.name(), e.getMessage());
        }
    }

    /**
     * Quartz fired a queue this node does not serve (not in its {@code queues}): a fire dropped here
     * would leave the queue without a drain until its next fire, and the balancer, which sees this
     * node as idle, would send it here again. So when a live peer serves the queue, this node holds
     * its scheduler back for a moment and asks Quartz to fire the queue again, for that peer.
     */
    private void handOverUnserved(JobExecutionContext context, String queue) {
        try {
            if (!others.serve(queue)) {
                log.warn("drain of queue {} fired on a node that does not serve it, and no live node serves it: its jobs wait until"
                        + " a node that lists it in 'queues' runs", queue);
                return;
            }
            log.info("drain of queue {} fired on a node that does not serve it: leaving it to a node that does", queue);
            others.leaveNextFiresToPeers();
            context.getScheduler().triggerJob(jobKey(queue));
        } catch (SchedulerException | RuntimeException e) {
            log.warn("could not hand queue {} to a node that serves it: {}; its next fire tries again", queue, e.getMessage());
        }
    }

    /** Called by Quartz on shutdown: the drain stops claiming and winds down within the grace period. */
    @Override
    public void interrupt() {
        interrupted = true;
        Drain d = current;
        if (d != null) d.requestStop();
    }
}
