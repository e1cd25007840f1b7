package dev.quarry.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.testing.TestDatabase;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code quarry retry} and {@code quarry cancel}: guarded transitions an operator may make. */
class RetryAndCancelCommandTest {
    private static TestDatabase db;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("cli_retry");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @BeforeEach
    void clean() {
        db.exec("DELETE FROM quarry_jobs");
    }

    private static long dead(String queue, String uniqueKey) {
        return db.insert("INSERT INTO quarry_jobs (queue, type, status, attempts, run_at, finished_at, last_error, claimed_by, lease_epoch, unique_key)"
                + " VALUES (?, 'noop', 'dead', 5, NOW(6) - INTERVAL 1 DAY, NOW(6), 'boom', 'node-a', 4, ?)", queue, uniqueKey);
    }

    private static long running() {
        return db.insert("INSERT INTO quarry_jobs (type, status, attempts, claim_token, claimed_by, lease_epoch, started_at)"
                + " VALUES ('noop', 'running', 1, 77, 'node-a', 2, NOW(6))");
    }

    @Test
    void retry_sends_a_dead_job_back_to_ready_due_now_with_attempts_reset() {
        long id = dead("default", null);
        Cli.Result r = Cli.run(db, "", "retry", String.valueOf(id));
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("job " + id + " is ready again");
        Map<String, Object> job = db.job(id);
        assertThat(job).containsEntry("status", "ready").containsEntry("attempts", 0).containsEntry("finished_at", null)
                .containsEntry("claimed_by", null).containsEntry("lease_epoch", null).containsEntry("last_error", "boom");
        assertThat(db.count("SELECT TIMESTAMPDIFF(SECOND, run_at, NOW(6)) FROM quarry_jobs WHERE id = ?", id)).isBetween(0L, 60L);
    }

    @Test
    void retry_sends_a_cancelled_job_back_to_ready() {
        long id = db.insert("INSERT INTO quarry_jobs (type, status, finished_at) VALUES ('noop', 'cancelled', NOW(6))");
        assertThat(Cli.run(db, "", "retry", String.valueOf(id)).exit()).isZero();
        assertThat(db.status(id)).isEqualTo("ready");
    }

    @Test
    void retry_of_a_running_job_is_refused_and_changes_nothing() {
        long id = running();
        Cli.Result r = Cli.run(db, "", "retry", String.valueOf(id));
        assertThat(r.exit()).isEqualTo(QuarryCli.NOT_FOUND);
        assertThat(r.err()).contains("job " + id + " is running: only dead and cancelled jobs can be retried");
        assertThat(db.job(id)).containsEntry("status", "running").containsEntry("attempts", 1).containsEntry("claim_token", 77L);
    }

    @Test
    void retry_of_a_missing_job_exits_1() {
        Cli.Result r = Cli.run(db, "", "retry", "424242");
        assertThat(r.exit()).isEqualTo(QuarryCli.NOT_FOUND);
        assertThat(r.err()).contains("no job 424242");
    }

    @Test
    void retry_is_refused_while_another_active_job_holds_the_unique_key() {
        long old = dead("default", "invoice-9");
        long active = db.insert("INSERT INTO quarry_jobs (type, unique_key) VALUES ('noop', 'invoice-9')");
        Cli.Result r = Cli.run(db, "", "retry", String.valueOf(old));
        assertThat(r.exit()).isEqualTo(QuarryCli.NOT_FOUND);
        assertThat(r.err()).contains("unique key 'invoice-9' is held by job " + active);
        assertThat(db.status(old)).isEqualTo("dead");
    }

    @Test
    void retry_dead_sends_every_dead_job_back_and_prints_the_count() {
        long a = dead("default", null);
        long b = dead("mail", null);
        long done = db.insert("INSERT INTO quarry_jobs (type, status, finished_at) VALUES ('noop', 'done', NOW(6))");
        Cli.Result r = Cli.run(db, "", "retry", "--dead");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("retried 2 dead jobs");
        assertThat(db.job(a)).containsEntry("status", "ready").containsEntry("attempts", 0);
        assertThat(db.job(b)).containsEntry("status", "ready").containsEntry("attempts", 0);
        assertThat(db.status(done)).isEqualTo("done");
    }

