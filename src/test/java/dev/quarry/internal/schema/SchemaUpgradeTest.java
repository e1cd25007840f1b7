package dev.quarry.internal.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quarry.internal.queue.ClaimedJob;
import dev.quarry.internal.queue.JobQueue;
import dev.quarry.internal.queue.Lease;
import dev.quarry.internal.queue.LeaseStore;
import dev.quarry.internal.queue.Transactions;
import dev.quarry.testing.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Older databases brought to the current version: version 1 through sql/002_scheduled_state.sql
 * and sql/003_drains_progress_schedules.sql, version 2 through sql/003_drains_progress_schedules.sql, with rows in every state.
 */
class SchemaUpgradeTest {
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final List<String> VERSION_3_COLUMNS = List.of("progress", "progress_note", "result");

    @Test
    void a_version_1_database_is_refused_with_one_line_naming_the_upgrade_script() {
        try (TestDatabase db = TestDatabase.create("upgrade_refused", 1)) {
            assertThat(SchemaCheck.problems(db.dataSource(), "QRTZ_")).containsExactly("database " + db.name()
                    + " holds Quarry schema version 1, this node needs 4: run sql/002_scheduled_state.sql, then sql/003_drains_progress_schedules.sql, then sql/004_due_index_of_scheduled_jobs.sql");
        }
        try (TestDatabase db = TestDatabase.create("upgrade_refused", 2)) {
            assertThat(SchemaCheck.problems(db.dataSource(), "QRTZ_")).containsExactly("database " + db.name()
                    + " holds Quarry schema version 2, this node needs 4: run sql/003_drains_progress_schedules.sql, then sql/004_due_index_of_scheduled_jobs.sql");
        }
    }

    @Test
    void a_version_row_without_the_upgrade_itself_is_named_as_a_problem() {
        try (TestDatabase db = TestDatabase.create("upgrade_faked", 1)) {
            db.exec("INSERT INTO quarry_schema_version (version) VALUES (2), (3), (4)");
            assertThat(SchemaCheck.problems(db.dataSource(), "QRTZ_")).containsExactly(
                    "column quarry_jobs.status of database " + db.name() + " has no 'scheduled' state: run sql/002_scheduled_state.sql",
                    "table quarry_node_queues is missing from database " + db.name() + ": run sql/002_scheduled_state.sql",
                    "column quarry_leases.drain is missing from database " + db.name() + ": run sql/003_drains_progress_schedules.sql",
                    "column quarry_jobs.drain is missing from database " + db.name() + ": run sql/003_drains_progress_schedules.sql",
                    "column quarry_node_queues.drains is missing from database " + db.name() + ": run sql/003_drains_progress_schedules.sql",
                    "the primary key of quarry_leases in database " + db.name() + " is not (queue, drain): run sql/003_drains_progress_schedules.sql",
                    "column quarry_jobs.progress of database " + db.name() + " is missing: run sql/003_drains_progress_schedules.sql",
                    "column quarry_jobs.progress_note of database " + db.name() + " is missing: run sql/003_drains_progress_schedules.sql",
                    "column quarry_jobs.result of database " + db.name() + " is missing: run sql/003_drains_progress_schedules.sql",
                    "table quarry_schedules is missing from database " + db.name() + ": run sql/003_drains_progress_schedules.sql",
                    "table quarry_fires is missing from database " + db.name() + ": run sql/003_drains_progress_schedules.sql",
                    "table quarry_schedule_nodes is missing from database " + db.name() + ": run sql/003_drains_progress_schedules.sql",
                    "column quarry_jobs.scheduled_queue is missing from database " + db.name() + ": run sql/004_due_index_of_scheduled_jobs.sql");
        }
        try (TestDatabase db = TestDatabase.create("upgrade_faked", 3)) {
            db.exec("INSERT INTO quarry_schema_version (version) VALUES (4)");
            assertThat(SchemaCheck.problems(db.dataSource(), "QRTZ_")).containsExactly(
                    "column quarry_jobs.scheduled_queue is missing from database " + db.name() + ": run sql/004_due_index_of_scheduled_jobs.sql");
            db.exec("ALTER TABLE quarry_jobs ADD COLUMN scheduled_queue VARCHAR(64) AS (IF(status = 'scheduled', queue, NULL)) PERSISTENT");
            assertThat(SchemaCheck.problems(db.dataSource(), "QRTZ_")).containsExactly("index quarry_jobs_due of table quarry_jobs in database "
                    + db.name() + " is not (scheduled_queue, run_at): run sql/004_due_index_of_scheduled_jobs.sql");
        }
        try (TestDatabase db = TestDatabase.create("upgrade_faked", 2)) {
            db.exec("INSERT INTO quarry_schema_version (version) VALUES (3), (4)");
            assertThat(SchemaCheck.problems(db.dataSource(), "QRTZ_")).containsExactly(
                    "column quarry_leases.drain is missing from database " + db.name() + ": run sql/003_drains_progress_schedules.sql",
                    "column quarry_jobs.drain is missing from database " + db.name() + ": run sql/003_drains_progress_schedules.sql",
                    "column quarry_node_queues.drains is missing from database " + db.name() + ": run sql/003_drains_progress_schedules.sql",
                    "the primary key of quarry_leases in database " + db.name() + " is not (queue, drain): run sql/003_drains_progress_schedules.sql",
                    "column quarry_jobs.progress of database " + db.name() + " is missing: run sql/003_drains_progress_schedules.sql",
                    "column quarry_jobs.progress_note of database " + db.name() + " is missing: run sql/003_drains_progress_schedules.sql",
                    "column quarry_jobs.result of database " + db.name() + " is missing: run sql/003_drains_progress_schedules.sql",
                    "table quarry_schedules is missing from database " + db.name() + ": run sql/003_drains_progress_schedules.sql",
                    "table quarry_fires is missing from database " + db.name() + ": run sql/003_drains_progress_schedules.sql",
                    "table quarry_schedule_nodes is missing from database " + db.name() + ": run sql/003_drains_progress_schedules.sql",
                    "column quarry_jobs.scheduled_queue is missing from database " + db.name() + ": run sql/004_due_index_of_scheduled_jobs.sql");
        }
    }

