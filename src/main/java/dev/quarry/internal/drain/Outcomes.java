package dev.quarry.internal.drain;

import dev.quarry.QuarryException;
import dev.quarry.internal.Text;
import dev.quarry.internal.config.Durations;
import dev.quarry.handler.Outcome;
import dev.quarry.internal.queue.ClaimedJob;
import dev.quarry.internal.queue.Lease;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A drain's finished runs as the database records them: each outcome becomes its fenced
 * transition ({@link Transition}), one log line, and a count for the drain's summary. A transition
 * the fencing refuses (the claim was taken over while this node ran the job) is counted and logged
 * as refused. Completions wait here to ride in the drain's next claim, one commit for both; other
 * outcomes are recorded one guarded UPDATE each. On a database error nothing is lost: the runs stay
 * here until they are recorded. Used only by the drain's own thread.
 */
final class Outcomes {
    /** The drain's logger: a job's line is the drain's line, whichever class writes it. */
    private static final Logger log = LoggerFactory.getLogger(Drain.class);
    /** The failure a worker reports for a job it did not start because the lease was no longer sure. */
    static final String NOT_STARTED = "not started: the lease had expired when a worker got to it";

    private final QueueRuntime rt;
    private final Lease lease;
    private final List<Finished> doneToRecord = new ArrayList<>();
    private final List<Finished> othersToRecord = new ArrayList<>();
    int done, retried, dead, givenBack, refused, cancelled;

    Outcomes(QueueRuntime rt, Lease lease) {
        this.rt = rt;
        this.lease = lease;
    }

    /** Keeps finished runs until they are recorded. */
    void addAll(List<Finished> runs) {
        for (Finished f : runs) (f.outcome() instanceof Outcome.Done ? doneToRecord : othersToRecord).add(f);
    }

    boolean hasDone() {
        return !doneToRecord.isEmpty();
    }

    /** The completions waiting for the next claim's transaction, each with its handler's result. */
    List<ClaimedJob> pendingDone() {
        return doneToRecord.stream().map(f -> f.job().withResult(((Outcome.Done) f.outcome()).result())).toList();
    }

    /** The transaction that carried {@link #pendingDone()} committed; {@code refusedJobs} were fenced off. */
    void doneRecorded(List<ClaimedJob> refusedJobs) {
        recordedDone(doneToRecord, refusedJobs);
        doneToRecord.clear();
    }

    /** Records the waiting completions in a transaction of their own (no claim is coming). */
    void recordDoneAlone() {
        if (doneToRecord.isEmpty()) return;
        doneRecorded(rt.jobs.markDone(pendingDone()));
    }

    /**
     * Records every waiting outcome other than done.
     *
     * @throws QuarryException on a database error; the rest stay waiting
     */
    void recordOthers() {
        for (Iterator<Finished> it = othersToRecord.iterator(); it.hasNext(); ) {
            record(it.next());
            it.remove();
        }
    }

    boolean unrecorded() {
        return !doneToRecord.isEmpty() || !othersToRecord.isEmpty();
    }

    int waiting() {
        return doneToRecord.size() + othersToRecord.size();
    }

    /** Counts and logs completions the database has just recorded, all but those it refused. */
    private void recordedDone(List<Finished> completed, List<ClaimedJob> refusedJobs) {
        for (Finished f : completed) {
            if (refusedJobs.stream().anyMatch(r -> r.sameClaim(f.job()))) {
                refuse(f);
            } else {
                done++;
                dev.quarry.internal.metrics.NodeMetrics.get().jobFinished(rt.queue.name(), f.job().type(), "done", f.nanos());
                log.info("job {} done ({}, attempt {}/{}) in {} ms", f.job().id(), Text.oneLine(f.job().type(), 128),
                        f.job().attempt(), f.job().maxAttempts(), millis(f));
            }
        }
    }

