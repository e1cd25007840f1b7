package dev.quarry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.quarry.client.NewJob;
import dev.quarry.client.QuarryClient;
import dev.quarry.handler.JobHandler;
import dev.quarry.handler.Outcome;
import dev.quarry.testing.Poll;
import dev.quarry.testing.TestDatabase;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Quarry inside an application: a node built in Java over the application's own HikariCP pool
 * (auto-commit on, MariaDB's REPEATABLE READ default: how an application configures one), with
 * handler objects, the producer's transactional enqueue, and the builder's one-line errors.
 */
class EmbeddedNodeTest {
    private TestDatabase db;
    private HikariDataSource app;
    /**
     * A cluster name of this test's own: Quartz keeps one scheduler of a name per JVM, and the test JVM
     * runs other tests' nodes too.
     */
    private final String cluster = "embedded_" + Long.toHexString(System.nanoTime());

    /** Runs count per job id, and returns a result naming the job. */
    static final class Counting implements JobHandler {
        final Map<Long, AtomicInteger> runs = new ConcurrentHashMap<>();

        @Override
        public Outcome handle(dev.quarry.handler.JobContext job) {
            runs.computeIfAbsent(job.id(), id -> new AtomicInteger()).incrementAndGet();
            job.progress(50, "half way");
            return Outcome.done("made " + job.payload());
        }
    }

    @BeforeEach
    void setUp() {
        db = TestDatabase.create("embedded");
        app = applicationPool(db, 12);
    }

    @AfterEach
    void tearDown() {
        app.close();
        db.close();
    }

    private NodeBuilder node(Counting handler) {
        return Quarry.node(app).quartzProperty("org.quartz.scheduler.instanceName", cluster)
                .queue("video", q -> q.workers(4)).handler("resize", handler).shutdownGrace(Duration.ofSeconds(5));
    }

    private String status(long id) {
        return db.status(id);
    }

    @Test
    void a_node_over_the_applications_pool_runs_handler_objects_and_stops_cleanly() throws Exception {
        Counting handler = new Counting();
        QuarryClient client = new QuarryClient(app);
        long[] ids;
        String name;
        try (QuarryNode node = node(handler).start()) {
            name = node.name();
            ids = client.enqueueAll(java.util.stream.IntStream.range(0, 40)
                    .mapToObj(i -> NewJob.builder("resize").queue("video").payload("clip-" + i).build()).toList());
            Poll.until(Duration.ofSeconds(60), "40 jobs done", () -> db.count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'done'") == 40,
                    () -> db.statusCounts().toString());
            assertThat(db.count("SELECT COUNT(*) FROM QRTZ_SCHEDULER_STATE WHERE INSTANCE_NAME = ?", name)).isEqualTo(1);
        }
        for (long id : ids) {
            assertThat(handler.runs.get(id)).as("runs of job %d", id).hasValue(1);
            assertThat(db.job(id).get("result")).isEqualTo("made " + db.job(id).get("payload"));
            assertThat(db.job(id).get("claimed_by")).isEqualTo(name);
        }
        // A clean stop: the lease given up, the check-in row gone; the application's pool still its own.
        assertThat(db.count("SELECT COUNT(*) FROM quarry_leases WHERE queue = 'video' AND holder IS NOT NULL")).isZero();
        assertThat(db.count("SELECT COUNT(*) FROM QRTZ_SCHEDULER_STATE WHERE INSTANCE_NAME = ?", name)).isZero();
        assertThat(app.isClosed()).isFalse();
        for (int i = 0; i < 12; i++) {
            try (Connection c = app.getConnection()) {
                assertThat(c.getAutoCommit()).isTrue();
                assertThat(c.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_REPEATABLE_READ);
            }
        }
    }

    @Test
    void a_job_enqueued_in_a_rolled_back_transaction_never_exists_and_a_committed_one_runs() throws Exception {
        Counting handler = new Counting();
        QuarryClient client = new QuarryClient(app);
        try (QuarryNode node = node(handler).start(); Connection c = app.getConnection()) {
            c.setAutoCommit(false);
            c.createStatement().execute("CREATE TABLE IF NOT EXISTS orders (id INT PRIMARY KEY)");
            c.createStatement().executeUpdate("INSERT INTO orders VALUES (1)");
            long rolledBack = client.enqueue(c, NewJob.builder("resize").queue("video").payload("order 1").build());
            c.rollback();

            c.createStatement().executeUpdate("INSERT INTO orders VALUES (2)");
            long committed = client.enqueue(c, NewJob.builder("resize").queue("video").payload("order 2").build());
            // Not there for anyone else until the application commits.
            assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE id = ?", committed)).isZero();
            c.commit();

            Poll.until(Duration.ofSeconds(60), "the committed job done", () -> "done".equals(status(committed)));
            assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE id = ? OR payload = 'order 1'", rolledBack)).isZero();
            assertThat(db.count("SELECT COUNT(*) FROM orders")).isEqualTo(1);
            assertThat(handler.runs).containsOnlyKeys(committed);
        }
    }

    @Test
    void a_schedule_set_in_java_enqueues_one_job_per_fire() {
        Counting handler = new Counting();
        try (QuarryNode node = node(handler)
                .schedule("tick", "* * * * * ?", NewJob.builder("resize").queue("video").payload("${fireTime}").build(),
                        o -> o.timeZone(java.time.ZoneId.of("Europe/Berlin")))
                .start()) {
            Poll.until(Duration.ofSeconds(60), "three fires' jobs done",
                    () -> db.count("SELECT COUNT(*) FROM quarry_jobs WHERE type = 'resize' AND status = 'done'") >= 3);
            assertThat(node.name()).isNotBlank();
        }
        assertThat(db.count("SELECT COUNT(DISTINCT payload) FROM quarry_jobs")).isEqualTo(db.count("SELECT COUNT(*) FROM quarry_jobs"));
        assertThat(db.query("SELECT payload FROM quarry_jobs")).allSatisfy(r -> assertThat((String) r.get("payload")).matches("\\d{4}-\\d\\d-\\d\\dT.*Z"));
        assertThatThrownBy(() -> Quarry.node(app).schedule("tick", "0 0 2 30 2 ?", NewJob.of("resize", "")))
                .isInstanceOf(QuarryException.class).hasMessage("schedule.tick.cron=0 0 2 30 2 ? never fires");
        assertThatThrownBy(() -> Quarry.node(app).schedule("tick", "* * * * * ?", NewJob.builder("resize").uniqueKey("k").build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no runAt, delay or uniqueKey");
    }

    @Test
    void a_bad_setting_stops_the_builder_with_one_line_naming_its_key() {
        assertThatThrownBy(() -> Quarry.node(app).queue("video", q -> q.workers(0)))
                .isInstanceOf(QuarryException.class).hasMessage("queue.video.workers=0 must be between 1 and 1000");
        assertThatThrownBy(() -> Quarry.node(app).queue("no spaces"))
                .isInstanceOf(QuarryException.class).hasMessageContaining("bad queue name 'no spaces'");
        assertThatThrownBy(() -> Quarry.node(app).queue("video", q -> q.cron("every minute")))
                .isInstanceOf(QuarryException.class).hasMessageStartingWith("queue.video.cron=every minute is not a Quartz cron expression");
        assertThatThrownBy(() -> Quarry.node(app).handler("noop", job -> Outcome.done()))
                .isInstanceOf(QuarryException.class).hasMessage("handler type 'noop' is built in and cannot be configured");
        assertThatThrownBy(() -> Quarry.node(app).leaseDuration(Duration.ofSeconds(1)))
                .isInstanceOf(QuarryException.class).hasMessage("lease.duration=1s must be at least 2s");
        // What only the whole can check, at start, before anything runs.
        assertThatThrownBy(() -> Quarry.node(app).pollInterval(Duration.ofSeconds(20)).start())
                .isInstanceOf(QuarryException.class)
                .hasMessage("drain.poll-interval=20s must be at most a third of lease.duration (30s) so the lease is renewed in time");
        assertThatThrownBy(() -> Quarry.node(app).queue("video", q -> q.drains(2).drainsPerNode(3)).start())
                .isInstanceOf(QuarryException.class).hasMessage("queue.video.drains-per-node=3 must be between 1 and 2 (queue.video.drains)");
        assertThatThrownBy(() -> Quarry.node(app).quartzProperty("org.quartz.jobStore.isClustered", "false").start())
                .isInstanceOf(QuarryException.class)
                .hasMessage("quartz.properties: org.quartz.jobStore.isClustered=false is not supported; Quarry needs true");
        assertThat(app.isClosed()).isFalse();
    }

    @Test
    void a_database_without_quarrys_tables_is_named_at_start_and_the_pool_stays_the_applications() {
        try (TestDatabase empty = TestDatabase.empty("embedded_empty"); HikariDataSource other = applicationPool(empty, 4)) {
            assertThatThrownBy(() -> Quarry.node(other).quartzProperty("org.quartz.scheduler.instanceName", cluster).start())
                    .isInstanceOf(QuarryException.class)
                    .hasMessageContaining(empty.name()).hasMessageContaining("sql/");
            assertThat(other.isClosed()).isFalse();
        }
    }

    @Test
    void one_jvm_holds_one_node_of_a_cluster() {
        try (QuarryNode first = node(new Counting()).start()) {
            assertThatThrownBy(() -> Quarry.node(app).quartzProperty("org.quartz.scheduler.instanceName", cluster).start())
                    .isInstanceOf(QuarryException.class)
                    .hasMessage("a node of cluster '" + cluster + "' (org.quartz.scheduler.instanceName) already runs in this JVM;"
                            + " one JVM holds one node of a cluster");
            assertThat(first.name()).isNotBlank();
        }
    }

    /**
     * Quartz stores each job's class name. A cluster made before the engine's classes moved into
     * dev.quarry.internal holds the old names; its drains must still run on this release.
     */
    @Test
    void drains_stored_under_the_class_names_of_the_release_before_still_run() {
        Counting handler = new Counting();
        try (QuarryNode node = node(handler).start()) {
            assertThat(node.name()).isNotBlank();
        }
        db.exec("UPDATE QRTZ_JOB_DETAILS SET JOB_CLASS_NAME = REPLACE(JOB_CLASS_NAME, 'dev.quarry.internal.', 'dev.quarry.')");
        assertThat(db.count("SELECT COUNT(*) FROM QRTZ_JOB_DETAILS WHERE JOB_CLASS_NAME = 'dev.quarry.drain.DrainJob'")).isEqualTo(1);
        long id = new QuarryClient(app).enqueue(NewJob.builder("resize").queue("video").payload("old").build());
        try (QuarryNode node = node(handler).start()) {
            Poll.until(Duration.ofSeconds(60), "the job done by a drain stored under its old class name", () -> "done".equals(status(id)),
                    () -> db.query("SELECT TRIGGER_NAME, TRIGGER_STATE FROM QRTZ_TRIGGERS").toString());
            assertThat(node.name()).isNotBlank();
        }
        assertThat(db.count("SELECT COUNT(*) FROM QRTZ_TRIGGERS WHERE TRIGGER_STATE = 'ERROR'")).isZero();
    }

    /** A pool as an application makes one: HikariCP's defaults (auto-commit on, the server's isolation). */
    private static HikariDataSource applicationPool(TestDatabase d, int size) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(d.url());
        hc.setUsername(TestDatabase.USER);
        hc.setPassword(TestDatabase.PASSWORD);
        hc.setMaximumPoolSize(size);
        hc.setPoolName("application");
        return new HikariDataSource(hc);
    }
}
