package dev.quarry.internal.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quarry.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The lease and the claim token on a real MariaDB: what keeps two drains, and late completions, apart. */
class LeaseAndFencingTest {
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static TestDatabase db;
    private static LeaseStore leases;
    private static JobQueue jobs;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("lease");
        Transactions tx = new Transactions(db.dataSource());
        leases = new LeaseStore(tx, "quarry", "QRTZ_");
        jobs = new JobQueue(tx);
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @BeforeEach
    void clean() {
        db.exec("DELETE FROM quarry_jobs");
        db.exec("DELETE FROM quarry_leases");
        db.exec("DELETE FROM QRTZ_SCHEDULER_STATE");
        checkIn("node-a");
        checkIn("node-b");
    }

    private static void checkIn(String node) {
        db.exec("INSERT INTO QRTZ_SCHEDULER_STATE (SCHED_NAME, INSTANCE_NAME, LAST_CHECKIN_TIME, CHECKIN_INTERVAL) VALUES ('quarry', ?, 0, 7500)", node);
    }

    @Test
    void a_live_lease_is_refused_to_another_drain_naming_its_holder() {
        LeaseStore.Result a = leases.tryAcquire("default", 1, "node-a", LEASE);
        assertThat(a.acquired()).isTrue();
        assertThat(a.lease().epoch()).isEqualTo(1);
        LeaseStore.Result b = leases.tryAcquire("default", 1, "node-b", LEASE);
        assertThat(b.acquired()).isFalse();
        assertThat(b.refused().holder()).isEqualTo("node-a");
        assertThat(b.refused().expiresInMillis()).isBetween(20_000L, 30_000L);
    }

    @Test
    void the_first_live_holder_of_a_queue_is_the_lowest_name_among_its_unexpired_leases() {
        assertThat(leases.firstLiveHolder("default")).isEmpty();
        assertThat(leases.tryAcquire("default", 2, "node-b", LEASE).acquired()).isTrue();
        assertThat(leases.firstLiveHolder("default")).contains("node-b");
        assertThat(leases.tryAcquire("default", 1, "node-a", LEASE).acquired()).isTrue();
        assertThat(leases.firstLiveHolder("default")).contains("node-a");
        db.exec("UPDATE quarry_leases SET expires_at = NOW(6) - INTERVAL 1 SECOND WHERE holder = 'node-a'");
        assertThat(leases.firstLiveHolder("default")).as("an expired lease holds nothing").contains("node-b");
        assertThat(leases.firstLiveHolder("other")).isEmpty();
    }

    @Test
    void a_pause_reaches_every_drain_of_the_queue_and_the_drains_created_after_it() {
        assertThat(leases.tryAcquire("default", 1, "node-a", LEASE).acquired()).isTrue();
        assertThat(leases.setPaused("default", true)).as("paused before").isFalse();
        assertThat(leases.setPaused("default", true)).as("paused before").isTrue();
        assertThat(leases.tryAcquire("default", 2, "node-b", LEASE).acquired()).isTrue();
        assertThat(db.count("SELECT COUNT(*) FROM quarry_leases WHERE queue = 'default' AND paused = 1")).isEqualTo(2);
        assertThat(leases.setPaused("default", false)).isTrue();
        assertThat(db.count("SELECT COUNT(*) FROM quarry_leases WHERE paused = 1")).isZero();
        assertThat(leases.setPaused("never-ran", true)).as("a queue with no lease row yet").isFalse();
        assertThat(db.count("SELECT COUNT(*) FROM quarry_leases WHERE queue = 'never-ran' AND drain = 1 AND paused = 1")).isEqualTo(1);
    }

    @Test
    void a_stopping_node_removes_its_own_check_in_row_only() {
        NodeQueues nodes = new NodeQueues(new Transactions(db.dataSource()), "quarry", "QRTZ_");
        db.exec("INSERT INTO QRTZ_SCHEDULER_STATE (SCHED_NAME, INSTANCE_NAME, LAST_CHECKIN_TIME, CHECKIN_INTERVAL) VALUES ('other', 'node-a', 0, 7500)");
        nodes.forgetCheckIn("node-a");
        assertThat(db.query("SELECT SCHED_NAME, INSTANCE_NAME FROM QRTZ_SCHEDULER_STATE ORDER BY SCHED_NAME, INSTANCE_NAME"))
                .extracting(r -> r.get("SCHED_NAME") + "/" + r.get("INSTANCE_NAME")).containsExactly("other/node-a", "quarry/node-b");
    }

    @Test
    void even_the_same_node_cannot_take_a_live_lease_twice() {
        assertThat(leases.tryAcquire("default", 1, "node-a", LEASE).acquired()).isTrue();
        assertThat(leases.tryAcquire("default", 1, "node-a", LEASE).acquired()).isFalse();
    }