    @Test
    void the_upgrade_keeps_every_row_and_its_unique_key_and_leaves_no_delayed_job_in_the_claims_way() throws SQLException {
        try (TestDatabase db = TestDatabase.create("upgrade_rows", 1)) {
            Map<String, Long> ids = new HashMap<>();
            ids.put("due", db.insert("INSERT INTO quarry_jobs (type, payload, priority) VALUES ('noop', 'due', 1)"));
            ids.put("due-keyed", db.insert("INSERT INTO quarry_jobs (type, payload, unique_key) VALUES ('noop', 'due-keyed', 'k-due')"));
            // Version 1 keeps delayed jobs and retries in backoff as ready with a future run_at.
            ids.put("delayed", db.insert("INSERT INTO quarry_jobs (type, payload, run_at, unique_key) VALUES ('noop', 'delayed',"
                    + " NOW(6) + INTERVAL 1 DAY, 'k-delayed')"));
            ids.put("backoff", db.insert("INSERT INTO quarry_jobs (type, payload, run_at, attempts, last_error) VALUES ('noop', 'backoff',"
                    + " NOW(6) + INTERVAL 10 MINUTE, 2, 'boom')"));
            ids.put("running", db.insert("INSERT INTO quarry_jobs (type, payload, status, attempts, claim_token, claimed_by, lease_epoch,"
                    + " started_at, unique_key) VALUES ('noop', 'running', 'running', 1, 77, 'node-x', 3, NOW(6), 'k-running')"));
            ids.put("done", db.insert("INSERT INTO quarry_jobs (type, payload, status, attempts, started_at, finished_at, unique_key)"
                    + " VALUES ('noop', 'done', 'done', 1, NOW(6), NOW(6), 'k-done')"));
            ids.put("dead", db.insert("INSERT INTO quarry_jobs (type, payload, status, attempts, finished_at, last_error)"
                    + " VALUES ('noop', 'dead', 'dead', 5, NOW(6), 'gave up')"));
            ids.put("cancelled", db.insert("INSERT INTO quarry_jobs (type, payload, status, finished_at, run_at)"
                    + " VALUES ('noop', 'cancelled', 'cancelled', NOW(6), NOW(6) + INTERVAL 1 HOUR)"));
            Map<Long, Map<String, Object>> before = rows(db);

            try (Connection c = db.dataSource().getConnection()) {
                SchemaScripts.apply(c, SchemaScripts.upgrade(1));
            }
            assertThat(SchemaCheck.problems(db.dataSource(), "QRTZ_")).isEmpty();

            Map<Long, Map<String, Object>> after = rows(db);
            assertThat(after.keySet()).isEqualTo(before.keySet());
            for (Map.Entry<String, Long> e : ids.entrySet()) {
                Map<String, Object> was = new HashMap<>(before.get(e.getValue()));
                Map<String, Object> now = new HashMap<>(after.get(e.getValue()));
                String expected = e.getKey().equals("delayed") || e.getKey().equals("backoff") ? "scheduled" : (String) was.get("status");
                assertThat(now.remove("status")).as(e.getKey()).isEqualTo(expected);
                was.remove("status");
                assertThat(now.remove("drain")).as("version 3's drain column, NULL (drain 1) for rows from before").isNull();
                assertThat(now.remove("scheduled_queue")).as("version 4's scheduled_queue of the " + e.getKey() + " job")
                        .isEqualTo(expected.equals("scheduled") ? "default" : null);
                for (String column : VERSION_3_COLUMNS) assertThat(now.remove(column)).as(column + " of the " + e.getKey() + " job").isNull();
                assertThat(now).as("every other column of the " + e.getKey() + " job").isEqualTo(was);
            }

            // The keys of the scheduled, ready and running jobs are still held; the finished job's is free.
            for (String key : List.of("k-due", "k-delayed", "k-running")) {
                assertThatThrownBy(() -> db.insert("INSERT INTO quarry_jobs (type, unique_key) VALUES ('noop', ?)", key))
                        .as(key).hasMessageContaining("Duplicate entry '" + key + "'");
            }
            long reuse = db.insert("INSERT INTO quarry_jobs (type, unique_key, run_at) VALUES ('noop', 'k-done', NOW(6) + INTERVAL 1 DAY)");
            assertThat(db.status(reuse)).as("a delayed INSERT after the upgrade").isEqualTo("scheduled");

            // A node of this version claims the due rows, and only those.
            db.exec("INSERT INTO QRTZ_SCHEDULER_STATE (SCHED_NAME, INSTANCE_NAME, LAST_CHECKIN_TIME, CHECKIN_INTERVAL) VALUES ('quarry', 'node-a', 0, 7500)");
            Transactions tx = new Transactions(db.dataSource());
            Lease lease = new LeaseStore(tx, "quarry", "QRTZ_").tryAcquire("default", 1, "node-a", LEASE).lease();
            List<ClaimedJob> claimed = new JobQueue(tx).claim(lease, LEASE, 100, 5, 1000);
            assertThat(claimed).extracting(ClaimedJob::id).containsExactly(ids.get("due-keyed"), ids.get("due"));

            // Run again, the script changes nothing.
            Map<Long, Map<String, Object>> settled = rows(db);
            try (Connection c = db.dataSource().getConnection()) {
                SchemaScripts.apply(c, SchemaScripts.script(2));
                SchemaScripts.apply(c, SchemaScripts.script(4));
            }
            assertThat(rows(db)).isEqualTo(settled);
            assertThat(db.count("SELECT COUNT(*) FROM quarry_schema_version")).isEqualTo(4);
        }
    }

