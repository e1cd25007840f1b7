package dev.quarry.internal.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.quarry.internal.queue.JobState;
import dev.quarry.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator's reads examine a bounded number of rows however many finished jobs the table
 * keeps. Rows examined are counted by the server (the session's Handler_read_* counters), never
 * timed: with limits 20 to 40 times smaller than the table, a read that walked the table would read
 * tens of thousands of rows, and a bounded one reads a few thousand.
 */
class AdminReadsBoundTest {
    private static final int CAP = 1_000;
    private static final int SCAN = 2_000;
    private static final int DONE_ROWS = 60_000;
    private static TestDatabase db;
    /** One connection, so the admin's statements and the counters share one server session. */
    private static HikariDataSource session;
    private static StatusReads status;
    private static JobReads jobs;
    private static long overhead;

    @BeforeAll
    static void fill() {
        db = TestDatabase.create("admin_reads");
        // 60,000 done jobs in 'default' over the last two days (1,250 in the last hour), every 20th a 'rare' type;
        // 3,000 dead ones; 20,000 done in 'mail'; and a few live ones.
        db.exec("INSERT INTO quarry_jobs (queue, type, status, attempts, finished_at) SELECT 'default',"
                + " IF(seq % 20 = 7, 'rare', 'common'), IF(seq % 20 = 3, 'dead', 'done'), 1,"
                + " NOW(6) - INTERVAL (" + DONE_ROWS + " - seq) * 2880000 MICROSECOND FROM seq_1_to_" + DONE_ROWS);
        db.exec("INSERT INTO quarry_jobs (queue, type, status, attempts, finished_at) SELECT 'mail', 'welcome', 'done', 1,"
                + " NOW(6) - INTERVAL (20000 - seq) SECOND FROM seq_1_to_20000");
        db.exec("INSERT INTO quarry_jobs (queue, type, run_at) SELECT 'default', 'common', NOW(6) - INTERVAL seq SECOND FROM seq_1_to_30");
        db.exec("INSERT INTO quarry_jobs (queue, type, status, claim_token, attempts) VALUES ('default', 'common', 'running', 9, 1)");
        db.exec("ANALYZE TABLE quarry_jobs");
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(db.url());
        hc.setUsername(TestDatabase.USER);
        hc.setPassword(TestDatabase.PASSWORD);
        hc.setMaximumPoolSize(1);
        hc.setPoolName("admin-reads-session");
        session = new HikariDataSource(hc);
        ReadLimits limits = new ReadLimits(CAP, SCAN);
        status = new StatusReads(session, "quarry", "QRTZ_", limits);
        jobs = new JobReads(session, limits);
        overhead = rowsRead(() -> null).rows;
    }

    @AfterAll
    static void drop() {
        session.close();
        db.close();
    }

    @Test
    void status_counts_live_jobs_exactly_and_caps_finished_ones_reading_a_few_thousand_of_83000_rows() {
        Measured<ClusterStatus> m = rowsRead(() -> status.status(List.of("default")));
        QueueStatus def = m.result.queues().get(0);
        assertThat(def.counts().get(JobState.READY)).isEqualTo(Count.exact(30));
        assertThat(def.counts().get(JobState.RUNNING)).isEqualTo(Count.exact(1));
        assertThat(def.counts().get(JobState.DONE)).isEqualTo(new Count(CAP, true));
        assertThat(def.counts().get(JobState.DEAD)).isEqualTo(new Count(CAP, true));
        assertThat(def.doneLastHour()).isEqualTo(new Count(CAP, true));
        assertThat(def.doneLastMinute().capped()).isFalse();
        assertThat(def.doneLastMinute().value()).isBetween(15L, 25L);
        assertThat(def.oldestDueMillis()).isBetween(30_000L, 90_000L);
        assertThat(m.result.queues()).extracting(QueueStatus::name).containsExactly("default", "mail");
        // default: done, dead, done 1h, dead 1h at most CAP + 1 index entries each; mail: done and done 1h; plus 31 live
        // jobs. The counters count each capped entry twice: read from the index, then from the derived table that counts it.
        assertThat(m.rows).as("rows read by status").isLessThan(6L * 2 * (CAP + 1) + 500);
    }

    @Test
    void a_rare_type_without_a_status_reads_no_more_than_the_scan_limit_and_says_where_it_stopped() {
        Measured<JobPage> m = rowsRead(() -> jobs.jobs(null, null, "nonexistent", null, 50));
        assertThat(m.result.jobs()).isEmpty();
        assertThat(m.result.cutOff()).isTrue();
        assertThat(m.result.continueBefore()).isNotNull();
        assertThat(m.rows).as("rows read").isLessThanOrEqualTo(SCAN + 50);
    }

    @Test
    void a_rare_type_with_a_status_reads_its_index_range_no_further_than_the_scan_limit() {
        Measured<JobPage> m = rowsRead(() -> jobs.jobs("default", JobState.DONE, "nonexistent", null, 50));
        assertThat(m.result.jobs()).isEmpty();
        assertThat(m.result.cutOff()).isTrue();
        // the index entries, then a primary-key lookup for each
        assertThat(m.rows).as("rows read").isLessThanOrEqualTo(2L * SCAN + 50);
    }

    @Test
    void a_queue_and_status_page_reads_about_as_many_entries_as_it_lists() {
        Measured<JobPage> m = rowsRead(() -> jobs.jobs("mail", JobState.DONE, null, null, 50));
        assertThat(m.result.jobs()).hasSize(50);
        assertThat(m.result.jobs()).extracting(JobSummary::queue).containsOnly("mail");
        assertThat(m.result.jobs()).extracting(JobSummary::id).isSortedAccordingTo((a, b) -> Long.compare(b, a));
        assertThat(m.rows).as("rows read").isLessThan(200);
        Measured<JobPage> all = rowsRead(() -> jobs.jobs(null, JobState.DONE, null, null, 50));
        assertThat(all.result.jobs()).hasSize(50);
        assertThat(all.rows).as("rows read for every queue's done jobs").isLessThan(400);
    }

    @Test
    void paging_with_before_through_cut_off_searches_finds_every_match_once() {
        Set<Long> expected = new HashSet<>(ids("SELECT id FROM quarry_jobs WHERE type = 'rare' AND status = 'done'"));
        assertThat(expected).hasSizeGreaterThan(2_000);
        assertThat(pageThrough(JobState.DONE)).containsExactlyInAnyOrderElementsOf(expected);
        Set<Long> rareAnyStatus = new HashSet<>(ids("SELECT id FROM quarry_jobs WHERE type = 'rare'"));
        assertThat(pageThrough(null)).containsExactlyInAnyOrderElementsOf(rareAnyStatus);
    }

    @Test
    void live_jobs_of_a_status_are_listed_by_id_newest_first() {
        JobPage page = jobs.jobs("default", JobState.READY, null, null, 10);
        assertThat(page.jobs()).hasSize(10).extracting(JobSummary::id).isSortedAccordingTo((a, b) -> Long.compare(b, a));
        JobPage next = jobs.jobs("default", JobState.READY, null, page.continueBefore(), 100);
        assertThat(next.jobs()).hasSize(20).allMatch(j -> j.id() < page.jobs().get(9).id());
        assertThat(next.continueBefore()).isNull();
    }

    private static List<Long> pageThrough(JobState status) {
        List<Long> seen = new ArrayList<>();
        Long before = null;
        for (int pages = 0; pages < 500; pages++) {
            JobPage p = jobs.jobs(null, status, "rare", before, 400);
            p.jobs().forEach(j -> seen.add(j.id()));
            if (p.continueBefore() == null) return seen;
            before = p.continueBefore();
        }
        throw new AssertionError("paging did not end after 500 pages; seen " + seen.size());
    }

    private static List<Long> ids(String sql) {
        return db.query(sql).stream().map(r -> ((Number) r.get("id")).longValue()).toList();
    }

    private record Measured<T>(T result, long rows) {
    }

    private static <T> Measured<T> rowsRead(Supplier<T> read) {
        long before = handlerReads();
        T result = read.get();
        return new Measured<>(result, handlerReads() - before - overhead);
    }

    /** Every row the session's handlers read so far: index entries and table rows, by key, next, previous or scan. */
    private static long handlerReads() {
        try (Connection c = session.getConnection();
             PreparedStatement sel = c.prepareStatement("SHOW SESSION STATUS LIKE 'Handler_read%'");
             ResultSet rs = sel.executeQuery()) {
            long sum = 0;
            while (rs.next()) sum += rs.getLong(2);
            return sum;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
