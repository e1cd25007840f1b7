package dev.quarry.internal.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.testing.NodeProcess;
import dev.quarry.testing.Poll;
import dev.quarry.testing.TcpProxy;
import dev.quarry.testing.TestHost;
import dev.quarry.testing.TestConfig;
import dev.quarry.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several node JVMs on one database, with real signals: the guarantees that only a cluster can
 * break. Every table change of quarry_jobs is audited by a trigger (test_transitions) and every
 * handler run is noted (test_runs), so "exactly once" and "never finalized twice" are counted,
 * not assumed.
 */
class ClusterTest {
    private static final int WORKERS = 4;
    private static final int BATCH = 50;
    private static final Duration LONG = Duration.ofSeconds(120);

    @TempDir
    Path work;
    private TestDatabase db;
    private final List<NodeProcess> nodes = new ArrayList<>();

    private static String config(String queues) {
        StringBuilder s = new StringBuilder("queues = " + queues + "\n");
        for (String q : queues.split(",")) {
            q = q.strip();
            s.append("queue.").append(q).append(".workers = ").append(WORKERS).append('\n');
            s.append("queue.").append(q).append(".batch-size = ").append(BATCH).append('\n');
            s.append("queue.").append(q).append(".cron = 0/10 * * * * ?\n");
        }
        // Quartz's failover here is 1 s + 7.5 s; the lease is twice that, as 30 s is twice the shipped 15 s.
        s.append("""
                handler.record.class = dev.quarry.testing.RecordingHandler
                lease.duration = 17s
                drain.poll-interval = 200ms
                shutdown.grace = 2s
                retry.backoff.base = 100ms
                """);
        return s.toString();
    }

    private NodeProcess start(String name, Path configDir, Map<String, String> env) {
        NodeProcess n = NodeProcess.start(name, db, configDir, work, env);
        nodes.add(n);
        return n;
    }

    @AfterEach
    void stopEverything(org.junit.jupiter.api.TestInfo test) {
        nodes.forEach(NodeProcess::close);
        nodes.forEach(n -> n.keepOutput(test.getTestMethod().orElseThrow().getName()));
        if (db != null) db.close();
    }

    private void insertJobs(int n, String... queues) {
        int each = n / queues.length;
        for (int i = 0; i < queues.length; i++) {
            db.insertJobs(i == queues.length - 1 ? n - each * (queues.length - 1) : each, queues[i], "record");
        }
    }

    private void awaitAllDone(int n, Duration timeout) {
        Poll.until(timeout, n + " jobs done", () -> db.count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'done'") == n,
                () -> db.statusCounts() + "\n" + nodes.get(nodes.size() - 1).tail());
    }

    private long runs() {
        return db.count("SELECT COUNT(*) FROM test_runs");
    }

    /** How many jobs were moved to a finished status more than once. */
    private long finalizedTwice() {
        return db.count("SELECT COUNT(*) FROM (SELECT job_id FROM test_transitions WHERE to_status IN ('done','dead','cancelled')"
                + " GROUP BY job_id HAVING COUNT(*) > 1) t");
    }

    /** Claims out of lease order: a claim under a lower epoch committed after one under a higher epoch. */
    private long claimsOutOfEpochOrder(String queue) {
        List<Map<String, Object>> claims = db.query("SELECT t.lease_epoch FROM test_transitions t JOIN quarry_jobs j ON j.id = t.job_id"
                + " WHERE t.to_status = 'running' AND j.queue = ? ORDER BY t.seq", queue);
        long highest = 0;
        long outOfOrder = 0;
        for (Map<String, Object> c : claims) {
            long epoch = ((Number) c.get("lease_epoch")).longValue();
            if (epoch < highest) outOfOrder++;
            highest = Math.max(highest, epoch);
        }
        return outOfOrder;
    }

    @Test
    void three_nodes_run_ten_thousand_jobs_each_exactly_once() {
        db = TestDatabase.create("cluster3").withTransitionAudit().withRunLog();
        insertJobs(10_000, "alpha", "beta", "gamma");
        Path config = TestConfig.write(work.resolve("config"), config("alpha, beta, gamma"));
        for (String name : List.of("n1", "n2", "n3")) start(name, config, Map.of());

        awaitAllDone(10_000, LONG);

        assertThat(runs()).isEqualTo(10_000);
        assertThat(db.count("SELECT COUNT(DISTINCT job_id) FROM test_runs")).isEqualTo(10_000);
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE attempts <> 1")).isZero();
        assertThat(finalizedTwice()).isZero();
        for (String q : List.of("alpha", "beta", "gamma")) assertThat(claimsOutOfEpochOrder(q)).as(q).isZero();
    }

