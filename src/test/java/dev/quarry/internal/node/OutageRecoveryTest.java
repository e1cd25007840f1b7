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
 * A database that goes away and comes back, as in a restart: every connection the node had is
 * dead, and the first job inserted after the server's return must start within seconds, not after
 * the pool, the drain and Quartz have each waited out a backoff of their own. The test cannot
 * restart the shared MariaDB server; a relay that drops every connection and refuses new ones,
 * then accepts again, is what a restart looks like from the node.
 */
class OutageRecoveryTest {
    /** About how long a MariaDB restart keeps clients out. */
    private static final Duration OUTAGE = Duration.ofSeconds(Long.getLong("quarry.test.outage-seconds", 6));
    /**
     * Measured here: 0.1 to 0.7 s; before the pool retried connects itself and Quartz retried every
     * second, 4.3 to 4.5 s after this outage (Hikari's connection maker asleep in its backoff).
     * The drain's own backoff (up to a quarter of the outage so far) can add up to 1.5 s here.
     */
    private static final Duration RESUME_WITHIN = Duration.ofSeconds(3);

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
    void after_the_database_comes_back_the_next_job_starts_within_three_seconds() throws Exception {
        db = TestDatabase.create("outage_resume").withRunLog();
        // The shipped lease (30 s) and Quartz check-in (7.5 s); only the grace is short, to keep the test short.
        Path config = TestConfig.writeShipped(work.resolve("config"), """
                queues = default
                queue.default.workers = 2
                queue.default.cron = 0/10 * * * * ?
                handler.record.class = dev.quarry.testing.RecordingHandler
                shutdown.grace = 2s
                """);
        URI server = URI.create(TestDatabase.SERVER_URL.substring("jdbc:".length()));
        try (TcpProxy proxy = new TcpProxy(server.getHost(), server.getPort())) {
            node = NodeProcess.start("n1", db, config, work, Map.of("QUARRY_DB_URL", proxy.url(db.name())));
            node.instanceId(Duration.ofSeconds(60));
            long before = db.insertJob("record", "{}");
            Poll.until(Duration.ofSeconds(30), "a job to run before the outage", () -> "done".equals(db.status(before)), node::tail);

            proxy.cut();
            long cutAt = System.nanoTime();
            Poll.until(Duration.ofSeconds(30), "the node to notice the outage",
                    () -> node.output().contains("database trouble in drain default"), node::tail);
            Poll.until(OUTAGE.plusSeconds(30), "the outage to last " + OUTAGE.toSeconds() + " s", () -> System.nanoTime() - cutAt > OUTAGE.toNanos());
            proxy.heal();
            long job = db.insertJob("record", "{}");
            long healedAt = System.nanoTime();

            // Started means claimed (started_at is set with the claim): the handler's own pool is not the node's.
            Poll.until(RESUME_WITHIN.plusSeconds(30), "the job inserted after the return to start",
                    () -> db.count("SELECT COUNT(*) FROM quarry_jobs WHERE id = ? AND started_at IS NOT NULL", job) == 1, node::tail);
            Duration took = Duration.ofNanos(System.nanoTime() - healedAt);
            long byDatabase = db.count("SELECT TIMESTAMPDIFF(MICROSECOND, created_at, started_at) DIV 1000 FROM quarry_jobs WHERE id = ?", job);
            System.out.printf("outage %d s: first job after the return started after %d ms (database clock: %d ms)%n",
                    OUTAGE.toSeconds(), took.toMillis(), byDatabase);
            assertThat(took).as("time from the return to the first job's start").isLessThan(RESUME_WITHIN);
            assertThat(node.alive()).isTrue();
        }
    }
}
