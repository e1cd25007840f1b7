package dev.quarry.cluster;

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
        assertThat(first.output()).contains("one queue hands over to even the load").contains("ended (rebalance)");

        int total = JOBS_PER_QUEUE * QUEUES.size();
        Poll.until(LONG, "every job done", () -> db.count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'done'") == total,
                () -> db.statusCounts().toString());
        assertThat(db.count("SELECT COUNT(*) FROM test_runs")).as("a queue handed over runs no job twice").isEqualTo(total);
        assertThat(db.count("SELECT COUNT(DISTINCT node) FROM test_runs")).isEqualTo(3);
    }
}