    @Test
    void version_2_leases_become_drain_1_and_its_take_over_rescues_the_jobs_a_version_2_node_left_running() throws SQLException {
        try (TestDatabase db = TestDatabase.create("upgrade_drains", 2)) {
            db.exec("INSERT INTO quarry_leases (queue, holder, epoch, expires_at, paused) VALUES ('default', 'old-node', 4, NOW(6), 0),"
                    + " ('mail', NULL, 2, NOW(6), 1)");
            db.exec("INSERT INTO quarry_node_queues (node, queue) VALUES ('old-node', 'default')");
            long orphan = db.insert("INSERT INTO quarry_jobs (type, status, attempts, claim_token, claimed_by, lease_epoch, started_at)"
                    + " VALUES ('noop', 'running', 1, 7, 'old-node', 4, NOW(6))");
            try (Connection c = db.dataSource().getConnection()) {
                SchemaScripts.apply(c, SchemaScripts.upgrade(2));
            }
            assertThat(SchemaCheck.problems(db.dataSource(), "QRTZ_")).isEmpty();
            assertThat(db.query("SELECT CONCAT_WS(' ', queue, drain, epoch, paused) AS r FROM quarry_leases ORDER BY queue"))
                    .extracting(r -> r.get("r")).as("queue, drain, epoch, paused").containsExactly("default 1 4 0", "mail 1 2 1");
            assertThat(db.count("SELECT drains FROM quarry_node_queues")).isEqualTo(1);

            // Drain 1 takes the old lease over and rescues what the version-2 node left running; drain 2
            // of the same queue never touches another drain's jobs.
            Transactions tx = new Transactions(db.dataSource());
            LeaseStore leases = new LeaseStore(tx, "quarry", "QRTZ_");
            JobQueue jobs = new JobQueue(tx);
            Lease second = leases.tryAcquire("default", 2, "node-a", LEASE).lease();
            assertThat(second.epoch()).isEqualTo(1);
            assertThat(jobs.rescueOrphans(second, 5)).isEmpty();
            Lease first = leases.tryAcquire("default", 1, "node-a", LEASE).lease();
            assertThat(first.epoch()).isEqualTo(5);
            assertThat(jobs.rescueOrphans(first, 5)).extracting(JobQueue.Rescued::id).containsExactly(orphan);
            assertThat(db.status(orphan)).isEqualTo("ready");

            // A new drain of a paused queue starts paused.
            assertThat(leases.tryAcquire("mail", 3, "node-a", LEASE).acquired()).isTrue();
            assertThat(db.count("SELECT paused + 0 FROM quarry_leases WHERE queue = 'mail' AND drain = 3")).isEqualTo(1);

            Map<Long, Map<String, Object>> settled = rows(db);
            try (Connection c = db.dataSource().getConnection()) {
                SchemaScripts.apply(c, SchemaScripts.script(3));
            }
            assertThat(rows(db)).as("run again, the script changes nothing").isEqualTo(settled);
        }
    }

