package dev.quarry.internal.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.internal.queue.Transactions;
import dev.quarry.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One job per fire and per file, however often the fire runs, and after its first job has finished too. */
class FireEnqueuerTest {
    private static TestDatabase db;
    private static FireEnqueuer fires;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("fires");
        fires = new FireEnqueuer(new Transactions(db.dataSource()));
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    /** Each test starts from the same two definitions and no jobs. */
    @BeforeEach
    void setUp() {
        for (String t : List.of("quarry_jobs", "quarry_fires", "quarry_schedules")) db.exec("DELETE FROM " + t);
        db.exec("INSERT INTO quarry_schedules (kind, name, spec, time_zone, type, payload, queue, priority, max_attempts)"
                + " VALUES ('schedule', 'report', '0 0 9 * * ?', 'Europe/Berlin', 'report', '{\"day\":\"${date}\",\"at\":\"${fireTime}\"}', 'reports', 3, 2)");
        db.exec("INSERT INTO quarry_schedules (kind, name, spec, type) VALUES ('watch', 'inbox', '/in every 10s', 'ingest')");
    }

    @Test
    void a_fire_run_again_enqueues_nothing_even_after_its_job_finished() {
        Instant at = Instant.parse("2026-03-29T07:00:00Z");
        FireEnqueuer.Result first = fires.schedule("report", at).orElseThrow();
        assertThat(first.repeated()).isFalse();
        var job = db.job(first.jobId());
        assertThat(job).containsEntry("queue", "reports").containsEntry("type", "report").containsEntry("priority", 3).containsEntry("max_attempts", 2)
                .containsEntry("payload", "{\"day\":\"2026-03-29\",\"at\":\"2026-03-29T07:00:00Z\"}")
                .containsEntry("unique_key", "schedule:report@2026-03-29T07:00:00Z");

        assertThat(fires.schedule("report", at)).contains(new FireEnqueuer.Result(first.jobId(), true, "reports"));
        // Done: the unique key is free again, the fire record is not.
        db.exec("UPDATE quarry_jobs SET status = 'done', finished_at = NOW(6) WHERE id = ?", first.jobId());
        assertThat(fires.schedule("report", at)).contains(new FireEnqueuer.Result(first.jobId(), true, "reports"));
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs")).isEqualTo(1);

        FireEnqueuer.Result next = fires.schedule("report", at.plus(Duration.ofDays(1))).orElseThrow();
        assertThat(next.jobId()).isNotEqualTo(first.jobId());
        assertThat(db.query("SELECT last_fire_at, last_job_id FROM quarry_schedules WHERE name = 'report'").get(0))
                .containsEntry("last_job_id", java.math.BigInteger.valueOf(next.jobId()));
    }

    /**
     * Quartz recovers a fire whose node died mid-way through a trigger of its own, fired now, with
     * the original scheduled time in its data: the schedule job takes that time, so the recovered
     * run is the same fire and enqueues nothing more.
     */
    @Test
    void a_fire_quartz_recovers_after_a_node_died_is_the_same_fire() throws Exception {
        Instant scheduled = Instant.parse("2026-06-01T07:00:00Z");
        org.quartz.JobDetail detail = org.quartz.JobBuilder.newJob(ScheduleJob.class).withIdentity("report", "quarry-schedule").build();
        new ScheduleJob(fires).execute(context(detail, scheduled, false, new org.quartz.JobDataMap()));
        org.quartz.JobDataMap recovery = new org.quartz.JobDataMap();
        recovery.put(org.quartz.Scheduler.FAILED_JOB_ORIGINAL_TRIGGER_SCHEDULED_FIRETIME_IN_MILLISECONDS, Long.toString(scheduled.toEpochMilli()));
        new ScheduleJob(fires).execute(context(detail, scheduled.plusSeconds(20), true, recovery));
        assertThat(db.query("SELECT unique_key FROM quarry_jobs")).extracting(r -> r.get("unique_key"))
                .containsExactly("schedule:report@2026-06-01T07:00:00Z");
    }

