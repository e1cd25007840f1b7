package dev.quarry.internal.drain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quarry.testing.Poll;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The queue's handler threads: every job handed over gets a thread of its own however many block,
 * short jobs share the threads already awake, and a job's failure or leftover interrupt costs the
 * pool nothing.
 */
class WorkerPoolTest {
    /** Hands over {@code n} jobs that block until released; returns the nanoseconds until the last of them started. */
    private static long blockingRound(WorkerPool pool, int n, CountDownLatch release, AtomicInteger started) {
        AtomicLong lastStart = new AtomicLong();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            pool.execute(() -> {
                lastStart.accumulateAndGet(System.nanoTime(), Math::max);
                started.incrementAndGet();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        Poll.until(Duration.ofSeconds(10), n + " blocking jobs to start beside each other", () -> started.get() == n,
                () -> started.get() + " started, " + pool.threads() + " threads");
        return lastStart.get() - t0;
    }

    @Test
    void every_job_handed_over_starts_past_the_workers_and_behind_blocked_ones_from_1_to_300_at_once() {
        for (int n : List.of(1, 2, 5, 16, 128, 300)) {
            try (WorkerPool pool = new WorkerPool("q", 2)) {
                // Two drains of the queue on this node, or abandoned threads: more jobs in flight than one drain's workers.
                // The first round starts the threads; the second finds them parked, and the watcher wakes them.
                for (String round : List.of("new threads", "parked threads")) {
                    CountDownLatch release = new CountDownLatch(1);
                    AtomicInteger started = new AtomicInteger();
                    long nanos = blockingRound(pool, n, release, started);
                    System.out.printf("%d blocking jobs on %s: the last started %.2f ms after the first was handed over%n", n, round, nanos / 1e6);
                    assertThat(pool.threads()).as("threads for %d jobs in flight", n).isEqualTo(n);
                    release.countDown();
                    Poll.until(Duration.ofSeconds(10), "the round to end", () -> pool.inFlight() == 0);
                }
            }
        }
    }

    @Test
    void short_jobs_behind_a_blocked_one_still_run_and_a_second_blocked_round_gets_its_threads() {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        AtomicInteger shortRan = new AtomicInteger();
        try (WorkerPool pool = new WorkerPool("q", 8)) {
            blockingRound(pool, 1, release, started);
            for (int round = 0; round < 20; round++) {
                int before = shortRan.get();
                for (int i = 0; i < 8; i++) pool.execute(shortRan::incrementAndGet);
                Poll.until(Duration.ofSeconds(10), "the short jobs beside the blocked one", () -> shortRan.get() == before + 8);
            }
            // The threads that ran the short jobs are now parked; a round that blocks wakes them all.
            AtomicInteger second = new AtomicInteger();
            blockingRound(pool, 8, release, second);
            assertThat(pool.threads()).as("at most one thread per job in flight at the peak").isLessThanOrEqualTo(9);
            release.countDown();
        }
    }

    @Test
    void short_jobs_in_a_burst_share_threads_and_the_pool_keeps_its_peak() {
        Set<String> threads = ConcurrentHashMap.newKeySet();
        AtomicInteger ran = new AtomicInteger();
        try (WorkerPool pool = new WorkerPool("q", 64)) {
            for (int round = 0; round < 50; round++) {
                int before = ran.get();
                if (round == 10) threads.clear();
                for (int i = 0; i < 64; i++) {
                    pool.execute(() -> {
                        threads.add(Thread.currentThread().getName());
                        ran.incrementAndGet();
                    });
                }
                Poll.until(Duration.ofSeconds(10), "the round to run", () -> ran.get() == before + 64);
            }
            assertThat(ran.get()).isEqualTo(50 * 64);
            assertThat(threads).allMatch(n -> n.startsWith("quarry-q-worker-"));
            System.out.printf("50 rounds of 64 jobs that take no time: %d threads started, %d ran the jobs of the last 40 rounds%n",
                    pool.threads(), threads.size());
            assertThat(pool.threads()).as("never more threads than jobs held at once").isLessThanOrEqualTo(64);
        }
    }

    @Test
    void a_job_that_throws_or_leaves_its_interrupt_costs_the_next_job_nothing() {
        AtomicInteger ran = new AtomicInteger();
        AtomicBoolean nextSawInterrupt = new AtomicBoolean();
        try (WorkerPool pool = new WorkerPool("q", 1)) {
            pool.execute(() -> {
                throw new IllegalStateException("a job that throws past its task");
            });
            pool.execute(() -> Thread.currentThread().interrupt());
            for (int i = 0; i < 20; i++) {
                pool.execute(() -> {
                    if (Thread.currentThread().isInterrupted()) nextSawInterrupt.set(true);
                    ran.incrementAndGet();
                });
            }
            Poll.until(Duration.ofSeconds(10), "the jobs after them", () -> ran.get() == 20);
            assertThat(nextSawInterrupt).as("a job started with the interrupt flag of the one before").isFalse();
        }
    }

    @Test
    void close_interrupts_running_jobs_and_refuses_new_ones() {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        AtomicInteger interrupted = new AtomicInteger();
        WorkerPool pool = new WorkerPool("q", 3);
        for (int i = 0; i < 3; i++) {
            pool.execute(() -> {
                started.incrementAndGet();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    interrupted.incrementAndGet();
                }
            });
        }
        Poll.until(Duration.ofSeconds(10), "three jobs running", () -> started.get() == 3);
        pool.close();
        Poll.until(Duration.ofSeconds(10), "the running jobs interrupted", () -> interrupted.get() == 3);
        assertThatThrownBy(() -> pool.execute(() -> { })).isInstanceOf(RejectedExecutionException.class)
                .hasMessageContaining("workers of queue q");
    }
}