    /**
     * Records one outcome other than done (those go in batches), one guarded UPDATE.
     *
     * @throws QuarryException on a database error; nothing was recorded
     */
    private void record(Finished f) {
        ClaimedJob job = f.job();
        String type = Text.oneLine(job.type(), 128);
        Transition t = Transition.decide(job, f.outcome(), f.interrupted(), f.cancelled(), rt.retry);
        boolean ok;
        if (t instanceof Transition.Retry r) {
            ok = rt.jobs.retry(job, r.delay(), r.error());
            if (ok) {
                retried++;
                dev.quarry.internal.metrics.NodeMetrics.get().jobFinished(rt.queue.name(), job.type(), "retried", f.nanos());
                log.warn("job {} failed ({}, attempt {}/{}) in {} ms, retry in {}: {}", job.id(), type, job.attempt(), job.maxAttempts(),
                        millis(f), Durations.format(r.delay()), Text.oneLine(r.error(), 500));
            }
        } else if (t instanceof Transition.Bury b) {
            ok = rt.jobs.bury(job, b.error());
            if (ok) {
                dead++;
                dev.quarry.internal.metrics.NodeMetrics.get().jobFinished(rt.queue.name(), job.type(), "dead", f.nanos());
                log.error("job {} dead ({}, attempt {}/{}, {}) in {} ms: {}", job.id(), type, job.attempt(), job.maxAttempts(), b.reason(),
                        millis(f), Text.oneLine(b.error(), 500));
            }
        } else if (t instanceof Transition.GiveBack g) {
            ok = rt.jobs.giveBack(job, g.delay(), g.note());
            if (ok) {
                givenBack++;
                dev.quarry.internal.metrics.NodeMetrics.get().jobFinished(rt.queue.name(), job.type(), "given_back", f.nanos());
                String reason = NOT_STARTED.equals(failure(f.outcome())) ? "not started, lease unconfirmed" : g.reason();
                log.info("job {} given back ({}, attempt {}/{}, {}) after {} ms, due in {}, the attempt does not count{}", job.id(), type,
                        job.attempt(), job.maxAttempts(), reason, millis(f), Durations.format(g.delay()),
                        g.note() == null ? "" : ": " + Text.oneLine(g.note(), 500));
            }
        } else if (t instanceof Transition.Cancel c) {
            ok = rt.jobs.cancel(job, c.note());
            if (ok) {
                cancelled++;
                dev.quarry.internal.metrics.NodeMetrics.get().jobFinished(rt.queue.name(), job.type(), "cancelled", f.nanos());
                log.warn("job {} cancelled on request ({}, attempt {}/{}) after {} ms", job.id(), type, job.attempt(), job.maxAttempts(),
                        millis(f));
            }
        } else {
            throw new IllegalStateException("done outcomes are recorded in batches, not " + t);
        }
        if (!ok) refuse(f);
    }

    /** A completion the fencing refused: the claim was taken over while this node ran the job. */
    private void refuse(Finished f) {
        refused++;
        dev.quarry.internal.metrics.NodeMetrics.get().fencingRefused(rt.queue.name(), 1);
        log.warn("late completion of job {} refused by fencing ({} ran it under lease epoch {}, outcome {}): {}", f.job().id(), rt.node,
                lease.epoch(), outcomeName(f.outcome()), rt.jobs.describe(f.job().id()));
    }

    private static long millis(Finished f) {
        return f.nanos() / 1_000_000;
    }

    private static String failure(Outcome o) {
        return o instanceof Outcome.Failed f ? f.error() : null;
    }

    private static String outcomeName(Outcome o) {
        if (o instanceof Outcome.Failed f && f.error().equals(NOT_STARTED)) return "not run, lease expired";
        if (o instanceof Outcome.Done) return "done";
        if (o instanceof Outcome.Failed) return "failed";
        if (o instanceof Outcome.PermanentFailure) return "permanent failure";
        return "later";
    }
}
