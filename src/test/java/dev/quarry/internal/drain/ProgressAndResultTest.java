package dev.quarry.internal.drain;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.quarry.internal.handler.HttpHandler;
import dev.quarry.handler.JobHandler;
import dev.quarry.handler.Outcome;
import dev.quarry.internal.handler.ShellHandler;
import dev.quarry.internal.queue.ClaimedJob;
import dev.quarry.internal.queue.JobQueue;
import dev.quarry.internal.queue.Lease;
import dev.quarry.internal.queue.LeaseStore;
import dev.quarry.internal.queue.ProgressStore;
import dev.quarry.internal.queue.Transactions;
import dev.quarry.testing.Poll;
import dev.quarry.testing.TestDatabase;
import dev.quarry.testing.TestRuntime;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Progress and result through a real drain on a real MariaDB, for each kind of handler (Java,
 * shell, http), and the fencing of both: a run whose claim was taken over changes neither.
 */
class ProgressAndResultTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static TestDatabase db;
    private final Map<String, JobHandler> handlers = new HashMap<>();
    private TestRuntime rt;
    private HttpServer server;

    @TempDir
    Path dir;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("progress");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @BeforeEach
    void clean() {
        db.exec("DELETE FROM quarry_jobs");
        db.exec("DELETE FROM quarry_leases");
    }

    @AfterEach
    void stop() {
        if (rt != null) rt.close();
        if (server != null) server.stop(0);
    }

    private void runtime() {
        rt = new TestRuntime(db, "node-a", """
                queue.default.workers = 2
                payload.max-bytes = 64
                """, handlers);
    }

    private Map<String, Object> row(long id) {
        return db.job(id);
    }

    private Integer progress(long id) {
        Object p = row(id).get("progress");
        return p == null ? null : ((Number) p).intValue();
    }

    @Test
    void a_java_handler_reports_progress_while_it_runs_throttled_and_its_last_value_and_result_land() {
        AtomicLong seenWhileRunning = new AtomicLong(-1);
        handlers.put("encode", job -> {
            job.progress(40, "encoding audio");
            // The report lands while the job still runs, without the handler waiting for it.
            Poll.until(WAIT, "progress 40 in the row", () -> Integer.valueOf(40).equals(progress(job.id())));
            seenWhileRunning.set(progress(job.id()));
            assertThat(row(job.id()).get("status")).isEqualTo("running");
            for (int p = 41; p <= 90; p++) job.progress(p, "step " + p); // a burst: throttled, the last one wins
            return Outcome.done("https://cdn.example/a.mp4");
        });
        runtime();
        long id = db.insertJob("encode", "{}");
        long t0 = System.nanoTime();
        DrainSummary s = rt.drainUntilIdle();
        assertThat(s.done()).isEqualTo(1);
        assertThat(seenWhileRunning.get()).isEqualTo(40);
        assertThat(row(id)).containsEntry("status", "done").containsEntry("result", "https://cdn.example/a.mp4");
        Poll.until(WAIT, "the last report (90) in the row", () -> Integer.valueOf(90).equals(progress(id)), () -> String.valueOf(row(id)));
        assertThat(row(id)).containsEntry("progress_note", "step 90");
        long seconds = Duration.ofNanos(System.nanoTime() - t0).toSeconds();
        // 51 reports, at most one write a second (plus the first): far fewer writes than reports.
        assertThat(rt.progress.written.get()).isBetween(2L, seconds + 2);
    }

    @Test
    void a_result_longer_than_the_payload_limit_is_cut_to_it_and_jobs_without_a_result_keep_the_batch_path() {
        handlers.put("big", job -> Outcome.done("é".repeat(100))); // 200 bytes of UTF-8, limit 64
        handlers.put("plain", job -> Outcome.done());
        runtime();
        long big = db.insertJob("big", "{}");
        long plain1 = db.insertJob("plain", "{}");
        long plain2 = db.insertJob("plain", "{}");
        assertThat(rt.drainUntilIdle().done()).isEqualTo(3);
        assertThat(row(big).get("result")).isEqualTo("é".repeat(32));
        assertThat(row(plain1)).containsEntry("status", "done").containsEntry("result", null).containsEntry("progress", null);
        assertThat(row(plain2)).containsEntry("status", "done").containsEntry("result", null);
    }

    @Test
    void a_shell_handler_reports_progress_through_its_progress_file_and_its_result_through_its_result_file() throws IOException {
        Path go = dir.resolve("go");
        Path script = dir.resolve("encode.sh");
        Files.writeString(script, "#!/bin/sh\n"
                + "echo 'not a progress line' >> \"$QUARRY_PROGRESS_FILE\"\n"
                + "echo '40 encoding audio' >> \"$QUARRY_PROGRESS_FILE\"\n"
                + "echo 'stdout stays the handler own'\n"
                + "while [ ! -e '" + go + "' ]; do sleep 0.1; done\n"
                + "printf '%s' \"done with $(cat)\" > \"$QUARRY_RESULT_FILE\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        handlers.put("encode", new ShellHandler(List.of(script.toString()), Duration.ofSeconds(120)));
        runtime();
        long id = db.insertJob("encode", "a.mp4");
        Thread releaser = new Thread(() -> {
            Poll.until(WAIT, "the shell handler's progress in the row", () -> Integer.valueOf(40).equals(progress(id)));
            try {
                Files.createFile(go);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        releaser.start();
        assertThat(rt.drainUntilIdle().done()).isEqualTo(1);
        assertThat(Files.exists(go)).as("the progress reached the row while the command ran").isTrue();
        assertThat(row(id)).containsEntry("status", "done").containsEntry("result", "done with a.mp4")
                .containsEntry("progress_note", "encoding audio");
        assertThat(progress(id)).isEqualTo(40);
    }

    @Test
    void an_http_handlers_2xx_body_is_the_result_and_an_empty_one_is_none() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        reply("/made", 200, "{\"url\":\"https://cdn.example/b.mp4\"}");
        reply("/empty", 204, "");
        server.start();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        handlers.put("made", new HttpHandler(URI.create(base + "/made"), Duration.ofSeconds(30)));
        handlers.put("empty", new HttpHandler(URI.create(base + "/empty"), Duration.ofSeconds(30)));
        runtime();
        long made = db.insertJob("made", "{}");
        long empty = db.insertJob("empty", "{}");
        assertThat(rt.drainUntilIdle().done()).isEqualTo(2);
        assertThat(row(made)).containsEntry("status", "done").containsEntry("result", "{\"url\":\"https://cdn.example/b.mp4\"}");
        assertThat(row(empty)).containsEntry("status", "done").containsEntry("result", null);
    }

    private void reply(String path, int status, String body) {
        server.createContext(path, ex -> {
            ex.getRequestBody().readAllBytes();
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
            if (b.length > 0) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(b);
                }
            }
            ex.close();
        });
    }

    @Test
    void one_statement_completes_a_batch_in_which_some_jobs_carry_a_result_and_others_none() {
        Duration lease = Duration.ofSeconds(30);
        checkIn("node-a");
        Transactions tx = new Transactions(db.dataSource());
        JobQueue jobs = new JobQueue(tx);
        for (int i = 0; i < 3; i++) db.insertJob("encode", "{}");
        Lease a = new LeaseStore(tx, "quarry", "QRTZ_").tryAcquire("default", 1, "node-a", lease).lease();
        List<ClaimedJob> claimed = jobs.claim(a, lease, 3, 5, 1000);
        assertThat(claimed).hasSize(3);
        assertThat(jobs.markDone(List.of(claimed.get(0).withResult("r0"), claimed.get(1), claimed.get(2).withResult("it's \"quoted\"\n"))))
                .isEmpty();
        assertThat(row(claimed.get(0).id())).containsEntry("status", "done").containsEntry("result", "r0");
        assertThat(row(claimed.get(1).id())).containsEntry("status", "done").containsEntry("result", null);
        assertThat(row(claimed.get(2).id())).containsEntry("status", "done").containsEntry("result", "it's \"quoted\"\n");
    }

    @Test
    void closing_the_writer_writes_the_report_still_waiting_for_its_gap() {
        Duration lease = Duration.ofSeconds(30);
        checkIn("node-a");
        Transactions tx = new Transactions(db.dataSource());
        long id = db.insertJob("encode", "{}");
        Lease a = new LeaseStore(tx, "quarry", "QRTZ_").tryAcquire("default", 1, "node-a", lease).lease();
        ClaimedJob run = new JobQueue(tx).claim(a, lease, 1, 5, 1000).get(0);
        ProgressWriter writer = new ProgressWriter(new ProgressStore(tx));
        writer.sinkFor(run).report(10, "first");
        Poll.until(WAIT, "the first report in the row", () -> Integer.valueOf(10).equals(progress(id)));
        writer.sinkFor(run).report(20, "second, inside the gap");
        writer.close();
        assertThat(progress(id)).isEqualTo(20);
        assertThat(row(id)).containsEntry("progress_note", "second, inside the gap");
        assertThat(writer.written.get()).isEqualTo(2);
    }

    private static void checkIn(String... nodes) {
        db.exec("DELETE FROM QRTZ_SCHEDULER_STATE");
        for (String node : nodes) {
            db.exec("INSERT INTO QRTZ_SCHEDULER_STATE (SCHED_NAME, INSTANCE_NAME, LAST_CHECKIN_TIME, CHECKIN_INTERVAL) VALUES ('quarry', ?, 0, 7500)", node);
        }
    }

    @Test
    void a_late_progress_or_result_from_a_run_whose_claim_was_taken_over_changes_nothing() {
        Duration lease = Duration.ofSeconds(30);
        checkIn("node-a", "node-b");
        Transactions tx = new Transactions(db.dataSource());
        LeaseStore leases = new LeaseStore(tx, "quarry", "QRTZ_");
        JobQueue jobs = new JobQueue(tx);
        ProgressStore store = new ProgressStore(tx);
        long id = db.insertJob("encode", "{}");

        Lease a = leases.tryAcquire("default", 1, "node-a", lease).lease();
        ClaimedJob runOfA = jobs.claim(a, lease, 1, 5, 1000).get(0);
        assertThat(store.write(id, runOfA.claimToken(), 10, "a started")).isTrue();

        // node-a stalls; its lease expires and node-b takes the queue over, rescues the job and runs it again.
        db.exec("UPDATE quarry_leases SET expires_at = NOW(6) - INTERVAL 1 SECOND");
        Lease b = leases.tryAcquire("default", 1, "node-b", lease).lease();
        jobs.rescueOrphans(b, 5);
        ClaimedJob runOfB = jobs.claim(b, lease, 1, 5, 1000).get(0);
        assertThat(runOfB.claimToken()).isNotEqualTo(runOfA.claimToken());
        assertThat(store.write(id, runOfB.claimToken(), 20, "b started")).isTrue();

        // node-a wakes up: its progress, through the writer as a handler reports it, and its completion with a result.
        try (ProgressWriter writer = new ProgressWriter(store)) {
            writer.sinkFor(runOfA).report(99, "a thinks it is nearly done");
            Poll.until(WAIT, "the late report to be tried", () -> writer.fencedOff.get() == 1);
            assertThat(writer.written.get()).isZero();
        }
        assertThat(store.write(id, runOfA.claimToken(), 99, "late")).isFalse();
        assertThat(jobs.markDone(List.of(runOfA.withResult("a's late result")))).extracting(ClaimedJob::id).containsExactly(id);
        assertThat(row(id)).containsEntry("status", "running").containsEntry("progress_note", "b started").containsEntry("result", null)
                .containsEntry("claimed_by", "node-b");
        assertThat(progress(id)).isEqualTo(20);

        // node-b's own completion lands, with its result.
        assertThat(jobs.markDone(List.of(runOfB.withResult("b's result")))).isEmpty();
        assertThat(row(id)).containsEntry("status", "done").containsEntry("result", "b's result");
    }
}
