package dev.quarry.internal.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.quarry.internal.drain.DrainJob;
import dev.quarry.testing.Poll;
import java.time.Duration;
import java.util.Date;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.jobs.NoOpJob;
import org.quartz.spi.OperableTrigger;
import org.quartz.spi.TriggerFiredBundle;
import org.slf4j.LoggerFactory;

/** Only Quarry's own job classes are built, whatever the Quartz tables name. No database needed. */
class QuarryJobFactoryTest {
    private final QuarryJobFactory factory = new QuarryJobFactory(Map.of(), dev.quarry.internal.drain.OtherNodes.NONE);
    private ListAppender<ILoggingEvent> logs;

    @BeforeEach
    void captureLogs() {
        logs = new ListAppender<>();
        logs.start();
        ((Logger) LoggerFactory.getLogger(QuarryJobFactory.class)).addAppender(logs);
    }

    @AfterEach
    void releaseLogs() {
        ((Logger) LoggerFactory.getLogger(QuarryJobFactory.class)).detachAppender(logs);
    }

    private static TriggerFiredBundle fired(Class<? extends Job> jobClass, String name) {
        JobDetail detail = JobBuilder.newJob(jobClass).withIdentity(name, "planted").build();
        OperableTrigger trigger = (OperableTrigger) TriggerBuilder.newTrigger().withIdentity(name).forJob(detail).build();
        Date now = new Date();
        return new TriggerFiredBundle(detail, trigger, null, false, now, now, null, null);
    }

    private long errorsLogged() {
        return logs.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.ERROR).count();
    }

    @Test
    void the_drain_job_is_built() throws SchedulerException {
        assertThat(factory.newJob(fired(DrainJob.class, "drain-default-1"), null)).isInstanceOf(DrainJob.class);
        assertThat(logs.list).isEmpty();
    }

    @Test
    void the_schedule_and_watch_jobs_are_built_but_quartz_jobs_own_directory_scan_job_is_not() throws SchedulerException {
        dev.quarry.internal.schedule.FireEnqueuer fires = new dev.quarry.internal.schedule.FireEnqueuer(new dev.quarry.internal.queue.Transactions(null)); // never used: the jobs are only built
        QuarryJobFactory withSchedules = new QuarryJobFactory(Map.of(), Map.of(
                dev.quarry.internal.schedule.ScheduleJob.class, () -> new dev.quarry.internal.schedule.ScheduleJob(fires),
                dev.quarry.internal.watch.WatchScanJob.class, () -> new dev.quarry.internal.watch.WatchScanJob(fires)), dev.quarry.internal.drain.OtherNodes.NONE);
        assertThat(withSchedules.newJob(fired(dev.quarry.internal.schedule.ScheduleJob.class, "nightly"), null)).isInstanceOf(dev.quarry.internal.schedule.ScheduleJob.class);
        assertThat(withSchedules.newJob(fired(dev.quarry.internal.watch.WatchScanJob.class, "uploads"), null)).isInstanceOf(dev.quarry.internal.watch.WatchScanJob.class);
        assertThat(withSchedules.newJob(fired(DrainJob.class, "drain-default-1"), null)).isInstanceOf(DrainJob.class);
        // The superclass of the watch job is someone else's code: only the exact class is Quarry's.
        assertThatThrownBy(() -> withSchedules.newJob(fired(org.quartz.jobs.DirectoryScanJob.class, "planted-scan"), null))
                .isInstanceOf(SchedulerException.class).hasMessageContaining("is not a Quarry job");
    }

    @Test
    void a_job_class_that_is_not_quarrys_is_refused_with_a_message_naming_it() {
        assertThatThrownBy(() -> factory.newJob(fired(NoOpJob.class, "x"), null))
                .isInstanceOf(SchedulerException.class)
                .hasMessageStartingWith("job class org.quartz.jobs.NoOpJob (job planted.x) is not a Quarry job: refused")
                .hasMessageContaining("this node runs only " + DrainJob.class.getName());
    }

    @Test
    void a_refused_class_is_logged_once_however_often_it_fires() {
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> factory.newJob(fired(NoOpJob.class, "again"), null)).isInstanceOf(SchedulerException.class);
        }
        assertThat(errorsLogged()).isEqualTo(1);
        assertThat(logs.list.get(0).getFormattedMessage()).contains("org.quartz.jobs.NoOpJob").contains("is not a Quarry job");
        assertThatThrownBy(() -> factory.newJob(fired(Planted.class, "other"), null)).isInstanceOf(SchedulerException.class);
        assertThat(errorsLogged()).isEqualTo(2);
    }

    /** Counts runs of a job class that must never run: the factory refuses it. */
    public static final class Planted implements Job {
        static final java.util.concurrent.atomic.AtomicInteger RUNS = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public void execute(org.quartz.JobExecutionContext context) {
            RUNS.incrementAndGet();
        }
    }

    @Test
    void a_scheduler_given_a_planted_job_puts_its_trigger_in_error_and_keeps_running() throws Exception {
        Properties p = new Properties();
        p.put("org.quartz.scheduler.instanceName", "factory-test-" + System.nanoTime());
        p.put("org.quartz.scheduler.skipUpdateCheck", "true");
        p.put("org.quartz.threadPool.threadCount", "1");
        p.put("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
        Scheduler scheduler = new StdSchedulerFactory(p).getScheduler();
        scheduler.setJobFactory(factory);
        try {
            scheduler.start();
            JobDetail planted = JobBuilder.newJob(Planted.class).withIdentity("planted").build();
            Trigger now = TriggerBuilder.newTrigger().withIdentity("planted-now").startNow().build();
            scheduler.scheduleJob(planted, now);
            TriggerKey key = now.getKey();
            Poll.until(Duration.ofSeconds(10), "the planted job's trigger in ERROR",
                    () -> state(scheduler, key) == Trigger.TriggerState.ERROR, () -> "state " + state(scheduler, key));
            assertThat(scheduler.isStarted()).isTrue();
            assertThat(scheduler.isShutdown()).isFalse();
            assertThat(Planted.RUNS).hasValue(0);
            assertThat(errorsLogged()).isEqualTo(1);
        } finally {
            scheduler.shutdown(true);
        }
    }

    private static Trigger.TriggerState state(Scheduler scheduler, TriggerKey key) {
        try {
            return scheduler.getTriggerState(key);
        } catch (SchedulerException e) {
            throw new IllegalStateException(e);
        }
    }
}
