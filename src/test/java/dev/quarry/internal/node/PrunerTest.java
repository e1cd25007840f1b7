package dev.quarry.internal.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.internal.config.ConfigLoader;
import dev.quarry.internal.config.QuarryConfig;
import dev.quarry.internal.queue.JobQueue;
import dev.quarry.internal.queue.Transactions;
import dev.quarry.testing.NodeProcess;
import dev.quarry.testing.Poll;
import dev.quarry.testing.TestConfig;
import dev.quarry.testing.TestDatabase;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node's pruner: finished jobs past their retention go, everything else stays. */
class PrunerTest {
    @TempDir
    Path work;
    private TestDatabase db;

    @BeforeEach
    void database() {
        db = TestDatabase.create("pruner");
    }

    @AfterEach
    void drop() {
        db.close();
    }

    private QuarryConfig config(String quarryProperties) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(quarryProperties));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return ConfigLoader.fromProperties(p, new Properties(), Map.of("QUARRY_DB_URL", db.url()));
    }

    private Pruner pruner(QuarryConfig c, javax.sql.DataSource ds) {
        return new Pruner(new JobQueue(new Transactions(ds)), c.queues().stream().map(q -> q.name()).toList(), c.retention(), c.pruneInterval());
    }

    private long finished(String queue, String status, String age) {
        return db.insert("INSERT INTO quarry_jobs (queue, type, status, attempts, finished_at) VALUES (?, 'noop', ?, 1, NOW(6) - INTERVAL " + age + ")",
                queue, status);
    }

    @Test
    void a_pass_deletes_finished_jobs_past_their_retention_and_nothing_else() {
        QuarryConfig c = config("queues = default, mail\nretention.done = 7d\nretention.dead = 30d\nretention.cancelled = 1d\n");
        List<Long> expired = List.of(finished("default", "done", "8 DAY"), finished("mail", "done", "8 DAY"),
                finished("default", "dead", "31 DAY"), finished("mail", "cancelled", "25 HOUR"));
        List<Long> kept = List.of(finished("default", "done", "6 DAY"), finished("default", "dead", "29 DAY"),
                finished("mail", "cancelled", "23 HOUR"),
                // a queue this node does not serve is left to the nodes that do
                finished("legacy", "done", "100 DAY"),
                // live jobs, however old their dates: never pruned
                db.insert("INSERT INTO quarry_jobs (type, created_at, run_at, finished_at) VALUES ('noop', NOW(6) - INTERVAL 90 DAY,"
                        + " NOW(6) - INTERVAL 90 DAY, NOW(6) - INTERVAL 90 DAY)"),
                db.insert("INSERT INTO quarry_jobs (type, status, claim_token, attempts, started_at, finished_at) VALUES ('noop', 'running', 4, 1,"
                        + " NOW(6) - INTERVAL 90 DAY, NOW(6) - INTERVAL 90 DAY)"));

        Pruner p = pruner(c, db.dataSource());
        assertThat(p.runOnce()).isEqualTo(expired.size());

        for (long id : expired) assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE id = ?", id)).as("job " + id).isZero();
        for (long id : kept) assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE id = ?", id)).as("job " + id).isEqualTo(1);
        assertThat(p.runOnce()).as("a second pass finds nothing").isZero();
        assertThat(p.deleted()).isEqualTo(expired.size());
        assertThat(p.errors()).isZero();
    }

    @Test
    void a_pass_works_through_more_rows_than_one_chunk() {
        db.exec("INSERT INTO quarry_jobs (type, status, finished_at) SELECT 'noop', 'done', NOW(6) - INTERVAL 8 DAY FROM seq_1_to_12345");
        db.exec("INSERT INTO quarry_jobs (type, status, finished_at) SELECT 'noop', 'done', NOW(6) FROM seq_1_to_10");
        Pruner p = pruner(config("queues = default\n"), db.dataSource());
        assertThat(p.runOnce()).isEqualTo(12_345);
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs")).isEqualTo(10);
    }

    @Test
    void a_failing_database_is_logged_and_counted_and_the_passes_go_on() {
        try (TestDatabase broken = TestDatabase.empty("pruner_broken")) {
            Pruner p = pruner(config("queues = default, mail\nretention.prune-interval = 1s\n"), broken.dataSource());
            assertThat(p.runOnce()).isZero();
            assertThat(p.errors()).as("one failure per queue and status").isEqualTo(6);
            p.start();
            try {
                Poll.until(Duration.ofSeconds(20), "two more passes", () -> p.errors() >= 18, () -> "errors " + p.errors());
            } finally {
                p.stop();
            }
            long after = p.errors();
            assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals(Pruner.THREAD_NAME) && t.isAlive());
            assertThat(p.errors()).as("no pass after stop").isEqualTo(after);
        }
    }

    @Test
    void a_node_prunes_on_its_own_by_the_retention_keys_and_prune_interval() {
        // Finished now, so it expires only after 4 s: the node's start-up drain cannot be the one that prunes it.
        long expiring = finished("default", "done", "0 SECOND");
        long dead = finished("default", "dead", "0 SECOND");
        // A daily schedule: after the start-up drain no other drain starts during the test.
        Path config = TestConfig.write(work.resolve("config"),
                "queues = default\nqueue.default.cron = 0 0 3 * * ?\nretention.done = 4s\nretention.prune-interval = 1s\n");
        try (NodeProcess node = NodeProcess.start("n1", db, config, work, Map.of())) {
            node.instanceId(Duration.ofSeconds(60));
            Poll.until(Duration.ofSeconds(30), "the done job to be pruned once its 4 s are up",
                    () -> db.count("SELECT COUNT(*) FROM quarry_jobs WHERE id = ?", expiring) == 0, node::tail);
            assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE id = ?", dead)).as("dead jobs are kept 30 days").isEqualTo(1);
            Poll.until(Duration.ofSeconds(5), "the pruner's log line", () -> node.output().contains("pruned 1 finished jobs past their retention"),
                    node::tail);
            assertThat(node.output()).contains("default done 1").contains("every 1s (done after 4s, dead after 30d");
            node.signal("TERM");
            assertThat(node.awaitExit(Duration.ofSeconds(30))).isIn(0, 143);
        }
    }
}
