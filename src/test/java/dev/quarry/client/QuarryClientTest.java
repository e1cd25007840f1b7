package dev.quarry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quarry.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The producer API on a real MariaDB. */
class QuarryClientTest {
    private static TestDatabase db;
    private static QuarryClient client;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("client");
        client = new QuarryClient(db.dataSource());
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @BeforeEach
    void clean() {
        db.exec("DELETE FROM quarry_jobs");
    }

    @Test
    void enqueue_stores_the_job_with_its_defaults_due_now() {
        long id = client.enqueue(NewJob.of("resize-video", "{\"file\":\"a.mp4\"}"));
        Map<String, Object> job = db.job(id);
        assertThat(job).containsEntry("type", "resize-video").containsEntry("payload", "{\"file\":\"a.mp4\"}").containsEntry("queue", "default")
                .containsEntry("priority", 0).containsEntry("max_attempts", null).containsEntry("unique_key", null)
                .containsEntry("status", "ready").containsEntry("attempts", 0);
        assertThat(db.count("SELECT TIMESTAMPDIFF(MICROSECOND, created_at, run_at) FROM quarry_jobs WHERE id = ?", id)).isZero();
    }

    @Test
    void a_delay_counts_from_the_database_clock() {
        long id = client.enqueue(NewJob.builder("noop").delay(Duration.ofMillis(90_500)).build());
        assertThat(db.count("SELECT TIMESTAMPDIFF(MICROSECOND, created_at, run_at) FROM quarry_jobs WHERE id = ?", id)).isEqualTo(90_500_000L);
    }

    @Test
    void a_delayed_job_is_enqueued_scheduled_and_holds_its_unique_key_while_it_waits() {
        long later = client.enqueue(NewJob.builder("noop").delay(Duration.ofMinutes(5)).uniqueKey("remind-3").build());
        long at = client.enqueue(NewJob.builder("noop").runAt(Instant.now().plus(Duration.ofDays(1))).build());
        long now = client.enqueue(NewJob.builder("noop").build());
        assertThat(db.status(later)).isEqualTo("scheduled");
        assertThat(db.status(at)).isEqualTo("scheduled");
        assertThat(db.status(now)).isEqualTo("ready");
        assertThatThrownBy(() -> client.enqueue(NewJob.builder("noop").uniqueKey("remind-3").build()))
                .isInstanceOf(DuplicateJobException.class)
                .hasMessage("unique key 'remind-3' is taken by job " + later + " (scheduled in queue default); the job was not enqueued");
    }

    @Test
    void run_at_is_converted_by_the_database_to_its_own_time() {
        Instant at = Instant.parse("2033-05-18T03:33:20.123456Z");
        long id = client.enqueue(NewJob.builder("noop").runAt(at).build());
        assertThat(db.query("SELECT CAST(UNIX_TIMESTAMP(run_at) * 1000000 AS SIGNED) AS us FROM quarry_jobs WHERE id = ?", id).get(0))
                .containsEntry("us", 2_000_000_000_123_456L);
    }

    @Test
    void enqueue_all_returns_ids_in_input_order_across_statements() {
        List<NewJob> jobs = IntStream.range(0, 2_345)
                .mapToObj(i -> NewJob.builder("noop").payload("{\"n\":" + i + "}").priority(i % 3).queue(i % 2 == 0 ? "even" : "odd").build())
                .toList();
        long[] ids = client.enqueueAll(jobs);
        assertThat(ids).hasSize(2_345).doesNotHaveDuplicates();
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs")).isEqualTo(2_345);
        for (int i : new int[] {0, 999, 1000, 1001, 2344}) {
            assertThat(db.job(ids[i])).containsEntry("payload", "{\"n\":" + i + "}").containsEntry("priority", i % 3)
                    .containsEntry("queue", i % 2 == 0 ? "even" : "odd");
        }
    }

    @Test
    void large_payloads_are_split_across_statements_by_size() {
        String big = "x".repeat(1_500_000);
        long[] ids = client.enqueueAll(List.of(NewJob.of("noop", big), NewJob.of("noop", big), NewJob.of("noop", big), NewJob.of("noop", "small")));
        assertThat(ids).hasSize(4);
        assertThat(db.count("SELECT SUM(LENGTH(payload)) FROM quarry_jobs")).isEqualTo(4_500_005L);
        assertThat(db.job(ids[3])).containsEntry("payload", "small");
    }

