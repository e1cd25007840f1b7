package dev.quarry.internal.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;
import org.quartz.CronExpression;

/**
 * Builds the one {@link QuarryConfig} of a node from {@code quarry.properties}, {@code quartz.properties}
 * and the environment. The first problem found stops the load with a one-line {@link ConfigException}
 * naming the file or variable and the key.
 */
public final class ConfigLoader {
    public static final String QUARRY_FILE = "quarry.properties";
    public static final String QUARTZ_FILE = "quartz.properties";

    static final Pattern QUEUE_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private ConfigLoader() {
    }

    /** Loads from {@code QUARRY_CONFIG_DIR} (default {@code quartz}) and the given environment. */
    public static QuarryConfig load(Map<String, String> env) {
        String dir = env.getOrDefault("QUARRY_CONFIG_DIR", "quartz");
        Path configDir = Path.of(dir);
        if (!Files.isDirectory(configDir)) {
            throw new ConfigException("config folder " + configDir.toAbsolutePath()
                    + " does not exist; set QUARRY_CONFIG_DIR or run from the Quarry folder");
        }
        Settings quarry = new Settings(read(configDir.resolve(QUARRY_FILE)), configDir.resolve(QUARRY_FILE).toString());
        Properties quartzProps = read(configDir.resolve(QUARTZ_FILE));
        return build(dir, quarry, quartzProps, configDir.resolve(QUARTZ_FILE).toString(), env);
    }

    private static QuarryConfig build(String dir, Settings s, Properties quartzProps, String quartzFile, Map<String, String> env) {
        List<QueueConfig> queues = queues(s);
        Map<String, HandlerConfig> handlers = handlers(s);
        ScheduleConfig schedules = ScheduleKeys.read(s, handlers, env);

        int maxAttempts = s.integer("retry.max-attempts", QuarryConfig.DEFAULT_MAX_ATTEMPTS, 1, 1000);
        Duration backoffBase = s.duration("retry.backoff.base", QuarryConfig.DEFAULT_BACKOFF_BASE, Duration.ofMillis(1));
        Duration backoffMax = s.duration("retry.backoff.max", QuarryConfig.DEFAULT_BACKOFF_MAX, Duration.ofMillis(1));
        if (backoffMax.compareTo(backoffBase) < 0) {
            throw s.fail("retry.backoff.max", Durations.format(backoffMax), "must not be shorter than retry.backoff.base");
        }
        Duration lease = s.duration("lease.duration", QuarryConfig.DEFAULT_LEASE_DURATION, Duration.ofSeconds(2));
        Duration poll = s.duration("drain.poll-interval", QuarryConfig.DEFAULT_POLL_INTERVAL, Duration.ofMillis(10));
        if (poll.compareTo(lease.dividedBy(3)) > 0) {
            throw s.fail("drain.poll-interval", Durations.format(poll), "must be at most a third of lease.duration ("
                    + Durations.format(lease) + ") so the lease is renewed in time");
        }
        Duration grace = s.duration("shutdown.grace", QuarryConfig.DEFAULT_SHUTDOWN_GRACE, Duration.ZERO);
        Map<String, Duration> retention = new LinkedHashMap<>();
        retention.put("done", s.duration("retention.done", QuarryConfig.DEFAULT_RETENTION_DONE, Duration.ZERO));
        retention.put("dead", s.duration("retention.dead", QuarryConfig.DEFAULT_RETENTION_DEAD, Duration.ZERO));
        retention.put("cancelled", s.duration("retention.cancelled", QuarryConfig.DEFAULT_RETENTION_CANCELLED, Duration.ZERO));
        Duration prune = s.duration("retention.prune-interval", QuarryConfig.DEFAULT_PRUNE_INTERVAL, Duration.ofSeconds(1));
        int payloadMax = s.integer("payload.max-bytes", QuarryConfig.DEFAULT_PAYLOAD_MAX_BYTES, 1, QuarryConfig.PAYLOAD_COLUMN_MAX_BYTES);
        int poolSize = s.integer("db.pool-size", DatabaseConfig.DEFAULT_POOL_SIZE, queues.size() + 3, 1000);
        MetricsConfig metrics = MetricsConfig.read(s);

        Set<String> unknown = s.unread();
        if (!unknown.isEmpty()) {
            String key = unknown.iterator().next();
            throw new ConfigException(s.file() + ": unknown key '" + key + "'" + hint(key));
        }

        // A schedule's or watch's fire holds a Quartz thread for a moment: one more by default, so it never waits for a drain's.
        Properties quartz = quartzProperties(quartzProps, quartzFile, queues.stream().mapToInt(QueueConfig::drains).sum(),
                schedules.firesJobs() ? 1 : 0);
        return new QuarryConfig(dir, database(env, poolSize), List.copyOf(queues), Map.copyOf(handlers), maxAttempts,
                backoffBase, backoffMax, lease, poll, grace, Map.copyOf(retention), prune, payloadMax, quartz, metrics, schedules);
    }