    @Test
    void version_2_upgraded_to_3_has_the_progress_and_result_columns_and_keeps_every_row() throws SQLException {
        try (TestDatabase db = TestDatabase.create("upgrade_v3", 2)) {
            assertThat(SchemaCheck.problems(db.dataSource(), "QRTZ_")).containsExactly("database " + db.name()
                    + " holds Quarry schema version 2, this node needs 4: run sql/003_drains_progress_schedules.sql, then sql/004_due_index_of_scheduled_jobs.sql");
            long running = db.insert("INSERT INTO quarry_jobs (type, payload, status, attempts, claim_token, claimed_by, lease_epoch,"
                    + " started_at) VALUES ('noop', 'running', 'running', 1, 77, 'node-x', 3, NOW(6))");
            long done = db.insert("INSERT INTO quarry_jobs (type, payload, status, attempts, started_at, finished_at)"
                    + " VALUES ('noop', 'done', 'done', 1, NOW(6), NOW(6))");
            db.insert("INSERT INTO quarry_jobs (type, payload, run_at) VALUES ('noop', 'later', NOW(6) + INTERVAL 1 DAY)");
            Map<Long, Map<String, Object>> before = rows(db);

            try (Connection c = db.dataSource().getConnection()) {
                SchemaScripts.apply(c, SchemaScripts.upgrade(2));
            }
            assertThat(SchemaCheck.problems(db.dataSource(), "QRTZ_")).isEmpty();
            assertThat(db.query("SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
                    + " AND TABLE_NAME = 'quarry_jobs' AND COLUMN_NAME IN ('progress', 'progress_note', 'result') ORDER BY COLUMN_NAME"))
                    .extracting(r -> r.get("COLUMN_NAME") + " " + r.get("COLUMN_TYPE") + " " + r.get("IS_NULLABLE"))
                    .containsExactly("progress tinyint(3) unsigned YES", "progress_note varchar(255) YES", "result mediumtext YES");
            Map<Long, Map<String, Object>> after = rows(db);
            assertThat(after.keySet()).isEqualTo(before.keySet());
            for (Long id : before.keySet()) {
                Map<String, Object> now = new HashMap<>(after.get(id));
                for (String column : VERSION_3_COLUMNS) assertThat(now.remove(column)).as(column + " of job " + id).isNull();
                assertThat(now.remove("drain")).as("drain of job " + id).isNull();
                assertThat(now.remove("scheduled_queue")).as("scheduled_queue of job " + id)
                        .isEqualTo("scheduled".equals(now.get("status")) ? "default" : null);
                assertThat(now).as("every other column of job " + id).isEqualTo(before.get(id));
            }
            // The new columns take what a node writes.
            db.exec("UPDATE quarry_jobs SET progress = 40, progress_note = 'encoding audio' WHERE id = ?", running);
            db.exec("UPDATE quarry_jobs SET result = 'https://cdn.example/a.mp4' WHERE id = ?", done);
            assertThat(db.job(running)).containsEntry("progress_note", "encoding audio");
            assertThat(((Number) db.job(running).get("progress")).intValue()).isEqualTo(40);

            // Run again, the script changes nothing.
            Map<Long, Map<String, Object>> settled = rows(db);
            try (Connection c = db.dataSource().getConnection()) {
                SchemaScripts.apply(c, SchemaScripts.script(3));
            }
            assertThat(rows(db)).isEqualTo(settled);
            assertThat(db.count("SELECT COUNT(*) FROM quarry_schema_version")).isEqualTo(4);
        }
    }

