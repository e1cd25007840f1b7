package dev.quarry.internal.config;

import java.util.Properties;

/**
 * The Quartz properties of a node: quartz.properties with the settings Quarry's guarantees rest on
 * applied (clustered JDBC job store over the node's pool, Quarry's thread pool, enough threads for
 * every drain). A file that contradicts one of them is refused rather than silently overridden.
 */
final class QuartzSettings {
    private QuartzSettings() {
    }

    /**
     * Applies the Quartz settings Quarry's guarantees rest on. A file that contradicts one of
     * them is refused rather than silently overridden.
     */
    static Properties apply(Properties file, String fileName, int drainCount, int extraThreads) {
        for (String key : file.stringPropertyNames()) {
            if (key.startsWith("org.quartz.dataSource.")) {
                throw new ConfigException(fileName + ": " + key + " is not used: Quarry hands Quartz its own pool; set QUARRY_DB_URL instead");
            }
        }
        requireIfSet(file, fileName, "org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        requireIfSet(file, fileName, "org.quartz.jobStore.isClustered", "true");
        // The pool that spreads the queues over the nodes (it is Quartz's SimpleThreadPool inside).
        requireIfSet(file, fileName, "org.quartz.threadPool.class", "dev.quarry.internal.cluster.BalancingThreadPool");
        Properties p = new Properties();
        p.putAll(file);
        p.putIfAbsent("org.quartz.scheduler.instanceName", "quarry");
        p.putIfAbsent("org.quartz.scheduler.instanceId", "AUTO");
        p.put("org.quartz.scheduler.skipUpdateCheck", "true");
        // Quarry's drain is an InterruptableJob: shutdown must ask it to stop claiming.
        p.put("org.quartz.scheduler.interruptJobsOnShutdownWithWait", "true");
        p.put("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.putIfAbsent("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.StdJDBCDelegate");
        p.put("org.quartz.jobStore.isClustered", "true");
        p.put("org.quartz.jobStore.dataSource", "quarry");
        p.putIfAbsent("org.quartz.jobStore.tablePrefix", "QRTZ_");
        p.putIfAbsent("org.quartz.jobStore.useProperties", "true");
        p.putIfAbsent("org.quartz.jobStore.acquireTriggersWithinLock", "true");
        p.putIfAbsent("org.quartz.jobStore.misfireThreshold", "15000");
        p.putIfAbsent("org.quartz.jobStore.clusterCheckinInterval", "7500");
        p.put("org.quartz.threadPool.class", "dev.quarry.internal.cluster.BalancingThreadPool");
        // Job class names stored by an earlier release, before the classes moved (LegacyClassNames).
        p.put("org.quartz.scheduler.classLoadHelper.class", LegacyClassNames.class.getName());
        // How often a node looks for triggers when nothing wakes it (Quartz's default is 30 s): a peer
        // that the balancing pool leaves a queue to picks it up within this. A cluster has only a few
        // triggers (one or two per queue), so each look is one short locked read.
        p.putIfAbsent("org.quartz.scheduler.idleWaitTime", "2000");
        String idle = p.getProperty("org.quartz.scheduler.idleWaitTime").trim();
        if (!idle.matches("\\d{4,9}")) {
            throw new ConfigException(fileName + ": org.quartz.scheduler.idleWaitTime=" + idle + " is not a whole number of milliseconds, at least 1000");
        }
        // Each running drain holds a Quartz thread for as long as it runs: one per drain of every
        // queue (a node never runs more of a queue's drains than its config names), plus one spare
        // for the short fires that hand a drain on or retire it.
        String threads = p.getProperty("org.quartz.threadPool.threadCount");
        if (threads == null) {
            p.put("org.quartz.threadPool.threadCount", String.valueOf(drainCount + 1 + extraThreads));
        } else {
            int n;
            try {
                n = Integer.parseInt(threads.trim());
            } catch (NumberFormatException e) {
                throw new ConfigException(fileName + ": org.quartz.threadPool.threadCount=" + threads + " is not a whole number");
            }
            if (n < drainCount) {
                throw new ConfigException(fileName + ": org.quartz.threadPool.threadCount=" + n + " is less than the " + drainCount
                        + " drains of the queues in quarry.properties; each drain needs a thread");
            }
        }
        return p;
    }

    private static void requireIfSet(Properties file, String fileName, String key, String required) {
        String v = file.getProperty(key);
        if (v != null && !LegacyClassNames.current(v.trim()).equals(required)) {
            throw new ConfigException(fileName + ": " + key + "=" + v.trim() + " is not supported; Quarry needs " + required);
        }
    }

}