    @Test
    void a_node_killed_mid_drain_loses_no_job_and_duplicates_stay_within_its_in_flight_jobs() {
        db = TestDatabase.create("kill9").withTransitionAudit().withRunLog();
        insertJobs(10_000, "alpha", "beta", "gamma");
        Path config = TestConfig.write(work.resolve("config"), config("alpha, beta, gamma"));
        Map<String, String> env = Map.of("QUARRY_TEST_JOB_MILLIS", "3");
        List<String> ids = new ArrayList<>();
        for (String name : List.of("n1", "n2", "n3")) ids.add(start(name, config, env).instanceId(LONG));

        Poll.until(LONG, "a node to hold a lease with work under way",
                () -> runs() > 1000 && !db.query("SELECT holder FROM quarry_leases WHERE holder IS NOT NULL AND expires_at > NOW(6)").isEmpty(),
                () -> db.statusCounts().toString());
        String victim = (String) db.query("SELECT holder FROM quarry_leases WHERE holder IS NOT NULL AND expires_at > NOW(6) LIMIT 1")
                .get(0).get("holder");
        NodeProcess victimNode = nodes.get(ids.indexOf(victim));
        long leasesHeld = db.count("SELECT COUNT(*) FROM quarry_leases WHERE holder = ?", victim);
        victimNode.signal("KILL");
        victimNode.awaitExit(Duration.ofSeconds(10));
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'done'")).as("killed before the end").isLessThan(10_000);

        awaitAllDone(10_000, LONG);

        long duplicates = runs() - db.count("SELECT COUNT(DISTINCT job_id) FROM test_runs");
        assertThat(duplicates).isLessThanOrEqualTo(leasesHeld * (WORKERS + BATCH));
        // every job that ran twice was one the dead node had claimed, and was rescued from it
        assertThat(db.count("SELECT COUNT(*) FROM (SELECT job_id FROM test_runs GROUP BY job_id HAVING COUNT(*) > 1) d"
                + " JOIN quarry_jobs j ON j.id = d.job_id WHERE j.last_error IS NULL OR j.last_error NOT LIKE CONCAT('orphaned: node ', ?, '%')",
                victim)).isZero();
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE status <> 'done'")).isZero();
        assertThat(finalizedTwice()).isZero();
        for (String q : List.of("alpha", "beta", "gamma")) assertThat(claimsOutOfEpochOrder(q)).as(q).isZero();
        assertThat(nodes.stream().filter(n -> n != victimNode).map(NodeProcess::output).anyMatch(o -> o.contains("orphaned by node " + victim)))
                .as("a survivor logged the rescue").isTrue();
    }

    @Test
    void sigterm_gives_running_jobs_the_grace_period_then_hands_them_back_to_ready() {
        db = TestDatabase.create("sigterm").withTransitionAudit().withRunLog();
        Path config = TestConfig.write(work.resolve("config"), config("default"));
        NodeProcess node = start("n1", config, Map.of());
        node.instanceId(LONG);
        long quick = db.insert("INSERT INTO quarry_jobs (type, payload) VALUES ('record', '{\"sleep\":0}')");
        List<Long> slow = new ArrayList<>();
        for (int i = 0; i < WORKERS + 2; i++) slow.add(db.insert("INSERT INTO quarry_jobs (type, payload) VALUES ('record', '{\"sleep\":600000}')"));
        Poll.until(LONG, "the slow jobs to run", () -> runs() >= WORKERS + 1, () -> db.statusCounts() + node.tail());

        long t0 = System.nanoTime();
        node.signal("TERM");
        int exit = node.awaitExit(Duration.ofSeconds(30));
        Duration took = Duration.ofNanos(System.nanoTime() - t0);

        assertThat(exit).as("exit code after SIGTERM").isIn(0, 143);
        assertThat(took).isLessThan(Duration.ofSeconds(2 + 15));
        assertThat(db.status(quick)).isEqualTo("done");
        for (long id : slow) {
            assertThat(db.job(id)).as("job " + id).containsEntry("status", "ready").containsEntry("attempts", 0);
        }
        assertThat(node.output()).contains("stopping: no new claims").contains("interrupting").doesNotContain("Exception in thread");
        assertThat(db.count("SELECT COUNT(*) FROM quarry_leases WHERE holder IS NOT NULL")).as("lease released").isZero();
        assertThat(db.count("SELECT COUNT(*) FROM QRTZ_SCHEDULER_STATE")).as("check-in row removed").isZero();
    }

