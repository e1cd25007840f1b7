package dev.quarry.internal.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.testing.NodeProcess;
import dev.quarry.testing.Poll;
import dev.quarry.testing.RunChecks;
import dev.quarry.testing.TestConfig;
import dev.quarry.testing.TestDatabase;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guarantees at the settings Quarry ships: lease.duration 30 s, Quartz's check-in every 7.5 s
 * (failover after about 15 s), the default poll interval. Real node JVMs, real signals. Every
 * handler run is noted with its start and end (test_runs), every lease take-over with its time
 * (test_leases), every status change (test_transitions), all in database time.
 */
class ShippedTimingsTest {
    private static final Duration LONG = Duration.ofSeconds(180);
    /** Stall lengths in seconds: under Quartz's failover, between it and the lease, and past the lease. */
    private static final int[] STALLS = {5, 12, 18, 22, 28, 40};

    @TempDir
    Path work;
    private TestDatabase db;
    private final List<NodeProcess> nodes = new ArrayList<>();
    /** Per node name, the windows (database time) during which it was frozen by SIGSTOP. */
    private final Map<String, List<Timestamp[]>> frozen = new HashMap<>();

    @AfterEach
    void stopEverything(org.junit.jupiter.api.TestInfo test) {
        nodes.forEach(NodeProcess::close);
        nodes.forEach(n -> n.keepOutput(test.getTestMethod().orElseThrow().getName()));
        if (db != null) db.close();
    }

    private NodeProcess start(String name, Path config, Map<String, String> env) {
        NodeProcess n = NodeProcess.start(name, db, config, work, env);
        nodes.add(n);
        return n;
    }

    private long count(String sql, Object... params) {
        return db.count(sql, params);
    }

    private String holder() {
        List<Map<String, Object>> rows = db.query("SELECT holder FROM quarry_leases WHERE queue = 'default' AND holder IS NOT NULL"
                + " AND expires_at > NOW(6)");
        return rows.isEmpty() ? null : (String) rows.get(0).get("holder");
    }

    private Timestamp now() {
        return (Timestamp) db.query("SELECT NOW(6) AS t").get(0).get("t");
    }

    private List<Map<String, Object>> runsStartedWithoutTheLease() {
        return RunChecks.runsStartedWithoutTheLease(db);
    }

    /** Pairs of runs of one job on two nodes at once, the frozen windows left out; see {@link RunChecks#overlappingRuns}. */
    private List<String> overlappingRuns() {
        return RunChecks.overlappingRuns(db, frozen);
    }

    private long finalizedTwice() {
        return RunChecks.finalizedTwice(db);
    }

    private NodeProcess byInstance(Map<String, NodeProcess> ids, String instance) {
        NodeProcess n = ids.get(instance);
        assertThat(n).as("a node holds instance id " + instance).isNotNull();
        return n;
    }

