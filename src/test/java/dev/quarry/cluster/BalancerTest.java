package dev.quarry.cluster;

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
    private Balancer balancer;

    @BeforeEach
    void setUp() {
        balancer = new Balancer("me", () -> {
            reads.incrementAndGet();
            if (databaseDown) throw new QuarryException("read the cluster's drains failed: connection refused");
            return Map.copyOf(drains);
        }, () -> {
            Map<String, java.util.Set<String>> all = new HashMap<>();
            drains.keySet().forEach(n -> all.put(n, served.getOrDefault(n, java.util.Set.of("q"))));
            return all;
        }, running::get, Duration.ofSeconds(10), clock::get);
    }

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
        assertThat(balancer.shouldHandOver("q")).as("just seen").isFalse();
        tick(Balancer.SETTLE_NANOS - SECOND);
        assertThat(balancer.shouldHandOver("q")).as("not yet settled").isFalse();
        tick(SECOND);
        assertThat(balancer.shouldHandOver("q")).as("settled").isTrue();
        tick(SECOND);
        assertThat(balancer.shouldHandOver("q")).as("one drain per cooldown").isFalse();
        tick(Balancer.COOLDOWN_NANOS - 2 * SECOND);
        assertThat(balancer.shouldHandOver("q")).as("still cooling down").isFalse();
        tick(SECOND);
        assertThat(balancer.shouldHandOver("q")).as("uneven all through the cooldown").isTrue();
    }

    @Test
    void after_a_hand_over_an_imbalance_that_went_away_must_settle_anew() {
        running.set(3);
        drains.put("peer", 0);
        balancer.shouldHandOver("q");
        tick(Balancer.SETTLE_NANOS);
        assertThat(balancer.shouldHandOver("q")).isTrue();
        tick(SECOND);
        running.set(2);
        drains.put("peer", 1);
        assertThat(balancer.shouldHandOver("q")).as("even now").isFalse();
        tick(Balancer.COOLDOWN_NANOS);
        drains.put("peer", 0);
        assertThat(balancer.shouldHandOver("q")).as("uneven again, just now").isFalse();
        tick(Balancer.SETTLE_NANOS);
        assertThat(balancer.shouldHandOver("q")).isTrue();
    }

    @Test
    void an_imbalance_that_ends_before_it_settles_hands_nothing_over() {
        running.set(2);
        drains.put("me", 2);
        drains.put("peer", 0);
        assertThat(balancer.shouldHandOver("q")).isFalse();
        tick(SECOND);
        drains.put("peer", 1); // the joining peer took a queue of its own
        assertThat(balancer.shouldHandOver("q")).isFalse();
        tick(Balancer.SETTLE_NANOS);
        drains.put("peer", 0);
        assertThat(balancer.shouldHandOver("q")).as("a new imbalance starts its own settle period").isFalse();
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
            assertThat(balancer.shouldHandOver("q")).isFalse();
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
            assertThat(balancer.shouldHandOver("q")).as("the idle peer does not serve q").isFalse();
        }
        boolean handed = false;
        for (int i = 0; i < 7 && !handed; i++) {
            tick(SECOND);
            handed = balancer.shouldHandOver("other");
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
            assertThat(balancer.shouldHandOver("only-here")).isFalse(); // this node's other drain asks in between
            handed = balancer.shouldHandOver("q");
        }
        assertThat(handed).isTrue();
    }
}
