package dev.quarry.node;

import dev.quarry.drain.DrainJob;
import dev.quarry.drain.QueueRuntime;
import java.util.Map;
import org.quartz.Job;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.simpl.SimpleJobFactory;
import org.quartz.spi.TriggerFiredBundle;

/** Gives each DrainJob the node's queue runtimes; any other job class is built the usual way. */
final class QuarryJobFactory extends SimpleJobFactory {
    private final Map<String, QueueRuntime> runtimes;

    QuarryJobFactory(Map<String, QueueRuntime> runtimes) {
        this.runtimes = runtimes;
    }

    @Override
    public Job newJob(TriggerFiredBundle bundle, Scheduler scheduler) throws SchedulerException {
        if (bundle.getJobDetail().getJobClass() == DrainJob.class) return new DrainJob(runtimes);
        return super.newJob(bundle, scheduler);
    }
}