    /**
     * Stalls across the range a user can hit: shorter than Quartz's failover (5, 12 s), between it
     * and the lease's expiry (18, 22 s: Quartz declares the node dead, the lease still holds), and
     * past the lease (28, 40 s: a peer takes the queue over). After each, the cluster must drain
     * again, and over the whole run no job may start on a node that had lost the lease, nor run
     * on two nodes at once.
     */
    @Test
    void after_a_stall_of_any_length_the_resumed_node_starts_no_job_a_peer_may_own() throws Exception {
        db = TestDatabase.create("stalls").withTransitionAudit().withRunLog().withLeaseAudit();
        // The queue's check fires every 5 s instead of every minute: once Quartz has recovered a node
        // (the first long stall), a later stall of that node is noticed at the next fire, not by a
        // recovery run, and a minute's cron would leave it to chance whether that falls in the stall.
        Path config = TestConfig.writeShipped(work.resolve("config"), """
                queues = default
                queue.default.cron = 0/5 * * * * ?
                queue.default.workers = 4
                handler.record.class = dev.quarry.testing.RecordingHandler
                retry.backoff.base = 100ms
                """);
        Map<String, String> env = Map.of("QUARRY_TEST_JOB_MILLIS", "25");
        Map<String, NodeProcess> byId = new HashMap<>();
        for (String name : List.of("n1", "n2")) {
            NodeProcess n = start(name, config, env);
            byId.put(n.instanceId(LONG), n);
        }
        // A steady producer keeps the queue from running dry: 40 jobs a second, well under what the drain does,
        // so the backlog a stall leaves is gone soon after it.
        ScheduledExecutorService producer = Executors.newSingleThreadScheduledExecutor();
        producer.scheduleAtFixedRate(() -> db.insertJobs(4, "default", "record"), 0, 100, TimeUnit.MILLISECONDS);
        List<String> takeOvers = new ArrayList<>();
        try {
            Poll.until(LONG, "a drain under way", () -> holder() != null && count("SELECT COUNT(*) FROM test_runs") > 200);
            for (int stall : STALLS) {
                String held = holder();
                assertThat(held).as("a live lease before the %d s stall", stall).isNotNull();
                NodeProcess victim = byInstance(byId, held);
                long epochBefore = count("SELECT epoch FROM quarry_leases WHERE queue = 'default'");
                Timestamp from = now();
                victim.signal("STOP");
                long t0 = System.nanoTime();
                Poll.until(Duration.ofSeconds(stall + 10), "a stall of " + stall + " s", () -> System.nanoTime() - t0 >= stall * 1_000_000_000L);
                victim.signal("CONT");
                frozen.computeIfAbsent(victim.name(), k -> new ArrayList<>()).add(new Timestamp[] {from, now()});
                long epochAfter = count("SELECT epoch FROM quarry_leases WHERE queue = 'default'");
                takeOvers.add(stall + "s:" + (epochAfter > epochBefore ? "taken over" : "kept"));
                if (stall <= 12) assertThat(epochAfter).as("a %d s stall is shorter than Quartz's failover", stall).isEqualTo(epochBefore);
                // A busy drain renews with every claim, so its lease expires a full 30 s after the freeze began.
                if (stall > 30) assertThat(epochAfter).as("a %d s stall outlives the lease", stall).isGreaterThan(epochBefore);
                long doneNow = count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'done'");
                Poll.until(LONG, "draining again after the " + stall + " s stall",
                        () -> holder() != null && count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'done'") > doneNow + 200,
                        () -> db.query("SELECT * FROM quarry_leases").toString());
                assertThat(runsStartedWithoutTheLease()).as("runs started without the lease, after the %d s stall", stall).isEmpty();
                if (epochAfter > epochBefore) {
                    Poll.until(LONG, "the resumed node to notice it lost the queue",
                            () -> victim.output().contains("was lost: another node took the drain over"), victim::tail);
                }
            }
        } finally {
            producer.shutdownNow();
            producer.awaitTermination(10, TimeUnit.SECONDS);
        }
        long inserted = count("SELECT COUNT(*) FROM quarry_jobs");
        Poll.until(LONG, "every job done", () -> count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'done'") == inserted,
                () -> db.statusCounts().toString());

        assertThat(runsStartedWithoutTheLease()).as("runs started by a node that had lost the lease").isEmpty();
        assertThat(overlappingRuns()).as("runs of one job on two nodes at once (%s)", takeOvers).isEmpty();
        assertThat(finalizedTwice()).isZero();
        // Only jobs that were running when their node froze past its start gate (90% of the 30 s lease,
        // 27 s: the stalls of 28 and 40 s) may run twice, one after the other: the resumed node stops
        // them and gives them back, or a peer that took the lease over runs them again. 4 workers each time.
        long twice = count("SELECT COUNT(*) FROM (SELECT job_id FROM test_runs GROUP BY job_id HAVING COUNT(*) > 1) d");
        long pastTheGate = java.util.stream.IntStream.of(STALLS).filter(s -> s > 27).count();
        assertThat(twice).as("jobs run twice (%s)", takeOvers).isLessThanOrEqualTo(4L * pastTheGate);
        assertThat(nodes).allMatch(NodeProcess::alive);
    }

