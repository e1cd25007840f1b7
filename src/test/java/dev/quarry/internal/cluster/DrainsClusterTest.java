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
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One queue with several drains (queue.Q.drains), spread over real node JVMs: each drain fenced by
 * its own lease, the queue's concurrency capped at drains x workers cluster-wide, a dead or frozen
 * node's drain taken over while the others keep claiming, and the number of drains changed by a
 * rolling restart.
 */
class DrainsClusterTest {
    private static final Duration LONG = Duration.ofSeconds(180);

    @TempDir
    Path work;
    private TestDatabase db;
    private final List<NodeProcess> nodes = new ArrayList<>();
    private final Map<String, NodeProcess> byId = new HashMap<>();
    /** Per node name, when it could run nothing: frozen by SIGSTOP, or killed (from then on). */
    private final Map<String, List<Timestamp[]>> down = new HashMap<>();

    @AfterEach
    void stopEverything(org.junit.jupiter.api.TestInfo test) {
        nodes.forEach(NodeProcess::close);
        nodes.forEach(n -> n.keepOutput(test.getTestMethod().orElseThrow().getName()));
        if (db != null) db.close();
    }

    private NodeProcess start(String name, Path config, Map<String, String> env) {
        NodeProcess n = NodeProcess.start(name, db, config, work, env);
        nodes.add(n);
        byId.put(n.instanceId(LONG), n);
        return n;
    }

    private long count(String sql, Object... params) {
        return db.count(sql, params);
    }

    /** Drain number to the instance id holding its live lease (drains with no live lease left out). */
    private Map<Integer, String> holders() {
        Map<Integer, String> out = new TreeMap<>();
        for (Map<String, Object> r : db.query("SELECT drain, holder FROM quarry_leases WHERE queue = 'default' AND holder IS NOT NULL"
                + " AND expires_at > NOW(6)")) {
            out.put(((Number) r.get("drain")).intValue(), (String) r.get("holder"));
        }
        return out;
    }

    private long epoch(int drain) {
        return count("SELECT epoch FROM quarry_leases WHERE queue = 'default' AND drain = ?", drain);
    }

    private Timestamp now() {
        return (Timestamp) db.query("SELECT NOW(6) AS t").get(0).get("t");
    }

    /** Most runs of the queue that were under way at one moment (at some run's start). */
    private long mostAtOnce() {
        return count("SELECT COALESCE(MAX(n), 0) FROM (SELECT (SELECT COUNT(*) FROM test_runs b WHERE b.at <= a.at"
                + " AND COALESCE(b.ended_at, NOW(6)) > a.at) AS n FROM test_runs a) t");
    }

    /**
     * Seconds in [from, to) in which no run started on a node other than {@code except}: the
     * other drains kept claiming, or they did not.
     */
    private List<Long> idleSeconds(Timestamp from, Timestamp to, String except) {
        List<Long> idle = new ArrayList<>();
        long seconds = (to.getTime() - from.getTime()) / 1000;
        for (long s = 0; s < seconds; s++) {
            long runs = count("SELECT COUNT(*) FROM test_runs WHERE node <> ? AND at >= ? + INTERVAL ? SECOND"
                    + " AND at < ? + INTERVAL ? SECOND", except, from, s, from, s + 1);
            if (runs == 0) idle.add(s);
        }
        return idle;
    }

