package dev.quarry.internal.node;

import javax.sql.DataSource;
import org.quartz.impl.SchedulerRepository;
import com.zaxxer.hikari.HikariDataSource;
import dev.quarry.QuarryException;
import dev.quarry.internal.cluster.Balancer;
import dev.quarry.internal.cluster.BalancingThreadPool;
import dev.quarry.internal.config.QuarryConfig;
import dev.quarry.internal.config.QueueConfig;
import dev.quarry.internal.drain.DrainJob;
import dev.quarry.internal.drain.OtherNodes;
import dev.quarry.internal.drain.QueueRuntime;
import dev.quarry.internal.drain.WorkerPool;
import dev.quarry.internal.handler.HandlerRegistry;
import dev.quarry.internal.metrics.NodeMetrics;
import dev.quarry.internal.queue.JobQueue;
import dev.quarry.internal.queue.LeaseStore;
import dev.quarry.internal.queue.NodeQueues;
import dev.quarry.internal.queue.Transactions;
import dev.quarry.internal.schedule.Schedules;
import dev.quarry.internal.schema.SchemaCheck;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.quartz.CronScheduleBuilder;
import org.quartz.CronTrigger;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.ObjectAlreadyExistsException;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.utils.DBConnectionManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Quarry node: the pool, the handlers, one worker pool per queue and the clustered Quartz
 * scheduler that fires the drains. {@link #start} checks everything it can before it starts
 * anything; {@link #stop} winds down gracefully (see {@link dev.quarry.internal.drain.Drain}).
 */
public final class Node {
    /** Each node's pool is Quartz's under a name of its own: Quartz's registry of pools is one per JVM. */
    private static final java.util.concurrent.atomic.AtomicInteger PROVIDERS = new java.util.concurrent.atomic.AtomicInteger();
    private static final Logger log = LoggerFactory.getLogger(Node.class);
    /**
     * How long {@link #stop} waits for Quartz beyond the shutdown grace: enough for a drain to
     * interrupt its stragglers (up to 5 s), record their outcomes and release its lease. Past it the
     * database is most likely unreachable, and Quartz would wait for ever: a worker that cannot record
     * a job's completion retries it until the job store shuts down, and {@code shutdown(true)} shuts
     * the job store down only after its workers have finished.
     */
    static final Duration STOP_MARGIN = Duration.ofSeconds(6);
    static final String DB_FAILURE_RETRY_KEY = "org.quartz.scheduler.dbFailureRetryInterval";
    static final long DB_FAILURE_RETRY_MILLIS = 1000;
    /** How long a stop that gave up on Quartz waits for the pool to close before it goes on. */
    private static final Duration POOL_CLOSE_WAIT = Duration.ofSeconds(1);

    private final QuarryConfig config;
    private final DataSource pool;
    /** Closes the node's own pool; does nothing for the data source an application gave. */
    private final Runnable closePool;
    private final Scheduler scheduler;
    private final Map<String, QueueRuntime> runtimes;
    private final BalancingThreadPool threads;
    private final NodeQueues nodeQueues;
    private final Pruner pruner;
    private final String name;
    private final Schedules schedules;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean stopping;
    /** The Prometheus endpoint, or the no-op when metrics.port is not set. */
    private NodeMetrics metrics = NodeMetrics.NOOP;
    /** Fires drains whose holder let the lease run out; null until the node has started. */
    private AbandonedDrains abandoned;

    private Node(QuarryConfig config, DataSource pool, Runnable closePool, Scheduler scheduler, Map<String, QueueRuntime> runtimes,
                 BalancingThreadPool threads, NodeQueues nodeQueues, Pruner pruner, String name, Schedules schedules) {
        this.schedules = schedules;
        this.config = config;
        this.pool = pool;
        this.closePool = closePool;
        this.scheduler = scheduler;
        this.runtimes = runtimes;
        this.threads = threads;
        this.nodeQueues = nodeQueues;
        this.pruner = pruner;
        this.name = name;
    }

    /**
     * Starts a node over its own pool, made from {@code config.database()}.
     *
     * @throws QuarryException (or ConfigException) with a one-line reason; nothing is left running
     */
    public static Node start(QuarryConfig config) {
        HikariDataSource own = ConnectionPool.open(config.database());
        return start(config, own, own::close);
    }

    /**
     * Starts a node over the data source an application gave; the node never closes it.
     *
     * @throws QuarryException (or ConfigException) with a one-line reason; nothing is left running
     */
    public static Node start(QuarryConfig config, DataSource application) {
        return start(config, new ApplicationDataSource(application), () -> { });
    }

    private static Node start(QuarryConfig config, DataSource pool, Runnable closePool) {
        HandlerRegistry handlers;
        try {
            handlers = HandlerRegistry.build(config.handlers().values(), config.schedules().mail(), config.handlerObjects());
        } catch (RuntimeException e) {
            closePool.run();
            throw e;
        }
        String schedulerName = config.quartz().getProperty("org.quartz.scheduler.instanceName");
        if (SchedulerRepository.getInstance().lookup(schedulerName) != null) {
            closePool.run();
            throw new QuarryException("a node of cluster '" + schedulerName + "' (org.quartz.scheduler.instanceName) already runs in this"
                    + " JVM; one JVM holds one node of a cluster");
        }
        String provider = SharedPoolProvider.NAME + "-" + PROVIDERS.incrementAndGet();
        Scheduler scheduler = null;
        NodeMetrics metrics = NodeMetrics.NOOP;
        Map<String, QueueRuntime> runtimes = new LinkedHashMap<>();
        try {
            String prefix = config.quartz().getProperty("org.quartz.jobStore.tablePrefix");
            List<String> problems = SchemaCheck.problems(pool, prefix);
            if (!problems.isEmpty()) throw new QuarryException(problems.get(0));

            DBConnectionManager.getInstance().addConnectionProvider(provider, new SharedPoolProvider(pool));
            java.util.Properties quartz = quartzProperties(config);
            quartz.put("org.quartz.jobStore.dataSource", provider);
            scheduler = new StdSchedulerFactory(quartz).getScheduler();
            String node = scheduler.getSchedulerInstanceId();
            Transactions tx = new Transactions(pool);
            metrics = MetricsWiring.start(config, pool, node, scheduler.getSchedulerName(), prefix); // before any drain can fire
            JobQueue jobs = new JobQueue(tx);
            LeaseStore leases = new LeaseStore(tx, scheduler.getSchedulerName(), prefix);
            NodeQueues nodeQueues = new NodeQueues(tx, scheduler.getSchedulerName(), prefix);
            Balancer balancer = balance(scheduler, leases, nodeQueues, config);
            BalancingThreadPool threadPool = BalancingThreadPool.of(scheduler.getSchedulerName(), node);
            dev.quarry.internal.drain.ProgressWriter progress = new dev.quarry.internal.drain.ProgressWriter(new dev.quarry.internal.queue.ProgressStore(tx));
            for (QueueConfig q : config.queues()) {
                runtimes.put(q.name(), new QueueRuntime(node, q, config, jobs, leases, handlers, new WorkerPool(q.name(), q.workers()),
                        balancer, progress));
            }
            // Schedules and watch folders (dev.quarry.internal.schedule): the cluster's become this config's.
            Schedules schedules = Schedules.reconcile(scheduler, tx, config, node);
            scheduler.setJobFactory(new QuarryJobFactory(Map.copyOf(runtimes), schedules.jobs(), new OtherNodes() {
                @Override
                public boolean serve(String queue, int drain) {
                    return nodeQueues.servedByLivePeer(queue, drain, node);
                }

                @Override
                public boolean roomFor(String queue, int drain, int heldHere) {
                    Map<String, Map<String, Integer>> served = nodeQueues.byLiveNode();
                    return leases.drainsByLiveNode().entrySet().stream().anyMatch(e -> !e.getKey().equals(node)
                            && served.getOrDefault(e.getKey(), Map.of()).getOrDefault(queue, 0) >= drain
                            && e.getValue().getOrDefault(queue, 0) < heldHere);
                }

                @Override
                public void leaveNextFiresToPeers() {
                    threadPool.leaveNextFiresToPeers();
                }
            }));
            for (QueueConfig q : config.queues()) {
                for (int d = 1; d <= q.drains(); d++) register(scheduler, q, d);
            }
            scheduler.start();
            // After the start, whose first check-in makes this node live: a peer's clean-up of dead
            // nodes' rows never takes a starting node's (here and in schedules.started()).
            Map<String, Integer> drains = new LinkedHashMap<>();
            config.queues().forEach(q -> drains.put(q.name(), q.drains()));
            nodeQueues.register(node, drains);
            Pruner pruner = new Pruner(jobs, List.copyOf(runtimes.keySet()), config.retention(), config.pruneInterval());
            pruner.start();
            schedules.started();
            AbandonedDrains abandoned = new AbandonedDrains(scheduler, leases, drains, config.leaseDuration());
            abandoned.start();
            Node n = new Node(config, pool, closePool, scheduler, runtimes, threadPool, nodeQueues, pruner, node, schedules);
            n.metrics = metrics;
            n.abandoned = abandoned;
            log.info("node {} started: queues {}, scheduler {} (clustered, check-in every {} ms)", node,
                    String.join(", ", runtimes.keySet()), scheduler.getSchedulerName(),
                    config.quartz().getProperty("org.quartz.jobStore.clusterCheckinInterval"));
            n.kickIdleQueues();
            return n;
        } catch (SchedulerException | RuntimeException e) {
            if (scheduler != null) {
                try {
                    scheduler.shutdown(false);
                } catch (SchedulerException ignored) {
                    // already failing; the first error is the one to report
                }
            }
            runtimes.values().forEach(rt -> rt.workers().close());
            metrics.close();
            runtimes.values().forEach(rt -> rt.progress().close());
            closePool.run();
            if (e instanceof QuarryException qe) throw qe;
            String cause = dev.quarry.internal.queue.Transactions.rootCause(e);
            java.util.regex.Matcher noSetter = java.util.regex.Pattern.compile("No setter for property '([^']+)'").matcher(cause);
            if (noSetter.find()) {
                // Quartz hands every org.quartz.jobStore.* / threadPool.* key to a setter: a typo ends here.
                String key = config.quartz().stringPropertyNames().stream().filter(k -> k.endsWith("." + noSetter.group(1)))
                        .findFirst().orElse(noSetter.group(1));
                throw new dev.quarry.internal.config.ConfigException(config.configDir() + "/" + dev.quarry.internal.config.ConfigLoader.QUARTZ_FILE
                        + ": unknown key '" + key + "' (Quartz has no such setting)");
            }
            throw new QuarryException("cannot start the Quartz scheduler: " + cause, e);
        }
    }

    /**
     * Quartz's properties for this node: its instance id, and a retry interval after database
     * failures of {@value #DB_FAILURE_RETRY_MILLIS} ms unless quartz.properties sets one. Quartz's
     * default is 15 s, and it is what a queue waits after the database comes back: a worker that
     * could not record a drain's completion retries it only that often, and the queue's trigger stays
     * blocked until it has; a scheduler thread that failed to acquire triggers waits as long before
     * it tries again. Each retry is one short transaction, so a second is cheap.
     */
    static java.util.Properties quartzProperties(QuarryConfig config) {
        java.util.Properties p = NodeIdentity.apply(config.quartz(), config.nodeName());
        p.putIfAbsent(DB_FAILURE_RETRY_KEY, Long.toString(DB_FAILURE_RETRY_MILLIS));
        return p;
    }

    /**
     * Attaches the balancer to the thread pool Quartz built from quartz.properties. It may hold the
     * scheduler thread back for two idle waits: by then a peer that was going to take the trigger has.
     */
    private static Balancer balance(Scheduler scheduler, LeaseStore leases, NodeQueues nodeQueues, QuarryConfig config)
            throws SchedulerException {
        BalancingThreadPool threads = BalancingThreadPool.of(scheduler.getSchedulerName(), scheduler.getSchedulerInstanceId());
        if (threads == null) throw new QuarryException("Quartz did not build Quarry's thread pool; is org.quartz.threadPool.class overridden?");
        long idleWait = Long.parseLong(config.quartz().getProperty("org.quartz.scheduler.idleWaitTime").trim());
        Map<String, Integer> perNode = new java.util.HashMap<>();
        config.queues().forEach(q -> perNode.put(q.name(), q.drainsPerNode()));
        Balancer balancer = new Balancer(scheduler.getSchedulerInstanceId(), leases::drainsByLiveNode, nodeQueues::byLiveNode,
                threads::running, q -> perNode.getOrDefault(q, 1), Duration.ofMillis(2 * idleWait));
        threads.balanceWith(balancer);
        return balancer;
    }

    /**
     * Adds the job and cron trigger of drain {@code drain} of the queue unless they are there. Every
     * node does this at start, several at once; the cron is updated when this node's config says
     * otherwise. Drains beyond a node's config are left alone here: a node configured for them may
     * still run them, and once none is, their next fire retires them ({@link DrainJob}).
     */
    private static void register(Scheduler scheduler, QueueConfig q, int drain) throws SchedulerException {
        String name = dev.quarry.internal.queue.Drains.name(q.name(), drain);
        JobDetail job = JobBuilder.newJob(DrainJob.class).withIdentity(DrainJob.jobKey(q.name(), drain))
                .withDescription(drain == 1 ? "drains queue " + q.name() : "drain " + drain + " of queue " + q.name())
                .storeDurably().requestRecovery(true).build();
        // "Fire and proceed": drains missed while the queue was blocked or the cluster down merge into one run now.
        CronTrigger trigger = TriggerBuilder.newTrigger().withIdentity(DrainJob.cronKey(q.name(), drain)).forJob(job)
                .withSchedule(CronScheduleBuilder.cronSchedule(q.cron()).withMisfireHandlingInstructionFireAndProceed()).build();
        if (!scheduler.checkExists(job.getKey())) {
            try {
                scheduler.addJob(job, false);
            } catch (ObjectAlreadyExistsException raced) {
                // another node registered it a moment ago
            }
        }
        Trigger existing = scheduler.getTrigger(trigger.getKey());
        if (existing == null) {
            try {
                scheduler.scheduleJob(trigger);
            } catch (ObjectAlreadyExistsException raced) {
                // another node scheduled it a moment ago
            }
        } else if (!(existing instanceof CronTrigger c) || !c.getCronExpression().equals(q.cron())) {
            log.info("drain {}: schedule changed to '{}'", name, q.cron());
            scheduler.rescheduleJob(trigger.getKey(), trigger);
        }
    }

    /**
     * A node that joins while a backlog waits starts draining now rather than at the next fire.
     * Only a head start: the node is already running, so a database that fails this leaves the
     * queue to its next fire instead of stopping the node.
     */
    private void kickIdleQueues() {
        for (QueueRuntime rt : runtimes.values()) {
            for (int d = 1; d <= rt.queue().drains(); d++) {
                try {
                    if (rt.leases().liveHolder(rt.queue().name(), d).isEmpty()) scheduler.triggerJob(DrainJob.jobKey(rt.queue().name(), d));
                } catch (QuarryException | SchedulerException e) {
                    log.warn("could not start drain {} at once ({}); its next fire drains it", dev.quarry.internal.queue.Drains.name(rt.queue().name(), d),
                            e.getMessage());
                }
            }
        }
    }

    public String name() {
        return name;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    public QuarryConfig config() {
        return config;
    }

    /**
     * Stops gracefully: Quartz stops firing, running drains stop claiming and give their jobs the
     * shutdown grace, then the rest are interrupted and given back; then the pool closes. Returns
     * within the shutdown grace plus {@link #STOP_MARGIN} (and a second) even when the database is
     * unreachable: what Quartz has not finished by then is left behind, its jobs still running in
     * the table until a peer's drain rescues them.
     */
    public void stop() {
        stop(config.shutdownGrace());
    }

    /** {@link #stop()} with another shutdown grace. */
    public void stop(Duration grace) {
        synchronized (this) {
            if (stopping) {
                awaitStopped();
                return;
            }
            stopping = true;
        }
        log.info("node {} stopping: no new claims, running jobs get {} s", name, grace.toSeconds());
        long t0 = System.nanoTime();
        Thread quartz = new Thread(() -> {
            try {
                scheduler.shutdown(true);
            } catch (SchedulerException e) {
                log.error("Quartz shutdown failed: {}", e.getMessage());
            }
        }, "quarry-quartz-shutdown");
        quartz.setDaemon(true);
        quartz.start();
        pruner.stop();
        if (abandoned != null) abandoned.stop();
        Duration wait = grace.plus(STOP_MARGIN);
        boolean finished = join(quartz, t0 + wait.toNanos());
        if (finished) {
            forgetCheckIn();
            schedules.stop();
            try {
                nodeQueues.forget(name);
            } catch (QuarryException e) {
                log.warn("could not remove this node's queue list; the next node to start does: {}", e.getMessage());
            }
        } else {
            log.warn("node {} stops without Quartz: {} s after the stop began it is still busy ({}), most likely because the database"
                            + " is unreachable; their jobs stay running in the table until a peer's drain rescues them", name,
                    wait.toSeconds(), stillRunning());
        }
        runtimes.values().forEach(rt -> rt.workers().close());
        metrics.close();
        // The last progress reports, before the pool goes (one writer for all queues: the second close is a no-op).
        runtimes.values().forEach(rt -> rt.progress().close());
        if (finished) {
            closePool.run();
        } else {
            // Closing waits for the pool's connection maker, which may be blocked on the same unreachable database.
            Thread close = new Thread(closePool, "quarry-pool-close");
            close.setDaemon(true);
            close.start();
            join(close, System.nanoTime() + POOL_CLOSE_WAIT.toNanos());
        }
        // bin/stop quotes the lines that end in "stopped": keep this one's end as it is.
        log.info("node {} stopped", name);
        stopped.countDown();
    }

    /** What a stop that gave up on Quartz leaves behind, for its log line. */
    private String stillRunning() {
        List<String> drains = new java.util.ArrayList<>();
        try {
            for (org.quartz.JobExecutionContext c : scheduler.getCurrentlyExecutingJobs()) drains.add(c.getJobDetail().getKey().getName());
        } catch (SchedulerException | RuntimeException e) {
            // the list is for the log line only
        }
        int busy = threads == null ? -1 : threads.running();
        return (drains.isEmpty() ? "no drain running" : "drains " + String.join(", ", drains) + " still running")
                + (busy < 0 ? "" : ", " + busy + " Quartz worker threads busy (a worker that cannot record a completion retries it every "
                + config.quartz().getProperty(DB_FAILURE_RETRY_KEY, Long.toString(DB_FAILURE_RETRY_MILLIS)).trim() + " ms)");
    }

    /** Waits for {@code t} until {@code deadlineNanos}; true when it ended. */
    private static boolean join(Thread t, long deadlineNanos) {
        try {
            long left = deadlineNanos - System.nanoTime();
            if (left > 0) t.join(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !t.isAlive();
    }

    /** So that the cluster's status lists only live nodes ({@link NodeQueues#forgetCheckIn}). */
    private void forgetCheckIn() {
        try {
            nodeQueues.forgetCheckIn(name);
        } catch (QuarryException e) {
            log.warn("could not remove this node's check-in row; peers will: {}", e.getMessage());
        }
    }

    public void awaitStopped() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