    /**
     * max_attempts = 1 and kill -9 of the draining node: an attempt counts only for a job whose
     * handler started, so every job that ends dead is one the killed node had started, and every
     * other job runs once on the survivor.
     */
    @Test
    void with_one_attempt_each_and_a_node_killed_every_dead_job_is_one_the_killed_node_had_started() {
        db = TestDatabase.create("oneattempt").withTransitionAudit().withRunLog().withLeaseAudit();
        Path config = TestConfig.writeShipped(work.resolve("config"), """
                queues = default
                queue.default.workers = 4
                handler.record.class = dev.quarry.testing.RecordingHandler
                retry.max-attempts = 1
                """);
        db.insertJobs(400, "default", "record");
        Map<String, String> env = Map.of("QUARRY_TEST_JOB_MILLIS", "200");
        Map<String, NodeProcess> byId = new HashMap<>();
        for (String name : List.of("n1", "n2")) {
            NodeProcess n = start(name, config, env);
            byId.put(n.instanceId(LONG), n);
        }
        Poll.until(LONG, "a drain under way", () -> holder() != null && count("SELECT COUNT(*) FROM test_runs") > 40);
        String victimId = holder();
        NodeProcess victim = byInstance(byId, victimId);
        Timestamp killedAt = now();
        victim.signal("KILL");
        victim.awaitExit(Duration.ofSeconds(10));

        Poll.until(LONG, "every job finished", () -> count("SELECT COUNT(*) FROM quarry_jobs WHERE status IN ('done', 'dead')") == 400,
                () -> db.statusCounts().toString());
        long dead = count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'dead'");
        assertThat(dead).as("jobs the killed node was running").isBetween(1L, 4L);
        // A claim is a start: the killed node handed each job it claimed to a worker at once. A dead job
        // whose run it had not yet noted (the handler notes it in the database, which takes a moment)
        // was claimed in the instant before the kill, never seconds before: no job waits claimed.
        assertThat(count("SELECT COUNT(*) FROM quarry_jobs j WHERE j.status = 'dead' AND NOT EXISTS"
                + " (SELECT 1 FROM test_runs r WHERE r.job_id = j.id AND r.node = ?) AND j.started_at < ? - INTERVAL 1 SECOND",
                victim.name(), killedAt))
                .as("dead jobs the killed node had claimed more than a second before its death and never started").isZero();
        assertThat(count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'dead' AND last_error LIKE CONCAT('orphaned: node ', ?, '%')",
                victimId)).isEqualTo(dead);
        assertThat(count("SELECT COUNT(*) FROM (SELECT job_id FROM test_runs GROUP BY job_id HAVING COUNT(*) > 1) d"))
                .as("with one attempt, no job runs twice").isZero();
        assertThat(count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'done' AND attempts <> 1")).isZero();
        assertThat(runsStartedWithoutTheLease()).isEmpty();
    }

    /**
     * Jobs of 2 to 8 s on 4 workers, with the queue's cron firing every 5 s: Quartz's fires find
     * the drain running and change nothing, so the workers never idle at a drain boundary and the
     * set finishes within 1.2 x its ideal makespan (list scheduling in claim order, no overhead).
     */
    @Test
    void long_jobs_keep_every_worker_busy_across_the_queues_fires() {
        db = TestDatabase.create("makespan").withRunLog();
        Path config = TestConfig.writeShipped(work.resolve("config"), """
                queues = default
                queue.default.workers = 4
                queue.default.cron = 0/5 * * * * ?
                handler.record.class = dev.quarry.testing.RecordingHandler
                """);
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < 24; i++) millis.add(2000L + (i * 2609L) % 6001); // 2 to 8 s, mixed, 24 jobs
        start("n1", config, Map.of()).instanceId(LONG);
        // insert them all before the first claim
        db.exec("INSERT INTO quarry_leases (queue, paused) VALUES ('default', 1) ON DUPLICATE KEY UPDATE paused = 1");
        for (long ms : millis) db.insert("INSERT INTO quarry_jobs (type, payload) VALUES ('record', ?)", "{\"sleep\":" + ms + "}");
        db.exec("UPDATE quarry_leases SET paused = 0");
        Poll.until(LONG, "every job done", () -> count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'done'") == 24,
                () -> db.statusCounts().toString());

