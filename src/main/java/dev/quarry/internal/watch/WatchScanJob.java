package dev.quarry.internal.watch;

import dev.quarry.internal.schedule.FireEnqueuer;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import org.quartz.JobDataMap;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.quartz.SchedulerException;
import org.quartz.jobs.DirectoryScanJob;

/**
 * The Quartz job of a watch folder: quartz-jobs' {@link DirectoryScanJob}, which one node runs at a
 * time ({@code @DisallowConcurrentExecution}) and which keeps the newest modification time it has
 * passed on in its job data ({@code @PersistJobDataAfterExecution}). It hands files older than
 * the scan interval (so no longer being written) to this watch's {@link WatchListener}. Its class
 * name is stored in QRTZ_JOB_DETAILS: keep it.
 */
public final class WatchScanJob extends DirectoryScanJob {
    static final String WATCH = "QUARRY_WATCH";
    /** DirectoryScanJob's own key for its watermark (private there). */
    static final String LAST_MODIFIED_TIME = "LAST_MODIFIED_TIME";

    private final FireEnqueuer fires;

    public WatchScanJob(FireEnqueuer fires) {
        this.fires = fires;
    }

    /** The job data of watch {@code name}: DirectoryScanJob's keys, as strings (the store keeps strings only). */
    public static JobDataMap dataFor(String name, Path dir, Duration interval) {
        JobDataMap data = new JobDataMap();
        data.put(WATCH, name);
        data.put(DIRECTORY_NAME, dir.toString());
        data.put(DIRECTORY_SCAN_LISTENER_NAME, listenerName(name));
        data.put(MINIMUM_UPDATE_AGE, Long.toString(interval.toMillis()));
        return data;
    }

    /** Whether two job data maps watch the same folder with the same minimum age. */
    public static boolean sameFolder(JobDataMap a, JobDataMap b) {
        return a.getString(DIRECTORY_NAME) != null && a.getString(DIRECTORY_NAME).equals(b.getString(DIRECTORY_NAME))
                && String.valueOf(a.get(MINIMUM_UPDATE_AGE)).equals(String.valueOf(b.get(MINIMUM_UPDATE_AGE)));
    }

    static String listenerName(String watch) {
        return "quarry-watch/" + watch;
    }

    @Override
    public void execute(JobExecutionContext context) throws JobExecutionException {
        String name = context.getMergedJobDataMap().getString(WATCH);
        // The listener DirectoryScanJob looks up by name: made here from the job's own data, so every
        // node can run the scan, whatever its config lists.
        try {
            context.getScheduler().getContext().put(listenerName(name), new WatchListener(name, fires));
        } catch (SchedulerException e) {
            throw new JobExecutionException(e, false);
        }
        super.execute(context);
        // DirectoryScanJob stores its watermark as a long; the JDBC store, with useProperties, takes only strings.
        JobDataMap data = context.getJobDetail().getJobDataMap();
        Object mark = data.get(LAST_MODIFIED_TIME);
        if (mark != null && !(mark instanceof String)) data.put(LAST_MODIFIED_TIME, mark.toString());
    }

    /**
     * Only regular files whose name does not start with a dot: a folder or a hidden temporary file
     * must not move the watermark past a file that is still to come.
     */
    @Override
    protected File[] getUpdatedOrNewFiles(String dirName, long lastDate, long maxAgeDate) {
        File[] files = super.getUpdatedOrNewFiles(dirName, lastDate, maxAgeDate);
        if (files == null) return null;
        return Arrays.stream(files).filter(f -> f.isFile() && !f.getName().startsWith(".")).toArray(File[]::new);
    }

}
