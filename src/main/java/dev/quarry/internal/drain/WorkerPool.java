package dev.quarry.internal.drain;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The handler threads of one queue on this node, named {@code quarry-QUEUE-worker-N}. It lives as
 * long as the node; successive drains of the queue, and the queue's drains side by side on this
 * node, share it. {@link #workers()} is one drain's concurrency: a drain never runs more jobs than
 * that at once.
 *
 * <p>There is always a thread for every job handed over and not yet ended: the pool starts one
 * whenever the jobs in flight outnumber its threads, so no job waits behind another for long, and a
 * handler thread that ignores its interrupt and is abandoned keeps its thread while a new job gets
 * another. The threads stay once started (a queue's peak concurrency of them).
 *
 * <p>How jobs meet threads: the threads take them from one queue, in order. A job handed over
 * while every thread is parked wakes one; a thread that ends a job takes the next waiting one
 * without parking, and after a job shorter than a millisecond, while a drain is still handing a
 * claim's jobs over ({@link #handOver}), looks up to {@value #SPIN_MICROS} µs for the next before it
 * parks (after a longer job, or once the hand-over is over, it parks at once: a thread that looked
 * the full time after every round burned, on two cores, a sixth of the node's CPU, which the
 * database's threads on the same host would have used). Nothing
 * else wakes a thread at once: a watcher thread, awake only while jobs wait, wakes more once the
 * first waiting job has waited {@value #PATIENCE_MICROS} µs, one at first and twice as many at each
 * look after while it still waits. So a job waits for a thread about {@value #PATIENCE_MICROS} µs
 * times (1 + log2 of the jobs ahead of it) plus the wake-ups themselves (128 jobs that all block,
 * on parked threads: all running within about 10 ms on two cores), and a round of jobs that take
 * no time is run by the few threads already awake. Waking a thread of its own for every job (a
 * futex call and a context switch each; in a LinkedBlockingQueue each taker wakes the next while
 * jobs wait) was, for such jobs, most of the node's CPU per job: the worker threads' system time,
 * about 11 µs a job.
 */
public final class WorkerPool implements AutoCloseable {
    /** How long the first waiting job waits before the watcher wakes more threads, and between its looks. */
    static final long PATIENCE_MICROS = 200;
    private static final long PATIENCE_NANOS = TimeUnit.MICROSECONDS.toNanos(PATIENCE_MICROS);
    /** How long a thread that ended a short job looks for the next one before it parks. */
    static final long SPIN_MICROS = 50;
    private static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(SPIN_MICROS);
    /** A job shorter than this is a short one: the thread that ran it looks for the next before parking. */
    private static final long SHORT_JOB_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final String queue;
    private final int workers;
    private final ReentrantLock lock = new ReentrantLock();
    /** Parked worker threads wait here for a job. */
    private final Condition jobs = lock.newCondition();
    /** The watcher waits here while no job waits. */
    private final Condition someWaiting = lock.newCondition();
    // All below guarded by lock.
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private final List<Thread> threads = new ArrayList<>();
    /** Threads parked for a job. */
    private int parked;
    /** Of those, the ones signalled that have not yet woken. */
    private int signalled;
    /** Threads running a job. Those neither parked nor busy are looking for one (and will take the next job handed over). */
    private int busy;
    /** The waiting jobs' count, for threads that look for one without the lock. */
    private volatile int queued;
    /** When the watcher wakes more threads next, if the first waiting job still waits. */
    private long nextLookNanos;
    /** How many threads the watcher wakes at its next look; back to one once no job waits. */
    private int ramp = 1;
    private volatile boolean closed;
    private Thread watcher;
    /** Jobs handed over and not yet ended, abandoned ones included: the pool keeps at least this many threads. */
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Drains handing a claim's jobs over right now: while one is, a thread that ended a short job looks for the next. */
    private final AtomicInteger handingOver = new AtomicInteger();

    private record Waiting(Runnable job, long sinceNanos) {
    }

    public WorkerPool(String queue, int workers) {
        this.queue = queue;
        this.workers = workers;
    }

    /** Runs the job on a thread of its own, at once or, behind threads busy in long jobs, within about a millisecond. */
    void execute(Runnable job) {
        lock.lock();
        try {
            if (closed) throw new RejectedExecutionException(this + " are stopped");
            boolean wasEmpty = waiting.isEmpty();
            long now = System.nanoTime();
            waiting.add(new Waiting(job, now));
            queued = waiting.size();
            if (threads.size() < inFlight.incrementAndGet()) {
                start();
            } else if (busy == 0 && signalled == 0 && parked == threads.size()) {
                // The pool is asleep: one thread for this job. Otherwise a thread awake takes it, or
                // the watcher wakes one if those are all in long jobs.
                signal(1);
            }
            if (wasEmpty) {
                nextLookNanos = now + PATIENCE_NANOS;
                if (watcher == null) {
                    watcher = started(new Thread(this::watch, "quarry-" + queue + "-workers-watcher"));
                } else {
                    someWaiting.signal();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Hands a claim's jobs over ({@code handOver} calls {@link #execute} for each): threads that end one look for the next. */
    void handOver(Runnable handOver) {
        handingOver.incrementAndGet();
        try {
            handOver.run();
        } finally {
            handingOver.decrementAndGet();
        }
    }

    /** Wakes up to {@code n} parked threads; the lock is held. */
    private int signal(int n) {
        int wake = Math.min(n, parked - signalled);
        for (int i = 0; i < wake; i++) jobs.signal();
        signalled += Math.max(0, wake);
        return wake;
    }

    private void start() {
        threads.add(started(new Worker(this::work, "quarry-" + queue + "-worker-" + (threads.size() + 1))));
    }

    private static <T extends Thread> T started(T t) {
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * A worker thread. It remembers which log context (the MDC's node and queue) it was last given,
     * so a job on it need not read the MDC to know it is set: two ThreadLocal lookups a job were a
     * seventh of the worker threads' CPU.
     */
    private static final class Worker extends Thread {
        Object context;

        Worker(Runnable body, String name) {
            super(body, name);
        }
    }

    /** Whether the calling thread is a worker that was given {@code context} last ({@link #carrying}). */
    static boolean carries(Object context) {
        return Thread.currentThread() instanceof Worker w && w.context == context;
    }

    /** Notes that the calling thread, if a worker, now carries {@code context}. */
    static void carrying(Object context) {
        if (Thread.currentThread() instanceof Worker w) w.context = context;
    }

    /** A worker thread: takes jobs until the pool is closed. */
    private void work() {
        lock.lock();
        try {
            boolean afterShortJob = false;
            while (!closed) {
                Waiting w = waiting.poll();
                if (w == null) {
                    // Only a job that took no time suggests a round of such jobs still being handed over.
                    if (afterShortJob && handingOver.get() > 0 && spinForJob()) continue;
                    afterShortJob = false;
                    parked++;
                    try {
                        jobs.await();
                    } catch (InterruptedException e) {
                        // close() interrupts; a handler's interrupt left over from its job is cleared here
                    } finally {
                        parked--;
                        if (signalled > 0) signalled--;
                    }
                    continue;
                }
                queued = waiting.size();
                busy++;
                lock.unlock();
                long started = System.nanoTime();
                try {
                    Thread.interrupted(); // a job starts uninterrupted, whatever the one before left
                    w.job().run();
                } catch (Throwable t) {
                    // The Dispatcher's tasks catch their own; anything else must not cost the pool a thread.
                } finally {
                    inFlight.decrementAndGet();
                    afterShortJob = System.nanoTime() - started < SHORT_JOB_NANOS;
                    lock.lock();
                    busy--;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * With the lock held and no job waiting: waits up to {@value #SPIN_MICROS} µs, without the lock
     * and without parking, for the next job of a round still being handed over, and no longer than
     * the hand-over. Returns whether one came; the lock is held again either way.
     */
    private boolean spinForJob() {
        lock.unlock();
        try {
            long end = System.nanoTime() + SPIN_NANOS;
            while (queued == 0 && handingOver.get() > 0 && !closed && System.nanoTime() - end < 0) Thread.onSpinWait();
        } finally {
            lock.lock();
        }
        return !waiting.isEmpty();
    }

    /** The watcher: wakes more threads while the first waiting job has waited the patience. */
    private void watch() {
        lock.lock();
        try {
            while (!closed) {
                if (waiting.isEmpty()) {
                    ramp = 1;
                    someWaiting.awaitUninterruptibly();
                    continue;
                }
                long now = System.nanoTime();
                long due = Math.max(nextLookNanos, waiting.peek().sinceNanos() + PATIENCE_NANOS);
                if (now - due >= 0) {
                    if (signal(Math.min(ramp, waiting.size())) > 0) ramp = Math.min(ramp * 2, 1 << 16);
                    nextLookNanos = now + PATIENCE_NANOS;
                    due = nextLookNanos;
                }
                try {
                    someWaiting.awaitNanos(due - now);
                } catch (InterruptedException e) {
                    // only close() interrupts, and it set closed
                }
            }
        } finally {
            lock.unlock();
        }
    }

    public int workers() {
        return workers;
    }

    /** Jobs handed over and not yet ended. */
    int inFlight() {
        return inFlight.get();
    }

    /** Threads the pool keeps now: its peak of jobs in flight. */
    int threads() {
        lock.lock();
        try {
            return threads.size();
        } finally {
            lock.unlock();
        }
    }

    /** Stops the threads: jobs still waiting are dropped, running ones interrupted. */
    @Override
    public void close() {
        List<Thread> all;
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            waiting.clear();
            queued = 0;
            all = new ArrayList<>(threads);
            if (watcher != null) all.add(watcher);
            jobs.signalAll();
            someWaiting.signalAll();
        } finally {
            lock.unlock();
        }
        all.forEach(Thread::interrupt);
    }

    @Override
    public String toString() {
        return "workers of queue " + queue;
    }
}
