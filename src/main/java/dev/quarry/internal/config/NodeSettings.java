package dev.quarry.internal.config;

import dev.quarry.handler.JobHandler;
import dev.quarry.internal.queue.Drains;
import java.time.Duration;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.quartz.CronExpression;

/**
 * A node's settings while they are being made: the one place every setting is checked and the
 * {@link QuarryConfig} is built. The Java builder ({@code dev.quarry.NodeBuilder}) and the config
 * files ({@link ConfigLoader}) both fill one of these, so a setting has the same rule and the same
 * one-line error whichever way it came. Each error names the setting by its key in
 * {@code quarry.properties} (the Java builder's Javadoc names the key of each method); the loader
 * puts the file's name in front.
 */
public final class NodeSettings {
    static final Pattern QUEUE_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    /** A queue's settings while they are being made. */
    public static final class Queue {
        private final String name;
        private int workers = QueueConfig.DEFAULT_WORKERS;
        private String cron = QueueConfig.DEFAULT_CRON;
        private int batchSize = QueueConfig.DEFAULT_BATCH_SIZE;
        private Duration budget;
        private int drains = QueueConfig.DEFAULT_DRAINS;
        private int drainsPerNode = QueueConfig.DEFAULT_DRAINS_PER_NODE;
        private final NodeSettings owner;

        private Queue(NodeSettings owner, String name) {
            this.owner = owner;
            this.name = name;
        }

        private String key(String what) {
            return "queue." + name + "." + what;
        }

        public Queue workers(int n) {
            workers = owner.between(key("workers"), n, 1, 1000);
            return this;
        }

        public Queue cron(String expression) {
            Objects.requireNonNull(expression, "cron");
            if (!CronExpression.isValidExpression(expression)) {
                throw owner.fail(key("cron"), expression, "is not a Quartz cron expression (e.g. '0 * * * * ?', every minute)");
            }
            cron = expression;
            return this;
        }

        public Queue batchSize(int n) {
            batchSize = owner.between(key("batch-size"), n, 1, 10_000);
            return this;
        }

        /** Null: no budget. */
        public Queue budget(Duration d) {
            budget = d == null ? null : owner.atLeast(key("budget"), d, Duration.ofSeconds(1));
            return this;
        }

        public Queue drains(int n) {
            drains = owner.between(key("drains"), n, 1, Drains.MAX);
            return this;
        }

        public Queue drainsPerNode(int n) {
            drainsPerNode = owner.between(key("drains-per-node"), n, 1, Drains.MAX);
            return this;
        }

        private QueueConfig build() {
            if (drainsPerNode > drains) {
                throw owner.fail(key("drains-per-node"), Integer.toString(drainsPerNode), "must be between 1 and " + drains
                        + " (" + key("drains") + ")");
            }
            return new QueueConfig(name, workers, cron, batchSize, Optional.ofNullable(budget), drains, drainsPerNode);
        }
    }

    private final String configDir;
    /** Where a key was set, put before its errors: the file's name, or nothing for the Java builder. */
    private final Function<String, String> origin;
    private final Map<String, Queue> queues = new LinkedHashMap<>();
    private final Map<String, HandlerConfig> handlers = new LinkedHashMap<>();
    private final Map<String, JobHandler> handlerObjects = new LinkedHashMap<>();
    private int maxAttempts = QuarryConfig.DEFAULT_MAX_ATTEMPTS;
    private Duration backoffBase = QuarryConfig.DEFAULT_BACKOFF_BASE;
    private Duration backoffMax = QuarryConfig.DEFAULT_BACKOFF_MAX;
    private Duration lease = QuarryConfig.DEFAULT_LEASE_DURATION;
    private Duration poll = QuarryConfig.DEFAULT_POLL_INTERVAL;
    private Duration grace = QuarryConfig.DEFAULT_SHUTDOWN_GRACE;
    private final Map<String, Duration> retention = new LinkedHashMap<>(Map.of(
            "done", QuarryConfig.DEFAULT_RETENTION_DONE,
            "dead", QuarryConfig.DEFAULT_RETENTION_DEAD,
            "cancelled", QuarryConfig.DEFAULT_RETENTION_CANCELLED));
    private Duration prune = QuarryConfig.DEFAULT_PRUNE_INTERVAL;
    private int payloadMax = QuarryConfig.DEFAULT_PAYLOAD_MAX_BYTES;
    private Integer poolSize;
    private MetricsConfig metrics = MetricsConfig.OFF;
    private final Map<String, ScheduleDef> schedules = new java.util.TreeMap<>();
    private List<WatchDef> watches = List.of();
    private Map<String, MailConfig> mail = Map.of();
    private Properties quartz = new Properties();
    private String quartzOrigin = ConfigLoader.QUARTZ_FILE;
    private DatabaseConfig database;
    private String nodeName;

