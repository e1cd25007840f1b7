package dev.quarry.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code quarry purge}: deletes old finished rows only. */
class PurgeCommandTest {
    private static TestDatabase db;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("cli_purge");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @BeforeEach
    void rows() {
        db.exec("DELETE FROM quarry_jobs");
        for (String status : new String[] {"done", "dead", "cancelled"}) {
            for (String queue : new String[] {"default", "mail"}) {
                // old enough, and recent
                db.exec("INSERT INTO quarry_jobs (queue, type, status, finished_at) VALUES (?, 'noop', ?, NOW(6) - INTERVAL 10 DAY)", queue, status);
                db.exec("INSERT INTO quarry_jobs (queue, type, status, finished_at) VALUES (?, 'noop', ?, NOW(6) - INTERVAL 1 HOUR)", queue, status);
            }
        }
        // Ready and running rows, created long ago: never purged, whatever their age.
        db.exec("INSERT INTO quarry_jobs (type, created_at, run_at) VALUES ('noop', NOW(6) - INTERVAL 30 DAY, NOW(6) - INTERVAL 30 DAY)");
        db.exec("INSERT INTO quarry_jobs (type, status, claim_token, created_at, started_at, finished_at)"
                + " VALUES ('noop', 'running', 5, NOW(6) - INTERVAL 30 DAY, NOW(6) - INTERVAL 30 DAY, NOW(6) - INTERVAL 30 DAY)");
    }

    @Test
    void purge_deletes_old_finished_jobs_and_keeps_recent_ready_and_running_ones() {
        Cli.Result r = Cli.run(db, "", "purge", "--older-than", "7d");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("deleted 6 ");
        assertThat(db.statusCounts()).containsEntry("ready", 1L).containsEntry("running", 1L)
                .containsEntry("done", 2L).containsEntry("dead", 2L).containsEntry("cancelled", 2L);
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE finished_at < NOW(6) - INTERVAL 7 DAY AND status <> 'running'")).isZero();
    }

    @Test
    void purge_of_one_status_and_queue_leaves_the_rest() {
        Cli.Result r = Cli.run(db, "", "purge", "--older-than", "30m", "--status", "dead", "--queue", "mail");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("deleted 2 dead jobs");
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'dead'")).isEqualTo(2);
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'dead' AND queue = 'mail'")).isZero();
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs")).isEqualTo(12);
    }

    @Test
    void purge_works_through_more_rows_than_one_chunk() {
        db.exec("DELETE FROM quarry_jobs");
        db.insertJobs(12_345, "default", "noop");
        db.exec("UPDATE quarry_jobs SET status = 'done', finished_at = NOW(6) - INTERVAL 2 DAY");
        Cli.Result r = Cli.run(db, "", "purge", "--older-than", "1d", "--status", "done,dead");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("deleted 12345 done/dead jobs");
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs")).isZero();
    }

    @Test
    void purge_never_takes_ready_or_running_and_needs_an_age() {
        Cli.Result ready = Cli.run(db, "", "purge", "--older-than", "1d", "--status", "ready");
        assertThat(ready.exit()).isEqualTo(QuarryCli.USAGE);
        assertThat(ready.err()).contains("never ready ones");
        assertThat(Cli.run(db, "", "purge").exit()).isEqualTo(QuarryCli.USAGE);
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs")).isEqualTo(14);
    }

    @Test
    void purge_with_nothing_old_enough_prints_zero_and_succeeds() {
        Cli.Result r = Cli.run(db, "", "purge", "--older-than", "365d");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("deleted 0 ");
    }
}
