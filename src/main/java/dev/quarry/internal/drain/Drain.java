package dev.quarry.internal.drain;

import java.util.concurrent.locks.LockSupport;
import dev.quarry.QuarryException;
import dev.quarry.internal.Text;
import dev.quarry.internal.queue.ClaimedJob;
import dev.quarry.internal.queue.CommitUnconfirmedException;
import dev.quarry.internal.queue.JobQueue;
import dev.quarry.internal.queue.LeaseLostException;
import dev.quarry.internal.queue.LeaseRefused;
import dev.quarry.internal.queue.LeaseStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One drain of one queue: take the lease, rescue orphans, then keep the queue's workers busy until
 * shutdown, a lost lease or a hand-over (rebalance, or the queue's optional budget), then settle.
 *
 * <p>A drain claims only as many jobs as it has free workers, and hands each one to a worker at
 * once: a claimed job is a started job, so its attempt (counted by the claim) is an attempt that
 * ran, and no job waits claimed behind a long one. Each claim rides in one transaction with the
 * completions recorded since the last one and the lease's renewal. The parts: {@link LeaseKeeper}
 * (the lease and the start gate), {@link Dispatcher} (workers, timeouts, cancels), {@link Outcomes}
 * (recording), {@link Settler} (the end).
 *
 * <p>Only the thread that calls {@link #run()} touches the database; {@link #requestStop()} may
 * come from any thread.
 */
public final class Drain {
    private static final Logger log = LoggerFactory.getLogger(Drain.class);
    private static final long CANCEL_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** How often a drain asks whether to hand its queue to a less busy node. */
    private static final long BALANCE_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** How often the lease watch looks whether running jobs must stop. */
    private static final long LEASE_WATCH_MILLIS = 200;
    /**
     * How long a drain whose workers are partly busy waits for more of them to free up before it
     * claims: a round costs one commit whatever it carries, and very short jobs end in bursts.
     */
    static final long LINGER_NANOS = TimeUnit.MICROSECONDS.toNanos(500);
    /** How often a lingering drain looks whether enough workers have freed up. */
    static final long LINGER_SLICE_NANOS = TimeUnit.MICROSECONDS.toNanos(100);
    /** Longest a drain claims past its cursor before it claims from the head of the queue again. */
    static final long CURSOR_LIFE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /**
     * How soon a drain claims again after a claim that came back short while jobs are arriving (a
     * claim within the last poll interval found some): the next is likely due within moments
     * (steady 500 jobs/s: one every 2 ms). Once a whole poll interval has brought nothing, the
     * drain polls at the poll interval, with a cheap read first.
     */
    static final long ACTIVE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** Longest pause between retries while the database is in trouble: a database that returns is used within it. */
    static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);

    final QueueRuntime rt;
    final String queue;
    /** This drain's number within its queue, from 1 ({@code queue.Q.drains}). */
    final int drainNumber;
    /** The drain's name in log lines: the queue's, or {@code queue#N}. */
    final String name;
    final Ticker ticker;
    final LeaseKeeper keeper;
    final Dispatcher dispatcher;
    /** Claims whose commit was not confirmed: their rows, if they took any, are given back. */
    final UnconfirmedClaims unconfirmed;
    private final Optional<Long> endNanos;
    private final boolean untilIdle;
    private final long pollNanos;

    volatile boolean stopRequested;
    volatile long graceEndNanos;
    String endedBy = "shutdown";
    private int rescued, claimed;
    Outcomes outcomes;
    private boolean troubled;
    private long troubleSinceNanos;
    /** While the database is in trouble, no statement is tried before this (ticker time). */
    private long retryAtNanos;
    private long nextCancelCheckNanos;
    /** Where the last claim ended, while it may be claimed past; see {@link JobQueue.Cursor}. */
    private JobQueue.Cursor cursor;
    private long cursorSinceNanos;
    /** Whether the last round claimed past the cursor. */
    private boolean claimedPastCursor;
    /**
     * Whether the last claim found nothing due: the next one first asks, in one cheap autocommit
     * read, whether anything is due, so an idle drain costs one indexed SELECT per poll instead of
     * a transaction with its staging and locking reads.
     */
    private boolean idle;
    /**
     * When to look for orphans again (ticker time), or 0: a rescue passes over jobs whose row a
     * frozen former holder's open transaction still holds, and this drain takes them later.
     */
    private long nextRescueNanos;
    static final long RESCUE_AGAIN_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** When a claim last found a job (ticker time). */
    private long lastFoundNanos = Long.MIN_VALUE / 2;

    /** Drain {@code drain} of the queue, living until shutdown, a lost lease or a hand-over to a less busy node. */
    public Drain(QueueRuntime rt, int drain) {
        this(rt, drain, Optional.empty(), false, Ticker.SYSTEM);
    }

    /** A drain that also hands its queue over at {@code end} (the queue's budget). */
    public Drain(QueueRuntime rt, int drain, Instant end) {
        this(rt, drain, Optional.of(end), false, Ticker.SYSTEM);
    }

    /**
     * Drain 1 of the queue, for tests and one-off runs.
     *
     * @param untilIdle also stop as soon as the queue has no due job and nothing runs: one pass
     *                  over what is due
     */
    public Drain(QueueRuntime rt, Instant end, boolean untilIdle) {
        this(rt, 1, Optional.of(end), untilIdle, Ticker.SYSTEM);
    }

    Drain(QueueRuntime rt, int drain, Optional<Instant> end, boolean untilIdle, Ticker ticker) {
        this.rt = rt;
        this.queue = rt.queue.name();
        this.drainNumber = drain;
        this.name = dev.quarry.internal.queue.Drains.name(queue, drain);
        this.ticker = ticker;
        this.untilIdle = untilIdle;
        this.endNanos = end.map(e -> ticker.nanos() + Math.max(0, Duration.between(Instant.now(), e).toNanos()));
        this.pollNanos = rt.config.pollInterval().toNanos();
        this.keeper = new LeaseKeeper(rt.leases, queue, drain, rt.node, rt.config.leaseDuration(), ticker);
        this.dispatcher = new Dispatcher(rt, keeper, ticker);
        this.unconfirmed = new UnconfirmedClaims(rt.config.leaseDuration().toNanos());
        this.nextCancelCheckNanos = ticker.nanos();
    }

    /** Stop claiming now; running jobs get the shutdown grace, then are interrupted and given back. */
    public void requestStop() {
        if (!stopRequested) {
            graceEndNanos = ticker.nanos() + rt.config.shutdownGrace().toNanos();
            stopRequested = true;
        }
    }

    public DrainSummary run() {
        long start = ticker.nanos();
        MDC.put("node", rt.node);
        MDC.put("queue", name);
        try {
            log.info("drain {} starting on node {}", name, rt.node);
            LeaseStore.Result taken;
            try {
                taken = keeper.take(() -> stopRequested, LeaseKeeper.Sleeper.SYSTEM);
            } catch (QuarryException e) {
                log.error("drain {} aborted: {}", name, e.getMessage());
                return new DrainSummary(false, 0, 0, 0, 0, 0, 0, 0, "error", elapsed(start));
            }
            if (!taken.acquired()) {
                LeaseRefused r = taken.refused();
                log.info("drain {} aborted: a prior drain is still running on node {} (lease epoch {}, {} ms left{})", name,
                        Text.oneLine(r.holder(), 200), r.epoch(), r.expiresInMillis(),
                        r.holderCheckedIn() ? "" : "; Quartz lists that node as gone, but its lease was renewed");
                return new DrainSummary(false, 0, 0, 0, 0, 0, 0, 0, "prior drain running", elapsed(start));
            }
            outcomes = new Outcomes(rt, keeper.lease());
            dev.quarry.internal.metrics.NodeMetrics.get().drainStarted(queue);
            ScheduledExecutorService watch = leaseWatch();
            try {
                rescueOrphans();
                claimLoop();
            } catch (LeaseLostException e) {
                loseLease(e);
            } catch (QuarryException e) {
                endedBy = "error";
                log.error("drain {} stopped claiming: {}", name, e.getMessage());
            } finally {
                new Settler(this).settle();
                watch.shutdownNow();
                dev.quarry.internal.metrics.NodeMetrics.get().drainEnded(queue);
            }
            Outcomes o = outcomes;
            DrainSummary summary = new DrainSummary(true, rescued, claimed, o.done, o.retried, o.dead, o.givenBack, o.refused, endedBy,
                    elapsed(start));
            log.info("drain {} ended ({}): claimed {}, done {}, retried {}, dead {}, given back {}, cancelled {}, refused {},"
                            + " rescued {} in {} ms (lease epoch {})", name, endedBy, claimed, o.done, o.retried, o.dead, o.givenBack,
                    o.cancelled, o.refused, rescued, summary.duration().toMillis(), keeper.lease().epoch());
            return summary;
        } finally {
            MDC.remove("queue");
        }
    }

    /**
     * A drain that only rescues: takes its lease (after its last holder's has expired), returns the
     * jobs that holder left running, and gives the lease up. For a drain no live node is configured
     * for (retiring it), and for a drain fired on a node that already holds its drains-per-node,
     * so the jobs of a dead node's drain never wait for a node with room.
     *
     * @return whether it did (false: a holder is still alive, or the database failed; the next fire tries again)
     */
    boolean rescueOnly() {
        MDC.put("node", rt.node);
        MDC.put("queue", name);
        try {
            LeaseStore.Result taken = keeper.take(() -> stopRequested, LeaseKeeper.Sleeper.SYSTEM);
            if (!taken.acquired()) {
                log.debug("drain {} is held by node {}: nothing to rescue", name, Text.oneLine(taken.refused().holder(), 200));
                return false;
            }
            outcomes = new Outcomes(rt, keeper.lease());
            rescueOrphans();
            keeper.release();
            if (rescued > 0) log.info("drain {} rescued {} jobs and gave its lease up", name, rescued);
            return true;
        } catch (QuarryException e) {
            log.warn("drain {} could not rescue its jobs: {}", name, e.getMessage());
            return false;
        } finally {
            MDC.remove("queue");
        }
    }

    /**
     * Stops the running jobs once the lease can no longer be confirmed (renewals failing: the
     * database is unreachable from here, or this node stalled). It runs on a thread of its own
     * because the drain's thread may then be stuck in a statement for up to the socket timeout, and
     * a peer may take the lease as soon as it expires.
     */
    private ScheduledExecutorService leaseWatch() {
        ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "quarry-" + name + "-lease-watch");
            t.setDaemon(true);
            return t;
        });
        String node = rt.node;
        watch.scheduleWithFixedDelay(() -> {
            if (keeper.mayStart() || dispatcher.idle()) return;
            int n = dispatcher.interruptAll(Dispatcher.Stop.GIVE_BACK);
            if (n > 0) {
                MDC.put("node", node);
                MDC.put("queue", name);
                log.warn("lease of drain {} {}: interrupting {} running jobs before a peer may take them over", name,
                        keeper.isLost() ? "was lost" : "could not be renewed in time", n);
            }
        }, LEASE_WATCH_MILLIS, LEASE_WATCH_MILLIS, TimeUnit.MILLISECONDS);
        return watch;
    }

    private void rescueOrphans() {
        List<JobQueue.Rescued> found = rt.jobs.rescueOrphans(keeper.lease(), rt.config.maxAttempts());
        nextRescueNanos = rt.jobs.hasOrphans(keeper.lease()) ? ticker.nanos() + RESCUE_AGAIN_NANOS : 0;
        for (JobQueue.Rescued r : found) {
            rescued++;
            if (r.buried()) outcomes.dead++;
            log.warn("job {} orphaned by node {} during attempt {}/{}: {}", r.id(), Text.oneLine(r.claimedBy(), 200), r.attempt(),
                    r.maxAttempts(), switch (r.to()) {
                        case DEAD -> "dead, no attempts left";
                        case CANCELLED -> "cancelled, as requested";
                        default -> "back to ready";
                    });
        }
        dev.quarry.internal.metrics.NodeMetrics.get().orphansRescued(queue, found.size());
    }

    /** Claims for free workers, records what finished, renews the lease, until the drain must end. */
    private void claimLoop() {
        int batch = rt.queue.batchSize();
        int half = Math.max(1, Math.min(batch, rt.workers.workers()) / 2);
        long nextClaimNanos = ticker.nanos();
        long freeSinceNanos = 0;
        boolean wasFull = false;
        long nextBalanceCheckNanos = nextClaimNanos;
        while (true) {
            collect(0);
            recordOthers();
            if (stopRequested) {
                endedBy = "shutdown";
                return;
            }
            long now = ticker.nanos();
            if (endNanos.isPresent() && now - endNanos.get() >= 0) {
                endedBy = "budget";
                return;
            }
            outcomes.addAll(dispatcher.checkTimeouts());
            int free = keeper.mayStart() ? Math.min(batch, dispatcher.free()) : 0;
            if (free == 0) {
                wasFull = true;
            } else if (wasFull) {
                wasFull = false;
                freeSinceNanos = now;
            }
            boolean lingering = free > 0 && free < half && !dispatcher.idle() && now - freeSinceNanos < LINGER_NANOS;
            boolean claimDue = free > 0 && now - nextClaimNanos >= 0 && !lingering;
            // Completions go with the next claim; alone only when no claim is coming (an idle queue, a closed gate).
            if ((claimDue || (outcomes.hasDone() && !lingering)) && !backingOff()) {
                int got = round(claimDue ? free : 0);
                // A short claim past the cursor says nothing of the head of the queue: the next claim goes there at once.
                if (got >= 0 && claimDue && !claimedPastCursor) {
                    // Fewer than asked for: the queue has nothing more due. Poll again soon while jobs
                    // are arriving, after the poll interval once one has brought nothing.
                    if (got > 0) lastFoundNanos = now;
                    boolean arriving = now - lastFoundNanos < pollNanos;
                    if (got < free) nextClaimNanos = now + (arriving ? Math.min(pollNanos, ACTIVE_POLL_NANOS) : pollNanos);
                    idle = got == 0 && !arriving;
                    if (untilIdle && got == 0 && dispatcher.idle() && !outcomes.unrecorded() && !unconfirmed.unlooked()) {
                        endedBy = "idle";
                        return;
                    }
                }
            }
            renewIfDue();
            checkCancelRequests();
            rescueAgainIfDue();
            returnUnconfirmedIfDue();
            now = ticker.nanos();
            if (now - nextBalanceCheckNanos >= 0) {
                nextBalanceCheckNanos = now + BALANCE_CHECK_NANOS;
                if (rt.rebalancing.shouldHandOver(queue, drainNumber)) {
                    endedBy = "rebalance";
                    return;
                }
            }
            long wakeAt = Math.min(Math.min(keeper.nextRenewNanos(), dispatcher.nextDeadlineNanos()), nextBalanceCheckNanos);
            if (!dispatcher.idle()) wakeAt = Math.min(wakeAt, nextCancelCheckNanos);
            long roundAt = troubled ? retryAtNanos : now;
            if (dispatcher.free() > 0 && keeper.mayStart()) {
                wakeAt = Math.min(wakeAt, Math.max(Math.max(nextClaimNanos, roundAt), lingering ? freeSinceNanos + LINGER_NANOS : now));
            }
            if (outcomes.unrecorded() && troubled) wakeAt = Math.min(wakeAt, retryAtNanos);
            wakeAt = Math.min(wakeAt, Math.max(unconfirmed.nextLookNanos(now), roundAt));
            if (endNanos.isPresent()) wakeAt = Math.min(wakeAt, endNanos.get());
            long waitNanos = Math.max(wakeAt - ticker.nanos(), TimeUnit.MICROSECONDS.toNanos(200));
            if (lingering) {
                // Waiting for more workers to free up: the runs that end meanwhile are taken together
                // at the top of the loop, not one wake-up of this thread each (two thread switches a
                // job made the node's CPU per job five times the baseline's).
                LockSupport.parkNanos(Math.min(waitNanos, LINGER_SLICE_NANOS));
                if (Thread.interrupted()) requestStop();
            } else {
                collect(waitNanos);
            }
        }
    }

    /**
     * One transaction: record the completions so far, claim up to {@code limit} jobs, and renew the
     * lease when that is due; then hand the jobs to workers. A renewal confirms the gate from the
     * moment before the transaction was sent.
     *
     * @return the jobs claimed, or -1 when the database failed (nothing was recorded; retried after a backoff)
     */
    int round(int limit) {
        long sent = ticker.nanos();
        long token = JobQueue.newClaimToken();
        JobQueue.Claim claim;
        try {
            if (limit > 0 && idle && cursor == null && !outcomes.hasDone() && !keeper.renewDue() && !rt.jobs.hasDue(queue)) {
                recovered();
                claimedPastCursor = false;
                return 0; // still nothing due: the claim's transaction is spared
            }
            if (cursor != null && sent - cursorSinceNanos >= CURSOR_LIFE_NANOS) cursor = null; // from the head now and then
            claimedPastCursor = limit > 0 && cursor != null;
            claim = rt.jobs.claim(keeper.lease(), keeper.duration(), keeper.renewDue(), token, limit, rt.config.maxAttempts(),
                    rt.config.payloadMaxBytes(), outcomes.pendingDone(), cursor);
        } catch (LeaseLostException e) {
            keeper.lost();
            throw e;
        } catch (CommitUnconfirmedException e) {
            // It may have taken jobs that no worker here runs: they are looked for and given back.
            if (limit > 0) unconfirmed.add(token, ticker.nanos());
            trouble(e);
            return -1;
        } catch (QuarryException e) {
            trouble(e);
            return -1;
        }
        if (claim.renewed()) keeper.confirmed(sent);
        outcomes.doneRecorded(claim.refusedCompletions());
        recovered();
        List<ClaimedJob> jobs = claim.jobs();
        if (limit > 0) {
            // A full claim may be followed past its end; a short one (the queue, or what lies past
            // the cursor, ran out) sends the next claim back to the head.
            if (jobs.size() < limit) {
                cursor = null;
            } else {
                if (cursor == null) cursorSinceNanos = sent;
                cursor = claim.last();
            }
        }
        claimed += jobs.size();
        rt.workers.handOver(() -> {
            for (ClaimedJob job : jobs) dispatcher.start(job);
        });
        return jobs.size();
    }

    /** Takes ended runs into the outcomes, waiting up to {@code waitNanos} for the first. */
    void collect(long waitNanos) {
        try {
            outcomes.addAll(dispatcher.collect(waitNanos));
        } catch (InterruptedException e) {
            // Quartz asks a drain to stop through requestStop(); a raw interrupt means the same.
            requestStop();
        }
    }

    /** Records waiting outcomes other than done; on a database error they wait for the next try. */
    void recordOthers() {
        if (backingOff()) return;
        try {
            outcomes.recordOthers();
        } catch (QuarryException e) {
            trouble(e);
        }
    }

    void renewIfDue() {
        if (!keeper.renewDue() || backingOff()) return;
        try {
            keeper.renew();
            recovered();
        } catch (LeaseLostException e) {
            throw e;
        } catch (QuarryException e) {
            trouble(e);
        }
    }

    /** Takes the orphans an earlier rescue passed over, once their rows are free. */
    void rescueAgainIfDue() {
        if (nextRescueNanos == 0 || ticker.nanos() - nextRescueNanos < 0 || backingOff() || keeper.isLost()) return;
        try {
            rescueOrphans();
        } catch (QuarryException e) {
            nextRescueNanos = ticker.nanos() + RESCUE_AGAIN_NANOS;
            trouble(e);
        }
    }

    /** Gives back the jobs that claims whose commit was not confirmed may have taken; see {@link UnconfirmedClaims}. */
    void returnUnconfirmedIfDue() {
        if (!unconfirmed.lookDue(ticker.nanos()) || backingOff() || keeper.isLost()) return;
        returnUnconfirmed();
    }

    /** One look for the rows of unconfirmed claims; false when the database failed (they wait for the next look). */
    boolean returnUnconfirmed() {
        try {
            List<Long> ids = rt.jobs.returnUnconfirmed(keeper.lease(), unconfirmed.tokens());
            unconfirmed.looked(ticker.nanos(), keeper.lastConfirmedSentNanos());
            recovered();
            for (Long id : ids) {
                outcomes.givenBack++;
                log.warn("job {} given back unrun: the claim that took it was not confirmed (the database connection broke as it"
                        + " committed); the attempt does not count", id);
            }
            return true;
        } catch (QuarryException e) {
            trouble(e);
            return false;
        }
    }

    /**
     * About once a second, while jobs run, asks which of them an operator wants stopped: those are
     * interrupted and end cancelled.
     */
    void checkCancelRequests() {
        long now = ticker.nanos();
        if (dispatcher.idle() || now - nextCancelCheckNanos < 0 || keeper.isLost()) return;
        nextCancelCheckNanos = now + CANCEL_CHECK_NANOS;
        Set<Long> ids;
        try {
            ids = rt.jobs.cancelRequests(keeper.lease());
        } catch (QuarryException e) {
            trouble(e);
            return;
        }
        for (Long id : ids) dispatcher.cancel(id);
    }

    void loseLease(LeaseLostException e) {
        keeper.lost();
        endedBy = "lease lost";
        log.warn("drain {} stops: {}", name, e.getMessage());
    }

    /** A database error: log once per spell of trouble, and hold further statements back for a while. */
    void trouble(QuarryException e) {
        long now = ticker.nanos();
        if (!troubled) {
            troubled = true;
            troubleSinceNanos = now;
            log.error("database trouble in drain {}: {}; retrying with backoff", name, e.getMessage());
        }
        retryAtNanos = now + backoffNanos(now - troubleSinceNanos, pollNanos);
    }

    void recovered() {
        if (troubled) {
            troubled = false;
            log.info("database reachable again for drain {} after {} ms", name, (ticker.nanos() - troubleSinceNanos) / 1_000_000);
        }
    }

    /** Whether the database failed a moment ago and the next try must wait. */
    boolean backingOff() {
        return troubled && ticker.nanos() - retryAtNanos < 0;
    }

    long retryAtNanos() {
        return troubled ? retryAtNanos : ticker.nanos();
    }

    /** Grows with the length of the trouble, from the poll interval up to {@link #MAX_BACKOFF_NANOS}. */
    static long backoffNanos(long troubleForNanos, long pollNanos) {
        return Math.min(MAX_BACKOFF_NANOS, Math.max(Math.min(pollNanos, MAX_BACKOFF_NANOS), troubleForNanos / 4));
    }

    private Duration elapsed(long startNanos) {
        return Duration.ofNanos(ticker.nanos() - startNanos);
    }
}
