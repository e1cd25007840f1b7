package dev.quarry.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.testing.TestDatabase;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code quarry enqueue} on a real MariaDB. */
class EnqueueCommandTest {
    private static TestDatabase db;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("cli_enqueue");
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
    void enqueue_prints_the_new_id_and_stores_every_option() {
        Cli.Result r = Cli.run(db, "", "enqueue", "resize-video", "{\"file\":\"a.mp4\"}", "--priority", "-2", "--max-attempts", "3",
                "--unique-key", "video-a");
        assertThat(r.exit()).as(r.toString()).isZero();
        long id = Long.parseLong(r.out().strip());
        Map<String, Object> job = db.job(id);
        assertThat(job).containsEntry("type", "resize-video").containsEntry("payload", "{\"file\":\"a.mp4\"}")
                .containsEntry("queue", "default").containsEntry("priority", -2).containsEntry("max_attempts", 3)
                .containsEntry("unique_key", "video-a").containsEntry("status", "ready");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void enqueue_without_options_uses_the_column_defaults() {
        Cli.Result r = Cli.run(db, "", "enqueue", "noop");
        assertThat(r.exit()).as(r.toString()).isZero();
        Map<String, Object> job = db.job(Long.parseLong(r.out().strip()));
        assertThat(job).containsEntry("payload", "").containsEntry("queue", "default").containsEntry("priority", 0)
                .containsEntry("max_attempts", null).containsEntry("unique_key", null);
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE id = ? AND run_at <= NOW(6)", job.get("id"))).isEqualTo(1);
    }

    @Test
    void a_dash_reads_the_payload_from_stdin_exactly_as_given() {
        String payload = "{\"lines\": [\"a\", \"b\"]}\nsecond line with ünïcode\n";
        Cli.Result r = Cli.run(db, payload, "enqueue", "report", "-", "--queue", "default");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(db.job(Long.parseLong(r.out().strip()))).containsEntry("payload", payload);
    }

    @Test
    void lines_enqueues_one_job_per_non_empty_line_and_prints_the_count() {
        Cli.Result r = Cli.run(db, "{\"n\":1}\n{\"n\":2}\n\n{\"n\":3}\n", "enqueue", "noop", "--lines", "--priority", "4");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out().strip()).isEqualTo("3");
        assertThat(db.query("SELECT payload, priority FROM quarry_jobs ORDER BY id"))
                .extracting(m -> m.get("payload") + "/" + m.get("priority"))
                .containsExactly("{\"n\":1}/4", "{\"n\":2}/4", "{\"n\":3}/4");
    }

    @Test
    void lines_with_ids_prints_each_new_id_in_input_order() {
        Cli.Result r = Cli.run(db, "first\r\nsecond\r\nthird", "enqueue", "noop", "--lines", "--ids");
        assertThat(r.exit()).as(r.toString()).isZero();
        List<String> ids = r.out().lines().toList();
        assertThat(ids).hasSize(3);
        assertThat(ids).extracting(id -> db.job(Long.parseLong(id)).get("payload")).containsExactly("first", "second", "third");
        assertThat(r.err()).contains("enqueued 3 jobs");
    }

    @Test
    void a_delayed_job_is_due_that_long_after_the_database_clock() {
        Cli.Result r = Cli.run(db, "", "enqueue", "noop", "--delay", "2h");
        assertThat(r.exit()).as(r.toString()).isZero();
        long id = Long.parseLong(r.out().strip());
        long dueInSeconds = db.count("SELECT TIMESTAMPDIFF(SECOND, NOW(6), run_at) FROM quarry_jobs WHERE id = ?", id);
        assertThat(dueInSeconds).isBetween(7200L - 60, 7200L);
        assertThat(db.count("SELECT TIMESTAMPDIFF(MICROSECOND, created_at, run_at) FROM quarry_jobs WHERE id = ?", id))
                .isEqualTo(7_200_000_000L);
    }

    @Test
    void at_takes_an_instant_with_a_zone_and_the_database_converts_it() {
        Cli.Result r = Cli.run(db, "", "enqueue", "noop", "--at", "2031-06-01T12:00:00+02:00");
        assertThat(r.exit()).as(r.toString()).isZero();
        long id = Long.parseLong(r.out().strip());
        assertThat(db.count("SELECT UNIX_TIMESTAMP(run_at) FROM quarry_jobs WHERE id = ?", id)).isEqualTo(1938074400L);
    }

    @Test
    void a_duplicate_unique_key_is_refused_naming_the_key_and_its_holder() {
        long first = Long.parseLong(Cli.run(db, "", "enqueue", "noop", "--unique-key", "invoice-7").out().strip());
        Cli.Result r = Cli.run(db, "", "enqueue", "noop", "--unique-key", "invoice-7");
        assertThat(r.exit()).as(r.toString()).isEqualTo(QuarryCli.NOT_FOUND);
        assertThat(r.err()).contains("unique key 'invoice-7'").contains("job " + first).contains("not enqueued");
        assertThat(r.out()).isEmpty();
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs")).isEqualTo(1);
    }

    @Test
    void ignore_duplicates_enqueues_nothing_prints_no_id_and_succeeds() {
        Cli.run(db, "", "enqueue", "noop", "--unique-key", "k");
        Cli.Result r = Cli.run(db, "", "enqueue", "noop", "--unique-key", "k", "--ignore-duplicates");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("not enqueued").contains("'k'");
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs")).isEqualTo(1);
    }

    @Test
    void bad_options_are_usage_errors_and_enqueue_nothing() {
        assertThat(Cli.run(db, "", "enqueue", "noop", "--delay", "5 minutes").exit()).isEqualTo(QuarryCli.USAGE);
        assertThat(Cli.run(db, "", "enqueue", "noop", "--delay", "5m", "--at", "2030-01-01T00:00:00Z").exit()).isEqualTo(QuarryCli.USAGE);
        assertThat(Cli.run(db, "", "enqueue", "noop", "--at", "2030-01-01 09:00").err()).contains("not a time with a zone");
        assertThat(Cli.run(db, "", "enqueue", "noop", "--max-attempts", "0").err()).contains("maxAttempts 0");
        assertThat(Cli.run(db, "", "enqueue", "bad type!").exit()).isEqualTo(QuarryCli.USAGE);
        assertThat(Cli.run(db, "", "enqueue", "noop", "--queue", "no spaces").exit()).isEqualTo(QuarryCli.USAGE);
        assertThat(Cli.run(db, "a\n", "enqueue", "noop", "x", "--lines").exit()).isEqualTo(QuarryCli.USAGE);
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs")).isZero();
    }

    @Test
    void a_queue_this_config_does_not_serve_is_enqueued_with_a_note() {
        Cli.Result r = Cli.run(db, "", "enqueue", "noop", "--queue", "elsewhere");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.err()).contains("queue 'elsewhere' is not in this config's queues");
        assertThat(db.job(Long.parseLong(r.out().strip()))).containsEntry("queue", "elsewhere");
    }
}
