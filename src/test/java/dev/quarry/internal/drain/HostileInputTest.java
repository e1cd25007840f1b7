package dev.quarry.internal.drain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.quarry.handler.JobHandler;
import dev.quarry.handler.Outcome;
import dev.quarry.testing.TestDatabase;
import dev.quarry.testing.TestRuntime;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Rows crafted to hurt, and handlers that misbehave: each gets a clear outcome and the drain goes on. */
class HostileInputTest {
    private static TestDatabase db;
    private static final AtomicBoolean releaseStubborn = new AtomicBoolean();
    private final List<String> payloads = new CopyOnWriteArrayList<>();
    private TestRuntime rt;
    private ListAppender<ILoggingEvent> logs;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("hostile");
    }

    @AfterAll
    static void dropDatabase() {
        releaseStubborn.set(true);
        db.close();
    }

    @BeforeEach
    void setUp() {
        db.exec("DELETE FROM quarry_jobs");
        db.exec("DELETE FROM quarry_leases");
        Map<String, JobHandler> handlers = Map.of(
                "echo", job -> {
                    payloads.add(job.payload());
                    return Outcome.done();
                },
                "stubborn", job -> {
                    // ignores interrupts until the test class ends
                    while (!releaseStubborn.get()) Thread.onSpinWait();
                    return Outcome.done();
                });
        rt = new TestRuntime(db, "node-h", "queue.default.workers = 2\nshutdown.grace = 200ms\n", handlers);
        logs = new ListAppender<>();
        logs.start();
        ((Logger) LoggerFactory.getLogger(Drain.class)).addAppender(logs);
    }

    @AfterEach
    void tearDown() {
        ((Logger) LoggerFactory.getLogger(Drain.class)).detachAppender(logs);
        rt.close();
    }

    @Test
    void a_payload_crafted_for_sql_injection_is_stored_and_delivered_as_plain_data() {
        String payload = "'); DROP TABLE quarry_jobs; UPDATE quarry_jobs SET status='done' WHERE ('1'='1";
        long id = db.insertJob("echo", payload);
        long other = db.insertJob("echo", "x");
        rt.drainUntilIdle();
        assertThat(payloads).containsExactlyInAnyOrder(payload, "x");
        assertThat(db.status(id)).isEqualTo("done");
        assertThat(db.status(other)).isEqualTo("done");
    }

    @Test
    void a_type_crafted_to_forge_log_lines_is_escaped_in_the_log() {
        String type = "x\n2026-01-01 00:00:00.000 INFO node [default] job 1 done\u001b[2J";
        long id = db.insertJob(type, "{}");
        rt.drainUntilIdle();
        assertThat(db.status(id)).isEqualTo("dead");
        List<String> lines = logs.list.stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.startsWith("job " + id)).toList();
        assertThat(lines).singleElement().asString().doesNotContain("\n", "\u001b").contains("x\\n2026-01-01").contains("\\x1b[2J");
    }

    @Test
    void invalid_utf8_is_refused_at_insert_so_the_producer_knows() throws Exception {
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO quarry_jobs (type, payload) VALUES ('echo', CONVERT(X'C328' USING binary))")) {
            assertThatThrownBy(ps::executeUpdate).hasMessageContaining("Incorrect string value");
        }
    }

    @Test
    void extreme_priorities_and_dates_are_ordinary_rows() {
        long far = db.insert("INSERT INTO quarry_jobs (type, payload, run_at) VALUES ('echo', 'future', '9999-12-31 23:59:59')");
        long old = db.insert("INSERT INTO quarry_jobs (type, payload, run_at, priority) VALUES ('echo', 'past', '1000-01-01', 2147483647)");
        long urgent = db.insert("INSERT INTO quarry_jobs (type, payload, priority) VALUES ('echo', 'urgent', -2147483648)");
        rt.drainUntilIdle();
        assertThat(db.status(old)).isEqualTo("done");
        assertThat(db.status(urgent)).isEqualTo("done");
        assertThat(db.status(far)).isEqualTo("scheduled");
        assertThat(payloads).containsExactlyInAnyOrder("urgent", "past");
    }

    @Test
    void a_handler_that_ignores_interrupts_is_abandoned_after_the_grace_and_its_job_given_back() {
        long id = db.insertJob("stubborn", "{}");
        long t0 = System.nanoTime();
        Drain drain = new Drain(rt.runtime, 1, Instant.now().plusSeconds(60));
        Thread stopper = new Thread(() -> {
            dev.quarry.testing.Poll.until(Duration.ofSeconds(10), "the job to start", () -> "running".equals(db.status(id)));
            drain.requestStop();
        });
        stopper.start();
        DrainSummary s = drain.run();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
        assertThat(s.endedBy()).isEqualTo("shutdown");
        assertThat(db.job(id)).containsEntry("status", "ready").containsEntry("attempts", 0);
        assertThat(logs.list).anyMatch(e -> e.getFormattedMessage().contains("ignored the interrupt; its thread is abandoned"));
    }
}
