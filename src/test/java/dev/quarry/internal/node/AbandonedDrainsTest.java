package dev.quarry.internal.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.internal.drain.DrainJob;
import dev.quarry.internal.queue.LeaseStore;
import dev.quarry.internal.queue.Transactions;
import dev.quarry.testing.Poll;
import dev.quarry.testing.TestDatabase;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.quartz.CronScheduleBuilder;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobExecutionContext;
import org.quartz.Scheduler;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;

/**
 * A drain whose lease expired while still held by a node that no longer checks in to Quartz is
 * fired at once, whatever fires Quartz recorded of that node; a drain that is unheld, held live,
 * held by a node still checking in, beyond this node's drains or already has a fire waiting is
 * not. Real lease rows; the scheduler (in memory) stands for Quartz's firing only.
 */
class AbandonedDrainsTest {
    /** Fires per drain name, counted by the stand-in drain job. */
    static final Map<String, AtomicInteger> FIRES = new ConcurrentHashMap<>();

    public static final class CountingJob implements Job {
        @Override
        public void execute(JobExecutionContext context) {
            FIRES.computeIfAbsent(context.getJobDetail().getKey().getName(), k -> new AtomicInteger()).incrementAndGet();
        }
    }

    private TestDatabase db;
    private Scheduler scheduler;
    private AbandonedDrains abandoned;

    @BeforeEach
    void setUp() throws Exception {
        FIRES.clear();
        db = TestDatabase.create("abandoned");
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", "abandoned_" + Long.toHexString(System.nanoTime()));
        p.setProperty("org.quartz.threadPool.threadCount", "1");
        p.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
        scheduler = new StdSchedulerFactory(p).getScheduler();
        for (int d = 1; d <= 5; d++) {
            scheduler.addJob(JobBuilder.newJob(CountingJob.class).withIdentity(DrainJob.jobKey("video", d)).storeDurably().build(), false);
            scheduler.scheduleJob(TriggerBuilder.newTrigger().withIdentity(DrainJob.cronKey("video", d)).forJob(DrainJob.jobKey("video", d))
                    .withSchedule(CronScheduleBuilder.cronSchedule("0 0 0 1 1 ? 2099")).build());
        }
        scheduler.start();
        abandoned = new AbandonedDrains(scheduler, new LeaseStore(new Transactions(db.dataSource()), "c", "QRTZ_"),
                Map.of("video", 4), Duration.ofSeconds(30));
    }

    @AfterEach
    void tearDown() throws Exception {
        scheduler.shutdown(true);
        db.close();
    }

    private void lease(int drain, String holder, String expires) {
        db.exec("INSERT INTO quarry_leases (queue, drain, holder, epoch, expires_at) VALUES ('video', ?, ?, 3, NOW(6) + INTERVAL " + expires + ")",
                drain, holder);
    }

    /** A check-in row of Quartz's cluster "c", just written, as a live node's is. */
    private void checkIn(String instance) {
        db.exec("INSERT INTO QRTZ_SCHEDULER_STATE (SCHED_NAME, INSTANCE_NAME, LAST_CHECKIN_TIME, CHECKIN_INTERVAL) VALUES ('c', ?, ?, 7500)",
                instance, System.currentTimeMillis());
    }

    @Test
    void only_an_expired_lease_that_is_still_held_fires_its_drain() throws Exception {
        lease(1, "frozen-node", "-2 SECOND");   // abandoned: fired
        lease(2, "live-node", "20 SECOND");     // held live: left alone
        lease(3, null, "-60 SECOND");           // given up (a rescue, a stop): nothing to take over
        lease(4, "slowed-node", "-2 SECOND");   // expired, but its holder still checks in to Quartz: left to it and to Quartz
        checkIn("slowed-node");
        lease(5, "dead-node", "-2 SECOND");     // beyond this node's 4 drains: a node configured for it fires it
        assertThat(abandoned.runOnce()).isEqualTo(1);
        Poll.until(Duration.ofSeconds(10), "drain video fired", () -> FIRES.containsKey("video"));
        assertThat(FIRES.keySet()).containsExactly("video");
    }

    @Test
    void a_drain_with_a_fire_already_waiting_gets_no_second_one() throws Exception {
        lease(2, "frozen-node", "-1 SECOND");
        scheduler.standby(); // the fire stays waiting, as one blocked behind a run Quartz still records
        assertThat(abandoned.runOnce()).as("first look").isEqualTo(1);
        assertThat(abandoned.runOnce()).as("second look, the first fire still waiting").isZero();
        scheduler.start();
        Poll.until(Duration.ofSeconds(10), "drain video#2 fired", () -> FIRES.containsKey("video#2"));
        assertThat(FIRES.get("video#2").get()).isEqualTo(1);
    }
}
