package dev.quarry.drain;

import dev.quarry.QuarryException;
import dev.quarry.Text;
import dev.quarry.config.Durations;
import dev.quarry.handler.Outcome;
import dev.quarry.queue.ClaimedJob;
import dev.quarry.queue.JobQueue;
import dev.quarry.queue.JobState;
import dev.quarry.queue.Lease;
import dev.quarry.queue.LeaseLostException;
import dev.quarry.queue.LeaseStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One drain of one queue: take the lease, rescue orphans, then claim batches and run them on the
 * queue's workers until the budget ends, keeping the lease renewed; then let the running jobs
 * finish, record everything, give the lease back and log a summary.
 *
 * <p>Only the thread that calls {@link #run()} touches the database and the in-flight table;
 * workers hand their results back through a queue. {@link #requestStop()} may come from any thread.
 */
public final class Drain {
    private static final Logger log = LoggerFactory.getLogger(Drain.class);
    /** After interrupting stuck handlers, how long to wait for them to return. */
    private static final long INTERRUPT_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final int PRUNE_BATCH = 5000;
    /** Longest a completion waits to ride in the next claim before it is recorded on its own. */
    private static final long DONE_LATENCY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long CANCEL_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** How often a drain asks whether to hand its queue to a less busy node. */
    private static final long BALANCE_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** How long a new drain waits for the lease of one that is finishing. */
    private static final long HANDOVER_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final QueueRuntime rt;
    private final String queue;
    private final long deadlineNanos;
    private final long renewEveryNanos;
    private final long pollNanos;
    private final boolean untilIdle;

    private final BlockingQueue<Finished> finished = new LinkedBlockingQueue<>();
    private final Map<Long, InFlight> inFlight = new LinkedHashMap<>();
    private final List<Finished> doneToRecord = new ArrayList<>();
    private final List<Finished> othersToRecord = new ArrayList<>();

    private volatile boolean stopRequested;
    private volatile long graceEndNanos;
    private Lease lease;
    private boolean leaseLost;
    private long nextRenewNanos;
    private long nextCancelCheckNanos;
    private long nextBalanceCheckNanos;
    /** Until when, by this node's monotonic clock, the lease is surely still ours; workers start no job after it. */
    private volatile long leaseValidUntilNanos;
    private long troubleSinceNanos;
    /** When the oldest completion in doneToRecord arrived. */
    private long doneSinceNanos;
    /** The queue's recent pace, which sizes the prefetch. */
    private final Pace pace = new Pace();
    private String endedBy = "budget";

    private int rescued, claimed;
    /** Records outcomes and counts them; set once the lease is taken. */
    private Outcomes outcomes;

    /** @param deadline when to stop claiming: the next scheduled fire of this queue's drain, or start + budget */
    public Drain(QueueRuntime rt, Instant deadline) {
        this(rt, deadline, false);
    }

    /**
     * @param untilIdle also stop as soon as the queue has no due job and nothing runs: one pass
     *                  over what is due, for tests and one-off runs
     */
    public Drain(QueueRuntime rt, Instant deadline, boolean untilIdle) {
        this.rt = rt;
        this.untilIdle = untilIdle;
        this.queue = rt.queue.name();
        long untilDeadline = Duration.between(Instant.now(), deadline).toNanos();
        this.deadlineNanos = System.nanoTime() + Math.max(0, untilDeadline);
        this.renewEveryNanos = rt.config.leaseDuration().toNanos() / 3;
        this.pollNanos = rt.config.pollInterval().toNanos();
    }

    /** Stop claiming now; running jobs get the shutdown grace, then are interrupted and given back. */
    public void requestStop() {
        if (!stopRequested) {
            graceEndNanos = System.nanoTime() + rt.config.shutdownGrace().toNanos();
            stopRequested = true;
        }
    }

    public DrainSummary run() {
        long start = System.nanoTime();
        MDC.put("node", rt.node);
        MDC.put("queue", queue);
        try {
            log.info("drain of queue {} starting on node {}", queue, rt.node);
            LeaseStore.Result taken;
            try {
                taken = takeLease();
            } catch (QuarryException e) {
                log.error("drain of queue {} aborted: {}", queue, e.getMessage());
                return new DrainSummary(false, 0, 0, 0, 0, 0, 0, 0, "error", Duration.ofNanos(System.nanoTime() - start));
            }
            if (!taken.acquired()) {
                log.info("drain of queue {} aborted: a prior drain is still running on node {} (lease epoch {}, {} ms left)",
                        queue, taken.refused().holder(), taken.refused().epoch(), taken.refused().expiresInMillis());
                return new DrainSummary(false, 0, 0, 0, 0, 0, 0, 0, "prior drain running", Duration.ofNanos(System.nanoTime() - start));
            }
            lease = taken.lease();
            outcomes = new Outcomes(rt, lease);
            leaseValidUntilNanos = start + rt.config.leaseDuration().toNanos();
            nextRenewNanos = System.nanoTime() + renewEveryNanos;
            try {
                rescueOrphans();
                pruneIfDue();
                claimLoop();
            } catch (LeaseLostException e) {
                loseLease(e);
            } catch (QuarryException e) {
                endedBy = "error";
                log.error("drain of queue {} stopped claiming: {}", queue, e.getMessage());
            } finally {
                settle();
            }
            Outcomes o = outcomes;
            DrainSummary summary = new DrainSummary(true, rescued, claimed, o.done, o.retried, o.dead, o.givenBack, o.refused, endedBy,
                    Duration.ofNanos(System.nanoTime() - start));
            log.info("drain of queue {} ended ({}): claimed {}, done {}, retried {}, dead {}, given back {}, cancelled {}, refused {},"
                            + " rescued {} in {} ms (lease epoch {})", queue, endedBy, claimed, o.done, o.retried, o.dead, o.givenBack,
                    o.cancelled, o.refused, rescued, summary.duration().toMillis(), lease.epoch());
            return summary;
        } finally {
            MDC.remove("queue");
        }
    }

    /**
     * Takes the lease, waiting briefly for a prior drain that is finishing: at a hand-over the next
     * fire can start while the last one still records its final jobs (Quartz's cluster does not
     * always hold it back), and giving up then would leave the queue idle until the fire after.
     */
    private LeaseStore.Result takeLease() {
        long until = System.nanoTime() + HANDOVER_WAIT_NANOS;
        while (true) {
            LeaseStore.Result taken = rt.leases.tryAcquire(queue, rt.node, rt.config.leaseDuration());
            if (taken.acquired() || stopRequested || System.nanoTime() >= until) return taken;
            sleepQuietly(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    private void rescueOrphans() {
        for (JobQueue.Rescued r : rt.jobs.rescueOrphans(queue, lease.epoch(), rt.config.maxAttempts())) {
            rescued++;
            if (r.buried()) outcomes.dead++;
            log.warn("job {} orphaned by node {} during attempt {}/{}: {}", r.id(), Text.oneLine(r.claimedBy(), 200), r.attempt(),
                    r.maxAttempts(), switch (r.to()) {
                        case DEAD -> "dead, no attempts left";
                        case CANCELLED -> "cancelled, as requested";
                        default -> "back to ready";
                    });
        }
    }

    private void pruneIfDue() {
        long now = System.nanoTime();
        if (rt.lastPruneNanos != 0 && now - rt.lastPruneNanos < rt.config.pruneInterval().toNanos()) return;
        rt.lastPruneNanos = now;
        for (Map.Entry<String, Duration> e : rt.config.retention().entrySet()) {
            JobState status = JobState.fromSql(e.getKey());
            int total = 0;
            for (int n = PRUNE_BATCH; n == PRUNE_BATCH && System.nanoTime() < deadlineNanos && !stopRequested; ) {
                n = rt.jobs.prune(queue, status, e.getValue(), PRUNE_BATCH);
                total += n;
            }
            if (total > 0) log.info("pruned {} {} jobs of queue {} older than {}", total, status.sql(), queue,
                    Durations.format(e.getValue()));
        }
    }

    /** Claims while the budget lasts, holding as many jobs beyond the running ones as {@link Pace} says. */
    private void claimLoop() {
        int batch = rt.queue.batchSize();
        int workers = rt.workers.workers();
        long nextClaimNanos = 0;
        while (true) {
            gather(0);
            recordOthers();
            if (stopRequested) {
                endedBy = "shutdown";
                return;
            }
            long now = System.nanoTime();
            if (now >= deadlineNanos) return;
            int prefetch = pace.prefetch(workers, batch);
            int cap = workers + prefetch;
            int claimAtRoom = Math.max(1, Math.min(batch, cap / 2));
            int room = cap - inFlight.size();
            if (now >= nextClaimNanos && room >= claimAtRoom) {
                List<ClaimedJob> jobs;
                try {
                    // Completions so far ride in the claim's transaction: one commit per batch.
                    List<Finished> completed = List.copyOf(doneToRecord);
                    JobQueue.Claim claim = rt.jobs.claim(lease, rt.config.leaseDuration(), Math.min(room, batch), rt.config.maxAttempts(),
                            rt.config.payloadMaxBytes(), completed.stream().map(Finished::job).toList());
                    doneToRecord.clear();
                    outcomes.recordedDone(completed, claim.refusedCompletions());
                    jobs = claim.jobs();
                    recovered();
                } catch (LeaseLostException e) {
                    throw e;
                } catch (QuarryException e) {
                    trouble(e);
                    nextClaimNanos = System.nanoTime() + backoffNanos();
                    continue;
                }
                nextRenewNanos = now + renewEveryNanos; // the claim renewed the lease
                leaseValidUntilNanos = now + rt.config.leaseDuration().toNanos();
                claimed += jobs.size();
                for (ClaimedJob job : jobs) start(job);
                if (jobs.size() == Math.min(room, batch)) continue; // there may be more right away
                if (untilIdle && jobs.isEmpty() && inFlight.isEmpty() && doneToRecord.isEmpty() && othersToRecord.isEmpty()) {
                    endedBy = "idle";
                    return;
                }
                nextClaimNanos = now + pollNanos;
            } else if (!doneToRecord.isEmpty() && (now < nextClaimNanos || now - doneSinceNanos > DONE_LATENCY_NANOS)) {
                // No claim is coming soon (the queue looked empty, or slow jobs hold the workers):
                // record now so a producer polling the row sees it done.
                recordDone();
            }
            renewIfDue();
            checkCancelRequests();
            if (now >= nextBalanceCheckNanos) {
                nextBalanceCheckNanos = now + BALANCE_CHECK_NANOS;
                if (rt.rebalancing.shouldHandOver()) {
                    endedBy = "rebalance";
                    return;
                }
            }
            long wait = Math.min(Math.min(deadlineNanos, nextRenewNanos), nextCancelCheckNanos) - System.nanoTime();
            if (room >= claimAtRoom) wait = Math.min(wait, nextClaimNanos - System.nanoTime());
            if (!doneToRecord.isEmpty()) wait = Math.min(wait, doneSinceNanos + DONE_LATENCY_NANOS - System.nanoTime());
            gather(Math.max(wait, TimeUnit.MILLISECONDS.toNanos(1)));
        }
    }

    private void start(ClaimedJob job) {
        InFlight f = new InFlight(job);
        inFlight.put(job.id(), f);
        String node = rt.node;
        f.future = rt.workers.executor().submit(() -> {
            if (!f.state.compareAndSet(InFlight.QUEUED, InFlight.STARTED)) return; // given back before it started
            MDC.put("node", node);
            MDC.put("queue", queue);
            long t0 = System.nanoTime();
            Outcome outcome;
            boolean interrupted = false;
            try {
                if (t0 - leaseValidUntilNanos > 0) {
                    // The node stalled past its lease (GC pause, SIGSTOP): a successor may own this job now.
                    outcome = Outcome.failed(Outcomes.NOT_STARTED);
                    interrupted = true;
                } else {
                    outcome = rt.runner.run(job);
                }
            } catch (InterruptedException e) {
                outcome = Outcome.failed("interrupted");
                interrupted = true;
            } catch (Throwable t) { // JobRunner catches handler throwables; this is a last guard for the drain's own state
                outcome = Outcome.failed(JobRunner.describe(t));
            }
            interrupted |= f.interruptedByDrain;
            Thread.interrupted(); // leave the pool thread clean for the next job
            finished.add(new Finished(job, outcome, System.nanoTime() - t0, interrupted, f.cancelRequested));
        });
    }

    /** Takes finished runs off the hand-back queue, waiting up to {@code waitNanos} for the first, and records them. */
    private void collect(long waitNanos) {
        gather(waitNanos);
        recordDone();
        recordOthers();
    }

    /** Takes finished runs off the hand-back queue into the buffers, waiting up to {@code waitNanos} for the first. */
    private void gather(long waitNanos) {
        try {
            Finished f = waitNanos > 0 ? finished.poll(waitNanos, TimeUnit.NANOSECONDS) : finished.poll();
            while (f != null) {
                pace.finished(System.nanoTime());
                InFlight owner = inFlight.remove(f.job().id());
                if (owner != null && !owner.abandoned) {
                    if (f.outcome() instanceof Outcome.Done) {
                        if (doneToRecord.isEmpty()) doneSinceNanos = System.nanoTime();
                        doneToRecord.add(f);
                    } else {
                        othersToRecord.add(f);
                    }
                }
                f = finished.poll();
            }
        } catch (InterruptedException e) {
            // Quartz asks a drain to stop through requestStop(); a raw interrupt means the same.
            requestStop();
        }
    }

    /** Records the buffered completions in a transaction of their own; on a database error keeps them. */
    private void recordDone() {
        if (doneToRecord.isEmpty()) return;
        try {
            List<Finished> completed = List.copyOf(doneToRecord);
            List<ClaimedJob> refusedJobs = rt.jobs.markDone(completed.stream().map(Finished::job).toList());
            doneToRecord.clear();
            outcomes.recordedDone(completed, refusedJobs);
            recovered();
        } catch (QuarryException e) {
            trouble(e);
        }
    }

    /** Records retries, burials and give-backs, one guarded UPDATE each; on a database error keeps them. */
    private void recordOthers() {
        try {
            for (Iterator<Finished> it = othersToRecord.iterator(); it.hasNext(); ) {
                outcomes.record(it.next());
                it.remove();
            }
        } catch (QuarryException e) {
            trouble(e);
        }
    }

    private boolean unrecorded() {
        return !doneToRecord.isEmpty() || !othersToRecord.isEmpty();
    }

    /**
     * About once a second, while jobs run, asks which of them an operator wants stopped: those not
     * started are cancelled at once, running ones are interrupted and end cancelled.
     */
    private void checkCancelRequests() {
        long now = System.nanoTime();
        if (inFlight.isEmpty() || now < nextCancelCheckNanos || leaseLost) return;
        nextCancelCheckNanos = now + CANCEL_CHECK_NANOS;
        java.util.Set<Long> ids;
        try {
            ids = rt.jobs.cancelRequests(lease);
        } catch (QuarryException e) {
            trouble(e);
            return;
        }
        for (Long id : ids) {
            InFlight f = inFlight.get(id);
            if (f == null || f.cancelRequested) continue;
            f.cancelRequested = true;
            if (f.state.compareAndSet(InFlight.QUEUED, InFlight.CANCELLED)) {
                f.future.cancel(false);
                inFlight.remove(id);
                othersToRecord.add(new Finished(f.job, Outcome.failed("cancelled before it started"), 0, true, true));
            } else {
                f.interruptedByDrain = true;
                f.future.cancel(true);
            }
        }
    }

    private void renewIfDue() {
        if (leaseLost || System.nanoTime() < nextRenewNanos) return;
        try {
            long before = System.nanoTime();
            rt.leases.renew(lease, rt.config.leaseDuration());
            leaseValidUntilNanos = before + rt.config.leaseDuration().toNanos();
            nextRenewNanos = System.nanoTime() + renewEveryNanos;
            recovered();
        } catch (LeaseLostException e) {
            throw e;
        } catch (QuarryException e) {
            trouble(e);
            nextRenewNanos = System.nanoTime() + backoffNanos();
        }
    }

    /**
     * After the claim loop: no more claims. Normally the running and prefetched jobs finish under a
     * renewed lease. On shutdown the prefetched ones go back at once and the running ones get the
     * grace period; on a lost lease nothing more is run. Then stragglers are interrupted, whatever
     * still runs is given back, outcomes are recorded, and the lease is released.
     */
    private void settle() {
        boolean cancelled = false;
        while (!inFlight.isEmpty()) {
            if ((stopRequested || leaseLost) && !cancelled) {
                cancelUnstarted();
                cancelled = true;
                if (inFlight.isEmpty()) break;
            }
            if (leaseLost || (stopRequested && System.nanoTime() >= graceEndNanos)) break;
            try {
                renewIfDue();
            } catch (LeaseLostException e) {
                loseLease(e);
                continue;
            }
            checkCancelRequests();
            long wait = stopRequested ? graceEndNanos - System.nanoTime() : renewEveryNanos;
            collect(Math.max(TimeUnit.MILLISECONDS.toNanos(1), Math.min(wait, renewEveryNanos)));
        }
        if (!inFlight.isEmpty()) {
            log.warn("interrupting {} running jobs of queue {} ({})", inFlight.size(), queue, leaseLost ? "lease lost" : "shutdown grace over");
            for (InFlight f : inFlight.values()) {
                f.interruptedByDrain = true;
                f.future.cancel(true);
            }
            long until = System.nanoTime() + INTERRUPT_WAIT_NANOS;
            while (!inFlight.isEmpty() && System.nanoTime() < until) collect(TimeUnit.MILLISECONDS.toNanos(50));
            for (InFlight f : inFlight.values()) {
                f.abandoned = true;
                log.error("job {} ({}) ignored the interrupt; its thread is abandoned and the job given back to ready", f.job.id(),
                        Text.oneLine(f.job.type(), 128));
                outcomes.giveBackQuietly(f.job);
            }
            inFlight.clear();
        }
        flushWithDeadline();
        if (!leaseLost) {
            try {
                if (!rt.leases.release(lease)) loseLease(new LeaseLostException(lease));
            } catch (QuarryException e) {
                log.warn("could not release the lease of queue {}; it expires by itself: {}", queue, e.getMessage());
            }
        }
    }

    private void cancelUnstarted() {
        for (Iterator<InFlight> it = inFlight.values().iterator(); it.hasNext(); ) {
            InFlight f = it.next();
            if (f.state.compareAndSet(InFlight.QUEUED, InFlight.CANCELLED)) {
                f.future.cancel(false);
                it.remove();
                outcomes.giveBackQuietly(f.job);
            }
        }
    }

    /** Records what is left, retrying a failing database for up to a lease period. */
    private void flushWithDeadline() {
        long until = System.nanoTime() + rt.config.leaseDuration().toNanos();
        collect(0);
        while (unrecorded() && System.nanoTime() < until) {
            sleepQuietly(backoffNanos());
            collect(0);
        }
        int left = doneToRecord.size() + othersToRecord.size();
        if (left > 0) {
            log.error("{} outcomes of queue {} could not be recorded; those jobs stay running until the next drain rescues and reruns them",
                    left, queue);
        }
    }

    private void loseLease(LeaseLostException e) {
        leaseLost = true;
        endedBy = "lease lost";
        log.warn("drain of queue {} stops: {}", queue, e.getMessage());
    }

    private void trouble(QuarryException e) {
        if (troubleSinceNanos == 0) {
            troubleSinceNanos = System.nanoTime();
            log.error("database trouble in drain of queue {}: {}; retrying with backoff", queue, e.getMessage());
        }
    }

    private void recovered() {
        if (troubleSinceNanos != 0) {
            log.info("database reachable again for queue {} after {} ms", queue, (System.nanoTime() - troubleSinceNanos) / 1_000_000);
            troubleSinceNanos = 0;
        }
    }

    /** Grows with the length of the trouble, from the poll interval up to 5 s. */
    private long backoffNanos() {
        long since = troubleSinceNanos == 0 ? 0 : System.nanoTime() - troubleSinceNanos;
        return Math.min(TimeUnit.SECONDS.toNanos(5), Math.max(pollNanos, since / 4));
    }

    private static void sleepQuietly(long nanos) {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A claimed job between claim and recorded outcome. */
    private static final class InFlight {
        final ClaimedJob job;
        static final int QUEUED = 0, STARTED = 1, CANCELLED = 2;
        /** Settles the race between a worker starting the job and the drain giving it back unstarted. */
        final java.util.concurrent.atomic.AtomicInteger state = new java.util.concurrent.atomic.AtomicInteger(QUEUED);
        Future<?> future;
        volatile boolean interruptedByDrain;
        volatile boolean cancelRequested;
        boolean abandoned;

        InFlight(ClaimedJob job) {
            this.job = job;
        }
    }
}