    @Test
    void an_empty_batch_does_nothing() {
        assertThat(client.enqueueAll(List.of())).isEmpty();
    }

    @Test
    void a_taken_unique_key_is_refused_naming_the_key_and_the_job_holding_it() {
        long first = client.enqueue(NewJob.builder("noop").uniqueKey("order-17").build());
        assertThatThrownBy(() -> client.enqueue(NewJob.builder("noop").uniqueKey("order-17").build()))
                .isInstanceOf(DuplicateJobException.class)
                .hasMessage("unique key 'order-17' is taken by job " + first + " (ready in queue default); the job was not enqueued")
                .satisfies(e -> assertThat(((DuplicateJobException) e).heldBy()).isEqualTo(first));
    }

    @Test
    void a_finished_job_no_longer_holds_its_unique_key() {
        long first = client.enqueue(NewJob.builder("noop").uniqueKey("k").build());
        db.exec("UPDATE quarry_jobs SET status = 'done', finished_at = NOW(6) WHERE id = ?", first);
        assertThat(client.enqueue(NewJob.builder("noop").uniqueKey("k").build())).isGreaterThan(first);
    }

    @Test
    void a_batch_with_a_taken_key_enqueues_nothing() {
        long held = client.enqueue(NewJob.builder("noop").uniqueKey("k-1500").build());
        List<NewJob> jobs = new ArrayList<>();
        for (int i = 0; i < 2000; i++) jobs.add(NewJob.builder("noop").uniqueKey("k-" + i).build());
        assertThatThrownBy(() -> client.enqueueAll(jobs)).isInstanceOf(DuplicateJobException.class)
                .hasMessage("unique key 'k-1500' is taken by job " + held + " (ready in queue default); none of the 2000 jobs was enqueued");
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs")).isEqualTo(1);
    }

    @Test
    void a_batch_that_repeats_a_key_is_refused_naming_both_positions() {
        List<NewJob> jobs = List.of(NewJob.builder("noop").uniqueKey("a").build(), NewJob.of("noop", ""), NewJob.builder("noop").uniqueKey("a").build());
        assertThatThrownBy(() -> client.enqueueAll(jobs)).isInstanceOf(DuplicateJobException.class)
                .hasMessage("unique key 'a' appears twice in the batch (jobs 1 and 3 of 3); none of the 3 jobs was enqueued");
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs")).isZero();
    }

    @Test
    void if_absent_skips_jobs_whose_key_is_taken_and_gives_them_no_id() {
        long held = client.enqueue(NewJob.builder("noop").uniqueKey("b").build());
        assertThat(client.enqueueIfAbsent(NewJob.builder("noop").uniqueKey("b").build())).isEqualTo(OptionalLong.empty());
        OptionalLong fresh = client.enqueueIfAbsent(NewJob.builder("noop").uniqueKey("c").build());
        assertThat(fresh).isPresent();

        long[] ids = client.enqueueAllIfAbsent(List.of(
                NewJob.builder("noop").payload("1").uniqueKey("b").build(),   // held by an earlier job
                NewJob.builder("noop").payload("2").build(),                  // no key
                NewJob.builder("noop").payload("3").uniqueKey("d").build(),   // new
                NewJob.builder("noop").payload("4").uniqueKey("d").build(),   // held by job 3 of this batch
                NewJob.builder("noop").payload("5").uniqueKey("e").build())); // new
        assertThat(ids[0]).isEqualTo(QuarryClient.SKIPPED);
        assertThat(ids[3]).isEqualTo(QuarryClient.SKIPPED);
        assertThat(db.job(ids[1])).containsEntry("payload", "2");
        assertThat(db.job(ids[2])).containsEntry("payload", "3").containsEntry("unique_key", "d");
        assertThat(db.job(ids[4])).containsEntry("payload", "5");
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs")).isEqualTo(5);
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE unique_key = 'b'")).isEqualTo(1);
        assertThat(held).isPositive();
    }

    @Test
    void payloads_travel_as_parameters_never_as_sql() {
        String nasty = "'); DROP TABLE quarry_jobs; -- \\ \" \u0000 ünï";
        long id = client.enqueue(NewJob.builder("noop").payload(nasty).uniqueKey(nasty).build());
        assertThat(db.job(id)).containsEntry("payload", nasty).containsEntry("unique_key", nasty);
    }
}