    private static List<QueueConfig> queues(Settings s) {
        String list = s.string("queues", "default");
        Set<String> names = new LinkedHashSet<>();
        for (String raw : list.split(",")) {
            String name = raw.trim();
            if (!QUEUE_NAME.matcher(name).matches()) {
                throw s.fail("queues", list, "has a bad queue name '" + name + "' (letters, digits, _ . -, up to 64)");
            }
            if (!names.add(name)) {
                throw s.fail("queues", list, "names queue '" + name + "' twice");
            }
        }
        List<QueueConfig> queues = new ArrayList<>();
        for (String name : names) {
            String p = "queue." + name + ".";
            int workers = s.integer(p + "workers", QueueConfig.DEFAULT_WORKERS, 1, 1000);
            String cron = s.string(p + "cron", QueueConfig.DEFAULT_CRON);
            if (!CronExpression.isValidExpression(cron)) {
                throw s.fail(p + "cron", cron, "is not a Quartz cron expression (e.g. '0 * * * * ?', every minute)");
            }
            int batch = s.integer(p + "batch-size", QueueConfig.DEFAULT_BATCH_SIZE, 1, 10_000);
            Optional<Duration> budget = s.has(p + "budget")
                    ? Optional.of(s.duration(p + "budget", null, Duration.ofSeconds(1)))
                    : Optional.empty();
            int drains = s.integer(p + "drains", QueueConfig.DEFAULT_DRAINS, 1, dev.quarry.internal.queue.Drains.MAX);
            int perNode = s.integer(p + "drains-per-node", QueueConfig.DEFAULT_DRAINS_PER_NODE, 1, drains);
            queues.add(new QueueConfig(name, workers, cron, batch, budget, drains, perNode));
        }
        return queues;
    }

    private static Map<String, HandlerConfig> handlers(Settings s) {
        Map<String, HandlerConfig> handlers = new LinkedHashMap<>();
        Set<String> types = new LinkedHashSet<>();
        for (String key : s.unread()) {
            if (key.startsWith("handler.")) {
                int dot = key.lastIndexOf('.');
                if (dot > "handler.".length()) types.add(key.substring("handler.".length(), dot));
            }
        }
        for (String type : types) {
            String p = "handler." + type + ".";
            if (!HandlerConfig.validTypeName(type)) {
                throw new ConfigException(s.file() + ": handler type '" + type + "' is not a valid type name (" + HandlerConfig.TYPE_NAME_RULE + ")");
            }
            HandlerConfig.Kind kind = null;
            String target = null;
            for (HandlerConfig.Kind k : HandlerConfig.Kind.values()) {
                String v = s.string(p + k.key(), null);
                if (v == null) continue;
                if (kind != null) {
                    throw new ConfigException(s.file() + ": handler type '" + type + "' has both " + p + kind.key() + " and " + p + k.key() + "; keep one");
                }
                kind = k;
                target = v;
            }
            Duration timeout = s.duration(p + "timeout", HandlerConfig.DEFAULT_TIMEOUT, Duration.ofMillis(1));
            if (kind == null) {
                throw new ConfigException(s.file() + ": handler type '" + type + "' needs one of " + p + "shell, " + p + "http, " + p + "mail or " + p + "class");
            }
            if (type.equals("noop")) {
                throw new ConfigException(s.file() + ": handler type 'noop' is built in and cannot be configured");
            }
            if (kind == HandlerConfig.Kind.HTTP && !(target.startsWith("http://") || target.startsWith("https://"))) {
                throw s.fail(p + "http", target, "is not an http:// or https:// URL");
            }
            handlers.put(type, new HandlerConfig(type, kind, target, timeout));
        }
        return handlers;
    }

