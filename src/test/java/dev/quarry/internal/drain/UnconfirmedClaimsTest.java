package dev.quarry.internal.drain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** When a drain looks for the rows of its unconfirmed claims, and when it may stop looking. */
class UnconfirmedClaimsTest {
    private static final long S = TimeUnit.SECONDS.toNanos(1);
    private static final long LEASE = 30 * S;

    @Test
    void nothing_to_look_for_until_a_claim_is_unconfirmed() {
        UnconfirmedClaims u = new UnconfirmedClaims(LEASE);
        assertThat(u.lookDue(0)).isFalse();
        assertThat(u.unlooked()).isFalse();
        assertThat(u.nextLookNanos(0)).isGreaterThan(LEASE);
    }

    @Test
    void the_first_look_is_due_at_once_and_the_next_ones_every_five_seconds() {
        UnconfirmedClaims u = new UnconfirmedClaims(LEASE);
        u.add(7, 100 * S);
        assertThat(u.lookDue(100 * S)).isTrue();
        assertThat(u.unlooked()).isTrue();
        u.looked(101 * S, 0);
        assertThat(u.unlooked()).isFalse();
        assertThat(u.lookDue(105 * S)).isFalse();
        assertThat(u.lookDue(106 * S)).isTrue();
        assertThat(u.tokens()).containsExactly(7L);
    }

    @Test
    void looking_stops_only_after_a_lease_period_and_a_renewal_sent_after_the_last_unconfirmed_claim() {
        UnconfirmedClaims u = new UnconfirmedClaims(LEASE);
        u.add(7, 100 * S);
        u.add(8, 110 * S);
        u.looked(135 * S, 120 * S); // renewed since, but not a lease period after claim 8
        assertThat(u.tokens()).containsExactly(7L, 8L);
        u.looked(141 * S, 105 * S); // a lease period after, but the last renewal was sent before claim 8
        assertThat(u.tokens()).containsExactly(7L, 8L);
        u.looked(146 * S, 120 * S);
        assertThat(u.tokens()).isEmpty();
        assertThat(u.lookDue(200 * S)).isFalse();
    }
}
