package dev.quarry.internal.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class FairShareTest {
    @Test
    void an_idle_node_may_always_start_a_drain() {
        assertThat(FairShare.mayStartAnother(0, List.of(0, 3))).isTrue();
        assertThat(FairShare.mayStartAnother(0, List.of())).isTrue();
    }

    @Test
    void a_node_alone_may_start_every_drain() {
        assertThat(FairShare.mayStartAnother(5, List.of())).isTrue();
    }

    @Test
    void a_node_leaves_the_next_drain_to_a_peer_that_runs_fewer() {
        assertThat(FairShare.mayStartAnother(1, List.of(0, 1))).isFalse();
        assertThat(FairShare.mayStartAnother(2, List.of(2, 1))).isFalse();
    }

    @Test
    void a_node_takes_the_next_drain_when_every_peer_is_as_busy() {
        assertThat(FairShare.mayStartAnother(1, List.of(1, 1))).isTrue();
        assertThat(FairShare.mayStartAnother(1, List.of(2, 3))).isTrue();
    }

    @Test
    void a_node_sheds_a_queue_only_when_that_evens_the_load() {
        assertThat(FairShare.shouldShed(3, List.of(0, 0))).isTrue();
        assertThat(FairShare.shouldShed(2, List.of(0, 1))).isTrue();
        assertThat(FairShare.shouldShed(2, List.of(1, 1))).as("4 queues on 3 nodes: 2/1/1 is even").isFalse();
        assertThat(FairShare.shouldShed(1, List.of(0))).as("moving the one queue would only move the gap").isFalse();
        assertThat(FairShare.shouldShed(7, List.of())).as("no peer to take it").isFalse();
    }
}
