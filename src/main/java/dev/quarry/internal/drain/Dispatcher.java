package dev.quarry.internal.drain;

import dev.quarry.internal.Text;
import dev.quarry.internal.config.Durations;
import dev.quarry.handler.Outcome;
import dev.quarry.internal.queue.ClaimedJob;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Runs a drain's claimed jobs on the queue's worker threads, one job per free worker, and stops
 * them when they must stop: past their type's timeout ({@code handler.T.timeout}, for every kind
 * of handler), when an operator cancels one, and when the drain gives its jobs back (shutdown, a
 * lease that can no longer be confirmed). A handler that ignores the interrupt for
 * {@value #ABANDON_AFTER_SECONDS} s is abandoned: its thread is left to itself, its job's outcome
 * recorded as if it had stopped, and its worker slot freed, so a stuck handler never holds its
 * queue. Every run passes the lease's start gate first.
 *
 * <p>Starting, collecting and timeouts happen on the drain's thread; {@link #interruptAll} may
 * come from any thread (the drain's lease watch).
 */
final class Dispatcher {
    private static final Logger log = LoggerFactory.getLogger(Drain.class);
    static final int ABANDON_AFTER_SECONDS = 5;
    static final long ABANDON_AFTER_NANOS = TimeUnit.SECONDS.toNanos(ABANDON_AFTER_SECONDS);
    /** Handler threads abandoned on this node since it started, over all queues. */
    private static final AtomicLong ABANDONED = new AtomicLong();

    /** Why the drain stopped a run. */
    enum Stop { NONE, GIVE_BACK, CANCEL, TIMEOUT }

    private final QueueRuntime rt;
    private final LeaseKeeper keeper;
    private final Ticker ticker;
    private final String queue;
    private final BlockingQueue<Returned> returned = new LinkedBlockingQueue<>();
    private final Map<Long, Run> running = new ConcurrentHashMap<>();

    Dispatcher(QueueRuntime rt, LeaseKeeper keeper, Ticker ticker) {
        this.rt = rt;
        this.keeper = keeper;
        this.ticker = ticker;
        this.queue = rt.queue.name();
    }

    /** Workers with no job: how many jobs the drain may claim now. */
    int free() {
        return Math.max(0, rt.workers.workers() - running.size());
    }

    boolean idle() {
        return running.isEmpty();
    }

    /** Hands the job to a worker at once; the claim that brought it counted its attempt. */
    void start(ClaimedJob job) {
        Duration timeout = rt.runner.timeout(job.type());
        Run run = new Run(job, ticker.nanos() + timeout.toNanos(), timeout);
        String node = rt.node;
        run.task = new FutureTask<>(() -> {
            // A run stopped before a thread took it has been returned by done(); nothing to run.
            if (!run.begun.compareAndSet(false, true)) return null;
            // The queue's runtime stands for its node's and queue's MDC: a worker that carries it has them set.
            if (!WorkerPool.carries(rt)) {
                MDC.put("node", node);
                MDC.put("queue", queue);
                WorkerPool.carrying(rt);
            }
            long t0 = ticker.nanos();
            Outcome outcome;
            boolean notStarted = false;
            try {
                if (!keeper.mayStart()) {
                    // The node stalled (GC pause, SIGSTOP) between the claim and here, past the lease's
                    // safe time: a peer may own this job now, so it must not start.
                    outcome = Outcome.failed(Outcomes.NOT_STARTED);
                    notStarted = true;
                } else {
                    outcome = rt.runner.run(job);
                }
            } catch (InterruptedException e) {
                outcome = Outcome.failed(run.stop == Stop.NONE
                        ? "the handler threw InterruptedException although nothing interrupted it" : "interrupted");
            } catch (Throwable t) { // JobRunner catches handler throwables; this guards the drain's own state
                outcome = Outcome.failed(JobRunner.describe(t));
            }
            Thread.interrupted(); // leave the pool thread clean for its next job
            returned.add(new Returned(run, outcome, ticker.nanos() - t0, notStarted));
            return null;
        }) {
            @Override
            protected void done() {
                // Stopped (give-back, cancel) while it waited for a thread (at most a few
                // milliseconds, see WorkerPool): it ends as an interrupted run would, without its handler.
                if (isCancelled() && run.begun.compareAndSet(false, true)) {
                    returned.add(new Returned(run, Outcome.failed("interrupted"), 0, false));
                }
            }
        };
        running.put(job.id(), run);
        rt.workers.execute(run.task);
    }

    /**
     * Takes the runs that have ended, waiting up to {@code waitNanos} for the first.
     *
     * @throws InterruptedException when the drain's thread is interrupted
     */
    List<Finished> collect(long waitNanos) throws InterruptedException {
        List<Finished> out = new ArrayList<>();
        Returned r = waitNanos > 0 ? returned.poll(waitNanos, TimeUnit.NANOSECONDS) : returned.poll();
        while (r != null) {
            // An abandoned run that returns late was recorded when it was abandoned.
            if (running.remove(r.run.job.id(), r.run)) out.add(finished(r.run, r.outcome, r.nanos, r.notStarted));
            r = returned.poll();
        }
        return out;
    }

    /**
     * Interrupts runs past their timeout, and abandons runs that ignored an interrupt for
     * {@value #ABANDON_AFTER_SECONDS} s.
     *
     * @return the abandoned runs, as outcomes to record
     */
    List<Finished> checkTimeouts() {
        long now = ticker.nanos();
        List<Finished> out = new ArrayList<>();
        for (Run r : running.values()) {
            if (r.stop == Stop.NONE && now - r.deadlineNanos >= 0) {
                log.warn("job {} ({}, attempt {}/{}) ran past its timeout of {}: interrupting it", r.job.id(),
                        Text.oneLine(r.job.type(), 128), r.job.attempt(), r.job.maxAttempts(), Durations.format(r.timeout));
                stop(r, Stop.TIMEOUT, now);
            } else if (r.stop != Stop.NONE && now - r.stoppedAtNanos >= ABANDON_AFTER_NANOS && running.remove(r.job.id(), r)) {
                long total = ABANDONED.incrementAndGet();
                log.error("job {} ({}) ignored the interrupt; its thread is abandoned after {} s ({} on this node so far) and its"
                        + " worker freed", r.job.id(), Text.oneLine(r.job.type(), 128), ABANDON_AFTER_SECONDS, total);
                out.add(finished(r, Outcome.failed("the handler ignored the interrupt; its thread was abandoned"),
                        now - r.startedNanos, false));
            }
        }
        return out;
    }

    /** When the next run reaches its timeout or its abandonment, in ticker time; far ahead when none runs. */
    long nextDeadlineNanos() {
        long next = ticker.nanos() + TimeUnit.SECONDS.toNanos(1);
        for (Run r : running.values()) {
            long at = r.stop == Stop.NONE ? r.deadlineNanos : r.stoppedAtNanos + ABANDON_AFTER_NANOS;
            if (at - next < 0) next = at;
        }
        return next;
    }

    /** Interrupts every running job that is not already stopping; safe from any thread. */
    int interruptAll(Stop why) {
        int n = 0;
        long now = ticker.nanos();
        for (Run r : running.values()) {
            if (r.stop == Stop.NONE) {
                stop(r, why, now);
                n++;
            }
        }
        return n;
    }

    /** Interrupts the job an operator cancelled; false when this drain does not run it. */
    boolean cancel(long id) {
        Run r = running.get(id);
        if (r == null || r.stop == Stop.CANCEL) return false;
        stop(r, Stop.CANCEL, ticker.nanos());
        return true;
    }

    private static void stop(Run r, Stop why, long now) {
        r.stoppedAtNanos = now;
        r.stop = why;
        r.task.cancel(true); // interrupts the worker only while this task runs on it
    }

    /** What a run's outcome means, given why the drain stopped it. */
    private static Finished finished(Run r, Outcome outcome, long nanos, boolean notStarted) {
        Stop stop = r.stop;
        if (stop == Stop.TIMEOUT && !(outcome instanceof Outcome.Done)) {
            String detail = outcome instanceof Outcome.Failed f ? f.error() : outcome.toString();
            outcome = Outcome.failed("timed out after " + Durations.format(r.timeout) + " (handler." + r.job.type() + ".timeout): " + detail);
        }
        return new Finished(r.job, outcome, nanos, notStarted || stop == Stop.GIVE_BACK, stop == Stop.CANCEL);
    }

    /** One job on one worker. */
    private static final class Run {
        final ClaimedJob job;
        final long deadlineNanos;
        final Duration timeout;
        final long startedNanos;
        FutureTask<Void> task;
        /** Set once, by the thread that runs the job or by a stop that came before any thread took it. */
        final AtomicBoolean begun = new AtomicBoolean();
        volatile Stop stop = Stop.NONE;
        volatile long stoppedAtNanos;

        Run(ClaimedJob job, long deadlineNanos, Duration timeout) {
            this.job = job;
            this.deadlineNanos = deadlineNanos;
            this.timeout = timeout;
            this.startedNanos = deadlineNanos - timeout.toNanos();
        }
    }

    private record Returned(Run run, Outcome outcome, long nanos, boolean notStarted) {
    }
}
