package dev.quarry.testing;

import java.sql.Timestamp;
import java.util.ArrayList;
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
     * Runs that started on a node while another held the lease of the drain that claimed the job:
     * the node had lost the lease (a peer took it over) and still started a job. Node names in test_runs are the
     * {@code --name} part of the lease holder's instance id (host:name:millis).
     */
    public static List<Map<String, Object>> runsStartedWithoutTheLease(TestDatabase db) {
        return db.query("SELECT r.job_id, r.node, r.at, (SELECT l.holder FROM test_leases l WHERE l.queue = j.queue AND l.drain = r.drain AND l.at <= r.at"
                + " ORDER BY l.seq DESC LIMIT 1) AS lease_holder FROM test_runs r JOIN quarry_jobs j ON j.id = r.job_id"
                + " HAVING lease_holder IS NULL OR lease_holder NOT LIKE CONCAT('%:', r.node, ':%')");
    }

    /** How many jobs were moved to a finished status more than once. */
    public static long finalizedTwice(TestDatabase db) {
        return db.count("SELECT COUNT(*) FROM (SELECT job_id FROM test_transitions WHERE to_status IN ('done','dead','cancelled')"
                + " GROUP BY job_id HAVING COUNT(*) > 1) t");
    }

    /**
     * Pairs of runs of one job on two nodes that overlapped in time, leaving out the time either
     * run's node was frozen by SIGSTOP (a frozen JVM runs nothing). Must be none.
     *
     * @param frozen per node name, the windows (database time) during which it was frozen
     */
    public static List<String> overlappingRuns(TestDatabase db, Map<String, List<Timestamp[]>> frozen) {
        List<Map<String, Object>> runs = db.query("SELECT a.job_id, a.node AS n1, a.at AS s1, COALESCE(a.ended_at, NOW(6)) AS e1,"
                + " b.node AS n2, b.at AS s2, COALESCE(b.ended_at, NOW(6)) AS e2 FROM test_runs a JOIN test_runs b"
                + " ON a.job_id = b.job_id AND a.seq < b.seq AND a.node <> b.node WHERE a.at < COALESCE(b.ended_at, NOW(6))"
                + " AND b.at < COALESCE(a.ended_at, NOW(6))");
        List<String> bad = new ArrayList<>();
        for (Map<String, Object> r : runs) {
            Timestamp from = later((Timestamp) r.get("s1"), (Timestamp) r.get("s2"));
            Timestamp to = earlier((Timestamp) r.get("e1"), (Timestamp) r.get("e2"));
            if (!covered(frozen, from, to, (String) r.get("n1")) && !covered(frozen, from, to, (String) r.get("n2"))) bad.add(r.toString());
        }
        return bad;
    }

    private static boolean covered(Map<String, List<Timestamp[]>> frozen, Timestamp from, Timestamp to, String node) {
        for (Timestamp[] w : frozen.getOrDefault(node, List.of())) {
            if (!w[0].after(from) && !w[1].before(to)) return true;
        }
        return false;
    }

    private static Timestamp later(Timestamp a, Timestamp b) {
        return a.after(b) ? a : b;
    }

    private static Timestamp earlier(Timestamp a, Timestamp b) {
        return a.before(b) ? a : b;
    }
}
