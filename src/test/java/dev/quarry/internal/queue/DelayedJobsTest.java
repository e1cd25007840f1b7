package dev.quarry.internal.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.quarry.testing.Poll;
import dev.quarry.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Jobs that are not yet due, on a real MariaDB: they wait as scheduled, out of the claim's index
 * range, and come back as ready when due, never earlier.
 */
class DelayedJobsTest {
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static TestDatabase db;
    private static LeaseStore leases;
    private static Transactions tx;
    private JobQueue jobs;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("delayed");
        tx = new Transactions(db.dataSource());
        leases = new LeaseStore(tx, "quarry", "QRTZ_");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @BeforeEach
    void clean() {
        jobs = new JobQueue(tx); // its staging rate limit starts afresh
        db.exec("DELETE FROM quarry_jobs");
        db.exec("DELETE FROM quarry_leases");
        db.exec("DELETE FROM QRTZ_SCHEDULER_STATE");
        db.exec("INSERT INTO QRTZ_SCHEDULER_STATE (SCHED_NAME, INSTANCE_NAME, LAST_CHECKIN_TIME, CHECKIN_INTERVAL) VALUES ('quarry', 'node-a', 0, 7500)");
    }

    private Lease lease() {
        return leases.tryAcquire("default", 1, "node-a", LEASE).lease();
    }

    @Test
    void a_producer_insert_with_a_future_run_at_is_scheduled_and_one_due_now_is_ready() {
        long later = db.insert("INSERT INTO quarry_jobs (type, run_at) VALUES ('noop', NOW(6) + INTERVAL 10 MINUTE)");
        long now = db.insertJob("noop", "{}");
        long past = db.insert("INSERT INTO quarry_jobs (type, run_at) VALUES ('noop', NOW(6) - INTERVAL 1 SECOND)");
        long exactlyNow = db.insert("INSERT INTO quarry_jobs (type, run_at) VALUES ('noop', NOW(6))");
        assertThat(db.status(later)).isEqualTo("scheduled");
        assertThat(db.status(now)).isEqualTo("ready");
        assertThat(db.status(past)).isEqualTo("ready");
        assertThat(db.status(exactlyNow)).isEqualTo("ready");
    }

    @Test
    void a_claim_reads_about_as_many_rows_as_it_claims_with_a_million_delayed_jobs() throws SQLException {
        // A database of its own: emptying a million rows between tests would cost more than the test.
        try (TestDatabase big = TestDatabase.create("delayed_million")) {
            // What a producer does for a reminder tomorrow: a plain INSERT with a future run_at. Into an
            // empty table with unique_checks off, MariaDB builds the indexes by sorting (its bulk load),
            // twice as fast as row by row; the keys are all NULL, so nothing goes unchecked.
            try (Connection c = big.dataSource().getConnection(); java.sql.Statement st = c.createStatement()) {
                st.execute("SET SESSION unique_checks = 0");
                st.executeUpdate("INSERT INTO quarry_jobs (type, payload, run_at)"
                        + " SELECT 'noop', '', NOW(6) + INTERVAL 1 DAY + INTERVAL seq SECOND FROM seq_1_to_1000000");
                st.execute("SET SESSION unique_checks = 1");
            }
            big.exec("INSERT INTO quarry_jobs (type, payload, priority) SELECT 'noop', '', seq % 3 FROM seq_1_to_40");
            assertThat(big.count("SELECT COUNT(*) FROM quarry_jobs WHERE queue = 'default' AND status = 'ready'")).isEqualTo(40);
            assertClaimReadsAboutWhatItClaims(big);
        }
    }

    private static void assertClaimReadsAboutWhatItClaims(TestDatabase db) throws SQLException {

        // One connection, so the session's handler counters are the claim's own.
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(db.url());
        hc.setUsername(TestDatabase.USER);
        hc.setPassword(TestDatabase.PASSWORD);
        hc.setMaximumPoolSize(1);
        hc.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        try (HikariDataSource one = new HikariDataSource(hc)) {
            Transactions tx = new Transactions(one);
            Lease lease = new LeaseStore(tx, "quarry", "QRTZ_").tryAcquire("default", 1, "node-a", LEASE).lease();
            JobQueue queue = new JobQueue(tx);
            long session = sessionId(one);
            long first = rowsRead(one);
            long showCost = rowsRead(one) - first; // what reading the counters adds by itself
            long before = rowsRead(one);
            List<ClaimedJob> claimed = queue.claim(lease, LEASE, 100, 5, 1000);
            long read = rowsRead(one) - before - showCost;
            assertThat(sessionId(one)).as("the counters must come from one session").isEqualTo(session);

            System.out.println("one claim of " + claimed.size() + " jobs beside 1,000,000 delayed ones read " + read + " rows");
            assertThat(claimed).hasSize(40);
            // The claim and the promotion read the 40 due rows (about twice: the locking read and
            // the UPDATE by id), the lease row and a few index probes, not the million waiting.
            assertThat(read).as("rows read by the handler during one claim of 40 jobs").isLessThan(400);
        }
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'running' AND run_at > NOW(6)")).isZero();
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'scheduled'")).isEqualTo(1_000_000L);
    }

