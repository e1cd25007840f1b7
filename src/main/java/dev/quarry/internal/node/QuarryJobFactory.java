package dev.quarry.internal.node;

import dev.quarry.internal.Text;
import dev.quarry.internal.drain.DrainJob;
import dev.quarry.internal.drain.OtherNodes;
import dev.quarry.internal.drain.QueueRuntime;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.quartz.Job;
import org.quartz.JobDetail;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.spi.JobFactory;
import org.quartz.spi.TriggerFiredBundle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the jobs Quartz fires on this node: Quarry's own, and nothing else.
 *
 * <p>Quartz names a fired job's class in its tables (QRTZ_JOB_DETAILS.JOB_CLASS_NAME), and its
 * stock factory instantiates whatever class is named there. Anyone who can write those tables
 * could then run any {@link Job} on the class path (quartz-jobs alone brings several) on every
 * node. So only the classes in {@link #quarryJobs} are built; any other is refused with a
 * {@link SchedulerException}, which Quartz answers by putting the job's triggers in its ERROR
 * state: the trigger stops firing and the node goes on.
 */
final class QuarryJobFactory implements JobFactory {
    private static final Logger log = LoggerFactory.getLogger(QuarryJobFactory.class);

    /** Every Job class Quarry schedules, and how to build one. A new Quarry job is one more entry here. */
    private final Map<Class<? extends Job>, Supplier<Job>> quarryJobs;
    /** Classes already reported: a refused class is logged once, however often its triggers come round. */
    private final Set<String> reported = ConcurrentHashMap.newKeySet();

    QuarryJobFactory(Map<String, QueueRuntime> runtimes, OtherNodes others) {
        this(runtimes, Map.of(), others);
    }

    /** @param more further Quarry jobs: those of schedules and watch folders ({@link dev.quarry.internal.schedule.Schedules#jobs}) */
    QuarryJobFactory(Map<String, QueueRuntime> runtimes, Map<Class<? extends Job>, Supplier<Job>> more, OtherNodes others) {
        Map<Class<? extends Job>, Supplier<Job>> jobs = new java.util.HashMap<>(more);
        jobs.put(DrainJob.class, () -> new DrainJob(runtimes, others));
        this.quarryJobs = Map.copyOf(jobs);
    }

    @Override
    public Job newJob(TriggerFiredBundle bundle, Scheduler scheduler) throws SchedulerException {
        JobDetail detail = bundle.getJobDetail();
        Class<? extends Job> jobClass = detail.getJobClass();
        // An exact match: a subclass of a Quarry job is someone else's code.
        Supplier<Job> builder = quarryJobs.get(jobClass);
        if (builder != null) return builder.get();
        String className = Text.oneLine(jobClass == null ? "(none)" : jobClass.getName(), 300);
        String message = "job class " + className + " (job " + Text.oneLine(String.valueOf(detail.getKey()), 300)
                + ") is not a Quarry job: refused; this node runs only " + allowed()
                + ". Something other than Quarry wrote it into the Quartz tables: delete that job from them";
        if (reported.add(className)) log.error(message);
        throw new SchedulerException(message);
    }

    private String allowed() {
        return String.join(", ", quarryJobs.keySet().stream().map(Class::getName).sorted().toList());
    }
}
