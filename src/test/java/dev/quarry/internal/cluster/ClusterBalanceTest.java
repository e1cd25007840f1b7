package dev.quarry.internal.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.testing.NodeProcess;
import dev.quarry.testing.Poll;
import dev.quarry.testing.TestConfig;
import dev.quarry.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * How Quartz's fires spread over the nodes, with real node JVMs. The queues' schedules never fire
 * during the test (the start-up kick starts the drains), so Quartz alone would leave every queue on
 * the node that fired it first; only the balancer (its thread pool and its hand-overs) can move them.
 */
class ClusterBalanceTest {
    private static final List<String> QUEUES = List.of("q1", "q2", "q3");
    private static final int JOBS_PER_QUEUE = 400;
    /** 400 jobs of 200 ms on 2 workers: 40 s of work per queue, time enough to move two queues (about 20 s). */
    private static final Map<String, String> JOB_MILLIS = Map.of("QUARRY_TEST_JOB_MILLIS", "200");
    private static final Duration LONG = Duration.ofSeconds(120);

    @TempDir
    Path work;
    private TestDatabase db;
    private final List<NodeProcess> nodes = new ArrayList<>();

    private static String config() {
        StringBuilder s = new StringBuilder("queues = " + String.join(",", QUEUES) + "\n");
        for (String q : QUEUES) {
            s.append("queue.").append(q).append(".workers = 2\n");
            s.append("queue.").append(q).append(".cron = 0 0 0 1 1 ? 2099\n");
        }
        s.append("""
                handler.record.class = dev.quarry.testing.RecordingHandler
                lease.duration = 17s
                drain.poll-interval = 200ms
                shutdown.grace = 2s
                """);
        return s.toString();
    }

    @AfterEach
    void stopEverything(TestInfo test) {
        nodes.forEach(NodeProcess::close);
        nodes.forEach(n -> n.keepOutput(test.getTestMethod().orElseThrow().getName()));
        if (db != null) db.close();
    }

    private NodeProcess start(String name, Path config) {
        NodeProcess n = NodeProcess.start(name, db, config, work, JOB_MILLIS);
        nodes.add(n);
        n.instanceId(LONG);
        return n;
    }

    /** The holders of the queues' live leases, one entry per queue. */
    private List<String> holders() {
        return db.query("SELECT holder FROM quarry_leases WHERE holder IS NOT NULL AND expires_at > NOW(6) ORDER BY queue").stream()
                .map(r -> (String) r.get("holder")).toList();
    }

    @Test
    void nodes_that_join_a_busy_node_each_take_a_queue_over_and_nothing_runs_twice() {
        db = TestDatabase.create("balance").withRunLog();
        for (String q : QUEUES) db.insertJobs(JOBS_PER_QUEUE, q, "record");
        Path config = TestConfig.write(work.resolve("config"), config());

        NodeProcess first = start("n1", config);
        Poll.until(LONG, "the first node to drain all three queues", () -> holders().size() == 3, () -> holders().toString());
        assertThat(Set.copyOf(holders())).as("a node alone fires every queue itself").hasSize(1);

        start("n2", config);
        start("n3", config);
        Poll.until(LONG, "each node to drain one queue", () -> new TreeSet<>(holders()).size() == 3,
                () -> holders() + "\n" + first.tail());
        assertThat(first.output()).contains("hands over to even the load").contains("ended (rebalance)");

        int total = JOBS_PER_QUEUE * QUEUES.size();
        Poll.until(LONG, "every job done", () -> db.count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'done'") == total,
                () -> db.statusCounts().toString());
        assertThat(db.count("SELECT COUNT(*) FROM test_runs")).as("a queue handed over runs no job twice").isEqualTo(total);
        assertThat(db.count("SELECT COUNT(DISTINCT node) FROM test_runs")).isEqualTo(3);
    }

    private static String configFor(String queues) {
        StringBuilder s = new StringBuilder("queues = " + queues + "\n");
        for (String q : queues.split(",")) s.append("queue.").append(q).append(".workers = 2\nqueue.").append(q).append(".cron = 0/5 * * * * ?\n");
        s.append("""
                handler.record.class = dev.quarry.testing.RecordingHandler
                lease.duration = 17s
                drain.poll-interval = 200ms
                shutdown.grace = 2s
                """);
        return s.toString();
    }

    private String holderOf(String queue) {
        List<Map<String, Object>> rows = db.query("SELECT holder FROM quarry_leases WHERE queue = ? AND holder IS NOT NULL"
                + " AND expires_at > NOW(6)", queue);
        return rows.isEmpty() ? null : (String) rows.get(0).get("holder");
    }

    /**
     * Nodes that list different queues: the balancer hands a queue only to a node that serves it,
     * and a fire that lands on a node that does not serve its queue is passed on to one that does,
     * so the queue never waits for a period, and never runs where it is not configured.
     */
    @Test
    void nodes_that_serve_different_queues_hand_each_queue_only_to_a_node_that_serves_it() {
        db = TestDatabase.create("unserved").withRunLog();
        db.insertJobs(150, "a", "record");
        db.insertJobs(150, "b", "record");
        Path both = TestConfig.write(work.resolve("both"), configFor("a,b"));
        Path onlyA = TestConfig.write(work.resolve("only-a"), configFor("a"));

        NodeProcess n1 = start("n1", both);
        String n1Id = n1.instanceId(LONG);
        Poll.until(LONG, "n1 to drain both queues", () -> n1Id.equals(holderOf("a")) && n1Id.equals(holderOf("b")), () -> holders().toString());
        NodeProcess n2 = start("n2", onlyA);
        String n2Id = n2.instanceId(LONG);
        Poll.until(LONG, "queue a to move to n2, the node with fewer drains that serves it", () -> n2Id.equals(holderOf("a")),
                () -> holders() + "\n" + n1.tail());
        assertThat(holderOf("b")).as("b stays where it is served").isEqualTo(n1Id);
        assertThat(n1.output()).contains("a peer that runs drain a runs 0: that drain hands over");

        n1.signal("TERM");
        n1.awaitExit(Duration.ofSeconds(30));
        Poll.until(LONG, "b's fire to land on n2, which does not serve it", () -> n2.output().contains("no live node serves it"), n2::tail);
        db.insertJobs(50, "b", "record");
        NodeProcess n3 = start("n3", both);
        Poll.until(LONG, "every job of b done", () -> db.count("SELECT COUNT(*) FROM quarry_jobs WHERE queue = 'b' AND status = 'done'") == 200,
                () -> db.statusCounts() + "\n" + n3.tail() + "\n" + n2.tail());
        assertThat(db.count("SELECT COUNT(*) FROM test_runs r JOIN quarry_jobs j ON j.id = r.job_id WHERE j.queue = 'b' AND r.node = 'n2'"))
                .as("jobs of b run on the node that does not serve b").isZero();
    }
}