    @Test
    void a_released_or_expired_lease_is_taken_with_a_higher_epoch() {
        Lease first = leases.tryAcquire("default", 1, "node-a", LEASE).lease();
        assertThat(leases.release(first)).isTrue();
        Lease second = leases.tryAcquire("default", 1, "node-b", Duration.ofMillis(1)).lease();
        assertThat(second.epoch()).isEqualTo(first.epoch() + 1);
        db.exec("UPDATE quarry_leases SET expires_at = NOW(6) - INTERVAL 1 SECOND");
        Lease third = leases.tryAcquire("default", 1, "node-a", LEASE).lease();
        assertThat(third.epoch()).isEqualTo(second.epoch() + 1);
    }

    @Test
    void an_unexpired_lease_is_never_taken_even_when_quartz_declared_its_holder_dead() {
        Lease a = leases.tryAcquire("default", 1, "node-a", LEASE).lease();
        db.exec("DELETE FROM QRTZ_SCHEDULER_STATE WHERE INSTANCE_NAME = 'node-a'"); // what Quartz's cluster recovery does
        LeaseStore.Result b = leases.tryAcquire("default", 1, "node-b", LEASE);
        assertThat(b.acquired()).as("Quartz's verdict alone frees nothing").isFalse();
        assertThat(b.refused().holder()).isEqualTo("node-a");
        assertThat(b.refused().holderCheckedIn()).isFalse();
        assertThat(b.refused().expiresInMillis()).isPositive();
        db.exec("UPDATE quarry_leases SET expires_at = NOW(6) - INTERVAL 1 MICROSECOND"); // the expiry, by database time
        LeaseStore.Result c = leases.tryAcquire("default", 1, "node-b", LEASE);
        assertThat(c.acquired()).isTrue();
        assertThat(c.lease().epoch()).isEqualTo(a.epoch() + 1);
    }

    @Test
    void a_drain_whose_lease_was_taken_over_can_neither_claim_nor_renew() {
        Lease a = leases.tryAcquire("default", 1, "node-a", LEASE).lease();
        db.exec("UPDATE quarry_leases SET expires_at = NOW(6) - INTERVAL 1 SECOND"); // node-a stalled past its lease
        leases.tryAcquire("default", 1, "node-b", LEASE);
        db.insertJob("noop", "{}");
        assertThatThrownBy(() -> jobs.claim(a, LEASE, 10, 5, 1000)).isInstanceOf(LeaseLostException.class)
                .hasMessageContaining("epoch " + a.epoch());
        assertThatThrownBy(() -> leases.renew(a, LEASE)).isInstanceOf(LeaseLostException.class);
        assertThat(leases.release(a)).isFalse();
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'ready'")).isEqualTo(1);
    }

    @Test
    void a_late_completion_after_a_take_over_changes_nothing() {
        long id = db.insertJob("noop", "{}");
        Lease a = leases.tryAcquire("default", 1, "node-a", LEASE).lease();
        List<ClaimedJob> claimedByA = jobs.claim(a, LEASE, 10, 5, 1000);
        assertThat(claimedByA).hasSize(1);

        // node-a stalls past its lease; node-b takes the queue and rescues the job
        db.exec("UPDATE quarry_leases SET expires_at = NOW(6) - INTERVAL 1 SECOND");
        Lease b = leases.tryAcquire("default", 1, "node-b", LEASE).lease();
        List<JobQueue.Rescued> rescued = jobs.rescueOrphans(b, 5);
        assertThat(rescued).extracting(JobQueue.Rescued::id).containsExactly(id);
        List<ClaimedJob> claimedByB = jobs.claim(b, LEASE, 10, 5, 1000);
        assertThat(claimedByB).hasSize(1);
        assertThat(claimedByB.get(0).attempt()).isEqualTo(2);

        // node-a wakes up and reports its run: every transition is refused
        assertThat(jobs.markDone(claimedByA)).containsExactlyElementsOf(claimedByA);
        assertThat(jobs.retry(claimedByA.get(0), Duration.ZERO, "late")).isFalse();
        assertThat(jobs.bury(claimedByA.get(0), "late")).isFalse();
        assertThat(jobs.giveBack(claimedByA.get(0), Duration.ZERO, null)).isFalse();
        assertThat(db.job(id)).containsEntry("status", "running").containsEntry("claimed_by", "node-b");
        assertThat(jobs.describe(id)).isEqualTo("the row is now running, attempt 2, claimed by node-b under lease epoch " + b.epoch());

        assertThat(jobs.markDone(claimedByB)).isEmpty();
        assertThat(db.status(id)).isEqualTo("done");
        Object finishedAt = db.job(id).get("finished_at");
        // Recording the same claim's completion again (a retried commit) is accepted and changes nothing.
        assertThat(jobs.markDone(claimedByB)).isEmpty();
        assertThat(db.job(id).get("finished_at")).isEqualTo(finishedAt);
    }