    /**
     * @param configDir what {@code describe()} says the settings came from
     * @param origin    for a key, what its errors start with ("quartz/quarry.properties: "), or "" when set in code
     */
    public NodeSettings(String configDir, Function<String, String> origin) {
        this.configDir = configDir;
        this.origin = origin;
    }

    /** Settings made in Java: errors name the key alone. */
    public static NodeSettings inCode() {
        return new NodeSettings("(set in code)", key -> "");
    }

    ConfigException fail(String key, String value, String why) {
        return new ConfigException(origin.apply(key) + key + "=" + value + " " + why);
    }

    int between(String key, int n, int min, int max) {
        if (n < min || n > max) throw fail(key, Integer.toString(n), "must be between " + min + " and " + max);
        return n;
    }

    Duration atLeast(String key, Duration d, Duration min) {
        Objects.requireNonNull(d, key);
        if (d.compareTo(min) < 0) throw fail(key, Durations.format(d), "must be at least " + Durations.format(min));
        return d;
    }

    /** The queue of that name, added in the order asked for; a second call gives the same queue. */
    public Queue queue(String name) {
        if (name == null || !QUEUE_NAME.matcher(name).matches()) {
            throw fail("queues", String.valueOf(name), "has a bad queue name '" + name + "' (letters, digits, _ . -, up to 64)");
        }
        return queues.computeIfAbsent(name, n -> new Queue(this, n));
    }

    private String handlerKey(String type) {
        return "handler." + type;
    }

    private void checkHandlerType(String type) {
        if (!HandlerConfig.validTypeName(type)) {
            throw new ConfigException(origin.apply(handlerKey(type)) + "handler type '" + type + "' is not a valid type name ("
                    + HandlerConfig.TYPE_NAME_RULE + ")");
        }
        if (type.equals("noop")) {
            throw new ConfigException(origin.apply(handlerKey(type)) + "handler type 'noop' is built in and cannot be configured");
        }
        if (handlers.containsKey(type)) {
            throw new ConfigException(origin.apply(handlerKey(type)) + "handler type '" + type + "' is configured twice");
        }
    }

    /** A shell, http, class or mail handler as the files configure one. */
    public NodeSettings handler(String type, HandlerConfig.Kind kind, String target, Duration timeout) {
        checkHandlerType(type);
        Objects.requireNonNull(target, "target");
        String p = "handler." + type + ".";
        if (kind == HandlerConfig.Kind.OBJECT) throw new IllegalArgumentException("an object handler comes with its object");
        if (kind == HandlerConfig.Kind.HTTP && !(target.startsWith("http://") || target.startsWith("https://"))) {
            throw fail(p + "http", target, "is not an http:// or https:// URL");
        }
        handlers.put(type, new HandlerConfig(type, kind, target, atLeast(p + "timeout", timeout, Duration.ofMillis(1))));
        return this;
    }

