package dev.quarry.soak;

import dev.quarry.testing.NodeProcess;
import dev.quarry.testing.TestConfig;
import dev.quarry.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The soak and chaos run (bin/soak; not part of the test suite): N node JVMs drain one database
 * while a producer inserts at a steady rate and a chaos loop kills (-9), freezes (SIGSTOP, then
 * SIGCONT) and restarts nodes at random. At the end it waits for every job to finish, checks
 * each job's final state, and prints one line of figures. Exit 1 when a job was lost, left
 * unfinished, or finalized twice.
 *
 * <pre>bin/soak [--nodes 3] [--minutes 10] [--rate 100] [--chaos-every 20] [--job-millis 5]</pre>
 */
public final class Soak {
    private int nodes = 3;
    private int queues = 3;
    private double minutes = 10;
    private int rate = 100;
    private int chaosEverySeconds = 20;
    private int jobMillis = 5;

    public static void main(String[] args) throws Exception {
        Soak s = new Soak();
        for (int i = 0; i < args.length; i += 2) {
            String v = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--nodes" -> s.nodes = Integer.parseInt(v);
                case "--minutes" -> s.minutes = Double.parseDouble(v);
                case "--rate" -> s.rate = Integer.parseInt(v);
                case "--chaos-every" -> s.chaosEverySeconds = Integer.parseInt(v);
                case "--job-millis" -> s.jobMillis = Integer.parseInt(v);
                case "--queues" -> s.queues = Integer.parseInt(v);
                default -> {
                    System.err.println("usage: bin/soak [--nodes N] [--queues Q] [--minutes M] [--rate JOBS_PER_S] [--chaos-every S] [--job-millis MS]");
                    System.exit(2);
                }
            }
        }
        System.exit(s.run() ? 0 : 1);
    }

    private boolean run() throws Exception {
        Path work = Files.createDirectories(Path.of("target", "soak", Long.toString(System.currentTimeMillis())));
        try (TestDatabase db = TestDatabase.create("soak").withTransitionAudit().withRunLog().withLeaseAudit()) {
            StringBuilder perQueue = new StringBuilder("queues = " + String.join(",", queueNames()) + "\n");
            for (String q : queueNames()) perQueue.append("queue.").append(q).append(".workers = 4\n");
            // The shipped timings: lease 30 s, Quartz's check-in 7.5 s, the default poll interval and cron.
            Path config = TestConfig.writeShipped(work.resolve("config"), perQueue + """
                    handler.record.class = dev.quarry.testing.RecordingHandler
                    retry.max-attempts = 20
                    """);
            Map<String, String> env = Map.of("QUARRY_TEST_JOB_MILLIS", Integer.toString(jobMillis));
            List<NodeProcess> running = new ArrayList<>();
            for (int i = 1; i <= nodes; i++) running.add(NodeProcess.start("n" + i, db, config, work, env));
            for (NodeProcess n : running) n.instanceId(Duration.ofMinutes(2));
            System.out.printf("soak: %d nodes, %d queues, %d jobs/s for %.1f min, a fault every ~%d s; logs in %s%n", nodes, queues, rate, minutes,
                    chaosEverySeconds, work);

            AtomicLong inserted = new AtomicLong();
            long endNanos = System.nanoTime() + (long) (minutes * 60e9);
            Thread producer = new Thread(() -> produce(db, endNanos, inserted), "soak-producer");
            producer.start();
            int faults = chaos(running, db, config, work, env, endNanos);
            producer.join();

            for (NodeProcess n : running) n.signal("CONT");
            long drainDeadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (db.count("SELECT COUNT(*) FROM quarry_jobs WHERE status IN ('scheduled','ready','running')") > 0 && System.nanoTime() < drainDeadline) {
                Thread.sleep(500);
            }
            long total = db.count("SELECT COUNT(*) FROM quarry_jobs");
            long done = db.count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'done'");
            long dead = db.count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'dead'");
            long unfinished = db.count("SELECT COUNT(*) FROM quarry_jobs WHERE status IN ('scheduled','ready','running')");
            long duplicates = db.count("SELECT COUNT(*) FROM test_runs") - db.count("SELECT COUNT(DISTINCT job_id) FROM test_runs");
            long finalizedTwice = db.count("SELECT COUNT(*) FROM (SELECT job_id FROM test_transitions WHERE to_status IN ('done','dead')"
                    + " GROUP BY job_id HAVING COUNT(*) > 1) t");
            long neverRan = db.count("SELECT COUNT(*) FROM quarry_jobs j WHERE j.status = 'done' AND NOT EXISTS"
                    + " (SELECT 1 FROM test_runs r WHERE r.job_id = j.id)");
            long maxLatencyMs = db.count("SELECT COALESCE(MAX(TIMESTAMPDIFF(MICROSECOND, j.created_at, r.first_run)) DIV 1000, 0)"
                    + " FROM quarry_jobs j JOIN (SELECT job_id, MIN(at) AS first_run FROM test_runs GROUP BY job_id) r ON r.job_id = j.id");
            long p99LatencyMs = percentileLatency(db, 0.99);
            long withoutLease = dev.quarry.testing.RunChecks.runsStartedWithoutTheLease(db).size();
            for (NodeProcess n : running) {
                n.keepOutput("soak");
                n.close();
            }
            boolean ok = total == inserted.get() && unfinished == 0 && finalizedTwice == 0 && neverRan == 0 && withoutLease == 0;
            System.out.printf("soak %s: nodes=%d queues=%d minutes=%.1f inserted=%d done=%d dead=%d unfinished=%d duplicates=%d finalized_twice=%d"
                            + " started_without_lease=%d max_latency_ms=%d p99_latency_ms=%d faults=%d%n", ok ? "ok" : "FAILED", nodes, queues, minutes,
                    inserted.get(), done, dead, unfinished, duplicates, finalizedTwice, withoutLease, maxLatencyMs, p99LatencyMs, faults);
            return ok;
        }
    }

    /** Inserts at a fixed rate, paced by a schedule so slow inserts do not lower the rate. */
    private void produce(TestDatabase db, long endNanos, AtomicLong inserted) {
        long intervalNanos = 1_000_000_000L / rate;
        long next = System.nanoTime();
        try (Connection c = DriverManager.getConnection(db.url(), TestDatabase.USER, TestDatabase.PASSWORD);
             PreparedStatement ps = c.prepareStatement("INSERT INTO quarry_jobs (queue, type, payload) VALUES (?, 'record', '{}')")) {
            List<String> names = queueNames();
            while (next < endNanos) {
                long wait = next - System.nanoTime();
                if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
                ps.setString(1, names.get((int) (inserted.get() % names.size())));
                ps.executeUpdate();
                inserted.incrementAndGet();
                next += intervalNanos;
            }
        } catch (Exception e) {
            System.err.println("soak: producer stopped: " + e);
        }
    }

    /** Until the end, every ~chaosEverySeconds: kill -9 and restart, freeze and thaw, or SIGTERM and restart a node. */
    private int chaos(List<NodeProcess> running, TestDatabase db, Path config, Path work, Map<String, String> env, long endNanos)
            throws InterruptedException {
        Random random = new Random();
        int faults = 0;
        int generation = 0;
        while (System.nanoTime() < endNanos) {
            TimeUnit.SECONDS.sleep(chaosEverySeconds / 2 + random.nextInt(Math.max(1, chaosEverySeconds)));
            if (System.nanoTime() >= endNanos) break;
            int i = random.nextInt(running.size());
            NodeProcess victim = running.get(i);
            int kind = random.nextInt(3);
            faults++;
            switch (kind) {
                case 0 -> {
                    System.out.println("soak: kill -9 " + victim.name());
                    victim.signal("KILL");
                    victim.awaitExit(Duration.ofSeconds(30));
                }
                case 1 -> {
                    int seconds = 1 + random.nextInt(60); // from a GC pause to well past the lease
                    System.out.println("soak: SIGSTOP " + victim.name() + " for " + seconds + " s");
                    victim.signal("STOP");
                    TimeUnit.SECONDS.sleep(seconds);
                    victim.signal("CONT");
                    continue;
                }
                default -> {
                    System.out.println("soak: SIGTERM " + victim.name());
                    victim.signal("TERM");
                    victim.awaitExit(Duration.ofSeconds(60));
                }
            }
            victim.keepOutput("soak");
            NodeProcess replacement = NodeProcess.start(victim.name().replaceAll("-\\d+$", "") + "-" + (++generation), db, config, work, env);
            running.set(i, replacement);
        }
        return faults;
    }

    /** q1..qN: the producer inserts into them in turn; the nodes' balancing spreads their drains. */
    private List<String> queueNames() {
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= queues; i++) names.add("q" + i);
        return names;
    }

    private static long percentileLatency(TestDatabase db, double p) {
        long n = db.count("SELECT COUNT(DISTINCT job_id) FROM test_runs");
        if (n == 0) return 0;
        long offset = Math.max(0, (long) Math.ceil(n * p) - 1);
        return db.count("SELECT TIMESTAMPDIFF(MICROSECOND, j.created_at, r.first_run) DIV 1000 FROM quarry_jobs j"
                + " JOIN (SELECT job_id, MIN(at) AS first_run FROM test_runs GROUP BY job_id) r ON r.job_id = j.id"
                + " ORDER BY 1 LIMIT 1 OFFSET " + offset);
    }
}