    @Test
    void retry_dead_of_one_queue_leaves_other_queues_and_keeps_jobs_whose_key_is_taken() {
        long mail = dead("mail", null);
        long other = dead("default", null);
        long keyed = dead("mail", "k");
        db.insert("INSERT INTO quarry_jobs (queue, type, unique_key) VALUES ('mail', 'noop', 'k')");
        Cli.Result r = Cli.run(db, "", "retry", "--dead", "--queue", "mail");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("retried 1 dead job in queue mail; kept 1 dead: their unique key is held");
        assertThat(db.status(mail)).isEqualTo("ready");
        assertThat(db.status(other)).isEqualTo("dead");
        assertThat(db.status(keyed)).isEqualTo("dead");
    }

    @Test
    void retry_dead_with_no_dead_jobs_exits_1_and_a_bad_combination_is_a_usage_error() {
        Cli.Result none = Cli.run(db, "", "retry", "--dead");
        assertThat(none.exit()).isEqualTo(QuarryCli.NOT_FOUND);
        assertThat(none.err()).contains("no dead jobs to retry");
        assertThat(Cli.run(db, "", "retry").exit()).isEqualTo(QuarryCli.USAGE);
        assertThat(Cli.run(db, "", "retry", "5", "--dead").exit()).isEqualTo(QuarryCli.USAGE);
        assertThat(Cli.run(db, "", "retry", "5", "--queue", "mail").exit()).isEqualTo(QuarryCli.USAGE);
    }

    @Test
    void cancel_makes_a_scheduled_job_cancelled_so_it_never_runs_and_frees_its_unique_key() {
        long id = db.insert("INSERT INTO quarry_jobs (type, run_at, unique_key) VALUES ('noop', NOW(6) + INTERVAL 1 DAY, 'nightly')");
        assertThat(db.status(id)).isEqualTo("scheduled");
        Cli.Result r = Cli.run(db, "", "cancel", String.valueOf(id));
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(db.job(id)).containsEntry("status", "cancelled").containsEntry("active_unique_key", null);
        assertThat(db.job(id).get("finished_at")).isNotNull();
    }

    @Test
    void retry_of_a_scheduled_job_is_refused_it_is_not_finished() {
        long id = db.insert("INSERT INTO quarry_jobs (type, run_at) VALUES ('noop', NOW(6) + INTERVAL 1 DAY)");
        Cli.Result r = Cli.run(db, "", "retry", String.valueOf(id));
        assertThat(r.exit()).isEqualTo(QuarryCli.NOT_FOUND);
        assertThat(r.err()).contains("job " + id + " is scheduled: only dead and cancelled jobs can be retried");
        assertThat(db.status(id)).isEqualTo("scheduled");
    }

    @Test
    void cancel_makes_a_ready_job_cancelled_and_finished() {
        long id = db.insertJob("noop", "");
        Cli.Result r = Cli.run(db, "", "cancel", String.valueOf(id));
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("job " + id + " cancelled");
        assertThat(db.status(id)).isEqualTo("cancelled");
        assertThat(db.job(id).get("finished_at")).isNotNull();
    }

    @Test
    void cancel_of_a_running_job_asks_its_node_to_stop_it_and_changes_nothing_else() {
        long id = running();
        Cli.Result r = Cli.run(db, "", "cancel", String.valueOf(id));
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("job " + id + " is running on node-a: its node was asked to stop it");
        assertThat(db.job(id)).containsEntry("status", "running").containsEntry("finished_at", null).containsEntry("claim_token", 77L)
                .containsEntry("cancel_requested", true);
    }

    @Test
    void cancel_of_a_finished_or_missing_job_is_refused() {
        long done = db.insert("INSERT INTO quarry_jobs (type, status, finished_at) VALUES ('noop', 'done', NOW(6))");
        Cli.Result r = Cli.run(db, "", "cancel", String.valueOf(done));
        assertThat(r.exit()).isEqualTo(QuarryCli.NOT_FOUND);
        assertThat(r.err()).contains("job " + done + " is already done: only scheduled, ready and running jobs can be cancelled");
        assertThat(db.status(done)).isEqualTo("done");
        assertThat(Cli.run(db, "", "cancel", "777777").exit()).isEqualTo(QuarryCli.NOT_FOUND);
    }
}