    @Test
    void a_node_that_joins_while_a_backlog_waits_drains_it_at_once_not_at_the_next_fire() {
        db = TestDatabase.create("kick").withRunLog();
        db.insertJobs(200, "default", "record");
        // The drain's schedule fires once an hour, at minute 0: only the start-up kick can explain prompt work.
        Path config = TestConfig.write(work.resolve("config"), config("default").replace("0/10 * * * * ?", "0 0 * * * ?"));
        NodeProcess node = start("n1", config, Map.of());
        node.instanceId(LONG);
        long t0 = System.nanoTime();
        awaitAllDone(200, Duration.ofSeconds(30));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
        assertThat(runs()).isEqualTo(200);
    }

    @Test
    void a_job_longer_than_the_lease_and_the_check_in_grace_keeps_its_claim_on_a_healthy_node() {
        db = TestDatabase.create("longjob").withTransitionAudit().withRunLog();
        Path config = TestConfig.write(work.resolve("config"), config("default"));
        start("n1", config, Map.of()).instanceId(LONG);
        start("n2", config, Map.of()).instanceId(LONG);
        // 25 s: more than lease.duration (17 s), Quartz's failover (1 s + 7.5 s) and two cron periods (10 s)
        long id = db.insert("INSERT INTO quarry_jobs (type, payload) VALUES ('record', '{\"sleep\":25000}')");
        Poll.until(LONG, "the long job to finish", () -> "done".equals(db.status(id)), () -> db.job(id).toString());
        assertThat(db.job(id)).containsEntry("attempts", 1).containsEntry("last_error", null);
        assertThat(runs()).isEqualTo(1);
        assertThat(db.count("SELECT COUNT(*) FROM test_transitions WHERE job_id = ?", id)).as("ready→running→done only").isEqualTo(2);
    }

    @Test
    void nodes_ride_out_a_thirty_second_database_outage_and_lose_nothing() throws Exception {
        db = TestDatabase.create("outage").withTransitionAudit().withRunLog();
        db.insertJobs(3000, "default", "record");
        Path config = TestConfig.write(work.resolve("config"), config("default"));
        java.net.URI server = java.net.URI.create(TestDatabase.SERVER_URL.substring("jdbc:".length()));
        try (TcpProxy proxy = new TcpProxy(server.getHost(), server.getPort())) {
            Map<String, String> env = Map.of("QUARRY_DB_URL", proxy.url(db.name()), "QUARRY_TEST_JOB_MILLIS", "5");
            start("n1", config, env).instanceId(LONG);
            start("n2", config, env).instanceId(LONG);
            Poll.until(LONG, "work under way", () -> runs() > 300);
            proxy.cut();
            long t0 = System.nanoTime();
            Poll.until(Duration.ofSeconds(40), "the outage to last 30 s", () -> System.nanoTime() - t0 > 30_000_000_000L);
            long doneDuringOutage = db.count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'done'");
            assertThat(nodes).allMatch(NodeProcess::alive);
            proxy.heal();
            try {
                awaitAllDone(3000, LONG);
            } catch (AssertionError stuck) {
                // A job left running: each node's thread dump (SIGQUIT) goes to its kept output, to show where its run is.
                for (NodeProcess n : nodes) {
                    n.signal("QUIT");
                    Poll.until(Duration.ofSeconds(10), n.name() + "'s thread dump", () -> n.output().contains("Full thread dump"));
                }
                throw stuck;
            }
            assertThat(doneDuringOutage).isLessThan(3000);
        }
        assertThat(nodes).as("no node exits over an outage").allMatch(NodeProcess::alive);
        assertThat(finalizedTwice()).isZero();
        assertThat(claimsOutOfEpochOrder("default")).isZero();
        long duplicates = runs() - db.count("SELECT COUNT(DISTINCT job_id) FROM test_runs");
        assertThat(duplicates).isLessThanOrEqualTo(2L * (WORKERS + BATCH));
        assertThat(nodes.stream().map(NodeProcess::output).anyMatch(o -> o.contains("database trouble in drain default")))
                .as("a drain said it lost the database").isTrue();
    }

