package dev.quarry.internal.drain;

import dev.quarry.internal.queue.Drains;
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
 * The Quartz job of one drain of a queue: a queue with {@code queue.Q.drains=N} has N JobDetails
 * in group {@value #GROUP}, named as {@link Drains#name} says ({@code video}, {@code video#2},
 * ...), each with its own cron trigger and its own lease. {@code @DisallowConcurrentExecution}
 * asks Quartz's cluster to keep each drain's other triggers BLOCKED while it runs anywhere, so a
 * queue never has more than N drains at once; its drains claim side by side (SKIP LOCKED). Quartz does not always manage it (a stalled node
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

    public static JobKey jobKey(String queue, int drain) {
        return JobKey.jobKey(Drains.name(queue, drain), GROUP);
    }

    public static TriggerKey cronKey(String queue, int drain) {
        return TriggerKey.triggerKey(Drains.name(queue, drain) + "-cron", GROUP);
    }

    @Override
    public void execute(JobExecutionContext context) {
        String name = context.getJobDetail().getKey().getName();
        String queue = Drains.queue(name);
        int number = Drains.number(name);
        QueueRuntime rt = runtimes.get(queue);
        if (rt == null || number > rt.queue.drains()) {
            if (handOverUnserved(context, queue, number) || rt == null) return;
            retire(context, rt, number);
            return;
        }
        if (!rt.enterDrain()) {
            atCapacity(context, rt, number);
            return;
        }
        DrainSummary summary;
        try {
            Drain drain = rt.queue.budget().map(b -> new Drain(rt, number, Instant.now().plus(b))).orElseGet(() -> new Drain(rt, number));
            current = drain;
            if (interrupted) drain.requestStop();
            try {
                summary = drain.run();
            } finally {
                current = null;
            }
        } finally {
            rt.leaveDrain();
        }
        if (!interrupted && HAND_OVERS.contains(summary.endedBy())) followUpIfDue(context, rt, number, others);
    }

    /**
     * The drain fired on a node that already holds its queue's drains-per-node. It still rescues
     * what a dead holder left running (so those jobs never wait for a node with room), then hands
     * the fire on when a live peer that runs the drain holds fewer of the queue's drains than this
     * node; otherwise the drain waits, unheld, for its next fire.
     */
    private void atCapacity(JobExecutionContext context, QueueRuntime rt, int number) {
        if (!rescueOnly(rt, number)) return;
        String queue = rt.queue.name();
        try {
            if (!others.roomFor(queue, number, rt.drainsHere())) return;
            log.info("drain {} fired on a node that holds {} of the queue's drains already: leaving it to a node that holds fewer",
                    Drains.name(queue, number), rt.drainsHere());
            others.leaveNextFiresToPeers();
            context.getScheduler().triggerJob(jobKey(queue, number));
        } catch (SchedulerException | RuntimeException e) {
            log.warn("could not hand drain {} on: {}; its next fire tries again", Drains.name(queue, number), e.getMessage());
        }
    }

    private boolean rescueOnly(QueueRuntime rt, int number) {
        Drain drain = new Drain(rt, number);
        current = drain;
        if (interrupted) drain.requestStop();
        try {
            return drain.rescueOnly();
        } finally {
            current = null;
        }
    }

    /**
     * A drain beyond what every live node is configured for (the queue's drains were lowered):
     * this node takes its lease, once the last holder's has expired, rescues the jobs that holder
     * left running, gives the lease up and removes the drain's Quartz job, so nothing fires it
     * again. Its lease row stays, unheld; {@code bin/quarry status} lists it as retired. A node
     * started later with more drains registers the job again.
     */
    private void retire(JobExecutionContext context, QueueRuntime rt, int number) {
        if (!rescueOnly(rt, number)) return;
        try {
            context.getScheduler().deleteJob(context.getJobDetail().getKey());
            log.info("drain {} retired: no live node is configured for more than {} drains of queue {}", Drains.name(rt.queue.name(), number),
                    number - 1, rt.queue.name());
        } catch (SchedulerException e) {
            log.warn("drain {} could not remove its Quartz job ({}); its next fire retires it again", Drains.name(rt.queue.name(), number),
                    e.getMessage());
        }
    }

    /**
     * A drain that hands over while jobs are due asks for a follow-up fire at once, so the queue
     * never waits for its next cron fire. Quartz holds it until this execution has returned. When a
     * live peer runs the drain, this node's scheduler first stands back for a fresh hold window, so
     * the peer acquires it: the balancing pool's own hold was counted from whenever this node's
     * scheduler began to wait, and when it ran out just as the follow-up became due, this node took
     * its own hand-over back (seen in the cluster benchmark: three rebalances, none moved a queue).
     * A drain refused by a live one asks for nothing: the live drain is the answer, and asking again
     * would only loop.
     */
    private static void followUpIfDue(JobExecutionContext context, QueueRuntime rt, int number, OtherNodes others) {
        try {
            if (!rt.jobs.hasDue(rt.queue.name())) return;
            if (others.serve(rt.queue.name(), number)) others.leaveNextFiresToPeers();
            context.getScheduler().triggerJob(jobKey(rt.queue.name(), number));
        } catch (SchedulerException | RuntimeException e) {
            log.warn("could not schedule a follow-up of drain {}: {}; the next fire drains it", Drains.name(rt.queue.name(), number),
                    e.getMessage());
        }
    }

    /**
     * Quartz fired a drain this node does not run: its queue is not in this node's {@code queues},
     * or the queue has fewer drains in this node's config. A fire dropped here would leave the
     * drain idle until its next fire, and the balancer, which sees this node as idle, would send it
     * here again. So when a live peer runs the drain, this node holds its scheduler back for a
     * moment and asks Quartz to fire it again, for that peer.
     *
     * @return whether a peer runs the drain (the fire was handed on, or could not be)
     */
    private boolean handOverUnserved(JobExecutionContext context, String queue, int number) {
        String name = Drains.name(queue, number);
        try {
            if (!others.serve(queue, number)) {
                if (!runtimes.containsKey(queue)) {
                    log.warn("drain {} fired on a node that does not serve its queue, and no live node serves it: its jobs wait until"
                            + " a node that lists it in 'queues' runs", name);
                }
                return false;
            }
            log.info("drain {} fired on a node that does not run it: leaving it to a node that does", name);
            others.leaveNextFiresToPeers();
            context.getScheduler().triggerJob(jobKey(queue, number));
        } catch (SchedulerException | RuntimeException e) {
            log.warn("could not hand drain {} to a node that runs it: {}; its next fire tries again", name, e.getMessage());
        }
        return true;
    }

    /** Called by Quartz on shutdown: the drain stops claiming and winds down within the grace period. */
    @Override
    public void interrupt() {
        interrupted = true;
        Drain d = current;
        if (d != null) d.requestStop();
    }
}