    /**
     * At the shipped settings (lease 30 s, Quartz's failover about 15 s, drains-per-node 1): three
     * drains of a queue on three nodes, one each; a node killed with kill -9, then another frozen
     * with SIGSTOP for 12, 22 and 40 s. Through all of it the other drains never stop claiming; a
     * drain is taken only once its lease has expired (the killed node's, the 40 s stall's) and its
     * jobs rescued, though no live node has room to run it; no job runs on two nodes at once; the
     * queue never runs more than 3 x 4 jobs at a time; and the resumed node holds a drain again.
     */
    @Test
    void three_drains_on_three_nodes_keep_claiming_through_a_kill_and_stalls_of_any_length() throws Exception {
        db = TestDatabase.create("drains").withTransitionAudit().withRunLog().withLeaseAudit();
        Path config = TestConfig.writeShipped(work.resolve("config"), """
                queues = default
                queue.default.drains = 3
                queue.default.workers = 4
                handler.record.class = dev.quarry.testing.RecordingHandler
                retry.backoff.base = 100ms
                """);
        Map<String, String> env = Map.of("QUARRY_TEST_JOB_MILLIS", "100");
        for (String name : List.of("n1", "n2", "n3")) start(name, config, env);
        // 60 jobs a second against 120 a second of capacity (12 workers, 0.1 s jobs): two drains alone keep up.
        ScheduledExecutorService producer = Executors.newSingleThreadScheduledExecutor();
        producer.scheduleAtFixedRate(() -> db.insertJobs(6, "default", "record"), 0, 100, TimeUnit.MILLISECONDS);
        try {
            Poll.until(LONG, "one drain on each node", () -> {
                Map<Integer, String> h = holders();
                return h.size() == 3 && new java.util.HashSet<>(h.values()).size() == 3;
            }, () -> holders().toString());

            // kill -9 the holder of drain 2
            String killedId = holders().get(2);
            NodeProcess killed = byId.get(killedId);
            long epochBefore = epoch(2);
            Timestamp killedAt = now();
            killed.signal("KILL");
            killed.awaitExit(Duration.ofSeconds(10));
            down.put(killed.name(), List.<Timestamp[]>of(new Timestamp[] {killedAt, Timestamp.valueOf("2999-01-01 00:00:00")}));
            // The survivors hold one drain each, their drains-per-node: drain 2 waits, but its lease is taken
            // once expired and the jobs the killed node was running go back to ready.
            Poll.until(LONG, "drain 2's lease taken after its expiry and its jobs rescued", () -> epoch(2) > epochBefore
                    && count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'running' AND drain = 2") == 0, () -> holders().toString());
            Timestamp rescuedAt = now();
            assertTakenSoonAfterExpiry(2, killedId);
            assertThat(idleSeconds(killedAt, rescuedAt, killed.name())).as("seconds in which the live drains claimed nothing").isEmpty();
            assertThat(perNode(holders())).as("no survivor holds more than its one drain of the queue").allSatisfy((n, d) -> assertThat(d).isEqualTo(1L));

            // SIGSTOP of one of the two survivors, across the range: between Quartz's failover and
            // the lease (22 s: Quartz recovers the drain's fire elsewhere, the lease holds), past the
            // lease (40 s: the drain is taken, its jobs rescued), and shorter than Quartz's failover
            // (12 s). The 22 s stall goes first on purpose: Quartz's recovery has then used up the
            // fire it recorded for the frozen node's drain, so in the 40 s stall that follows Quartz
            // has nothing left to recover, and only the nodes' look for expired leases of holders that
            // stopped checking in can take the drain over (before it, the drain's next cron fire, up
            // to a minute later, did).
            Map<String, List<Timestamp[]>> frozenWindows = new HashMap<>();
            for (int stall : new int[] {22, 40, 12}) {
                Map<Integer, String> held = holders();
                String frozenId = held.values().iterator().next();
                NodeProcess frozen = byId.get(frozenId);
                int frozenDrain = held.entrySet().stream().filter(e -> e.getValue().equals(frozenId)).findFirst().orElseThrow().getKey();
                long frozenEpoch = epoch(frozenDrain);
                Timestamp frozenAt = now();
                frozen.signal("STOP");
                long t0 = System.nanoTime();
                Poll.until(Duration.ofSeconds(stall + 20), "a " + stall + " s stall", () -> System.nanoTime() - t0 >= TimeUnit.SECONDS.toNanos(stall));
                Timestamp thawedAt = now();
                frozen.signal("CONT");
                frozenWindows.computeIfAbsent(frozen.name(), k -> new ArrayList<>()).add(new Timestamp[] {frozenAt, now()});
                assertThat(idleSeconds(frozenAt, thawedAt, frozen.name())).as("seconds of the %d s stall in which the live drains claimed"
                        + " nothing", stall).isEmpty();
                if (stall < 30) {
                    assertThat(epoch(frozenDrain)).as("a %d s stall is within the 30 s lease: drain %d kept", stall, frozenDrain).isEqualTo(frozenEpoch);
                } else {
                    assertThat(epoch(frozenDrain)).as("a %d s stall outlives the 30 s lease: drain %d taken", stall, frozenDrain).isGreaterThan(frozenEpoch);
                    assertTakenSoonAfterExpiry(frozenDrain, frozenId);
                    Poll.until(LONG, "the resumed node to notice it lost its drain",
                            () -> frozen.output().contains("was lost: another node took the drain over"), frozen::tail);
                }
                // The resumed node holds a drain again (kept, or taken back at the drain's next fire).
                Poll.until(LONG, "both live nodes holding a drain again", () -> perNode(holders()).size() == 2, () -> holders().toString());
            }
            frozenWindows.forEach(down::put);
        } finally {
            producer.shutdownNow();
            producer.awaitTermination(10, TimeUnit.SECONDS);
        }
        long inserted = count("SELECT COUNT(*) FROM quarry_jobs");
        Poll.until(LONG, "every job done", () -> count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'done'") == inserted,
                () -> db.statusCounts().toString());

        assertThat(RunChecks.runsStartedWithoutTheLease(db)).as("runs started by a node that had lost its drain's lease").isEmpty();
        assertThat(RunChecks.overlappingRuns(db, down))
                .as("runs of one job on two nodes at once").isEmpty();
        assertThat(RunChecks.finalizedTwice(db)).isZero();
        // Only jobs running on the killed node, or on a node frozen past its start gate (27 s: the 40 s
        // stall), may have run twice: at most its 4 workers' each time.
        assertThat(count("SELECT COUNT(*) FROM (SELECT job_id FROM test_runs GROUP BY job_id HAVING COUNT(*) > 1) d")).isLessThanOrEqualTo(8);
        assertThat(mostAtOnce()).as("the queue's global concurrency limit, drains x workers").isLessThanOrEqualTo(12);
    }

    /**
     * The drain's lease was taken from {@code holder} within 5 s of its expiry (README: every node
     * looks every tenth of the 30 s lease, then the fire starts on a Quartz thread).
     */
    private void assertTakenSoonAfterExpiry(int drain, String holder) {
        List<Map<String, Object>> takes = db.query("SELECT TIMESTAMPDIFF(MICROSECOND, previous_expires_at, at) / 1e6 AS late_s FROM test_leases"
                + " WHERE queue = 'default' AND drain = ? AND previous_holder = ? ORDER BY seq DESC LIMIT 1", drain, holder);
        assertThat(takes).as("a take-over of drain %d from %s", drain, holder).hasSize(1);
        double lateSeconds = ((Number) takes.get(0).get("late_s")).doubleValue();
        System.out.printf("drain %d taken from %s %.3f s after its lease expired%n", drain, holder, lateSeconds);
        assertThat(lateSeconds).as("seconds from drain %d's lease expiry to its take-over", drain).isBetween(0.0, 5.0);
    }

    private static String fastConfig(int drains) {
        // Quartz's failover here is 1 s + 7.5 s; the lease is twice that, as 30 s is twice the shipped 15 s.
        return """
                queues = default
                queue.default.drains = %d
                queue.default.workers = 4
                queue.default.cron = 0/10 * * * * ?
                handler.record.class = dev.quarry.testing.RecordingHandler
                lease.duration = 17s
                drain.poll-interval = 200ms
                shutdown.grace = 2s
                """.formatted(drains);
    }

    /**
     * The number of drains changed by a rolling restart, one node at a time, while producers
     * insert: 1 to 3, then 3 to 2. Every job runs exactly once; after the second round drain 3 is
     * retired (its Quartz job removed, its lease row unheld and shown as no live node's).
     */
    @Test
    void a_rolling_restart_adds_and_removes_drains_without_losing_or_doubling_a_job() throws Exception {
        db = TestDatabase.create("drains_rolling").withTransitionAudit().withRunLog().withLeaseAudit();
        Path one = TestConfig.write(work.resolve("one"), fastConfig(1));
        Path three = TestConfig.write(work.resolve("three"), fastConfig(3));
        Path two = TestConfig.write(work.resolve("two"), fastConfig(2));
        Map<String, String> env = Map.of("QUARRY_TEST_JOB_MILLIS", "50");
        List<NodeProcess> live = new ArrayList<>();
        for (String name : List.of("a", "b", "c")) live.add(start(name, one, env));
        ScheduledExecutorService producer = Executors.newSingleThreadScheduledExecutor();
        producer.scheduleAtFixedRate(() -> db.insertJobs(3, "default", "record"), 0, 100, TimeUnit.MILLISECONDS);
        try {
            Poll.until(LONG, "drain 1 under way", () -> holders().containsKey(1) && count("SELECT COUNT(*) FROM test_runs") > 20);
            restartAll(live, three, "3", env);
            Poll.until(LONG, "three drains, one on each node", () -> holders().size() == 3 && perNode(holders()).size() == 3,
                    () -> holders().toString());
            restartAll(live, two, "2", env);
            Poll.until(LONG, "drain 3 retired", () -> count("SELECT COUNT(*) FROM QRTZ_JOB_DETAILS WHERE JOB_NAME = 'default#3'") == 0
                    && !holders().containsKey(3), () -> holders().toString());
            Poll.until(LONG, "two drains held", () -> holders().keySet().equals(java.util.Set.of(1, 2)), () -> holders().toString());
        } finally {
            producer.shutdownNow();
            producer.awaitTermination(10, TimeUnit.SECONDS);
        }
        long inserted = count("SELECT COUNT(*) FROM quarry_jobs");
        Poll.until(LONG, "every job done", () -> count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'done'") == inserted,
                () -> db.statusCounts().toString());
        assertThat(count("SELECT COUNT(*) FROM (SELECT job_id FROM test_runs GROUP BY job_id HAVING COUNT(*) > 1) d"))
                .as("jobs run twice: graceful stops finish or give back every job").isZero();
        assertThat(count("SELECT COUNT(*) FROM test_runs")).isEqualTo(inserted);
        assertThat(RunChecks.finalizedTwice(db)).isZero();
        assertThat(RunChecks.runsStartedWithoutTheLease(db)).isEmpty();
        assertThat(RunChecks.overlappingRuns(db, Map.of())).isEmpty();
        assertThat(count("SELECT COUNT(*) FROM quarry_leases WHERE queue = 'default' AND drain = 3 AND holder IS NULL"))
                .as("drain 3's row stays, unheld").isEqualTo(1);
    }

    /** Stops each node with SIGTERM and starts it again on {@code config}, one at a time, the next once the new one is up. */
    private void restartAll(List<NodeProcess> live, Path config, String suffix, Map<String, String> env) {
        for (int i = 0; i < live.size(); i++) {
            NodeProcess old = live.get(i);
            old.signal("TERM");
            assertThat(old.awaitExit(Duration.ofSeconds(30))).as("exit code of a graceful stop on SIGTERM").isEqualTo(143);
            live.set(i, start(old.name().replaceAll("-.*", "") + "-" + suffix, config, env));
        }
    }

    private static Map<String, Long> perNode(Map<Integer, String> holders) {
        Map<String, Long> out = new HashMap<>();
        holders.values().forEach(h -> out.merge(h, 1L, Long::sum));
        return out;
    }
}