        double ideal = listScheduleMakespan(millis, 4) / 1000.0;
        double actual = ((Number) db.query("SELECT TIMESTAMPDIFF(MICROSECOND, MIN(started_at), MAX(finished_at)) / 1e6 AS s"
                + " FROM quarry_jobs").get(0).get("s")).doubleValue();
        assertThat(actual).as("makespan in s against an ideal of %.1f s", ideal).isLessThanOrEqualTo(1.2 * ideal);
        assertThat(count("SELECT COUNT(*) FROM test_runs")).isEqualTo(24);
    }

    /** Each job, in order, goes to the worker that frees up first. */
    private static long listScheduleMakespan(List<Long> jobs, int workers) {
        long[] free = new long[workers];
        for (long j : jobs) {
            int w = 0;
            for (int i = 1; i < workers; i++) if (free[i] < free[w]) w = i;
            free[w] += j;
        }
        long max = 0;
        for (long f : free) max = Math.max(max, f);
        return max;
    }

    private static final Path LIBFAKETIME = Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1");

    /**
     * A node whose wall clock runs 20 s ahead joins a busy, healthy one. Its Quartz reads the
     * peer's check-ins as 20 s old, declares it dead and fires its drain; the lease, which only
     * database time can expire, keeps the healthy node draining: no take-over, no interrupted
     * handler, no job run twice.
     */
    @Test
    void a_node_whose_clock_runs_twenty_seconds_ahead_never_takes_a_healthy_peers_queue() {
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isReadable(LIBFAKETIME),
                "needs libfaketime (Debian package faketime) to give a node a skewed clock");
        db = TestDatabase.create("skew").withTransitionAudit().withRunLog().withLeaseAudit();
        Path config = TestConfig.writeShipped(work.resolve("config"), """
                queues = default
                queue.default.workers = 4
                handler.record.class = dev.quarry.testing.RecordingHandler
                """);
        Map<String, String> env = Map.of("QUARRY_TEST_JOB_MILLIS", "25");
        NodeProcess healthy = start("n1", config, env);
        String healthyId = healthy.instanceId(LONG);
        ScheduledExecutorService producer = Executors.newSingleThreadScheduledExecutor();
        producer.scheduleAtFixedRate(() -> db.insertJobs(10, "default", "record"), 0, 100, TimeUnit.MILLISECONDS);
        try {
            Poll.until(LONG, "the healthy node draining", () -> healthyId.equals(holder()) && count("SELECT COUNT(*) FROM test_runs") > 100);
            Map<String, String> skewed = new HashMap<>(env);
            skewed.put("LD_PRELOAD", LIBFAKETIME.toString());
            skewed.put("FAKETIME", "+20s");
            skewed.put("FAKETIME_DONT_FAKE_MONOTONIC", "1"); // the wall clock only, as with a badly set host clock
            NodeProcess ahead = start("n2", config, skewed);
            ahead.instanceId(LONG);
            // Quartz on the skewed node declares the healthy one dead at each of its check-ins (the healthy node
            // says it was recovered by another), and the drain that recovery fires there is refused the lease. Whether
            // the refusal finds the healthy node's check-in row deleted or already written back is a matter of
            // phase, so the refusal's own note on it is not what this waits for.
            Poll.until(LONG, "the skewed node to declare the healthy one dead and be refused its queue",
                    () -> healthy.output().contains("is still active but was recovered by another instance")
                            && ahead.output().contains("drain default aborted: a prior drain is still running on node " + healthyId),
                    () -> ahead.tail() + "\n--- healthy:\n" + healthy.tail());
        } finally {
            producer.shutdownNow();
        }
        long inserted = count("SELECT COUNT(*) FROM quarry_jobs");
        Poll.until(LONG, "every job done", () -> count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'done'") == inserted,
                () -> db.statusCounts().toString());
        assertThat(db.query("SELECT holder FROM test_leases")).as("lease take-overs").allSatisfy(r -> assertThat(r.get("holder")).isEqualTo(healthyId));
        assertThat(count("SELECT COUNT(*) FROM test_runs WHERE node = 'n2'")).as("runs on the skewed node").isZero();
        assertThat(count("SELECT COUNT(*) FROM (SELECT job_id FROM test_runs GROUP BY job_id HAVING COUNT(*) > 1) d")).isZero();
        assertThat(healthy.output()).doesNotContain("interrupting").doesNotContain("was lost");
        assertThat(runsStartedWithoutTheLease()).isEmpty();
    }
}
