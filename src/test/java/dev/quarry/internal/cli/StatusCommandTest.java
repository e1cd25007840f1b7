package dev.quarry.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.testing.TestDatabase;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code quarry status}: nodes from Quartz's table, queues from Quarry's, by the database's clock. */
class StatusCommandTest {
    /** Row data a producer may write: quotes, backslashes, control characters and an ANSI escape. */
    private static final String ODD_QUEUE = "we\"ird\\q\u0001\u001b[31m\t";
    private static TestDatabase db;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("cli_status");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @BeforeEach
    void cluster() {
        db.exec("DELETE FROM quarry_jobs");
        db.exec("DELETE FROM quarry_leases");
        db.exec("DELETE FROM QRTZ_SCHEDULER_STATE");
        // node-a checked in just now by the database's clock; node-b a minute ago, past interval + 7.5 s.
        db.exec("INSERT INTO QRTZ_SCHEDULER_STATE (SCHED_NAME, INSTANCE_NAME, LAST_CHECKIN_TIME, CHECKIN_INTERVAL)"
                + " VALUES ('quarry', 'node-a', CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED), 7500),"
                + " ('quarry', 'node-b', CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED) - 60000, 7500),"
                + " ('other-cluster', 'node-z', CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED), 7500)");
        // default: 2 ready and due (the oldest 90 s overdue), 1 delayed, 1 running, 3 done just now, 1 dead 10 minutes ago.
        db.exec("INSERT INTO quarry_jobs (type, run_at) VALUES ('noop', NOW(6) - INTERVAL 90 SECOND), ('noop', NOW(6)),"
                + " ('noop', NOW(6) + INTERVAL 1 HOUR)");
        db.exec("INSERT INTO quarry_jobs (type, status, claim_token, claimed_by, attempts) VALUES ('noop', 'running', 7, 'node-a', 1)");
        db.exec("INSERT INTO quarry_jobs (type, status, finished_at) VALUES ('noop', 'done', NOW(6)), ('noop', 'done', NOW(6)),"
                + " ('noop', 'done', NOW(6) - INTERVAL 2 HOUR), ('noop', 'dead', NOW(6) - INTERVAL 10 MINUTE)");
        db.exec("DELETE FROM quarry_node_queues");
        // default has drains 1 and 2 in node-a's config, both held by node-a; drain 3's row is left
        // from a config that had three.
        db.exec("INSERT INTO quarry_node_queues (node, queue, drains) VALUES ('node-a', 'default', 2)");
        db.exec("INSERT INTO quarry_leases (queue, drain, holder, epoch, acquired_at, expires_at) VALUES"
                + " ('default', 1, 'node-a', 3, NOW(6), NOW(6) + INTERVAL 30 SECOND),"
                + " ('default', 2, 'node-a', 1, NOW(6), NOW(6) + INTERVAL 30 SECOND),"
                + " ('default', 3, NULL, 6, NOW(6), NOW(6) - INTERVAL 1 HOUR)");
        // legacy: rows, but no configured queue serves it; paused too.
        db.exec("INSERT INTO quarry_jobs (queue, type) VALUES ('legacy', 'noop'), ('legacy', 'noop')");
        db.exec("INSERT INTO quarry_leases (queue, holder, epoch, expires_at, paused) VALUES ('legacy', 'node-b', 9, NOW(6) - INTERVAL 1 MINUTE, 1)");
    }