    @Test
    void orphans_with_attempts_left_go_back_to_ready_and_the_rest_go_dead() {
        long again = db.insert("INSERT INTO quarry_jobs (type, status, attempts, claimed_by, lease_epoch, claim_token) VALUES ('noop', 'running', 1, 'gone', 3, 9)");
        long last = db.insert("INSERT INTO quarry_jobs (type, status, attempts, max_attempts, claimed_by, lease_epoch, claim_token) VALUES ('noop', 'running', 2, 2, 'gone', 3, 9)");
        long current = db.insert("INSERT INTO quarry_jobs (type, status, attempts, claimed_by, lease_epoch, claim_token) VALUES ('noop', 'running', 1, 'me', 4, 9)");
        List<JobQueue.Rescued> r = jobs.rescueOrphans(new Lease("default", 1, "me", 4), 5);
        assertThat(r).extracting(JobQueue.Rescued::id).containsExactlyInAnyOrder(again, last);
        assertThat(db.job(again)).containsEntry("status", "ready").containsEntry("attempts", 1)
                .containsEntry("last_error", "orphaned: node gone stopped during attempt 1 of 5; will run again");
        assertThat(db.job(last)).containsEntry("status", "dead")
                .containsEntry("last_error", "orphaned: node gone stopped during attempt 2 of 2; no attempts left");
        assertThat(db.status(current)).isEqualTo("running");
    }

    @Test
    void the_claim_query_is_served_by_the_claim_index_without_a_sort() {
        db.insertJobs(2000, "default", "noop");
        db.insertJobs(2000, "other", "noop");
        db.exec("UPDATE quarry_jobs SET status = 'done' WHERE id % 2 = 0");
        db.exec("ANALYZE TABLE quarry_jobs");
        List<java.util.Map<String, Object>> plan = db.query("EXPLAIN " + JobQueue.CLAIM_SQL, 1000, 5, "default", 100);
        assertThat(plan.get(0).get("key")).as(plan.toString()).isEqualTo("quarry_jobs_claim");
        assertThat(String.valueOf(plan.get(0).get("Extra"))).doesNotContain("filesort");
    }

    /**
     * A drain whose node froze in the middle of its claim transaction (it had marked its jobs done
     * and staged) holds row locks until its node comes back or the server drops the connection.
     * Another drain of the same queue must not wait on them: its claim, its completions and its
     * rescue of its own orphans go on. (A staging UPDATE over an index range held the entry past
     * the range's end, another drain's running job, and stopped the queue's other drains for as
     * long as the freeze.)
     */
    @Test
    void an_open_transaction_of_one_drain_holds_up_no_other_drain_of_the_queue() throws Exception {
        Lease one = leases.tryAcquire("default", 1, "node-a", LEASE).lease();
        Lease two = leases.tryAcquire("default", 2, "node-b", LEASE).lease();
        for (int i = 0; i < 20; i++) db.insertJob("noop", "{}");
        List<ClaimedJob> ofOne = jobs.claim(one, LEASE, 2, 5, 1000);
        List<ClaimedJob> ofTwo = jobs.claim(two, LEASE, 2, 5, 1000);
        db.exec("INSERT INTO quarry_jobs (type, status, run_at) VALUES ('noop', 'scheduled', NOW(6) - INTERVAL 1 SECOND)");
        long orphan = db.insert("INSERT INTO quarry_jobs (type, status, attempts, claim_token, claimed_by, lease_epoch, drain)"
                + " VALUES ('noop', 'running', 1, 5, 'gone', 0, 2)");
        try (java.sql.Connection frozen = db.dataSource().getConnection()) {
            frozen.setAutoCommit(false);
            try (java.sql.PreparedStatement done = frozen.prepareStatement(
                    "UPDATE quarry_jobs SET status = 'done', finished_at = NOW(6) WHERE id = ? AND claim_token = ?")) {
                for (ClaimedJob j : ofOne) {
                    done.setLong(1, j.id());
                    done.setLong(2, j.claimToken());
                    done.executeUpdate();
                }
            }
            assertThat(JobQueue.stage(frozen, "default", 1000)).as("the frozen drain staged the due job").isEqualTo(1);
            // ... and its node stops here, the transaction open.
            java.util.concurrent.ExecutorService other = java.util.concurrent.Executors.newSingleThreadExecutor();
            try {
                JobQueue.Claim claim = other.submit(() -> jobs.claim(two, LEASE, true, JobQueue.newClaimToken(), 4, 5, 1000, ofTwo, null))
                        .get(10, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(claim.refusedCompletions()).isEmpty();
                assertThat(claim.jobs()).hasSize(4);
                Lease retaken = new Lease("default", 2, "node-b", two.epoch() + 1);
                db.exec("UPDATE quarry_leases SET epoch = epoch + 1 WHERE queue = 'default' AND drain = 2");
                List<JobQueue.Rescued> rescued = other.submit(() -> jobs.rescueOrphans(retaken, 5)).get(10, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(rescued).extracting(JobQueue.Rescued::id).contains(orphan);
            } finally {
                other.shutdownNow();
                frozen.rollback();
            }
        }
    }
}