    /** A handler object made by the embedding application. */
    public NodeSettings handler(String type, JobHandler handler, Duration timeout) {
        checkHandlerType(type);
        Objects.requireNonNull(handler, "handler");
        handlers.put(type, new HandlerConfig(type, HandlerConfig.Kind.OBJECT, handler.getClass().getName(),
                atLeast("handler." + type + ".timeout", timeout, Duration.ofMillis(1))));
        handlerObjects.put(type, handler);
        return this;
    }

    /** The handlers so far, by type: the schedule keys check their types against these. */
    public Map<String, HandlerConfig> handlers() {
        return Map.copyOf(handlers);
    }

    public NodeSettings maxAttempts(int n) {
        maxAttempts = between("retry.max-attempts", n, 1, 1000);
        return this;
    }

    public NodeSettings backoff(Duration base, Duration max) {
        backoffBase = atLeast("retry.backoff.base", base, Duration.ofMillis(1));
        backoffMax = atLeast("retry.backoff.max", max, Duration.ofMillis(1));
        return this;
    }

    public NodeSettings leaseDuration(Duration d) {
        lease = atLeast("lease.duration", d, Duration.ofSeconds(2));
        return this;
    }

    public NodeSettings pollInterval(Duration d) {
        poll = atLeast("drain.poll-interval", d, Duration.ofMillis(10));
        return this;
    }

    public NodeSettings shutdownGrace(Duration d) {
        grace = atLeast("shutdown.grace", d, Duration.ZERO);
        return this;
    }

    /** @param status done, dead or cancelled */
    public NodeSettings retention(String status, Duration d) {
        if (!retention.containsKey(status)) throw new IllegalArgumentException("no retention for status " + status);
        retention.put(status, atLeast("retention." + status, d, Duration.ZERO));
        return this;
    }

    public NodeSettings pruneInterval(Duration d) {
        prune = atLeast("retention.prune-interval", d, Duration.ofSeconds(1));
        return this;
    }

    public NodeSettings payloadMaxBytes(int n) {
        payloadMax = between("payload.max-bytes", n, 1, QuarryConfig.PAYLOAD_COLUMN_MAX_BYTES);
        return this;
    }

    /** The node's own pool: where it connects. Null when the node is given a data source. */
    public NodeSettings database(DatabaseConfig db) {
        database = db;
        return this;
    }

    public NodeSettings poolSize(int n) {
        poolSize = between("db.pool-size", n, 1, 1000);
        return this;
    }

    public NodeSettings metrics(int port, String bind) {
        between("metrics.port", port, 1, 65535);
        Objects.requireNonNull(bind, "bind");
        if (!bind.matches("[0-9A-Za-z.:_-]{1,253}")) throw fail("metrics.bind", bind, "is not a host name or IP address");
        metrics = new MetricsConfig(port, bind);
        return this;
    }

    /**
     * A recurring job ({@code schedule.NAME.*}): each fire of {@code cron}, read in {@code zone},
     * enqueues one job of {@code type}.
     */
    public NodeSettings schedule(String name, String cron, String type, String payload, String queue, int priority, Integer maxAttempts,
                                 ZoneId zone, ScheduleDef.Misfire misfire) {
        String p = "schedule." + name + ".";
        if (name == null || !ScheduleKeys.NAME.matcher(name).matches()) {
            throw new ConfigException(origin.apply(p + "cron") + p + "cron: '" + name + "' is not a valid schedule name (" + ScheduleKeys.NAME_RULE + ")");
        }
        if (schedules.containsKey(name)) throw new ConfigException(origin.apply(p + "cron") + "schedule '" + name + "' is defined twice");
        Objects.requireNonNull(cron, p + "cron");
        if (!CronExpression.isValidExpression(cron)) {
            throw fail(p + "cron", cron, "is not a Quartz cron expression (six or seven fields, seconds first: '0 */5 * * * ?' is every 5 minutes)");
        }
        if (type == null || !HandlerConfig.validTypeName(type)) throw fail(p + "type", String.valueOf(type), "is not a job type (" + HandlerConfig.TYPE_NAME_RULE + ")");
        if (queue == null || !QUEUE_NAME.matcher(queue).matches()) {
            throw fail(p + "queue", String.valueOf(queue), "is not a queue name (letters, digits, _ . -, up to 64)");
        }
        if (maxAttempts != null) between(p + "max-attempts", maxAttempts, 1, 1000);
        Objects.requireNonNull(zone, p + "time-zone");
        Objects.requireNonNull(misfire, p + "misfire");
        try {
            // Quartz's own check: a valid expression can still never fire (e.g. 30 February).
            CronExpression expr = new CronExpression(cron);
            expr.setTimeZone(java.util.TimeZone.getTimeZone(zone));
            if (expr.getNextValidTimeAfter(new java.util.Date()) == null) throw fail(p + "cron", cron, "never fires");
        } catch (java.text.ParseException e) {
            throw fail(p + "cron", cron, "is not a Quartz cron expression: " + e.getMessage());
        }
        schedules.put(name, new ScheduleDef(name, cron, type, payload == null ? "" : payload, queue, priority, maxAttempts, zone, misfire));
        return this;
    }

