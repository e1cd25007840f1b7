package dev.quarry.internal.drain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quarry.handler.JobHandler;
import dev.quarry.handler.Outcome;
import dev.quarry.testing.Poll;
import dev.quarry.testing.TestDatabase;
import dev.quarry.testing.TestRuntime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each outcome of a run, end to end through a real drain on a real MariaDB. */
class DrainOutcomesTest {
    private static TestDatabase db;
    private final List<String> seenPayloads = new CopyOnWriteArrayList<>();
    private TestRuntime rt;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("outcomes");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @BeforeEach
    void emptyQueue() {
        db.exec("DELETE FROM quarry_jobs");
        db.exec("DELETE FROM quarry_leases");
        Map<String, JobHandler> handlers = Map.of(
                "echo", job -> {
                    seenPayloads.add(job.payload());
                    return Outcome.done();
                },
                "throws", job -> {
                    throw new IllegalStateException("disk full on attempt " + job.attempt());
                },
                "error", job -> {
                    throw new StackOverflowError("deep");
                },
                "permanent", job -> Outcome.permanentFailure("payload names no file"),
                "later", job -> Outcome.later(Duration.ofMinutes(10), "waiting for upstream"),
                "null", job -> null,
                "sleepy", job -> {
                    Thread.sleep(60_000);
                    return Outcome.done();
                },
                "brief", job -> {
                    Thread.sleep(2);
                    return Outcome.done();
                });
        rt = new TestRuntime(db, "node-a", """
                queue.default.workers = 1
                retry.max-attempts = 3
                retry.backoff.base = 1h
                retry.backoff.max = 2h
                payload.max-bytes = 2000000
                """, handlers);
    }

    @AfterEach
    void closeRuntime() {
        rt.close();
    }

    @Test
    void a_plain_sql_insert_with_only_type_and_payload_is_run_and_marked_done() {
        long id = db.insertJob("echo", "{\"file\":\"a.mp4\"}");
        DrainSummary s = rt.drainUntilIdle();
        Map<String, Object> row = db.job(id);
        assertThat(row.get("status")).isEqualTo("done");
        assertThat(row.get("attempts")).isEqualTo(1);
        assertThat(row.get("finished_at")).isNotNull();
        assertThat(row.get("claimed_by")).isEqualTo("node-a");
        assertThat(seenPayloads).containsExactly("{\"file\":\"a.mp4\"}");
        assertThat(s.claimed()).isEqualTo(1);
        assertThat(s.done()).isEqualTo(1);
    }