    private static DatabaseConfig database(Map<String, String> env, int poolSize) {
        String url = env.get("QUARRY_DB_URL");
        if (url == null || url.isBlank()) {
            throw new ConfigException("QUARRY_DB_URL is not set; set it to e.g. jdbc:mariadb://127.0.0.1:3306/quarry");
        }
        if (!url.startsWith("jdbc:mariadb:") && !url.startsWith("jdbc:mysql:")) {
            throw new ConfigException("QUARRY_DB_URL must be a jdbc:mariadb:// URL, not '" + JdbcUrls.masked(url) + "'");
        }
        if (JdbcUrls.hasUserInfo(url)) {
            // The driver would take the password for a port and print it in its error.
            throw new ConfigException("QUARRY_DB_URL names credentials before the host ('" + JdbcUrls.masked(url)
                    + "'), which the MariaDB driver does not read; set QUARRY_DB_USER and QUARRY_DB_PASSWORD (or QUARRY_DB_PASSWORD_FILE) instead");
        }
        String user = env.getOrDefault("QUARRY_DB_USER", "root");
        String password = env.get("QUARRY_DB_PASSWORD");
        String passwordFile = env.get("QUARRY_DB_PASSWORD_FILE");
        if (password != null && passwordFile != null) {
            throw new ConfigException("both QUARRY_DB_PASSWORD and QUARRY_DB_PASSWORD_FILE are set; keep one");
        }
        if (passwordFile != null) {
            try {
                password = Files.readString(Path.of(passwordFile), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new ConfigException("QUARRY_DB_PASSWORD_FILE=" + passwordFile + " cannot be read: " + e.getMessage());
            }
        }
        return new DatabaseConfig(url, user, password == null ? "" : password, poolSize);
    }

    /**
     * Applies the Quartz settings Quarry's guarantees rest on. A file that contradicts one of
     * them is refused rather than silently overridden.
     */
    private static Properties quartzProperties(Properties file, String fileName, int drainCount, int extraThreads) {
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

    private static String hint(String key) {
        if (key.startsWith("queue.")) return " (is the queue listed in 'queues'? per-queue keys are workers, drains, drains-per-node, cron, batch-size, budget)";
        if (key.startsWith("handler.")) return " (handler keys are handler.TYPE.shell, .http, .class, .mail and .timeout; .from, .user,"
                + " .password-env and .password-file go with .mail)";
        if (key.startsWith("schedule.")) return " (schedule keys are schedule.NAME.cron, .type, .payload, .queue, .priority, .max-attempts,"
                + " .time-zone and .misfire)";
        if (key.startsWith("watch.")) return " (watch keys are watch.NAME.dir, .type, .queue and .interval)";
        return "";
    }

    static Properties read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("config file " + file + " is missing; copy it from the quartz/ folder of the Quarry release");
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("config file " + file + " cannot be read: " + e.getMessage());
        }
        return p;
    }

    /** For tests: builds from in-memory properties as if they were the two files. */
    public static QuarryConfig fromProperties(Properties quarry, Properties quartz, Map<String, String> env) {
        return build("(memory)", new Settings(quarry, QUARRY_FILE), quartz, QUARTZ_FILE, env);
    }
}
