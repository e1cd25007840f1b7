package dev.quarry.testing;

import java.util.List;
import java.util.Map;

/**
 * Checks over a run's audit tables (test_runs, test_leases, test_transitions; see
 * {@link TestDatabase}), shared by the cluster tests and the soak run.
 */
public final class RunChecks {
    private RunChecks() {
    }

    /**
     * Runs that started on a node while another held the lease of the job's queue: the node had
     * lost the lease (a peer took it over) and still started a job. Node names in test_runs are the
     * {@code --name} part of the lease holder's instance id (host:name:millis).
     */
    public static List<Map<String, Object>> runsStartedWithoutTheLease(TestDatabase db) {
        return db.query("SELECT r.job_id, r.node, r.at, (SELECT l.holder FROM test_leases l WHERE l.queue = j.queue AND l.at <= r.at"
                + " ORDER BY l.seq DESC LIMIT 1) AS lease_holder FROM test_runs r JOIN quarry_jobs j ON j.id = r.job_id"
                + " HAVING lease_holder IS NULL OR lease_holder NOT LIKE CONCAT('%:', r.node, ':%')");
    }

    /** How many jobs were moved to a finished status more than once. */
    public static long finalizedTwice(TestDatabase db) {
        return db.count("SELECT COUNT(*) FROM (SELECT job_id FROM test_transitions WHERE to_status IN ('done','dead','cancelled')"
                + " GROUP BY job_id HAVING COUNT(*) > 1) t");
    }
}
