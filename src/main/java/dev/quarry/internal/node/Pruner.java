package dev.quarry.internal.node;

import dev.quarry.QuarryException;
import dev.quarry.internal.config.Durations;
import dev.quarry.internal.queue.JobQueue;
import dev.quarry.internal.queue.JobState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes finished jobs past their retention ({@code retention.done}, {@code .dead},
 * {@code .cancelled}) from this node's queues, every {@code retention.prune-interval}, on one
 * thread of its own ({@value #THREAD_NAME}): off the drains' claim path, so a big backlog of
 * expired rows never delays a claim or holds a lease unrenewed.
 *
 * <p>Each statement deletes at most {@value #CHUNK} of the oldest rows of one (queue, status)
 * range of the finished index, in a transaction of its own: row locks held for milliseconds, a
 * small undo log. Several nodes prune the same queues, and that is harmless rather than
 * coordinated: two pruners on one range meet only on those few expired rows (the second waits a
 * moment for the first's chunk, then finds it gone), never on a row a drain claims or completes
 * (ready, running and newly finished rows lie outside the range), and under READ COMMITTED there
 * are no gap locks to deadlock on. A pass that finds nothing costs one short index dive per
 * queue and status.
 *
 * <p>Like every background loop here it catches, logs and counts its errors and tries again at the
 * next pass; {@link #runOnce()} runs one pass on the caller's thread, for tests.
 */
public final class Pruner {
    public static final int CHUNK = 5000;
    static final String THREAD_NAME = "quarry-pruner";
    /** The first pass comes within this long of start, at a random moment, so nodes started together prune apart. */
    private static final Duration FIRST_PASS_WITHIN = Duration.ofSeconds(30);
    private static final Duration STOP_WAIT = Duration.ofSeconds(2);
    private static final Logger log = LoggerFactory.getLogger(Pruner.class);

    private final JobQueue jobs;
    private final List<String> queues;
    private final Map<JobState, Duration> retention = new LinkedHashMap<>();
    private final Duration interval;
    private final AtomicLong deleted = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private volatile boolean stopping;
    private ScheduledExecutorService executor;

    /**
     * @param retention by status name (done, dead, cancelled), as {@code QuarryConfig.retention()} holds it
     * @param interval  time between the end of one pass and the start of the next
     */
    public Pruner(JobQueue jobs, List<String> queues, Map<String, Duration> retention, Duration interval) {
        this.jobs = jobs;
        this.queues = List.copyOf(queues);
        retention.forEach((status, age) -> {
            JobState s = JobState.fromSql(status);
            if (!s.finished()) throw new IllegalArgumentException("retention applies to finished jobs only, not " + status);
            this.retention.put(s, age);
        });
        this.interval = interval;
    }

    /** Starts the passes on the pruner's thread. */
    public synchronized void start() {
        if (executor != null) throw new IllegalStateException("the pruner is already started");
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, THREAD_NAME);
            // A pass blocked on an unreachable database must not keep the JVM alive after the node stopped.
            t.setDaemon(true);
            return t;
        });
        long first = ThreadLocalRandom.current().nextLong(Math.min(interval.toMillis(), FIRST_PASS_WITHIN.toMillis()) + 1);
        executor.scheduleWithFixedDelay(this::pass, first, interval.toMillis(), TimeUnit.MILLISECONDS);
        log.info("pruning finished jobs of queues {} every {} (done after {}, dead after {}, cancelled after {}), first pass in {} ms",
                String.join(", ", queues), Durations.format(interval), age(JobState.DONE), age(JobState.DEAD), age(JobState.CANCELLED), first);
    }

    /**
     * One pass: every queue and finished status, {@value #CHUNK} rows per statement until a chunk
     * comes back short. A failing statement is logged and counted, and the pass goes on with the
     * next queue and status.
     *
     * @return rows deleted in this pass
     */
    public long runOnce() {
        long t0 = System.nanoTime();
        long total = 0;
        List<String> parts = new ArrayList<>();
        for (String queue : queues) {
            for (Map.Entry<JobState, Duration> e : retention.entrySet()) {
                if (stopping) return total;
                long n = 0;
                try {
                    for (int chunk = CHUNK; chunk == CHUNK && !stopping; ) {
                        chunk = jobs.prune(queue, e.getKey(), e.getValue(), CHUNK);
                        n += chunk;
                    }
                } catch (QuarryException ex) {
                    log.warn("pruning {} jobs of queue {} failed after {} rows ({} failures since start); the next pass tries again: {}",
                            e.getKey().sql(), queue, n, errors.incrementAndGet(), ex.getMessage());
                }
                if (n > 0) parts.add(queue + " " + e.getKey().sql() + " " + n);
                total += n;
            }
        }
        deleted.addAndGet(total);
        if (total > 0) {
            log.info("pruned {} finished jobs past their retention in {} ms: {}", total, (System.nanoTime() - t0) / 1_000_000,
                    String.join(", ", parts));
        }
        return total;
    }

    /** Rows deleted since start. */
    public long deleted() {
        return deleted.get();
    }

    /** Statements that failed since start. */
    public long errors() {
        return errors.get();
    }

    /**
     * No new pass; a pass under way stops after its current statement. Waits up to
     * {@link #STOP_WAIT} for it: a statement stuck on an unreachable database is left to the
     * pool's close, its thread being a daemon.
     */
    public void stop() {
        stopping = true;
        ScheduledExecutorService ex;
        synchronized (this) {
            ex = executor;
        }
        if (ex == null) return;
        ex.shutdown();
        try {
            if (!ex.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                // Ends a wait for a connection or a retry pause; a statement on the wire finishes or fails on its own.
                ex.shutdownNow();
                log.warn("the pruner did not finish its statement within {} ms; leaving it", STOP_WAIT.toMillis());
            }
        } catch (InterruptedException e) {
            ex.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private void pass() {
        try {
            runOnce();
        } catch (RuntimeException e) {
            // A scheduled task that throws is never run again: catch everything, so the next pass comes.
            log.error("pruning pass failed ({} failures since start); the next pass tries again", errors.incrementAndGet(), e);
        }
    }

    private String age(JobState s) {
        Duration d = retention.get(s);
        return d == null ? "never" : Durations.format(d);
    }
}