    @Test
    void status_shows_nodes_alive_by_database_time_and_each_queues_state_in_aligned_tables() {
        Cli.Result r = Cli.run(Cli.config(db, "default,video"), db.dataSource(), "", "status");
        assertThat(r.exit()).as(r.toString()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(line(lines, "node-a")).matches("node-a\\s+(\\d+ms|[\\d.]+s) ago\\s+7\\.5s\\s+yes\\s+default, default#2");
        assertThat(line(lines, "node-b")).contains("no (silent");
        String nodeHeader = line(lines, "NODE");
        assertThat(cell(nodeHeader, line(lines, "node-a"), "DRAINING")).isEqualTo("default, default#2");
        assertThat(r.out()).doesNotContain("node-z");

        String header = line(lines, "QUEUE");
        String def = line(lines, "default ");
        assertThat(cell(header, def, "SCHEDULED")).isEqualTo("1"); // due in an hour
        assertThat(cell(header, def, "READY")).isEqualTo("2");
        assertThat(cell(header, def, "RUNNING")).isEqualTo("1");
        assertThat(cell(header, def, "DONE")).isEqualTo("3");
        assertThat(cell(header, def, "DEAD")).isEqualTo("1");
        assertThat(cell(header, def, "OLDEST DUE")).startsWith("1m 3");
        assertThat(cell(header, def, "DONE 1M")).isEqualTo("2");
        assertThat(cell(header, def, "DONE 1H")).isEqualTo("2");
        assertThat(cell(header, def, "DEAD 1M")).isEqualTo("0");
        assertThat(cell(header, def, "DEAD 1H")).isEqualTo("1");
        assertThat(cell(header, def, "DRAINS HELD")).isEqualTo("2");
        assertThat(line(lines, "video ")).doesNotContain("not served");
        String legacy = line(lines, "legacy ");
        assertThat(legacy).contains(StatusCommand.NOT_SERVED);
        assertThat(cell(header, legacy, "PAUSED")).isEqualTo("yes");
        assertThat(cell(header, legacy, "DRAINS HELD")).isEqualTo("0"); // expired: nobody holds it
        assertThat(header.indexOf("READY")).isEqualTo(def.indexOf(cell(header, def, "READY")));

        // One line per drain: its holder, epoch, lease left and running jobs; a row no live node runs is retired.
        String drains = line(lines, "DRAIN ");
        String first = lines.stream().filter(l -> l.startsWith("default ")).toList().get(1);
        assertThat(cell(drains, first, "HOLDER")).isEqualTo("node-a");
        assertThat(cell(drains, first, "EPOCH")).isEqualTo("3");
        assertThat(cell(drains, first, "RUNNING")).isEqualTo("1");
        assertThat(cell(drains, first, "NOTE")).isEmpty();
        assertThat(cell(drains, line(lines, "default#2 "), "EPOCH")).isEqualTo("1");
        assertThat(cell(drains, line(lines, "default#2 "), "RUNNING")).isEqualTo("0");
        assertThat(cell(drains, line(lines, "default#3 "), "HOLDER")).isEqualTo("-");
        assertThat(cell(drains, line(lines, "default#3 "), "NOTE")).isEqualTo(StatusCommand.RETIRED);
        assertThat(cell(drains, lines.stream().filter(l -> l.startsWith("legacy ")).toList().get(1), "NOTE")).isEqualTo(StatusCommand.RETIRED);
    }

    @Test
    void status_json_is_one_document_that_flags_queues_this_config_does_not_serve() {
        db.exec("INSERT INTO quarry_jobs (queue, type) VALUES (?, 'noop')", ODD_QUEUE);
        Cli.Result r = Cli.run(Cli.config(db, "default,video"), db.dataSource(), "", "status", "--json");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out().strip()).doesNotContain("\n").doesNotContain("\u001b");

        @SuppressWarnings("unchecked")
        Map<String, Object> doc = (Map<String, Object>) JsonReader.parse(r.out());
        assertThat(doc).containsEntry("scheduler", "quarry").containsEntry("configured_queues", List.of("default", "video"));
        List<Map<String, Object>> nodes = list(doc.get("nodes"));
        assertThat(nodes).extracting(n -> n.get("instance") + "=" + n.get("alive")).containsExactly("node-a=true", "node-b=false");
        assertThat(nodes).extracting(n -> n.get("draining")).containsExactly(List.of("default", "default#2"), List.of());

        List<Map<String, Object>> queues = list(doc.get("queues"));
        assertThat(queues).extracting(q -> q.get("name")).containsExactly("default", "video", "legacy", ODD_QUEUE);
        Map<String, Object> def = queues.get(0);
        assertThat(def).containsEntry("configured", true).containsEntry("paused", false).containsEntry("done_last_minute", 2L)
                .containsEntry("dead_last_hour", 1L).doesNotContainKey("note");
        assertThat(def.get("counts")).isEqualTo(Map.of("scheduled", 1L, "ready", 2L, "running", 1L, "done", 3L, "dead", 1L, "cancelled", 0L));
        assertThat((Long) def.get("oldest_due_age_ms")).isBetween(90_000L, 150_000L);
        List<Map<String, Object>> drains = list(def.get("drains"));
        assertThat(drains).extracting(d -> d.get("name") + " " + d.get("holder") + " " + d.get("epoch") + " " + d.get("running") + " "
                + d.get("configured")).containsExactly("default node-a 3 1 true", "default#2 node-a 1 0 true", "default#3 null 6 0 false");
        assertThat((Long) drains.get(0).get("expires_in_ms")).isBetween(1L, 30_000L);
        assertThat(drains.get(2)).containsEntry("expires_in_ms", null).containsEntry("drain", 3L);
        assertThat(queues.get(1)).containsEntry("configured", true).containsEntry("drains", List.of()).containsEntry("oldest_due_age_ms", null);
        assertThat(queues.get(2)).containsEntry("configured", false).containsEntry("note", StatusCommand.NOT_SERVED).containsEntry("paused", true);
        assertThat(queues.get(3)).containsEntry("configured", false).containsEntry("note", StatusCommand.NOT_SERVED);
    }