    @Test
    void producers_inserting_at_full_speed_while_nodes_drain_lose_nothing_and_double_nothing() throws Exception {
        db = TestDatabase.create("contention").withTransitionAudit().withRunLog();
        Path config = TestConfig.write(work.resolve("config"), config("default"));
        start("n1", config, Map.of()).instanceId(LONG);
        start("n2", config, Map.of()).instanceId(LONG);
        int producers = 3;
        int each = 2000;
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int p = 0; p < producers; p++) {
            Thread t = new Thread(() -> {
                // a producer's own connection, at MariaDB's default REPEATABLE READ, one row per transaction
                try (var c = java.sql.DriverManager.getConnection(db.url(), TestDatabase.USER, TestDatabase.PASSWORD);
                     var ps = c.prepareStatement("INSERT INTO quarry_jobs (type, payload) VALUES ('record', '{}')")) {
                    for (int i = 0; i < each; i++) ps.executeUpdate();
                } catch (Throwable e) {
                    errors.add(e);
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) t.join(120_000);
        assertThat(errors).isEmpty();
        awaitAllDone(producers * each, LONG);
        assertThat(runs()).isEqualTo(producers * each);
        assertThat(db.count("SELECT COUNT(DISTINCT job_id) FROM test_runs")).isEqualTo(producers * each);
        assertThat(finalizedTwice()).isZero();
        assertThat(claimsOutOfEpochOrder("default")).isZero();
    }

    @Test
    void a_node_partitioned_from_the_database_loses_its_queue_and_rejoins_when_the_network_heals() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(TestHost.available(), "needs root and iproute2 to make a network namespace");
        db = TestDatabase.create("partition").withTransitionAudit().withRunLog();
        db.insertJobs(1500, "default", "record");
        Path config = TestConfig.write(work.resolve("config"), config("default"));
        java.net.URI server = java.net.URI.create(TestDatabase.SERVER_URL.substring("jdbc:".length()));
        // The server closes a connection silent for 15 s: a node cut off inside a transaction cannot hold
        // its row locks for ever (MariaDB's default is 8 hours).
        String session = "?sessionVariables=wait_timeout=15,innodb_lock_wait_timeout=5&socketTimeout=20000";
        try (TestHost host = TestHost.create();
             TcpProxy link = new TcpProxy(host.gateway(), server.getHost(), server.getPort())) {
            NodeProcess cut = nodeOn(host, "n1", config, Map.of("QUARRY_DB_URL", link.url(db.name()) + session, "QUARRY_TEST_JOB_MILLIS", "20"));
            String cutId = cut.instanceId(LONG);
            Poll.until(LONG, "the cut-off node to drain", () -> runs() > 100
                    && db.count("SELECT COUNT(*) FROM quarry_leases WHERE holder = ?", cutId) == 1, cut::tail);
            NodeProcess peer = start("n2", config, Map.of("QUARRY_DB_URL", db.url() + session, "QUARRY_TEST_JOB_MILLIS", "20"));
            String peerId = peer.instanceId(LONG);
            long epochBefore = db.count("SELECT epoch FROM quarry_leases WHERE queue = 'default'");

            host.cut();
            Poll.until(LONG, "the peer to take the queue over", () -> db.count(
                    "SELECT COUNT(*) FROM quarry_leases WHERE holder = ? AND epoch > ?", peerId, epochBefore) == 1,
                    () -> db.query("SELECT * FROM quarry_leases").toString() + "\n" + peer.tail());
            long doneAtTakeOver = db.count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'done'");
            Poll.until(LONG, "the peer to make progress", () -> db.count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'done'") > doneAtTakeOver + 50);
            host.heal();

            awaitAllDone(1500, LONG);
            Poll.until(LONG, "the healed node to check in again", () -> db.count(
                    "SELECT COUNT(*) FROM QRTZ_SCHEDULER_STATE WHERE INSTANCE_NAME = ?", cutId) == 1, cut::tail);
            assertThat(cut.alive()).as("the cut-off node rejoins rather than dying").isTrue();
            Poll.until(LONG, "the healed node to notice it lost the queue",
                    () -> cut.output().contains("was lost: another node took the drain over"), cut::tail);
        }
        assertThat(finalizedTwice()).as("jobs finalized twice").isZero();
        assertThat(claimsOutOfEpochOrder("default")).as("claims made by the cut-off drain after its successor's").isZero();
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE status <> 'done'")).isZero();
    }

    private NodeProcess nodeOn(TestHost host, String name, Path config, Map<String, String> env) {
        NodeProcess n = NodeProcess.start(host.prefix(), name, db, config, work, env);
        nodes.add(n);
        return n;
    }
}
