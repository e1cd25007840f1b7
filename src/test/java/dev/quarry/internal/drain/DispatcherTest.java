package dev.quarry.internal.drain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.internal.config.ConfigLoader;
import dev.quarry.internal.config.QuarryConfig;
import dev.quarry.internal.handler.HandlerRegistry;
import dev.quarry.handler.JobHandler;
import dev.quarry.handler.Outcome;
import dev.quarry.internal.queue.ClaimedJob;
import dev.quarry.testing.Poll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Workers, timeouts and abandonment on a hand-moved clock, with no database: the rules that keep a
 * stuck handler from holding its queue.
 */
class DispatcherTest {
    private final ManualTicker ticker = new ManualTicker();
    private final WorkerPool workers = new WorkerPool("default", 2);
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger started = new AtomicInteger();
    private LeaseKeeper keeper;
    private Dispatcher dispatcher;

    @AfterEach
    void close() {
        release.countDown();
        workers.close();
    }

    private void build(Map<String, JobHandler> handlers, Map<String, Duration> timeouts) {
        Properties p = new Properties();
        p.setProperty("queue.default.workers", "2");
        QuarryConfig config = ConfigLoader.fromProperties(p, new Properties(), Map.of("QUARRY_DB_URL", "jdbc:mariadb://127.0.0.1:1/unused"));
        QueueRuntime rt = new QueueRuntime("node-a", config.queues().get(0), config, null, null, HandlerRegistry.of(handlers, timeouts),
                workers, Rebalancing.NEVER);
        keeper = new LeaseKeeper(null, "default", 1, "node-a", Duration.ofSeconds(30), ticker);
        keeper.confirmed(ticker.nanos());
        dispatcher = new Dispatcher(rt, keeper, ticker);
    }

    private static ClaimedJob job(long id, String type) {
        return new ClaimedJob(id, "default", type, "{}", 2, 1, 3, 42);
    }

    /** A handler that never returns and swallows every interrupt, as a badly written one may. */
    private JobHandler stubborn() {
        return job -> {
            started.incrementAndGet();
            while (true) {
                try {
                    release.await();
                    return Outcome.done();
                } catch (InterruptedException ignored) {
                    // deliberately ignored
                }
            }
        };
    }

    private List<Finished> collectUntil(int n) throws InterruptedException {
        List<Finished> out = new ArrayList<>();
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (out.size() < n && System.nanoTime() < until) out.addAll(dispatcher.collect(Duration.ofMillis(50).toNanos()));
        return out;
    }

    @Test
    void a_class_handler_past_its_timeout_is_interrupted_and_its_run_counts_as_a_failure() throws Exception {
        build(Map.of("slow", job -> {
            started.incrementAndGet();
            Thread.sleep(3_600_000);
            return Outcome.done();
        }), Map.of("slow", Duration.ofSeconds(2)));
        dispatcher.start(job(1, "slow"));
        Poll.until(Duration.ofSeconds(5), "the handler to start", () -> started.get() == 1);
        ticker.advance(Duration.ofSeconds(1));
        assertThat(dispatcher.checkTimeouts()).isEmpty();
        assertThat(collectUntil(0)).isEmpty();
        ticker.advance(Duration.ofSeconds(1));
        assertThat(dispatcher.checkTimeouts()).isEmpty();
        List<Finished> done = collectUntil(1);
        assertThat(done).hasSize(1);
        Finished f = done.get(0);
        assertThat(f.interrupted()).as("a timeout is a failure, not a give-back").isFalse();
        assertThat(((Outcome.Failed) f.outcome()).error()).startsWith("timed out after 2s (handler.slow.timeout)");
        assertThat(dispatcher.free()).isEqualTo(2);
    }

    @Test
    void a_handler_that_ignores_its_timeout_interrupt_is_abandoned_and_its_worker_freed() throws Exception {
        build(Map.of("stuck", stubborn()), Map.of("stuck", Duration.ofSeconds(10)));
        dispatcher.start(job(1, "stuck"));
        dispatcher.start(job(2, "stuck"));
        Poll.until(Duration.ofSeconds(5), "both handlers to start", () -> started.get() == 2);
        assertThat(dispatcher.free()).isZero();
        ticker.advance(Duration.ofSeconds(10));
        assertThat(dispatcher.checkTimeouts()).isEmpty(); // interrupted, not yet abandoned
        ticker.advance(Duration.ofSeconds(Dispatcher.ABANDON_AFTER_SECONDS));
        List<Finished> abandoned = dispatcher.checkTimeouts();
        assertThat(abandoned).hasSize(2).allSatisfy(f -> {
            assertThat(f.interrupted()).isFalse();
            assertThat(((Outcome.Failed) f.outcome()).error()).startsWith("timed out after 10s").contains("thread was abandoned");
        });
        assertThat(dispatcher.free()).as("the queue's capacity is back").isEqualTo(2);
        // The stuck threads do not hold the queue: two more jobs start on new threads.
        dispatcher.start(job(3, "stuck"));
        dispatcher.start(job(4, "stuck"));
        Poll.until(Duration.ofSeconds(5), "two more handlers to start", () -> started.get() == 4);
        release.countDown();
        List<Finished> later = collectUntil(2);
        assertThat(later).extracting(f -> f.job().id()).containsExactlyInAnyOrder(3L, 4L);
    }

    @Test
    void a_handler_that_throws_interrupted_exception_on_its_own_is_a_plain_failure() throws Exception {
        build(Map.of("rude", job -> {
            throw new InterruptedException("nobody asked");
        }), Map.of());
        dispatcher.start(job(1, "rude"));
        List<Finished> done = collectUntil(1);
        assertThat(done).hasSize(1);
        assertThat(done.get(0).interrupted()).isFalse();
        assertThat(done.get(0).cancelled()).isFalse();
        assertThat(((Outcome.Failed) done.get(0).outcome()).error()).contains("although nothing interrupted it");
    }

    @Test
    void a_worker_that_gets_its_job_after_the_gate_closed_does_not_run_it() throws Exception {
        build(Map.of("echo", job -> {
            started.incrementAndGet();
            return Outcome.done();
        }), Map.of());
        ticker.advance(Duration.ofSeconds(28)); // the node stalled between the claim and the start
        dispatcher.start(job(1, "echo"));
        List<Finished> done = collectUntil(1);
        assertThat(started.get()).isZero();
        assertThat(done.get(0).interrupted()).as("given back unrun").isTrue();
        assertThat(((Outcome.Failed) done.get(0).outcome()).error()).isEqualTo(Outcomes.NOT_STARTED);
    }

    @Test
    void runs_stopped_for_a_give_back_end_as_give_backs_unless_they_finished() throws Exception {
        build(Map.of("slow", job -> {
            started.incrementAndGet();
            Thread.sleep(3_600_000);
            return Outcome.done();
        }), Map.of());
        dispatcher.start(job(1, "slow"));
        Poll.until(Duration.ofSeconds(5), "the handler to start", () -> started.get() == 1);
        assertThat(dispatcher.interruptAll(Dispatcher.Stop.GIVE_BACK)).isEqualTo(1);
        assertThat(dispatcher.interruptAll(Dispatcher.Stop.GIVE_BACK)).as("once").isZero();
        List<Finished> done = collectUntil(1);
        assertThat(done.get(0).interrupted()).isTrue();
    }
}
