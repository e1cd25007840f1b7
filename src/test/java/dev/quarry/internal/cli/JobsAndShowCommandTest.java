package dev.quarry.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.testing.TestDatabase;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code quarry jobs} and {@code quarry show}. */
class JobsAndShowCommandTest {
    private static TestDatabase db;
    private long deadMail;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("cli_jobs");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @BeforeEach
    void jobs() {
        db.exec("DELETE FROM quarry_jobs");
        db.insert("INSERT INTO quarry_jobs (queue, type) VALUES ('default', 'resize')");
        db.insert("INSERT INTO quarry_jobs (queue, type) VALUES ('mail', 'welcome')");
        deadMail = db.insert("INSERT INTO quarry_jobs (queue, type, payload, status, attempts, max_attempts, finished_at, last_error)"
                + " VALUES ('mail', 'welcome', '{\"user\":7}', 'dead', 2, 2, NOW(6), ?)", "exit 1: smtp refused\n  at line 2\u001b[0m");
        db.insert("INSERT INTO quarry_jobs (queue, type) VALUES ('mail', 'report')");
    }

    @Test
    void jobs_lists_newest_first() {
        Cli.Result r = Cli.run(db, "", "jobs");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(ids(r)).hasSize(4).isSortedAccordingTo((a, b) -> Long.compare(b, a));
    }

    @Test
    void jobs_lists_the_scheduled_jobs_that_wait_for_a_later_run_at() {
        long later = db.insert("INSERT INTO quarry_jobs (queue, type, run_at) VALUES ('mail', 'digest', NOW(6) + INTERVAL 1 DAY)");
        Cli.Result r = Cli.run(db, "", "jobs", "--status", "scheduled");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(ids(r)).containsExactly(later);
        assertThat(r.out()).contains("scheduled");
    }

    @Test
    void jobs_filters_by_queue_status_and_type_and_honours_the_limit() {
        assertThat(ids(Cli.run(db, "", "jobs", "--queue", "mail"))).hasSize(3);
        assertThat(ids(Cli.run(db, "", "jobs", "--queue", "mail", "--status", "dead"))).containsExactly(deadMail);
        assertThat(ids(Cli.run(db, "", "jobs", "--type", "welcome", "--status", "READY"))).hasSize(1).doesNotContain(deadMail);
        assertThat(ids(Cli.run(db, "", "jobs", "--limit", "2"))).hasSize(2);
        Cli.Result dead = Cli.run(db, "", "jobs", "--status", "dead");
        assertThat(dead.out()).contains("2/2").contains("exit 1: smtp refused\\n").doesNotContain("\u001b");
    }

    @Test
    void jobs_that_match_nothing_exit_1_and_a_bad_status_is_a_usage_error() {
        Cli.Result none = Cli.run(db, "", "jobs", "--queue", "nowhere");
        assertThat(none.exit()).isEqualTo(QuarryCli.NOT_FOUND);
        assertThat(none.err()).contains("no jobs match");
        Cli.Result bad = Cli.run(db, "", "jobs", "--status", "finished");
        assertThat(bad.exit()).isEqualTo(QuarryCli.USAGE);
        assertThat(bad.err()).contains("'finished' is not a job status; use one of scheduled, ready, running, done, dead, cancelled");
    }

    @Test
    void a_full_page_names_the_next_and_before_goes_on_from_there() {
        Cli.Result first = Cli.run(db, "", "jobs", "--limit", "2");
        List<Long> page1 = ids(first);
        assertThat(page1).hasSize(2);
        java.util.regex.Matcher next = java.util.regex.Pattern.compile("next page: quarry jobs --limit 2 --before (\\d+)").matcher(first.err());
        assertThat(next.find()).as(first.err()).isTrue();
        assertThat(Long.parseLong(next.group(1))).isEqualTo(page1.get(1));

        Cli.Result second = Cli.run(db, "", "jobs", "--limit", "2", "--before", next.group(1));
        List<Long> page2 = ids(second);
        assertThat(page2).hasSize(2).allMatch(id -> id < page1.get(1));
        assertThat(second.err()).as("the oldest job was listed: no next page").doesNotContain("next page");
    }

    @Test
    void with_a_status_the_most_recently_finished_come_first() {
        long laterId = db.insert("INSERT INTO quarry_jobs (queue, type, status, finished_at) VALUES ('mail', 'welcome', 'dead', NOW(6) - INTERVAL 1 DAY)");
        // deadMail (a lower id) finished just now: it comes first
        assertThat(ids(Cli.run(db, "", "jobs", "--status", "dead"))).containsExactly(deadMail, laterId);
    }

    @Test
    void a_rare_type_among_more_jobs_than_the_scan_limit_stops_the_search_and_says_how_to_go_on() {
        db.exec("INSERT INTO quarry_jobs (queue, type, status, finished_at) SELECT 'bulk', 'bulk', 'done', NOW(6) FROM seq_1_to_100010");
        Cli.Result cut = Cli.run(db, "", "jobs", "--type", "report");
        assertThat(cut.exit()).as(cut.toString()).isEqualTo(QuarryCli.NOT_FOUND);
        java.util.regex.Matcher goOn = java.util.regex.Pattern.compile("no jobs match among the 100,000 examined; .* Go on with: quarry jobs --type report --before (\\d+)")
                .matcher(cut.err());
        assertThat(goOn.find()).as(cut.err()).isTrue();
        Cli.Result found = Cli.run(db, "", "jobs", "--type", "report", "--before", goOn.group(1));
        assertThat(ids(found)).hasSize(1);
        assertThat(found.out()).contains("report");
    }

    @Test
    void show_prints_every_column_including_the_last_error() {
        Cli.Result r = Cli.run(db, "", "show", String.valueOf(deadMail));
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("id            " + deadMail, "queue         mail", "type          welcome", "status        dead",
                "attempts      2 of 2", "payload       {\"user\":7}", "last_error    exit 1: smtp refused\n                at line 2\\x1b[0m",
                "finished_at   20", "run_at", "created_at", "started_at", "unique_key", "claimed_by", "claim_token", "lease_epoch", "priority");
        assertThat(r.out()).doesNotContain("\u001b");
    }

    @Test
    void show_json_gives_payload_and_error_exactly() {
        Cli.Result r = Cli.run(db, "", "show", String.valueOf(deadMail), "--json");
        assertThat(r.exit()).as(r.toString()).isZero();
        @SuppressWarnings("unchecked")
        Map<String, Object> job = (Map<String, Object>) JsonReader.parse(r.out());
        assertThat(job).containsEntry("id", deadMail).containsEntry("status", "dead").containsEntry("payload", "{\"user\":7}")
                .containsEntry("last_error", "exit 1: smtp refused\n  at line 2\u001b[0m").containsEntry("max_attempts", 2L);
    }

    @Test
    void show_of_a_missing_job_exits_1() {
        Cli.Result r = Cli.run(db, "", "show", "999999");
        assertThat(r.exit()).isEqualTo(QuarryCli.NOT_FOUND);
        assertThat(r.err()).contains("no job 999999");
        assertThat(r.out()).isEmpty();
    }

    private static List<Long> ids(Cli.Result r) {
        assertThat(r.exit()).as(r.toString()).isZero();
        return r.out().lines().skip(1).map(l -> Long.parseLong(l.substring(0, l.indexOf(' ')))).toList();
    }
}
