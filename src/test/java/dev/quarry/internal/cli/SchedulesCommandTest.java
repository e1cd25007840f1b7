package dev.quarry.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.testing.TestDatabase;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** quarry schedules, schedule run, pause and resume, on a real database. */
class SchedulesCommandTest {
    private TestDatabase db;

    @BeforeEach
    void setUp() {
        db = TestDatabase.create("schedcli");
        db.exec("INSERT INTO quarry_schedules (kind, name, spec, type, queue) VALUES ('schedule', 'cleanup', '0 */5 * * * ? (UTC, misfire skip)', 'cleanup', 'default')");
        db.exec("INSERT INTO quarry_schedules (kind, name, spec, type) VALUES ('watch', 'inbox', '/in every 10s', 'ingest')");
    }

    @AfterEach
    void tearDown() {
        db.close();
    }

    @Test
    void run_pause_and_resume_change_what_the_listing_shows() {
        Cli.Result run = Cli.run(db, "", "schedule", "run", "cleanup");
        assertThat(run.exit()).as(run.toString()).isZero();
        long id = Long.parseLong(run.out().strip());
        assertThat(db.job(id)).containsEntry("type", "cleanup");

        assertThat(Cli.run(db, "", "schedule", "pause", "cleanup").out()).contains("schedule cleanup paused");
        Cli.Result list = Cli.run(db, "", "schedules");
        assertThat(list.exit()).as(list.toString()).isZero();
        assertThat(list.out()).contains("cleanup").contains("0 */5 * * * ?").contains(id + " (ready)").contains("yes").contains("inbox");

        Cli.Result json = Cli.run(db, "", "schedules", "--json");
        @SuppressWarnings("unchecked")
        Map<String, Object> doc = (Map<String, Object>) JsonReader.parse(json.out());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> entries = (List<Map<String, Object>>) doc.get("schedules");
        assertThat(entries).hasSize(2);
        assertThat(entries.get(0)).containsEntry("name", "cleanup").containsEntry("paused", true).containsEntry("last_job_status", "ready");
        assertThat(doc.get("disagreement")).isNull();

        assertThat(Cli.run(db, "", "schedule", "resume", "cleanup").out()).contains("schedule cleanup resumed");
        assertThat(db.count("SELECT COUNT(*) FROM quarry_schedules WHERE name = 'cleanup' AND paused = 0")).isEqualTo(1);

        // Two live nodes whose configs differ: both listings say so, naming the node that started last.
        db.exec("INSERT INTO QRTZ_SCHEDULER_STATE (SCHED_NAME, INSTANCE_NAME, LAST_CHECKIN_TIME, CHECKIN_INTERVAL) VALUES"
                + " ('quarry', 'node-a', 0, 7500), ('quarry', 'node-b', 0, 7500)");
        db.exec("INSERT INTO quarry_schedule_nodes (node, fingerprint, names, started_at) VALUES"
                + " ('node-a', 'aaaaaaaaaaaa', 'schedule:cleanup', NOW(6) - INTERVAL 1 HOUR), ('node-b', 'bbbbbbbbbbbb', '', NOW(6))");
        assertThat(Cli.run(db, "", "schedules").out()).contains("node-a").contains("aaaaaaaaaaaa")
                .contains("warning: the nodes' schedule configs disagree (node-a aaaaaaaaaaaa, node-b bbbbbbbbbbbb): the cluster runs those of node-b");
        Cli.Result status = Cli.run(db, "", "status");
        assertThat(status.exit()).as(status.toString()).isZero();
        assertThat(status.out()).contains("warning: the nodes' schedule configs disagree").contains("(quarry schedules)");

        Cli.Result missing = Cli.run(db, "", "schedule", "pause", "nope");
        assertThat(missing.exit()).isEqualTo(QuarryCli.NOT_FOUND);
        assertThat(missing.err()).contains("no schedule 'nope'");
    }
}