    private static org.quartz.JobExecutionContext context(org.quartz.JobDetail detail, Instant scheduled, boolean recovering,
                                                          org.quartz.JobDataMap triggerData) {
        org.quartz.spi.OperableTrigger trigger = (org.quartz.spi.OperableTrigger) org.quartz.TriggerBuilder.newTrigger()
                .withIdentity(recovering ? "recover_node-x_1" : "report").forJob(detail).usingJobData(triggerData).build();
        java.util.Date at = java.util.Date.from(scheduled);
        org.quartz.spi.TriggerFiredBundle bundle = new org.quartz.spi.TriggerFiredBundle(detail, trigger, null, recovering, new java.util.Date(), at,
                null, null);
        return new org.quartz.impl.JobExecutionContextImpl(null, bundle, null);
    }

    @Test
    void the_same_fire_on_eight_threads_at_once_enqueues_one_job() throws Exception {
        Instant at = Instant.parse("2026-05-01T00:00:00.250Z");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Optional<FireEnqueuer.Result>>> results = new ArrayList<>();
        for (int i = 0; i < 8; i++) results.add(pool.submit(() -> {
            go.await();
            return fires.schedule("report", at);
        }));
        go.countDown();
        long fresh = 0;
        for (Future<Optional<FireEnqueuer.Result>> f : results) fresh += f.get().orElseThrow().repeated() ? 0 : 1;
        pool.shutdown();
        assertThat(fresh).isEqualTo(1);
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs")).isEqualTo(1);
    }

    @Test
    void a_paused_schedule_enqueues_nothing_but_a_run_now_does() {
        db.exec("UPDATE quarry_schedules SET paused = 1 WHERE name = 'report'");
        assertThat(fires.schedule("report", Instant.parse("2026-03-29T07:00:00Z"))).isEmpty();
        assertThat(fires.schedule("gone", Instant.parse("2026-03-29T07:00:00Z"))).isEmpty();
        FireEnqueuer.Result run = fires.runNow("report").orElseThrow();
        FireEnqueuer.Result again = fires.runNow("report").orElseThrow();
        assertThat(again.jobId()).isNotEqualTo(run.jobId());
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs")).isEqualTo(2);
    }

    @Test
    void a_file_is_one_job_per_modification_time_and_old_fire_records_are_pruned() {
        long mtime = 1_780_000_000_123L;
        FireEnqueuer.Result a = fires.file("inbox", "/in/a.mp4", mtime, 42).orElseThrow();
        assertThat(db.job(a.jobId()).get("payload")).isEqualTo("{\"file\":\"/in/a.mp4\",\"size\":42,\"modified\":\"2026-05-28T20:26:40.123Z\",\"watch\":\"inbox\"}");
        db.exec("UPDATE quarry_jobs SET status = 'done', finished_at = NOW(6)");
        assertThat(fires.file("inbox", "/in/a.mp4", mtime, 42).orElseThrow().repeated()).isTrue();
        assertThat(fires.file("inbox", "/in/a.mp4", mtime + 1000, 50).orElseThrow().repeated()).isFalse();
        String longPath = "/in/" + "x".repeat(400);
        FireEnqueuer.Result big = fires.file("inbox", longPath, mtime, 1).orElseThrow();
        assertThat((String) db.job(big.jobId()).get("unique_key")).startsWith("sha256:").hasSize(71);
        assertThat(fires.file("inbox", longPath, mtime, 1).orElseThrow().repeated()).isTrue();
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs")).isEqualTo(3);

        db.exec("UPDATE quarry_fires SET fired_at = NOW(6) - INTERVAL 2 DAY WHERE fire_key LIKE '/in/a.mp4@%'");
        assertThat(fires.prune(Duration.ofDays(1))).isEqualTo(2);
        assertThat(db.count("SELECT COUNT(*) FROM quarry_fires")).isEqualTo(1);
    }
}
