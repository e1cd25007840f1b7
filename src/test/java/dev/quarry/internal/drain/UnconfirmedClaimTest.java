package dev.quarry.internal.drain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.handler.JobHandler;
import dev.quarry.handler.Outcome;
import dev.quarry.testing.TestDatabase;
import dev.quarry.testing.TestRuntime;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLNonTransientConnectionException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A claim whose COMMIT reached the server but whose reply never came back (the connection broke
 * in between: a database outage, a failover, a proxy that cut it). The server committed: the rows
 * are running under the drain's own lease epoch, with a token no worker of the drain holds. The
 * drain must give them back unrun, with their attempt not counted, and run them: no rescue would
 * take them while it holds its lease, and a rescue would count an attempt that never ran (with
 * max_attempts=1, bury a job that never ran). The test's connections really commit, on a real
 * MariaDB, then report the broken connection a driver would.
 */
class UnconfirmedClaimTest {
    private static final int JOBS = 40;
    private static final int WORKERS = 4;
    private static TestDatabase db;
    private final Map<Long, AtomicInteger> runs = new ConcurrentHashMap<>();

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("unconfirmed");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @BeforeEach
    void emptyQueue() {
        db.exec("DELETE FROM quarry_jobs");
        db.exec("DELETE FROM quarry_leases");
        runs.clear();
    }

    @ParameterizedTest(name = "the reply to claim {0}''s commit is lost, max_attempts={1}")
    @CsvSource({"1, 1", "3, 1", "2, 3", "6, 1"})
    void the_jobs_of_a_claim_whose_commit_was_not_confirmed_run_once_without_losing_an_attempt(int lostClaim, int maxAttempts) {
        db.insertJobs(JOBS, "default", "count");
        LosesOneCommitReply source = new LosesOneCommitReply(db.dataSource(), lostClaim);
        Map<String, JobHandler> handlers = Map.of("count", job -> {
            runs.computeIfAbsent(job.id(), id -> new AtomicInteger()).incrementAndGet();
            return Outcome.done();
        });
        DrainSummary s;
        try (TestRuntime rt = new TestRuntime(db, source.dataSource(), "node-a", "queue.default.workers = " + WORKERS
                + "\nretry.max-attempts = " + maxAttempts + "\n", handlers)) {
            s = rt.drainUntilIdle();
        }
        assertThat(source.lost()).as("a claim's reply was lost").isTrue();
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'done'")).as("every job done").isEqualTo(JOBS);
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE attempts <> 1")).as("jobs whose attempts are not 1").isZero();
        assertThat(runs).hasSize(JOBS);
        assertThat(runs.values()).allMatch(n -> n.get() == 1, "each job ran once");
        assertThat(s.givenBack()).as("the unconfirmed claim's jobs, given back unrun").isBetween(1, WORKERS);
        assertThat(s.endedBy()).isEqualTo("idle");
    }

    /**
     * Connections that, at the {@code n}th claim (the UPDATE that takes rows), commit for real and
     * then throw what the driver throws when the connection broke while it waited for the reply.
     */
    private static final class LosesOneCommitReply {
        private final DataSource real;
        private final int n;
        private final AtomicInteger claims = new AtomicInteger();
        private volatile boolean lost;

        LosesOneCommitReply(DataSource real, int n) {
            this.real = real;
            this.n = n;
        }

        boolean lost() {
            return lost;
        }

        DataSource dataSource() {
            return (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class}, (p, m, args) -> {
                Object r = invoke(real, m, args);
                return m.getName().equals("getConnection") ? connection((Connection) r) : r;
            });
        }

        private Connection connection(Connection c) {
            boolean[] claimed = {false};
            return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class}, (p, m, args) -> {
                if (m.getName().equals("prepareStatement") && args[0] instanceof String sql
                        && sql.startsWith("UPDATE quarry_jobs j JOIN quarry_leases") && claims.incrementAndGet() == n) {
                    claimed[0] = true;
                }
                Object r = invoke(c, m, args);
                if (m.getName().equals("commit") && claimed[0]) {
                    claimed[0] = false;
                    lost = true;
                    throw new SQLNonTransientConnectionException("(conn=1) Connection reset (the test lost the reply to COMMIT)", "08000");
                }
                return r;
            });
        }

        private static Object invoke(Object target, java.lang.reflect.Method m, Object[] args) throws Throwable {
            try {
                return m.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }
}
