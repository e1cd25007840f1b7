package dev.quarry.internal.config;

import java.util.Map;
import org.quartz.simpl.CascadingClassLoadHelper;

/**
 * Quartz's class loading, knowing the names Quarry's classes had before they moved into
 * {@code dev.quarry.internal}. Quartz stores each job's class name in {@code QRTZ_JOB_DETAILS} and a
 * file may name the thread pool: a cluster created by an earlier release keeps the old names in
 * its tables, and without this every drain's trigger would go to Quartz's ERROR state the first
 * time a new node read it.
 */
public final class LegacyClassNames extends CascadingClassLoadHelper {
    /** The old name of each class Quartz may have stored or been configured with. */
    static final Map<String, String> RENAMED = Map.of(
            "dev.quarry.drain.DrainJob", "dev.quarry.internal.drain.DrainJob",
            "dev.quarry.schedule.ScheduleJob", "dev.quarry.internal.schedule.ScheduleJob",
            "dev.quarry.watch.WatchScanJob", "dev.quarry.internal.watch.WatchScanJob",
            "dev.quarry.cluster.BalancingThreadPool", "dev.quarry.internal.cluster.BalancingThreadPool");

    /** The class's name today. */
    public static String current(String name) {
        return RENAMED.getOrDefault(name, name);
    }

    @Override
    public Class<?> loadClass(String name) throws ClassNotFoundException {
        return super.loadClass(current(name));
    }

    @Override
    public <T> Class<? extends T> loadClass(String name, Class<T> clazz) throws ClassNotFoundException {
        return super.loadClass(current(name), clazz);
    }
}
