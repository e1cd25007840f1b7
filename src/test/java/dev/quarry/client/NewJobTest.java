package dev.quarry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class NewJobTest {
    @Test
    void a_job_needs_only_a_type_and_takes_the_documented_defaults() {
        NewJob j = NewJob.builder("noop").build();
        assertThat(j.payload()).isEmpty();
        assertThat(j.queue()).isEqualTo("default");
        assertThat(j.priority()).isZero();
        assertThat(j.runAt()).isNull();
        assertThat(j.delay()).isNull();
        assertThat(j.maxAttempts()).isNull();
        assertThat(j.uniqueKey()).isNull();
        assertThat(j.delayMicros()).isZero();
        assertThat(NewJob.of("noop", null)).isEqualTo(j);
    }

    @Test
    void run_at_and_delay_replace_each_other_in_the_builder_but_not_in_the_record() {
        NewJob.Builder b = NewJob.builder("noop").delay(Duration.ofMinutes(5)).runAt(Instant.parse("2030-01-01T00:00:00Z"));
        assertThat(b.build().delay()).isNull();
        assertThat(b.delay(Duration.ofMillis(1500)).build().delayMicros()).isEqualTo(1_500_000);
        assertThatThrownBy(() -> new NewJob("noop", "", "default", 0, Instant.now(), Duration.ZERO, null, null))
                .hasMessage("a job has either runAt or delay, not both");
    }

    @Test
    void bad_values_are_refused_naming_the_field() {
        assertThatThrownBy(() -> NewJob.builder(null).build()).hasMessageContaining("type is required");
        assertThatThrownBy(() -> NewJob.builder("").build()).hasMessageContaining("type ''");
        assertThatThrownBy(() -> NewJob.builder("a b").build()).hasMessageContaining("type 'a b' is not a job type");
        assertThatThrownBy(() -> NewJob.builder("noop").queue("x".repeat(65)).build()).hasMessageContaining("is not a queue name");
        assertThatThrownBy(() -> NewJob.builder("noop").maxAttempts(1001).build()).hasMessageContaining("maxAttempts 1001");
        assertThatThrownBy(() -> NewJob.builder("noop").delay(Duration.ofSeconds(-1)).build()).hasMessageContaining("delay");
        assertThatThrownBy(() -> NewJob.builder("noop").runAt(Instant.parse("1969-12-31T23:59:59Z")).build()).hasMessageContaining("runAt");
        assertThatThrownBy(() -> NewJob.builder("noop").uniqueKey("").build()).hasMessageContaining("uniqueKey");
        assertThatThrownBy(() -> NewJob.builder("noop").uniqueKey("k".repeat(256)).build()).hasMessageContaining("uniqueKey");
    }

    @Test
    void queue_names_follow_the_config_rules() {
        assertThat(NewJob.isQueueName("video.hd-2_x")).isTrue();
        assertThat(NewJob.isQueueName("two words")).isFalse();
        assertThat(NewJob.isQueueName("")).isFalse();
        assertThat(NewJob.isQueueName(null)).isFalse();
    }
}
