package dev.quarry.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.testing.Poll;
import dev.quarry.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code quarry wait} and its exit codes, and the progress and result columns in {@code show} and {@code jobs}. */
class WaitCommandTest {
    private static TestDatabase db;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("wait");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    private static long job(String status, String result, String lastError) {
        return db.insert("INSERT INTO quarry_jobs (type, payload, status, attempts, result, last_error, finished_at)"
                + " VALUES ('encode', '{}', ?, 1, ?, ?, IF(? IN ('done', 'dead', 'cancelled'), NOW(6), NULL))", status, result, lastError, status);
    }

    @Test
    void a_done_job_exits_0_printing_its_status_then_its_result() {
        long id = job("done", "https://cdn.example/a.mp4\nsecond line", null);
        Cli.Result r = Cli.run(db, "", "wait", Long.toString(id));
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("done\nhttps://cdn.example/a.mp4\nsecond line\n");

        Cli.Result json = Cli.run(db, "", "wait", Long.toString(id), "--json");
        assertThat(json.exit()).as(json.toString()).isZero();
        @SuppressWarnings("unchecked") Map<String, Object> doc = (Map<String, Object>) JsonReader.parse(json.out());
        assertThat(doc).containsEntry("status", "done").containsEntry("result", "https://cdn.example/a.mp4\nsecond line");
    }

    @Test
    void a_dead_or_cancelled_job_exits_1_with_its_last_error_on_stderr() {
        Cli.Result dead = Cli.run(db, "", "wait", Long.toString(job("dead", null, "exit 65: no such file")));
        assertThat(dead.exit()).as(dead.toString()).isEqualTo(1);
        assertThat(dead.out()).isEqualTo("dead\n");
        assertThat(dead.err()).contains("dead: exit 65: no such file");
        Cli.Result cancelled = Cli.run(db, "", "wait", Long.toString(job("cancelled", null, "cancelled on request")));
        assertThat(cancelled.exit()).as(cancelled.toString()).isEqualTo(1);
        assertThat(cancelled.out()).isEqualTo("cancelled\n");
    }

    @Test
    void a_job_still_running_at_the_timeout_exits_124_and_an_unknown_id_exits_5() {
        long id = job("running", null, null);
        db.exec("UPDATE quarry_jobs SET progress = 40, progress_note = 'encoding audio' WHERE id = ?", id);
        Cli.Result r = Cli.run(db, "", "wait", Long.toString(id), "--timeout", "1s");
        assertThat(r.exit()).as(r.toString()).isEqualTo(124);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("job " + id + " running, 40% encoding audio")
                .contains("job " + id + " is still running after 1s (40% encoding audio)");

        Cli.Result unknown = Cli.run(db, "", "wait", "987654321");
        assertThat(unknown.exit()).as(unknown.toString()).isEqualTo(5);
        assertThat(unknown.err()).isEqualTo("quarry: no job 987654321\n");
    }

    @Test
    void the_wait_polls_until_the_job_finishes() throws InterruptedException {
        long id = job("running", null, null);
        AtomicReference<Cli.Result> result = new AtomicReference<>();
        Thread waiter = new Thread(() -> result.set(Cli.run(db, "", "wait", Long.toString(id), "--timeout", "2m", "--quiet")));
        waiter.start();
        // Sleeping between polls: it has seen the job running.
        Poll.until(Duration.ofSeconds(60), "the wait to poll", () -> waiter.getState() == Thread.State.TIMED_WAITING);
        db.exec("UPDATE quarry_jobs SET status = 'done', finished_at = NOW(6), result = 'made it' WHERE id = ?", id);
        waiter.join(60_000);
        assertThat(result.get()).isNotNull();
        assertThat(result.get().exit()).as(result.get().toString()).isZero();
        assertThat(result.get().out()).isEqualTo("done\nmade it\n");
        assertThat(result.get().err()).isEmpty();
    }

    @Test
    void show_and_jobs_show_progress_and_result() {
        long running = job("running", null, null);
        db.exec("UPDATE quarry_jobs SET progress = 40, progress_note = 'encoding audio' WHERE id = ?", running);
        long done = job("done", "https://cdn.example/a.mp4", null);

        Cli.Result show = Cli.run(db, "", "show", Long.toString(running));
        assertThat(show.out()).contains("progress      40% encoding audio").contains("result        -");
        Cli.Result showDone = Cli.run(db, "", "show", Long.toString(done));
        assertThat(showDone.out()).contains("progress      -").contains("result        https://cdn.example/a.mp4");
        @SuppressWarnings("unchecked") Map<String, Object> doc = (Map<String, Object>) JsonReader.parse(Cli.run(db, "", "show", Long.toString(running), "--json").out());
        assertThat(doc).containsEntry("progress_note", "encoding audio").containsEntry("result", null);
        assertThat(((Number) doc.get("progress")).intValue()).isEqualTo(40);

        Cli.Result jobs = Cli.run(db, "", "jobs", "--status", "running");
        assertThat(jobs.exit()).as(jobs.toString()).isZero();
        assertThat(jobs.out()).contains("PROGRESS").contains("40% encoding audio");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> listed = (List<Map<String, Object>>) JsonReader.parse(Cli.run(db, "", "jobs", "--status", "running", "--json").out());
        assertThat(listed).anySatisfy(j -> {
            assertThat(((Number) j.get("id")).longValue()).isEqualTo(running);
            assertThat(((Number) j.get("progress")).intValue()).isEqualTo(40);
            assertThat(j).containsEntry("progress_note", "encoding audio");
        });
    }
}
