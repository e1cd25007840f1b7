package dev.quarry.internal.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.QuarryException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The balancer on a clock of the test's own: its settle and cooldown periods, and its database reads. */
class BalancerTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final AtomicLong clock = new AtomicLong(1_000 * SECOND);
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger reads = new AtomicInteger();
    private final Map<String, Integer> drains = new HashMap<>();
    /** Which queues each node serves; a node missing here serves "q". */
    private final Map<String, java.util.Set<String>> served = new HashMap<>();
    private boolean databaseDown;
    /** Every queue's drains-per-node; the rules for several drains of a queue per node are tested at 3. */
    private int perNode = 3;
    private Balancer balancer;

    @BeforeEach
    void setUp() {
        balancer = new Balancer("me", () -> {
            reads.incrementAndGet();
            if (databaseDown) throw new QuarryException("read the cluster's drains failed: connection refused");
            return held();
        }, () -> {
            Map<String, Map<String, Integer>> all = new HashMap<>();
            drains.keySet().forEach(n -> {
                Map<String, Integer> queues = new HashMap<>();
                served.getOrDefault(n, java.util.Set.of("q")).forEach(q -> queues.put(q, 1));
                queues.putAll(configured.getOrDefault(n, Map.of()));
                all.put(n, queues);
            });
            return all;
        }, running::get, q -> perNode, Duration.ofSeconds(10), clock::get);
    }

    /**
     * Each node's drains as the lease table shows them: {@link #drains} counts a node's drains in
     * all, held as drains of queues no test asks about; {@link #ofQueue} adds drains of one queue.
     */
    private Map<String, Map<String, Integer>> held() {
        Map<String, Map<String, Integer>> out = new HashMap<>();
        drains.forEach((n, count) -> out.put(n, new HashMap<>(Map.of("elsewhere", count))));
        ofQueue.forEach((n, byQueue) -> out.computeIfAbsent(n, k -> new HashMap<>()).putAll(byQueue));
        return out;
    }

    private final Map<String, Map<String, Integer>> ofQueue = new HashMap<>();
    /** Drains per queue a node's config names, where a test sets more than one. */
    private final Map<String, Map<String, Integer>> configured = new HashMap<>();

    private void tick(long nanos) {
        clock.addAndGet(nanos);
    }

    @Test
    void holds_back_a_drain_while_a_live_peer_runs_fewer() {
        running.set(1);
        drains.put("me", 1);
        drains.put("peer", 0);
        assertThat(balancer.mayStartAnother()).isFalse();
        drains.put("peer", 1);
        tick(Balancer.FRESH_NANOS + 1);
        assertThat(balancer.mayStartAnother()).isTrue();
    }

    @Test
    void counts_this_node_by_its_running_drains_not_by_its_row() {
        running.set(0); // the lease row is still there a moment after the drain ended
        drains.put("me", 2);
        drains.put("peer", 0);
        assertThat(balancer.mayStartAnother()).isTrue();
    }

    @Test
    void hands_over_once_the_imbalance_has_lasted_then_waits_for_the_cooldown() {
        running.set(3);
        drains.put("me", 3);
        drains.put("peer", 0);
        assertThat(balancer.shouldHandOver("q", 1)).as("just seen").isFalse();
        tick(Balancer.SETTLE_NANOS - SECOND);
        assertThat(balancer.shouldHandOver("q", 1)).as("not yet settled").isFalse();
        tick(SECOND);
        assertThat(balancer.shouldHandOver("q", 1)).as("settled").isTrue();
        tick(SECOND);
        assertThat(balancer.shouldHandOver("q", 1)).as("one drain per cooldown").isFalse();
        tick(Balancer.COOLDOWN_NANOS - 2 * SECOND);
        assertThat(balancer.shouldHandOver("q", 1)).as("still cooling down").isFalse();
        tick(SECOND);
        assertThat(balancer.shouldHandOver("q", 1)).as("uneven all through the cooldown").isTrue();
    }

    @Test
    void after_a_hand_over_an_imbalance_that_went_away_must_settle_anew() {
        running.set(3);
        drains.put("me", 3);
        drains.put("peer", 0);
        balancer.shouldHandOver("q", 1);
        tick(Balancer.SETTLE_NANOS);
        assertThat(balancer.shouldHandOver("q", 1)).isTrue();
        tick(SECOND);
        running.set(2);
        drains.put("me", 2);
        drains.put("peer", 1);
        assertThat(balancer.shouldHandOver("q", 1)).as("even now").isFalse();
        tick(Balancer.COOLDOWN_NANOS);
        drains.put("peer", 0);
        assertThat(balancer.shouldHandOver("q", 1)).as("uneven again, just now").isFalse();
        tick(Balancer.SETTLE_NANOS);
        assertThat(balancer.shouldHandOver("q", 1)).isTrue();
    }

    /**
     * A node that holds one drain and runs a short fire beside it (a rescue of a drain it has no
     * room for, a hand-on) runs two Quartz jobs, but holds one drain: nothing to shed.
     */
    @Test
    void sheds_by_the_drains_it_holds_not_by_the_quartz_jobs_it_runs() {
        running.set(2);
        drains.put("me", 1);
        drains.put("peer", 0);
        assertThat(balancer.shouldHandOver("q", 1)).isFalse();
        tick(Balancer.SETTLE_NANOS + SECOND);
        assertThat(balancer.shouldHandOver("q", 1)).as("settled, and still nothing to shed").isFalse();
    }

    @Test
    void an_imbalance_that_ends_before_it_settles_hands_nothing_over() {
        running.set(2);
        drains.put("me", 2);
        drains.put("peer", 0);
        assertThat(balancer.shouldHandOver("q", 1)).isFalse();
        tick(SECOND);
        drains.put("peer", 1); // the joining peer took a queue of its own
        assertThat(balancer.shouldHandOver("q", 1)).isFalse();
        tick(Balancer.SETTLE_NANOS);
        drains.put("peer", 0);
        assertThat(balancer.shouldHandOver("q", 1)).as("a new imbalance starts its own settle period").isFalse();
    }

    @Test
    void reads_the_database_at_most_once_per_freshness_period() {
        drains.put("peer", 0);
        for (int i = 0; i < 10; i++) balancer.mayStartAnother();
        assertThat(reads).hasValue(1);
        tick(Balancer.FRESH_NANOS + 1);
        balancer.mayStartAnother();
        assertThat(reads).hasValue(2);
    }

    @Test
    void does_not_balance_while_the_database_cannot_be_read() {
        running.set(3);
        drains.put("peer", 0);
        databaseDown = true;
        assertThat(balancer.mayStartAnother()).isTrue();
        for (int i = 0; i < 10; i++) {
            tick(SECOND);
            assertThat(balancer.shouldHandOver("q", 1)).isFalse();
        }
    }

    @Test
    void hands_a_queue_over_only_to_a_peer_that_serves_it() {
        running.set(2);
        drains.put("me", 2);
        drains.put("peer", 0);
        served.put("peer", java.util.Set.of("other"));
        for (int i = 0; i < 20; i++) {
            tick(SECOND);
            assertThat(balancer.shouldHandOver("q", 1)).as("the idle peer does not serve q").isFalse();
        }
        boolean handed = false;
        for (int i = 0; i < 7 && !handed; i++) {
            tick(SECOND);
            handed = balancer.shouldHandOver("other", 1);
        }
        assertThat(handed).as("the peer serves this one").isTrue();
    }

    @Test
    void drains_of_queues_no_peer_serves_do_not_hold_back_the_hand_over_of_one_a_peer_serves() {
        running.set(2);
        drains.put("me", 2);
        drains.put("peer", 0);
        served.put("peer", java.util.Set.of("q"));
        boolean handed = false;
        for (int i = 0; i < 8 && !handed; i++) {
            tick(SECOND);
            assertThat(balancer.shouldHandOver("only-here", 1)).isFalse(); // this node's other drain asks in between
            handed = balancer.shouldHandOver("q", 1);
        }
        assertThat(handed).isTrue();
    }

    @Test
    void spreads_the_drains_of_a_queue_even_when_the_totals_are_even_enough() {
        running.set(2);
        ofQueue.put("me", Map.of("q", 2));
        drains.put("peer", 1); // a drain of another queue: 2 against 1 is no imbalance of totals
        configured.put("peer", Map.of("q", 3));
        configured.put("me", Map.of("q", 3));
        assertThat(balancer.shouldHandOver("q", 2)).as("just seen").isFalse();
        tick(Balancer.SETTLE_NANOS);
        assertThat(balancer.shouldHandOver("q", 2)).as("two drains of q here, none on a peer that runs q").isTrue();
    }

    @Test
    void keeps_two_drains_of_a_queue_while_every_peer_holds_one() {
        running.set(2);
        ofQueue.put("me", Map.of("q", 2));
        ofQueue.put("peer", Map.of("q", 1));
        configured.put("peer", Map.of("q", 3));
        for (int i = 0; i < 20; i++) {
            tick(SECOND);
            assertThat(balancer.shouldHandOver("q", 3)).as("3 drains on 2 nodes: 2 and 1 is as even as it gets").isFalse();
        }
    }

    @Test
    void hands_a_drain_only_to_a_peer_configured_for_that_many_drains() {
        running.set(2);
        ofQueue.put("me", Map.of("q", 2));
        drains.put("peer", 1);
        configured.put("peer", Map.of("q", 2));
        for (int i = 0; i < 20; i++) {
            tick(SECOND);
            assertThat(balancer.shouldHandOver("q", 3)).as("the peer runs only drains 1 and 2 of q").isFalse();
        }
        assertThat(balancer.shouldHandOver("q", 2)).as("drain 2 it can run, once the imbalance has settled").isFalse();
        tick(Balancer.SETTLE_NANOS);
        assertThat(balancer.shouldHandOver("q", 2)).as("drain 2 it can run").isTrue();
    }

    @Test
    void never_hands_a_drain_to_a_peer_that_holds_its_drains_per_node_already() {
        perNode = 1;
        running.set(3);
        ofQueue.put("me", Map.of("q", 1));
        drains.put("me", 2);
        ofQueue.put("peer", Map.of("q", 1));
        for (int i = 0; i < 20; i++) {
            tick(SECOND);
            assertThat(balancer.shouldHandOver("q", 1)).as("the idle-looking peer holds a drain of q, its one per node").isFalse();
        }
    }
}
