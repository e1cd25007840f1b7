package dev.quarry.internal.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.testing.NodeProcess;
import dev.quarry.testing.Poll;
import dev.quarry.testing.TcpProxy;
import dev.quarry.testing.TestConfig;
import dev.quarry.testing.TestDatabase;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node told to stop while its database is unreachable still exits, within the shutdown grace
 * and a few seconds, and leaves its running jobs to a peer's rescue. Before, a Quartz worker
 * retried recording the drain's completion for ever and {@code shutdown(true)} waited for it.
 */
class OutageShutdownTest {
    private static final Duration GRACE = Duration.ofSeconds(2);

    @TempDir
    Path work;
    private TestDatabase db;
    private NodeProcess node;

    @AfterEach
    void cleanUp(TestInfo test) {
        if (node != null) {
            node.close();
            node.keepOutput(test.getTestMethod().orElseThrow().getName());
        }
        if (db != null) db.close();
    }

    @Test
    void sigterm_while_the_database_is_unreachable_ends_the_node_within_the_grace_plus_ten_seconds() throws Exception {
        db = TestDatabase.create("outage_stop").withRunLog();
        // The shipped lease (30 s) and Quartz check-in (7.5 s); only the grace is short, to keep the test short.
        Path config = TestConfig.writeShipped(work.resolve("config"), """
                queues = default
                queue.default.workers = 2
                queue.default.cron = 0/10 * * * * ?
                handler.record.class = dev.quarry.testing.RecordingHandler
                shutdown.grace = %ds
                """.formatted(GRACE.toSeconds()));
        URI server = URI.create(TestDatabase.SERVER_URL.substring("jdbc:".length()));
        try (TcpProxy proxy = new TcpProxy(server.getHost(), server.getPort())) {
            node = NodeProcess.start("n1", db, config, work, Map.of("QUARRY_DB_URL", proxy.url(db.name())));
            node.instanceId(Duration.ofSeconds(60));
            long slow = db.insert("INSERT INTO quarry_jobs (type, payload) VALUES ('record', '{\"sleep\":600000}')");
            Poll.until(Duration.ofSeconds(30), "the slow job to start", () -> db.count("SELECT COUNT(*) FROM test_runs WHERE job_id = ?", slow) == 1,
                    node::tail);

            proxy.cut();
            Poll.until(Duration.ofSeconds(30), "the node to notice the outage",
                    () -> node.output().contains("database trouble in drain default"), node::tail);
            long t0 = System.nanoTime();
            node.signal("TERM");
            int exit = node.awaitExit(GRACE.plusSeconds(10));
            Duration took = Duration.ofNanos(System.nanoTime() - t0);

            assertThat(exit).as("exit code after SIGTERM").isEqualTo(143);
            assertThat(took).isLessThan(GRACE.plusSeconds(10));
            assertThat(node.output()).contains("stopping: no new claims").contains("stops without Quartz").containsPattern("node \\S+ stopped\\R");
            // The node could not record anything: the job waits, running, for a drain that rescues it.
            assertThat(db.status(slow)).isEqualTo("running");
        }
    }
}
