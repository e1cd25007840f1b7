package dev.quarry.internal.drain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.internal.queue.LeaseRefused;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The start gate's timing rules on a hand-moved clock, at the shipped lease of 30 s: the gate
 * closes before the expiry the database wrote, however long the node stalls.
 */
class LeaseKeeperTest {
    private static final Duration LEASE = Duration.ofSeconds(30);
    private final ManualTicker ticker = new ManualTicker();
    private final LeaseKeeper keeper = new LeaseKeeper(null, "default", 1, "node-a", LEASE, ticker);

    @Test
    void a_confirmed_lease_lets_jobs_start_and_asks_for_renewal_after_a_third_of_it() {
        keeper.confirmed(ticker.nanos());
        assertThat(keeper.mayStart()).isTrue();
        assertThat(keeper.renewDue()).isFalse();
        ticker.advance(Duration.ofSeconds(10));
        assertThat(keeper.renewDue()).isTrue();
        assertThat(keeper.mayStart()).isTrue();
    }

    /** Stall lengths a user can hit, from a GC pause to a frozen VM, around Quartz's failover (15 s) and the lease (30 s). */
    @ParameterizedTest(name = "a stall of {0} s")
    @ValueSource(ints = {1, 5, 12, 15, 18, 22, 26, 27, 28, 30, 40, 60, 3600})
    void a_node_stalled_past_the_safe_part_of_its_lease_starts_no_job_and_never_one_a_peer_may_own(int stallSeconds) {
        // The renewal was sent at t0; the database wrote expiry = (its NOW at execution) + 30 s >= t0 + 30 s.
        long sent = ticker.nanos();
        keeper.confirmed(sent);
        long earliestPeerTakeOver = sent + LEASE.toNanos();
        ticker.advance(Duration.ofSeconds(stallSeconds));
        boolean mayStart = keeper.mayStart();
        long now = ticker.nanos();
        // The rule: a job may start only while a peer cannot yet own it, with a tenth of the lease to spare.
        assertThat(mayStart).isEqualTo(now < earliestPeerTakeOver - LEASE.toNanos() / 10);
        if (stallSeconds >= 27) assertThat(mayStart).isFalse();
    }

    @Test
    void the_gate_counts_from_when_the_renewal_was_sent_not_from_when_it_returned() {
        long sent = ticker.nanos();
        ticker.advance(Duration.ofSeconds(20)); // the statement took 20 s (a stalled database)
        keeper.confirmed(sent);
        ticker.advance(Duration.ofSeconds(7));
        assertThat(keeper.mayStart()).isFalse();
    }

    @Test
    void a_lost_lease_closes_the_gate_at_once() {
        keeper.confirmed(ticker.nanos());
        keeper.lost();
        assertThat(keeper.mayStart()).isFalse();
        assertThat(keeper.renewDue()).isFalse();
    }

    @Test
    void a_drain_refused_by_a_holder_quartz_still_lists_waits_only_for_a_hand_over() {
        long now = 0;
        long until = now + LeaseKeeper.HANDOVER_WAIT_NANOS;
        long latest = now + LEASE.toNanos() + LeaseKeeper.HANDOVER_WAIT_NANOS;
        LeaseRefused live = new LeaseRefused("default", "node-a", 7, 25_000, true);
        assertThat(LeaseKeeper.waitLimit(live, now, until, latest)).isEqualTo(until);
    }

    @Test
    void a_drain_refused_by_a_holder_quartz_dropped_waits_out_its_lease_but_no_longer_than_one_lease_period() {
        long now = 0;
        long until = now + LeaseKeeper.HANDOVER_WAIT_NANOS;
        long latest = now + LEASE.toNanos() + LeaseKeeper.HANDOVER_WAIT_NANOS;
        LeaseRefused gone = new LeaseRefused("default", "node-a", 7, 18_000, false);
        assertThat(LeaseKeeper.waitLimit(gone, now, until, latest))
                .isEqualTo(TimeUnit.MILLISECONDS.toNanos(18_000) + LeaseKeeper.RETAKE_EVERY_NANOS);
        LeaseRefused renewedForEver = new LeaseRefused("default", "node-a", 7, 10 * LEASE.toMillis(), false);
        assertThat(LeaseKeeper.waitLimit(renewedForEver, now, until, latest)).isEqualTo(latest);
    }

    @Test
    void the_database_backoff_never_exceeds_a_second_so_a_returning_database_is_used_within_it() {
        long poll = TimeUnit.MILLISECONDS.toNanos(250);
        assertThat(Drain.backoffNanos(0, poll)).isEqualTo(poll);
        assertThat(Drain.backoffNanos(TimeUnit.SECONDS.toNanos(2), poll)).isEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
        assertThat(Drain.backoffNanos(TimeUnit.MINUTES.toNanos(10), poll)).isEqualTo(Drain.MAX_BACKOFF_NANOS);
    }
}
