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

    /**
     * Reads the files into a {@link NodeSettings}, the same the Java builder fills: this only turns
     * text into values, and NodeSettings checks them, with the file's name before each error.
     */
    private static QuarryConfig build(String dir, Settings s, Properties quartzProps, String quartzFile, Map<String, String> env) {
        String quarryFile = s.file();
        NodeSettings n = new NodeSettings(dir, key -> (key.startsWith("org.quartz.") ? quartzFile : quarryFile) + ": ");
        queues(s, n);
        handlers(s, n);
        ScheduleKeys.read(s, n, n.handlers(), env);

        n.maxAttempts(s.integer("retry.max-attempts", QuarryConfig.DEFAULT_MAX_ATTEMPTS));
        n.backoff(s.duration("retry.backoff.base", QuarryConfig.DEFAULT_BACKOFF_BASE),
                s.duration("retry.backoff.max", QuarryConfig.DEFAULT_BACKOFF_MAX));
        n.leaseDuration(s.duration("lease.duration", QuarryConfig.DEFAULT_LEASE_DURATION));
        n.pollInterval(s.duration("drain.poll-interval", QuarryConfig.DEFAULT_POLL_INTERVAL));
        n.shutdownGrace(s.duration("shutdown.grace", QuarryConfig.DEFAULT_SHUTDOWN_GRACE));
        n.retention("done", s.duration("retention.done", QuarryConfig.DEFAULT_RETENTION_DONE));
        n.retention("dead", s.duration("retention.dead", QuarryConfig.DEFAULT_RETENTION_DEAD));
        n.retention("cancelled", s.duration("retention.cancelled", QuarryConfig.DEFAULT_RETENTION_CANCELLED));
        n.pruneInterval(s.duration("retention.prune-interval", QuarryConfig.DEFAULT_PRUNE_INTERVAL));
        n.payloadMaxBytes(s.integer("payload.max-bytes", QuarryConfig.DEFAULT_PAYLOAD_MAX_BYTES));
        if (s.has("db.pool-size")) n.poolSize(s.integer("db.pool-size", DatabaseConfig.DEFAULT_POOL_SIZE));
        else s.string("db.pool-size", null);
        if (s.has("metrics.port")) {
            n.metrics(s.integer("metrics.port", 0), s.string("metrics.bind", MetricsConfig.DEFAULT_BIND));
        } else if (s.has("metrics.bind")) {
            throw s.fail("metrics.bind", s.string("metrics.bind", null), "needs metrics.port");
        }

        Set<String> unknown = s.unread();
        if (!unknown.isEmpty()) {
            String key = unknown.iterator().next();
            throw new ConfigException(s.file() + ": unknown key '" + key + "'" + hint(key));
        }
        n.database(database(env));
        n.nodeName(env.get("QUARRY_NODE_NAME"));
        n.quartz(quartzProps, quartzFile);
        return n.build();
    }

    private static void queues(Settings s, NodeSettings n) {
        String list = s.string("queues", "default");
        Set<String> names = new LinkedHashSet<>();
        for (String raw : list.split(",")) {
            String name = raw.trim();
            if (!NodeSettings.QUEUE_NAME.matcher(name).matches()) {
                throw s.fail("queues", list, "has a bad queue name '" + name + "' (letters, digits, _ . -, up to 64)");
            }
            if (!names.add(name)) {
                throw s.fail("queues", list, "names queue '" + name + "' twice");
            }
        }
        for (String name : names) {
            String p = "queue." + name + ".";
            NodeSettings.Queue q = n.queue(name)
                    .workers(s.integer(p + "workers", QueueConfig.DEFAULT_WORKERS))
                    .cron(s.string(p + "cron", QueueConfig.DEFAULT_CRON))
                    .batchSize(s.integer(p + "batch-size", QueueConfig.DEFAULT_BATCH_SIZE))
                    .drains(s.integer(p + "drains", QueueConfig.DEFAULT_DRAINS))
                    .drainsPerNode(s.integer(p + "drains-per-node", QueueConfig.DEFAULT_DRAINS_PER_NODE));
            if (s.has(p + "budget")) q.budget(s.duration(p + "budget", null));
            else s.string(p + "budget", null);
        }
    }

    private static void handlers(Settings s, NodeSettings n) {
        Set<String> types = new LinkedHashSet<>();
        for (String key : s.unread()) {
            if (key.startsWith("handler.")) {
                int dot = key.lastIndexOf('.');
                if (dot > "handler.".length()) types.add(key.substring("handler.".length(), dot));
            }
        }
        for (String type : types) {
            String p = "handler." + type + ".";
            HandlerConfig.Kind kind = null;
            String target = null;
            for (HandlerConfig.Kind k : HandlerConfig.Kind.CONFIGURABLE) {
                String v = s.string(p + k.key(), null);
                if (v == null) continue;
                if (kind != null) {
                    throw new ConfigException(s.file() + ": handler type '" + type + "' has both " + p + kind.key() + " and " + p + k.key() + "; keep one");
                }
                kind = k;
                target = v;
            }
            Duration timeout = s.duration(p + "timeout", HandlerConfig.DEFAULT_TIMEOUT);
            if (kind == null) {
                throw new ConfigException(s.file() + ": handler type '" + type + "' needs one of " + p + "shell, " + p + "http, " + p + "mail or " + p + "class");
            }
            n.handler(type, kind, target, timeout);
        }
    }

    private static DatabaseConfig database(Map<String, String> env) {
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
        return new DatabaseConfig(url, user, password == null ? "" : password, DatabaseConfig.DEFAULT_POOL_SIZE);
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