    /** Version 3's schedule tables: a version-2 database is named the script, takes it, and takes it again unharmed. */
    @Test
    void a_version_2_database_takes_the_schedule_tables_and_the_script_runs_twice() throws SQLException {
        try (TestDatabase db = TestDatabase.create("upgrade3", 2)) {
            assertThat(SchemaCheck.problems(db.dataSource(), "QRTZ_")).containsExactly("database " + db.name()
                    + " holds Quarry schema version 2, this node needs 4: run sql/003_drains_progress_schedules.sql, then sql/004_due_index_of_scheduled_jobs.sql");
            try (Connection c = db.dataSource().getConnection()) {
                SchemaScripts.apply(c, SchemaScripts.upgrade(2));
                db.exec("INSERT INTO quarry_fires (source, fire_key, job_id) VALUES ('schedule:x', '2026-01-01T00:00:00Z', 1)");
                SchemaScripts.apply(c, SchemaScripts.script(3));
            }
            assertThat(SchemaCheck.problems(db.dataSource(), "QRTZ_")).isEmpty();
            assertThat(db.count("SELECT COUNT(*) FROM quarry_fires")).isEqualTo(1);
        }
    }

    /**
     * Version 4: the due index holds scheduled jobs only. A version-3 database with jobs in every
     * state is named the script, takes it, keeps every row, promotes and claims as before, and takes
     * the script again unharmed.
     */
    @Test
    void version_3_upgraded_to_4_keeps_every_row_and_its_due_index_holds_the_scheduled_jobs_only() throws SQLException {
        try (TestDatabase db = TestDatabase.create("upgrade_v4", 3)) {
            assertThat(SchemaCheck.problems(db.dataSource(), "QRTZ_")).containsExactly("database " + db.name()
                    + " holds Quarry schema version 3, this node needs 4: run sql/004_due_index_of_scheduled_jobs.sql");
            Map<String, Long> ids = new HashMap<>();
            ids.put("ready", db.insertJob("noop", "{}"));
            ids.put("came-due", db.insert("INSERT INTO quarry_jobs (queue, type, status, run_at) VALUES ('mail', 'noop', 'scheduled',"
                    + " NOW(6) - INTERVAL 1 SECOND)"));
            ids.put("tomorrow", db.insert("INSERT INTO quarry_jobs (queue, type, run_at, unique_key) VALUES ('mail', 'noop',"
                    + " NOW(6) + INTERVAL 1 DAY, 'k-tomorrow')"));
            ids.put("running", db.insert("INSERT INTO quarry_jobs (type, status, attempts, claim_token, claimed_by, lease_epoch, drain,"
                    + " started_at) VALUES ('noop', 'running', 1, 77, 'node-x', 3, 2, NOW(6))"));
            ids.put("done", db.insert("INSERT INTO quarry_jobs (type, status, attempts, started_at, finished_at, result)"
                    + " VALUES ('noop', 'done', 1, NOW(6), NOW(6), 'ok')"));
            Map<Long, Map<String, Object>> before = rows(db);

            try (Connection c = db.dataSource().getConnection()) {
                SchemaScripts.apply(c, SchemaScripts.upgrade(3));
            }
            assertThat(SchemaCheck.problems(db.dataSource(), "QRTZ_")).isEmpty();
            Map<Long, Map<String, Object>> after = rows(db);
            assertThat(after.keySet()).isEqualTo(before.keySet());
            for (Map.Entry<String, Long> e : ids.entrySet()) {
                Map<String, Object> now = new HashMap<>(after.get(e.getValue()));
                boolean scheduled = e.getKey().equals("came-due") || e.getKey().equals("tomorrow");
                assertThat(now.remove("scheduled_queue")).as("scheduled_queue of the " + e.getKey() + " job").isEqualTo(scheduled ? "mail" : null);
                assertThat(now).as("every other column of the " + e.getKey() + " job").isEqualTo(before.get(e.getValue()));
            }
            assertThat(db.query("SELECT COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()"
                    + " AND TABLE_NAME = 'quarry_jobs' AND INDEX_NAME = 'quarry_jobs_due' ORDER BY SEQ_IN_INDEX"))
                    .extracting(r -> r.get("COLUMN_NAME")).containsExactly("scheduled_queue", "run_at");
            assertThatThrownBy(() -> db.insert("INSERT INTO quarry_jobs (type, unique_key) VALUES ('noop', 'k-tomorrow')"))
                    .as("a scheduled job still holds its key").hasMessageContaining("Duplicate entry 'k-tomorrow'");

            // The staging promotes the job that came due, and only that one.
            Transactions tx = new Transactions(db.dataSource());
            JobQueue jobs = new JobQueue(tx);
            assertThat(jobs.stage("mail", 1000)).isEqualTo(1);
            assertThat(db.status(ids.get("came-due"))).isEqualTo("ready");
            assertThat(db.status(ids.get("tomorrow"))).isEqualTo("scheduled");
            assertThat(db.job(ids.get("came-due")).get("scheduled_queue")).as("a promoted job leaves the due index").isNull();

            // Run again, the script changes nothing.
            Map<Long, Map<String, Object>> settled = rows(db);
            try (Connection c = db.dataSource().getConnection()) {
                SchemaScripts.apply(c, SchemaScripts.script(4));
            }
            assertThat(rows(db)).isEqualTo(settled);
            assertThat(SchemaCheck.problems(db.dataSource(), "QRTZ_")).isEmpty();
            assertThat(db.count("SELECT COUNT(*) FROM quarry_schema_version")).isEqualTo(4);
        }
    }

    private static Map<Long, Map<String, Object>> rows(TestDatabase db) {
        Map<Long, Map<String, Object>> out = new HashMap<>();
        for (Map<String, Object> r : db.query("SELECT * FROM quarry_jobs")) out.put(((Number) r.get("id")).longValue(), r);
        return out;
    }
}