    /** The sum of the session's Handler_read_* counters: every row an index or table read returned. */
    private static long rowsRead(HikariDataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("SHOW SESSION STATUS LIKE 'Handler_read%'");
             ResultSet rs = ps.executeQuery()) {
            long sum = 0;
            while (rs.next()) sum += rs.getLong(2);
            return sum;
        }
    }

    private static long sessionId(HikariDataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT CONNECTION_ID()");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void a_scheduled_job_is_claimed_once_due_and_never_before() {
        long id = db.insert("INSERT INTO quarry_jobs (type, run_at) VALUES ('noop', NOW(6) + INTERVAL 1500000 MICROSECOND)");
        Lease lease = lease();
        assertThat(jobs.claim(lease, LEASE, 10, 5, 1000)).isEmpty();
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE id = ? AND status = 'scheduled' AND run_at > NOW(6)", id))
                .as("the empty claim came before the run_at").isEqualTo(1);

        List<ClaimedJob> claimed = new ArrayList<>();
        Poll.until(Duration.ofSeconds(10), "the scheduled job to be claimed", () -> {
            claimed.addAll(jobs.claim(lease, LEASE, 10, 5, 1000));
            return !claimed.isEmpty();
        }, () -> "job " + id + " is " + db.status(id));
        assertThat(claimed).extracting(ClaimedJob::id).containsExactly(id);
        assertThat(db.job(id)).containsEntry("status", "running").containsEntry("claimed_by", "node-a");
    }

    @Test
    void a_job_coming_due_behind_a_busy_queue_is_promoted_while_the_claims_come_back_full() {
        db.exec("INSERT INTO quarry_jobs (type, payload) SELECT 'noop', '' FROM seq_1_to_2000");
        Lease lease = lease();
        assertThat(jobs.claim(lease, LEASE, 10, 5, 1000)).hasSize(10);
        // Came due a moment ago and was not yet promoted; it outranks every ready job.
        long urgent = db.insert("INSERT INTO quarry_jobs (type, status, priority, run_at) VALUES ('noop', 'scheduled', -5, NOW(6))");
        List<Long> seen = new ArrayList<>();
        Poll.until(Duration.ofSeconds(10), "the urgent job to be claimed among full claims", () -> {
            List<ClaimedJob> claimed = jobs.claim(lease, LEASE, 10, 5, 1000);
            assertThat(claimed).hasSize(10);
            claimed.forEach(j -> seen.add(j.id()));
            return seen.contains(urgent);
        }, () -> "job " + urgent + " is " + db.status(urgent));
    }

    @Test
    void a_ready_row_written_with_a_future_run_at_is_not_claimed_before_it_and_is_once_due() {
        // Only by hand: the status column's default makes a delayed INSERT scheduled.
        long early = db.insert("INSERT INTO quarry_jobs (type, status, run_at) VALUES ('noop', 'ready', NOW(6) + INTERVAL 1500000 MICROSECOND)");
        long due = db.insertJob("noop", "{}");
        Lease lease = lease();
        List<ClaimedJob> claimed = jobs.claim(lease, LEASE, 10, 5, 1000);
        assertThat(claimed).extracting(ClaimedJob::id).containsExactly(due);
        assertThat(db.status(early)).isEqualTo("ready");
        Poll.until(Duration.ofSeconds(10), "the job claimed once due", () -> !jobs.claim(lease, LEASE, 10, 5, 1000).isEmpty(), () -> "job " + early + " never claimed");
        assertThat(db.status(early)).isEqualTo("running");
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE id = ? AND started_at >= run_at", early)).isEqualTo(1);
    }

    @Test
    void the_staging_reads_the_due_index_of_scheduled_jobs_and_a_job_that_runs_at_once_never_enters_it() {
        List<Map<String, Object>> plan = db.query("EXPLAIN " + JobQueue.STAGE_FIND_SQL, "default", 1000);
        assertThat(plan.get(0).get("key")).as(plan.toString()).isEqualTo("quarry_jobs_due");
        long now = db.insertJob("noop", "{}");
        long later = db.insert("INSERT INTO quarry_jobs (type, run_at) VALUES ('noop', NOW(6) + INTERVAL 1 HOUR)");
        assertThat(db.job(now).get("scheduled_queue")).isNull();
        assertThat(db.job(later).get("scheduled_queue")).isEqualTo("default");
        jobs.claim(lease(), LEASE, 10, 5, 1000);
        assertThat(db.status(now)).isEqualTo("running");
        assertThat(db.job(now).get("scheduled_queue")).isNull();
    }

    @Test
    void a_burst_coming_due_at_once_is_promoted_in_bounded_steps() {
        db.exec("INSERT INTO quarry_jobs (type, status, run_at) SELECT 'noop', 'scheduled', NOW(6) - INTERVAL seq SECOND FROM seq_1_to_2500");
        assertThat(jobs.stage("default", 1000)).isEqualTo(1000);
        assertThat(db.statusCounts()).containsEntry("ready", 1000L).containsEntry("scheduled", 1500L);
        assertThat(jobs.stage("default", 1000)).isEqualTo(1000);
        assertThat(jobs.stage("default", 1000)).isEqualTo(500);
        assertThat(jobs.stage("default", 1000)).isZero();
        assertThat(db.statusCounts()).containsOnlyKeys("ready").containsEntry("ready", 2500L);
    }

    @Test
    void a_retry_with_backoff_and_a_later_run_wait_as_scheduled_and_a_give_back_now_is_ready() {
        long a = db.insertJob("noop", "{}");
        long b = db.insertJob("noop", "{}");
        long c = db.insertJob("noop", "{}");
        List<ClaimedJob> claimed = jobs.claim(lease(), LEASE, 10, 5, 1000);
        assertThat(claimed).hasSize(3);
        assertThat(jobs.retry(byId(claimed, a), Duration.ofMinutes(1), "boom")).isTrue();
        assertThat(jobs.giveBack(byId(claimed, b), Duration.ofMinutes(5), "later")).isTrue();
        assertThat(jobs.giveBack(byId(claimed, c), Duration.ZERO, null)).isTrue();
        assertThat(db.job(a)).containsEntry("status", "scheduled").containsEntry("last_error", "boom").containsEntry("attempts", 1);
        assertThat(db.job(b)).containsEntry("status", "scheduled").containsEntry("attempts", 0);
        assertThat(db.status(c)).isEqualTo("ready");
        assertThat(jobs.hasDue("default")).isTrue();
    }

    private static ClaimedJob byId(List<ClaimedJob> jobs, long id) {
        return jobs.stream().filter(j -> j.id() == id).findFirst().orElseThrow();
    }

    @Test
    void has_due_sees_a_due_job_that_is_not_yet_promoted_and_ignores_one_due_later() {
        db.exec("INSERT INTO quarry_jobs (type, run_at) VALUES ('noop', NOW(6) + INTERVAL 1 HOUR)");
        assertThat(jobs.hasDue("default")).isFalse();
        db.exec("INSERT INTO quarry_jobs (type, status, run_at) VALUES ('noop', 'scheduled', NOW(6) - INTERVAL 1 SECOND)");
        assertThat(jobs.hasDue("default")).isTrue();
    }

    @Test
    void a_unique_key_held_by_a_scheduled_job_refuses_a_second_insert() {
        long first = db.insert("INSERT INTO quarry_jobs (type, run_at, unique_key) VALUES ('noop', NOW(6) + INTERVAL 1 DAY, 'reminder-7')");
        assertThat(db.status(first)).isEqualTo("scheduled");
        assertThatThrownBy(() -> db.insert("INSERT INTO quarry_jobs (type, unique_key) VALUES ('noop', 'reminder-7')"))
                .hasMessageContaining("Duplicate entry 'reminder-7'");
        db.exec("UPDATE quarry_jobs SET status = 'cancelled' WHERE id = ?", first);
        assertThat(db.insert("INSERT INTO quarry_jobs (type, unique_key) VALUES ('noop', 'reminder-7')")).isGreaterThan(first);
    }
}
