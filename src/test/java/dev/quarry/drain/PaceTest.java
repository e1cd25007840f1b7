package dev.quarry.drain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PaceTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void a_drain_that_has_seen_nothing_holds_one_job_per_worker() {
        assertThat(new Pace().prefetch(8, 500)).isEqualTo(8);
    }

    @Test
    void fast_jobs_are_prefetched_up_to_the_batch_size() {
        Pace p = new Pace();
        long t = 1_000 * MS;
        for (int i = 0; i < 5_000; i++) p.finished(t + i * MS / 20); // 20,000 a second
        assertThat(p.perSecond()).isGreaterThan(10_000);
        assertThat(p.prefetch(8, 500)).isEqualTo(500);
    }

    @Test
    void slow_jobs_are_not_hoarded() {
        Pace p = new Pace();
        long t = 1_000 * MS;
        for (int i = 0; i < 20; i++) p.finished(t + i * 100 * MS); // 10 a second
        assertThat(p.prefetch(8, 500)).isEqualTo(8);
        assertThat(p.prefetch(2, 500)).isEqualTo(5);
    }

    @Test
    void the_pace_falls_when_jobs_slow_down() {
        Pace p = new Pace();
        long t = 1_000 * MS;
        for (int i = 0; i < 2_000; i++) p.finished(t + i * MS / 4); // 4,000 a second
        long later = t + 2_000 * MS;
        for (int i = 0; i <= 10; i++) p.finished(later + i * 50 * MS); // then 20 a second
        assertThat(p.perSecond()).isLessThan(100);
    }
}
