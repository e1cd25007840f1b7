package dev.quarry.internal.drain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.handler.Outcome;
import dev.quarry.internal.queue.ClaimedJob;
import dev.quarry.internal.queue.RetryPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TransitionTest {
    private static final RetryPolicy RETRY = new RetryPolicy(Duration.ofSeconds(10), Duration.ofHours(1), () -> 0.0);

    private static ClaimedJob attempt(int attempt, int max) {
        return new ClaimedJob(7, "default", "t", "{}", 2, attempt, max, 42);
    }

    @Test
    void success_marks_the_job_done() {
        assertThat(Transition.decide(attempt(1, 3), Outcome.done(), false, RETRY)).isInstanceOf(Transition.MarkDone.class);
    }

    @Test
    void success_counts_even_when_the_run_was_interrupted() {
        assertThat(Transition.decide(attempt(1, 3), Outcome.done(), true, RETRY)).isInstanceOf(Transition.MarkDone.class);
    }

    @Test
    void a_failure_with_attempts_left_retries_after_the_backoff() {
        Transition t = Transition.decide(attempt(2, 3), Outcome.failed("boom"), false, RETRY);
        assertThat(t).isEqualTo(new Transition.Retry(Duration.ofSeconds(10), "boom"));
    }

    @Test
    void a_failure_on_the_last_attempt_buries_the_job_with_the_error_kept() {
        Transition t = Transition.decide(attempt(3, 3), Outcome.failed("boom"), false, RETRY);
        assertThat(t).isInstanceOf(Transition.Bury.class);
        assertThat(((Transition.Bury) t).error()).isEqualTo("attempt 3 of 3 failed, none left: boom");
    }

    @Test
    void a_permanent_failure_buries_the_job_on_its_first_attempt() {
        Transition t = Transition.decide(attempt(1, 5), Outcome.permanentFailure("bad payload"), false, RETRY);
        assertThat(t).isEqualTo(new Transition.Bury("bad payload", "permanent failure"));
    }

    @Test
    void later_gives_the_job_back_after_the_delay_without_using_the_attempt() {
        Transition t = Transition.decide(attempt(1, 5), Outcome.later(Duration.ofMinutes(2), "busy"), false, RETRY);
        assertThat(t).isEqualTo(new Transition.GiveBack(Duration.ofMinutes(2), "later: busy", "later"));
    }

    @Test
    void an_interrupted_run_is_given_back_at_once_even_on_its_last_attempt() {
        Transition t = Transition.decide(attempt(3, 3), Outcome.failed("interrupted"), true, RETRY);
        assertThat(t).isEqualTo(new Transition.GiveBack(Duration.ZERO, null, "interrupted"));
    }
}
