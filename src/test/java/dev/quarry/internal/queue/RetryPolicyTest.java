package dev.quarry.internal.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    private static final Duration BASE = Duration.ofSeconds(10);
    private static final Duration MAX = Duration.ofMinutes(10);

    @Test
    void delay_doubles_with_each_failed_attempt_before_jitter() {
        RetryPolicy noJitter = new RetryPolicy(BASE, MAX, () -> 0.999999);
        assertThat(noJitter.delayAfter(1)).isBetween(Duration.ofMillis(9_999), BASE);
        assertThat(noJitter.delayAfter(2)).isBetween(Duration.ofMillis(19_999), Duration.ofSeconds(20));
        assertThat(noJitter.delayAfter(3)).isBetween(Duration.ofMillis(39_999), Duration.ofSeconds(40));
    }

    @Test
    void jitter_keeps_the_delay_between_half_and_all_of_the_full_delay() {
        assertThat(new RetryPolicy(BASE, MAX, () -> 0.0).delayAfter(3)).isEqualTo(Duration.ofSeconds(20));
        assertThat(new RetryPolicy(BASE, MAX, () -> 0.5).delayAfter(3)).isEqualTo(Duration.ofSeconds(30));
        RetryPolicy random = new RetryPolicy(BASE, MAX);
        for (int i = 0; i < 1000; i++) {
            assertThat(random.delayAfter(2)).isBetween(Duration.ofSeconds(10), Duration.ofSeconds(20));
        }
    }

    @Test
    void delay_never_exceeds_the_maximum_even_for_huge_attempt_numbers() {
        RetryPolicy p = new RetryPolicy(BASE, MAX, () -> 0.999999);
        assertThat(p.delayAfter(30)).isLessThanOrEqualTo(MAX);
        assertThat(p.delayAfter(Integer.MAX_VALUE)).isLessThanOrEqualTo(MAX).isGreaterThan(MAX.dividedBy(2));
    }
}