    @Test
    void a_thrown_exception_sends_the_job_back_with_backoff_and_the_error_kept() {
        long id = db.insertJob("throws", "{}");
        rt.drainUntilIdle();
        Map<String, Object> row = db.job(id);
        assertThat(row.get("status")).isEqualTo("scheduled");
        assertThat(row.get("attempts")).isEqualTo(1);
        assertThat((String) row.get("last_error")).contains("IllegalStateException: disk full on attempt 1");
        // backoff base 1h with jitter in [0.5, 1): due between 30 and 60 minutes from now, in database time
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE id = ? AND run_at BETWEEN NOW(6) + INTERVAL 29 MINUTE"
                + " AND NOW(6) + INTERVAL 61 MINUTE", id)).isEqualTo(1);
    }

    @Test
    void the_last_failed_attempt_makes_the_job_dead() {
        long id = db.insert("INSERT INTO quarry_jobs (type, payload, max_attempts) VALUES ('throws', '{}', 2)");
        rt.drainUntilIdle();
        db.exec("UPDATE quarry_jobs SET run_at = NOW(6) WHERE id = ?", id); // skip the backoff
        rt.drainUntilIdle();
        Map<String, Object> row = db.job(id);
        assertThat(row.get("status")).isEqualTo("dead");
        assertThat(row.get("attempts")).isEqualTo(2);
        assertThat((String) row.get("last_error")).startsWith("attempt 2 of 2 failed, none left: java.lang.IllegalStateException");
        assertThat(row.get("finished_at")).isNotNull();
    }

    @Test
    void a_permanent_failure_is_dead_after_one_attempt() {
        long id = db.insertJob("permanent", "{}");
        rt.drainUntilIdle();
        assertThat(db.job(id)).containsEntry("status", "dead").containsEntry("attempts", 1)
                .containsEntry("last_error", "payload names no file");
    }

    @Test
    void a_handler_that_throws_an_error_fails_only_its_job() {
        long bad = db.insertJob("error", "{}");
        long good = db.insertJob("echo", "after");
        rt.drainUntilIdle();
        assertThat(db.job(bad)).containsEntry("status", "scheduled");
        assertThat((String) db.job(bad).get("last_error")).contains("StackOverflowError: deep");
        assertThat(db.status(good)).isEqualTo("done");
    }

    @Test
    void an_unknown_type_goes_dead_with_a_clear_error_and_the_queue_goes_on() {
        long unknown = db.insertJob("resize-video", "{}");
        long good = db.insertJob("echo", "x");
        rt.drainUntilIdle();
        assertThat(db.job(unknown)).containsEntry("status", "dead");
        assertThat((String) db.job(unknown).get("last_error")).startsWith("no handler for type 'resize-video'")
                .contains("handler.resize-video.shell");
        assertThat(db.status(good)).isEqualTo("done");
    }

    @Test
    void a_payload_over_the_limit_goes_dead_and_one_at_the_limit_runs_intact() {
        String atLimit = "x".repeat(2_000_000);
        long ok = db.insertJob("echo", atLimit);
        long over = db.insertJob("echo", atLimit + "y");
        rt.drainUntilIdle();
        assertThat(db.status(ok)).isEqualTo("done");
        assertThat(seenPayloads).containsExactly(atLimit);
        assertThat(db.job(over)).containsEntry("status", "dead")
                .containsEntry("last_error", "payload is 2000001 bytes, over the limit of 2000000 (payload.max-bytes)");
    }

    @Test
    void later_gives_the_job_back_without_using_an_attempt() {
        long id = db.insertJob("later", "{}");
        rt.drainUntilIdle();
        assertThat(db.job(id)).containsEntry("status", "scheduled").containsEntry("attempts", 0)
                .containsEntry("last_error", "later: waiting for upstream");
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE id = ? AND run_at > NOW(6) + INTERVAL 9 MINUTE", id)).isEqualTo(1);
    }

    @Test
    void a_handler_returning_null_is_a_failure_not_a_crash() {
        long id = db.insertJob("null", "{}");
        rt.drainUntilIdle();
        assertThat(db.job(id)).containsEntry("status", "scheduled").containsEntry("last_error", "handler returned null instead of an Outcome");
    }

    @Test
    void jobs_run_in_priority_order_then_in_due_order_and_future_jobs_wait() {
        db.insert("INSERT INTO quarry_jobs (type, payload, priority, run_at) VALUES ('echo', 'low', 5, NOW(6) - INTERVAL 1 HOUR)");
        db.insert("INSERT INTO quarry_jobs (type, payload, priority) VALUES ('echo', 'high-later', -1)");
        db.insert("INSERT INTO quarry_jobs (type, payload, priority, run_at) VALUES ('echo', 'high-first', -1, NOW(6) - INTERVAL 1 MINUTE)");
        long future = db.insert("INSERT INTO quarry_jobs (type, payload, run_at) VALUES ('echo', 'tomorrow', NOW(6) + INTERVAL 1 DAY)");
        rt.drainUntilIdle();
        assertThat(seenPayloads).containsExactly("high-first", "high-later", "low");
        assertThat(db.status(future)).isEqualTo("scheduled");
    }

    @Test
    void a_unique_key_is_refused_while_its_job_is_pending_and_free_again_once_done() {
        db.insert("INSERT INTO quarry_jobs (type, payload, unique_key) VALUES ('echo', 'one', 'report-42')");
        assertThatThrownBy(() -> db.insert("INSERT INTO quarry_jobs (type, payload, unique_key) VALUES ('echo', 'two', 'report-42')"))
                .hasMessageContaining("Duplicate entry 'report-42'");
        db.exec("INSERT IGNORE INTO quarry_jobs (type, payload, unique_key) VALUES ('echo', 'three', 'report-42')");
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE unique_key = 'report-42'")).isEqualTo(1);
        rt.drainUntilIdle();
        db.insert("INSERT INTO quarry_jobs (type, payload, unique_key) VALUES ('echo', 'four', 'report-42')");
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE unique_key = 'report-42'")).isEqualTo(2);
    }

    @Test
    void rows_a_producer_gets_wrong_are_refused_at_insert() {
        assertThatThrownBy(() -> db.insert("INSERT INTO quarry_jobs (payload) VALUES ('{}')")).hasMessageContaining("type");
        assertThatThrownBy(() -> db.insert("INSERT INTO quarry_jobs (type) VALUES ('')")).hasMessageContaining("quarry_jobs_type_not_blank");
        assertThatThrownBy(() -> db.insert("INSERT INTO quarry_jobs (type, max_attempts) VALUES ('echo', 0)"))
                .hasMessageContaining("quarry_jobs_max_attempts_range");
    }

    @Test
    void a_thousand_jobs_are_all_done_once_by_one_drain() {
        db.insertJobs(1000, "default", "echo");
        DrainSummary s = rt.drainUntilIdle();
        Poll.until(Duration.ofSeconds(5), "all done", () -> db.count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'done'") == 1000,
                () -> db.statusCounts().toString());
        assertThat(s.claimed()).isEqualTo(1000);
        assertThat(seenPayloads).hasSize(1000).doesNotHaveDuplicates();
    }

    @Test
    void the_drain_keeps_its_dates_in_database_time() {
        long id = db.insertJob("echo", "x");
        rt.drainUntilIdle();
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE id = ? AND finished_at >= started_at"
                + " AND started_at >= created_at AND finished_at <= NOW(6)", id)).isEqualTo(1);
    }

    @Test
    void a_paused_queue_is_not_drained_until_it_is_resumed() {
        db.exec("INSERT INTO quarry_leases (queue, paused) VALUES ('default', 1)");
        long id = db.insertJob("echo", "x");
        DrainSummary paused = rt.drainUntilIdle();
        assertThat(paused.claimed()).isZero();
        assertThat(db.status(id)).isEqualTo("ready");
        db.exec("UPDATE quarry_leases SET paused = 0 WHERE queue = 'default'");
        rt.drainUntilIdle();
        assertThat(db.status(id)).isEqualTo("done");
    }

    @Test
    void a_running_job_an_operator_cancels_is_interrupted_and_ends_cancelled() throws Exception {
        long id = db.insertJob("sleepy", "{}");
        long waiting = db.insertJob("sleepy", "{}"); // one worker: this one is not claimed while the first runs
        Thread drain = new Thread(rt::drainUntilIdle);
        drain.start();
        Poll.until(Duration.ofSeconds(10), "the first job running", () -> "running".equals(db.status(id)));
        assertThat(db.status(waiting)).as("a drain claims only for free workers").isEqualTo("ready");
        dev.quarry.internal.admin.AdminCommands admin = new dev.quarry.internal.admin.AdminCommands(db.dataSource(), "quarry", "QRTZ_");
        long t0 = System.nanoTime();
        assertThat(admin.cancel(id).outcome()).isEqualTo(dev.quarry.internal.admin.Change.Outcome.STOP_REQUESTED);
        assertThat(admin.cancel(waiting).outcome()).isEqualTo(dev.quarry.internal.admin.Change.Outcome.APPLIED);
        Poll.until(Duration.ofSeconds(10), "both cancelled", () -> "cancelled".equals(db.status(id)) && "cancelled".equals(db.status(waiting)),
                () -> db.statusCounts().toString());
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        assertThat((String) db.job(id).get("last_error")).isEqualTo("cancelled on request during attempt 1");
        assertThat(db.job(id).get("finished_at")).isNotNull();
        assertThat(db.job(waiting)).containsEntry("attempts", 0);
        drain.join(10_000);
        assertThat(drain.isAlive()).isFalse();
    }

    @Test
    void an_urgent_job_inserted_behind_a_backlog_is_claimed_soon_although_claims_run_past_a_cursor() throws Exception {
        db.insertJobs(1500, "default", "brief");
        Thread drain = new Thread(rt::drainUntilIdle);
        drain.start();
        Poll.until(Duration.ofSeconds(20), "the backlog under way", () -> db.count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'done'") > 100);
        long urgent = db.insert("INSERT INTO quarry_jobs (type, payload, priority) VALUES ('echo', 'urgent', -10)");
        Poll.until(Duration.ofSeconds(20), "the urgent job done", () -> "done".equals(db.status(urgent)), () -> db.statusCounts().toString());
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'ready'"))
                .as("backlog still waiting when the urgent job was done").isGreaterThan(500);
        drain.join(60_000);
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'done'")).isEqualTo(1501);
    }
}