    /** The watch folders ({@code watch.NAME.*}), sorted by name. */
    public NodeSettings watches(List<WatchDef> w) {
        watches = List.copyOf(w);
        return this;
    }

    /** The SMTP settings of the mail handlers, by job type. */
    public NodeSettings mail(Map<String, MailConfig> m) {
        mail = Map.copyOf(m);
        return this;
    }

    /** Quartz's own settings (quartz.properties); {@code from} names them in errors. */
    public NodeSettings quartz(Properties p, String from) {
        quartz = new Properties();
        quartz.putAll(p);
        quartzOrigin = from;
        return this;
    }

    public NodeSettings quartzProperty(String key, String value) {
        quartz.setProperty(Objects.requireNonNull(key), Objects.requireNonNull(value, key));
        return this;
    }

    /** This node's name in its Quartz instance id ({@code QUARRY_NODE_NAME}); null for the default. */
    public NodeSettings nodeName(String name) {
        nodeName = name;
        return this;
    }

    /** Checks what no single setting can check alone, and makes the node's configuration. */
    public QuarryConfig build() {
        if (backoffMax.compareTo(backoffBase) < 0) {
            throw fail("retry.backoff.max", Durations.format(backoffMax), "must not be shorter than retry.backoff.base");
        }
        if (poll.compareTo(lease.dividedBy(3)) > 0) {
            throw fail("drain.poll-interval", Durations.format(poll), "must be at most a third of lease.duration ("
                    + Durations.format(lease) + ") so the lease is renewed in time");
        }
        if (queues.isEmpty()) queue("default");
        List<QueueConfig> qs = queues.values().stream().map(Queue::build).toList();
        // A Quarry statement may need a connection while each drain holds one and Quartz another.
        int minPool = qs.size() + 3;
        if (poolSize != null && poolSize < minPool) {
            throw fail("db.pool-size", Integer.toString(poolSize), "must be between " + minPool + " and 1000");
        }
        DatabaseConfig db = database == null ? null
                : new DatabaseConfig(database.url(), database.user(), database.password(), poolSize == null ? Math.max(DatabaseConfig.DEFAULT_POOL_SIZE, minPool) : poolSize);
        ScheduleConfig sc = new ScheduleConfig(List.copyOf(schedules.values()), watches, mail);
        Properties q = QuartzSettings.apply(quartz, quartzOrigin, qs.stream().mapToInt(QueueConfig::drains).sum(),
                sc.firesJobs() ? 1 : 0);
        return new QuarryConfig(configDir, db, qs, Map.copyOf(handlers), Map.copyOf(handlerObjects), maxAttempts, backoffBase,
                backoffMax, lease, poll, grace, Map.copyOf(retention), prune, payloadMax, q, metrics, sc, nodeName);
    }
}