    @Test
    void the_oldest_due_job_counts_a_scheduled_job_that_no_drain_has_promoted_yet() {
        // No node serves video: its job came due five minutes ago and still waits as scheduled.
        db.exec("INSERT INTO quarry_jobs (queue, type, status, run_at) VALUES ('video', 'noop', 'scheduled', NOW(6) - INTERVAL 5 MINUTE)");
        Cli.Result r = Cli.run(Cli.config(db, "default,video"), db.dataSource(), "", "status", "--json");
        assertThat(r.exit()).as(r.toString()).isZero();
        @SuppressWarnings("unchecked")
        Map<String, Object> doc = (Map<String, Object>) JsonReader.parse(r.out());
        Map<String, Object> video = list(doc.get("queues")).get(1);
        assertThat(video).containsEntry("name", "video");
        assertThat((Long) video.get("oldest_due_age_ms")).isBetween(300_000L, 360_000L);
        assertThat(video.get("counts")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP).containsEntry("scheduled", 1L);
    }

    @Test
    void row_text_cannot_forge_lines_or_colour_the_terminal_in_human_output() {
        db.exec("INSERT INTO quarry_jobs (queue, type) VALUES (?, 'noop')", ODD_QUEUE);
        Cli.Result r = Cli.run(db, "", "status");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).doesNotContain("\u001b").doesNotContain("\u0001").contains("we\"ird\\q\\x01\\x1b[31m\\t");
    }

    @Test
    void status_with_no_nodes_says_so() {
        db.exec("DELETE FROM QRTZ_SCHEDULER_STATE");
        Cli.Result r = Cli.run(db, "", "status");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("no nodes have checked in under scheduler name 'quarry'");
    }

    @Test
    void finished_counts_past_the_cap_show_as_at_least_the_cap_and_json_names_them() {
        db.exec("INSERT INTO quarry_jobs (queue, type, status, attempts, finished_at) SELECT 'video', 'noop', 'done', 1,"
                + " NOW(6) - INTERVAL 2 HOUR FROM seq_1_to_100001");
        Cli.Result r = Cli.run(Cli.config(db, "default,video"), db.dataSource(), "", "status");
        assertThat(r.exit()).as(r.toString()).isZero();
        List<String> lines = r.out().lines().toList();
        String header = line(lines, "QUEUE");
        assertThat(cell(header, line(lines, "video "), "DONE")).isEqualTo("100,000+");
        assertThat(cell(header, line(lines, "default "), "DONE")).isEqualTo("3");
        assertThat(r.out()).contains("N+: more than N");

        Cli.Result json = Cli.run(Cli.config(db, "default,video"), db.dataSource(), "", "status", "--json");
        @SuppressWarnings("unchecked")
        Map<String, Object> doc = (Map<String, Object>) JsonReader.parse(json.out());
        List<Map<String, Object>> queues = list(doc.get("queues"));
        assertThat(queues.get(1)).containsEntry("name", "video").containsEntry("capped", List.of("done"));
        assertThat(((Map<?, ?>) queues.get(1).get("counts")).get("done")).isEqualTo(100_000L);
        assertThat(queues.get(0)).containsEntry("capped", List.of());
    }

    private static String line(List<String> lines, String start) {
        return lines.stream().filter(l -> l.startsWith(start)).findFirst()
                .orElseThrow(() -> new AssertionError("no line starting with '" + start + "' in:\n" + String.join("\n", lines)));
    }

    /** The cell of {@code row} under {@code column} of an aligned table. */
    private static String cell(String header, String row, String column) {
        int from = header.indexOf(column + "  ") >= 0 ? header.indexOf(column + "  ") : header.indexOf(column);
        int next = from + column.length();
        while (next < header.length() && header.charAt(next) == ' ') next++;
        String end = next >= header.length() ? row.substring(Math.min(from, row.length())) : row.substring(from, Math.min(next, row.length()));
        return end.strip();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object o) {
        return (List<Map<String, Object>>) o;
    }
}
