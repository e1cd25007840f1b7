package dev.quarry.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code quarry pause} and {@code quarry resume}: the flag the drains read. */
class PauseResumeCommandTest {
    private static TestDatabase db;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("cli_pause");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    private static long paused(String queue) {
        return db.count("SELECT CAST(paused AS SIGNED) FROM quarry_leases WHERE queue = ?", queue);
    }

    @Test
    void pause_works_for_a_queue_that_never_ran_and_resume_clears_the_flag() {
        Cli.Result p = Cli.run(db, "", "pause", "default");
        assertThat(p.exit()).as(p.toString()).isZero();
        assertThat(p.out()).contains("queue default paused");
        assertThat(paused("default")).isEqualTo(1);
        assertThat(Cli.run(db, "", "pause", "default").out()).contains("queue default was already paused");

        Cli.Result r = Cli.run(db, "", "resume", "default");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("queue default resumed");
        assertThat(paused("default")).isZero();
    }

    @Test
    void pausing_leaves_the_lease_itself_alone() {
        db.exec("INSERT INTO quarry_leases (queue, holder, epoch, expires_at) VALUES ('video', 'node-a', 7, NOW(6) + INTERVAL 30 SECOND)");
        assertThat(Cli.run(db, "", "pause", "video").exit()).isZero();
        assertThat(db.query("SELECT holder, epoch, paused FROM quarry_leases WHERE queue = 'video'").get(0))
                .containsEntry("holder", "node-a").containsEntry("epoch", 7L).containsEntry("paused", true);
        Cli.Result r = Cli.run(db, "", "status");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void a_bad_queue_name_is_a_usage_error_and_an_unconfigured_one_gets_a_note() {
        assertThat(Cli.run(db, "", "pause", "no such queue").exit()).isEqualTo(QuarryCli.USAGE);
        Cli.Result r = Cli.run(db, "", "pause", "elsewhere");
        assertThat(r.exit()).isZero();
        assertThat(r.err()).contains("queue 'elsewhere' is not in this config's queues");
    }
}
