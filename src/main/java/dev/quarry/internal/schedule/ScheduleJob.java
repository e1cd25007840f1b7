package dev.quarry.internal.schedule;

import dev.quarry.QuarryException;
import java.time.Instant;
import java.util.Optional;
import org.quartz.Job;
import org.quartz.JobDataMap;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.quartz.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Quartz job of a schedule: enqueues the fire's one job (see {@link FireEnqueuer}). Its class
 * name is stored in QRTZ_JOB_DETAILS: keep it.
 */
public final class ScheduleJob implements Job {
    private static final Logger log = LoggerFactory.getLogger(ScheduleJob.class);

    private final FireEnqueuer fires;

    public ScheduleJob(FireEnqueuer fires) {
        this.fires = fires;
    }

    @Override
    public void execute(JobExecutionContext context) throws JobExecutionException {
        String name = context.getJobDetail().getKey().getName();
        Instant fireTime = scheduledFireTime(context);
        Optional<FireEnqueuer.Result> r;
        try {
            r = fires.schedule(name, fireTime);
        } catch (QuarryException e) {
            log.error("schedule {} fire {}: nothing enqueued: {}", name, fireTime, e.getMessage());
            throw new JobExecutionException(e.getMessage(), e, false);
        }
        if (r.isEmpty()) {
            log.info("schedule {} fire {}: paused or removed, nothing enqueued", name, fireTime);
        } else if (r.get().repeated()) {
            log.info("schedule {} fire {}: already enqueued as job {} (a repeated fire), nothing enqueued", name, fireTime, r.get().jobId());
        } else {
            log.info("schedule {} fire {}: job {} enqueued in queue {}", name, fireTime, r.get().jobId(), r.get().queue());
        }
    }

    /**
     * The fire time this run stands for. A run Quartz recovers from a dead node fires through a
     * trigger of its own, but names the original scheduled time in its data: the same fire, the
     * same key.
     */
    static Instant scheduledFireTime(JobExecutionContext context) {
        if (context.isRecovering()) {
            JobDataMap data = context.getMergedJobDataMap();
            String original = data.getString(Scheduler.FAILED_JOB_ORIGINAL_TRIGGER_SCHEDULED_FIRETIME_IN_MILLISECONDS);
            if (original != null) return Instant.ofEpochMilli(Long.parseLong(original));
        }
        return context.getScheduledFireTime().toInstant();
    }
}
