package dev.quarry.internal.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.testing.Poll;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The pool as Quartz's scheduler thread sees it: when does blockForAvailableThreads let it acquire? */
class BalancingThreadPoolTest {
    private final Map<String, Integer> drains = new ConcurrentHashMap<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private BalancingThreadPool pool;
    private Thread schedulerThread;

    @BeforeEach
    void setUp() throws Exception {
        pool = new BalancingThreadPool();
        pool.setInstanceName("balancing-test");
        pool.setInstanceId("me");
        pool.setThreadCount(3);
        pool.initialize();
    }

    @AfterEach
    void tearDown() {
        release.countDown();
        pool.shutdown(true);
    }

    private void balance(Duration maxDefer) {
        pool.balanceWith(new Balancer("me", () -> {
            Map<String, Map<String, Integer>> held = new java.util.HashMap<>();
            drains.forEach((n, count) -> held.put(n, Map.of("q", count)));
            return held;
        }, Map::of, pool::running, q -> 1, maxDefer));
    }

    private void runBlockingDrain() {
        assertThat(pool.runInThread(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        })).isTrue();
    }

    /** Quartz's scheduler thread asking for threads before it acquires a trigger. */
    private CompletableFuture<Integer> schedulerThreadAsks() {
        CompletableFuture<Integer> answer = new CompletableFuture<>();
        schedulerThread = new Thread(() -> answer.complete(pool.blockForAvailableThreads()), "scheduler-thread");
        schedulerThread.start();
        return answer;
    }

    /** A drain runs here and the peer runs none: the scheduler thread asks, and is held. */
    private CompletableFuture<Integer> heldSchedulerThread() {
        balance(Duration.ofMinutes(5));
        drains.put("peer", 0);
        runBlockingDrain();
        CompletableFuture<Integer> answer = schedulerThreadAsks();
        Poll.until(Duration.ofSeconds(10), "the scheduler thread to be held",
                () -> schedulerThread.getState() == Thread.State.TIMED_WAITING && !answer.isDone());
        return answer;
    }

    @Test
    void quartz_finds_the_pool_built_from_its_properties() {
        assertThat(BalancingThreadPool.of("balancing-test", "me")).isSameAs(pool);
        assertThat(pool.getPoolSize()).isEqualTo(3);
    }

    @Test
    void counts_running_drains_until_they_end() {
        runBlockingDrain();
        assertThat(pool.running()).isEqualTo(1);
        release.countDown();
        Poll.until(Duration.ofSeconds(10), "the drain to end", () -> pool.running() == 0);
    }

    @Test
    void without_a_peer_that_runs_fewer_the_scheduler_thread_goes_on_at_once() throws Exception {
        balance(Duration.ofMinutes(5));
        drains.put("peer", 1);
        runBlockingDrain();
        assertThat(schedulerThreadAsks().get(30, TimeUnit.SECONDS)).isEqualTo(2);
    }

    @Test
    void holds_the_scheduler_thread_while_a_peer_runs_fewer_and_lets_go_when_a_drain_here_ends() throws Exception {
        CompletableFuture<Integer> answer = heldSchedulerThread();
        assertThat(answer).as("held until the drain here ends").isNotDone();
        release.countDown();
        // 3, or 2 when Quartz's pool has not yet taken the finished thread back: either way, free threads.
        assertThat(answer.get(30, TimeUnit.SECONDS)).isBetween(2, 3);
    }

    @Test
    void lets_go_when_the_peer_takes_a_drain() throws Exception {
        CompletableFuture<Integer> answer = heldSchedulerThread();
        drains.put("peer", 1);
        assertThat(answer.get(30, TimeUnit.SECONDS)).isEqualTo(2);
    }

    @Test
    void never_holds_the_scheduler_thread_longer_than_the_balancer_allows() throws Exception {
        balance(Duration.ofMillis(300));
        drains.put("peer", 0);
        runBlockingDrain();
        assertThat(schedulerThreadAsks().get(30, TimeUnit.SECONDS)).as("this node fires it after all").isEqualTo(2);
        assertThat(pool.running()).isEqualTo(1);
    }

    /**
     * A hand-over asks this node to leave the next fires to its peers just as the scheduler
     * thread's hold may be running out: the request holds for a window of its own, else this node
     * would take its own hand-over back (as the cluster benchmark once showed for every rebalance).
     */
    @Test
    void a_request_to_leave_fires_to_peers_holds_for_its_own_window_however_long_the_thread_waited() throws Exception {
        balance(Duration.ofSeconds(2));
        drains.put("peer", 0);
        runBlockingDrain();
        long t0 = System.nanoTime();
        CompletableFuture<Integer> answer = schedulerThreadAsks();
        Poll.until(Duration.ofSeconds(10), "1.5 s of the 2 s hold gone", () -> System.nanoTime() - t0 > 1_500_000_000L);
        assertThat(answer).as("held by the balancer").isNotDone();
        pool.leaveNextFiresToPeers();
        Poll.until(Duration.ofSeconds(10), "the balancer's own hold over", () -> System.nanoTime() - t0 > 2_700_000_000L);
        assertThat(answer).as("still held: the request's window lasts 2 s from when it was made").isNotDone();
        assertThat(answer.get(30, TimeUnit.SECONDS)).as("then this node fires it after all").isEqualTo(2);
    }

    @Test
    void shutdown_releases_a_held_scheduler_thread() throws Exception {
        CompletableFuture<Integer> answer = heldSchedulerThread();
        release.countDown();
        pool.shutdown(true);
        assertThat(answer.get(30, TimeUnit.SECONDS)).isNotNull();
        assertThat(BalancingThreadPool.of("balancing-test", "me")).isNull();
    }
}
