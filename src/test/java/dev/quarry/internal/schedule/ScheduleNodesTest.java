package dev.quarry.internal.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.internal.config.ScheduleConfig;
import dev.quarry.internal.config.ScheduleDef;
import dev.quarry.internal.queue.Transactions;
import dev.quarry.testing.TestDatabase;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.quartz.Scheduler;
import org.quartz.impl.StdSchedulerFactory;

/**
 * The rows of quarry_schedule_nodes, from which {@code schedules} tells that the nodes' configs
 * disagree, when nodes start side by side: two nodes' starts interleaved step by step on a real
 * database, Quartz's check-ins written as its first check-in writes them. The scheduler here only
 * carries the triggers (in memory); the rows under test are Quarry's.
 */
class ScheduleNodesTest {
    private static final String CLUSTER = "nodes_" + Long.toHexString(System.nanoTime());
    private TestDatabase db;
    private Scheduler scheduler;
    private Transactions tx;
    private ScheduleAdmin admin;

    @BeforeEach
    void setUp() throws Exception {
        db = TestDatabase.create("schednodes");
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", CLUSTER);
        p.setProperty("org.quartz.threadPool.threadCount", "1");
        p.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
        scheduler = new StdSchedulerFactory(p).getScheduler();
        tx = new Transactions(db.dataSource());
        admin = new ScheduleAdmin(db.dataSource(), CLUSTER, "QRTZ_");
    }

    @AfterEach
    void tearDown() throws Exception {
        scheduler.shutdown(false);
        db.close();
    }

    private static ScheduleConfig config(String cron) {
        return new ScheduleConfig(List.of(new ScheduleDef("report", cron, "noop", "{}", "default", 0, null, ZoneId.of("UTC"),
                ScheduleDef.Misfire.SKIP)), List.of(), Map.of());
    }

    /** What Quartz's first check-in of {@code node} writes, at scheduler start. */
    private void checkIn(String node) {
        db.exec("INSERT INTO QRTZ_SCHEDULER_STATE (SCHED_NAME, INSTANCE_NAME, LAST_CHECKIN_TIME, CHECKIN_INTERVAL) VALUES (?, ?, ?, 7500)",
                CLUSTER, node, System.currentTimeMillis());
    }

    private List<String> rows() {
        return db.query("SELECT node FROM quarry_schedule_nodes ORDER BY node").stream().map(r -> (String) r.get("node")).toList();
    }

    @Test
    void a_node_that_starts_beside_another_keeps_its_row_and_the_disagreement_shows() throws Exception {
        ScheduleSync a = new ScheduleSync(scheduler, tx, "node-a", "QRTZ_");
        ScheduleSync b = new ScheduleSync(scheduler, tx, "node-b", "QRTZ_");
        // Both reconcile before either has started; b starts and records first. Its clean-up of rows
        // without a check-in must not take a's: a had written none yet.
        a.reconcile(config("0 0 * * * ?"));
        assertThat(rows()).as("rows after a reconcile, before a's scheduler started").isEmpty();
        b.reconcile(config("0 30 * * * ?"));
        checkIn("node-b");
        b.record();
        checkIn("node-a");
        a.record();
        assertThat(rows()).containsExactly("node-a", "node-b");
        assertThat(ScheduleAdmin.disagreement(admin.nodeConfigs())).as("a's config against b's").isPresent()
                .hasValueSatisfying(d -> assertThat(d).contains("node-a"));
    }

    @Test
    void the_row_of_a_node_without_a_check_in_is_removed_and_a_frozen_node_restores_its_own() throws Exception {
        ScheduleSync a = new ScheduleSync(scheduler, tx, "node-a", "QRTZ_");
        a.reconcile(config("0 0 * * * ?"));
        checkIn("node-a");
        a.record();
        Object startedAt = db.query("SELECT started_at FROM quarry_schedule_nodes WHERE node = 'node-a'").get(0).get("started_at");
        // A killed node's row, left behind: the next record() removes it.
        db.exec("INSERT INTO quarry_schedule_nodes (node, fingerprint, names) VALUES ('node-killed', 'abcdefabcdef', 'schedule:report')");
        // a is frozen past the failover: a peer removes its check-in, and a peer that starts then removes a's row.
        db.exec("DELETE FROM QRTZ_SCHEDULER_STATE WHERE INSTANCE_NAME = 'node-a'");
        ScheduleSync c = new ScheduleSync(scheduler, tx, "node-c", "QRTZ_");
        c.reconcile(config("0 30 * * * ?"));
        checkIn("node-c");
        c.record();
        assertThat(rows()).containsExactly("node-c");
        // a runs again: Quartz checks it in anew, and its next pass restores the row with its first start time.
        checkIn("node-a");
        a.reassert();
        assertThat(rows()).containsExactly("node-a", "node-c");
        assertThat(db.query("SELECT started_at FROM quarry_schedule_nodes WHERE node = 'node-a'").get(0).get("started_at")).isEqualTo(startedAt);
        assertThat(ScheduleAdmin.disagreement(admin.nodeConfigs())).isPresent()
                .hasValueSatisfying(d -> assertThat(d).containsPattern("the cluster runs those of \\S*node-c\\S*, the last to start"));
        // A second pass changes nothing.
        a.reassert();
        assertThat(rows()).containsExactly("node-a", "node-c");
    }
}
