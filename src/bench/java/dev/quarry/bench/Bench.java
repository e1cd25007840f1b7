package dev.quarry.bench;

import dev.quarry.internal.config.Durations;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Quarry's throughput benchmark (issue 5), run by {@code bin/bench}: the hand-written SKIP LOCKED
 * baseline and a real Quarry node on the same server, in this one process, over backlogs of
 * no-op jobs; a steady-rate latency run; and the speed of plain-SQL enqueueing. Prints one line per
 * run on stdout and appends the same figures to a CSV file. Progress and context go to stderr; the
 * node's log goes to a file ({@code --node-log}) through the shipped logback.xml, as a node's own
 * log does, so it neither mixes with the results nor costs a terminal's speed. Only when asked for, a cluster run starts node JVMs of their own
 * ({@link ClusterRun}).
 *
 * <p>Each run works in a fresh database {@code quarry_bench_<run>_<random>} and drops it after.
 * Nothing here asserts a speed: the figures are for people to compare.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Benchmarks Quarry against a hand-written JDBC SKIP LOCKED loop on the same MariaDB server.",
                "Runs, in this order: for each backlog size baseline, quarry, quarry-warn; then cluster (only with --only cluster);"
                        + " then steady; then delayed; then enqueue; then scale and idle (only when named)."},
        footer = {"", "The database password comes from QUARRY_BENCH_DB_PASSWORD (default empty), never from the command line."})
public final class Bench implements Callable<Integer> {
    static final Set<String> RUNS = Set.of("baseline", "quarry", "quarry-warn", "cluster", "steady", "delayed", "enqueue", "admin-reads",
            "dashboard", "scale", "idle");
    /** The cluster run's backlog when --backlogs is not given. */
    static final int DEFAULT_CLUSTER_BACKLOG = 100_000;
    /** The node JVMs' options when QUARRY_JAVA_OPTS is not set, as in bin/start. */
    static final String DEFAULT_NODE_JAVA_OPTS = "-Xmx512m";

    @Option(names = "--backlogs", split = ",", paramLabel = "N", defaultValue = "20000,100000,1000000",
            description = "Backlog sizes for the baseline and Quarry runs (default: ${DEFAULT-VALUE}); the cluster run takes"
                    + " the largest one given here, else " + DEFAULT_CLUSTER_BACKLOG + ".")
    List<Integer> backlogs;

    @Option(names = {"-t", "--threads"}, defaultValue = "8",
            description = "Worker threads T: baseline threads and the queue's workers (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--rate", defaultValue = "500", description = "Steady run: jobs inserted per second (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--duration", defaultValue = "60s", converter = DurationConverter.class,
            description = "Steady run: how long jobs are inserted, e.g. 60s, 2m (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--only", split = ",", paramLabel = "RUN", defaultValue = "baseline,quarry,quarry-warn,steady,delayed,enqueue",
            description = "Which runs: baseline, quarry, quarry-warn (dev.quarry.internal.drain logged at WARN), cluster (K node JVMs"
                    + " and one, three queues; see --nodes), steady, delayed (the steady load beside a backlog due tomorrow;"
                    + " see --delayed-backlog), enqueue, admin-reads (bin/quarry status and jobs on a table of --admin-rows"
                    + " finished jobs; only when named), dashboard (every page of bin/quarry web on the same table; only when named),"
                    + " scale (one queue of sleeping jobs with --scale-drains drains on one node JVM, then on --nodes), idle (the"
                    + " statements per second an idle node sends, with 1 and --scale-drains drains) (default: ${DEFAULT-VALUE}).")
    List<String> only;

    @Option(names = "--drains", split = ",", paramLabel = "D", defaultValue = "1",
            description = "Quarry runs: measure each backlog with each of these queue.bench.drains settings (drains-per-node the"
                    + " same, so all are on the one node), e.g. 1,2,4; each row says its queue_drains (default: ${DEFAULT-VALUE}).")
    List<Integer> drainSettings;

    @Option(names = "--scale-drains", defaultValue = "3",
            description = "Scale and idle runs: the queue's drains (default: ${DEFAULT-VALUE}).")
    int scaleDrains;

    @Option(names = "--scale-jobs", defaultValue = "1200",
            description = "Scale run: jobs of 100 ms each, inserted at once once the nodes hold their drains (default: ${DEFAULT-VALUE}).")
    int scaleJobs;

    @Option(names = "--delayed-backlog", paramLabel = "N", defaultValue = "1000000",
            description = "Delayed run: jobs due tomorrow waiting in the queue while jobs arrive at --rate for --duration,"
                    + " half due at once, half one second later (default: ${DEFAULT-VALUE}).")
    int delayedBacklog;

    @Option(names = "--nodes", paramLabel = "K", defaultValue = "3",
            description = "Cluster run: node JVMs that drain the backlog together, each serving queues q1,q2,q3 with T workers;"
                    + " one node JVM drains the same backlog first, for the ratio. Node logs go to cluster-node-N.log beside"
                    + " --node-log; node JVM options from QUARRY_JAVA_OPTS, else " + DEFAULT_NODE_JAVA_OPTS + " (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--db-url", defaultValue = "${env:QUARRY_BENCH_DB_URL:-jdbc:mariadb://127.0.0.1:3306/}",
            description = "The MariaDB server (default: QUARRY_BENCH_DB_URL, else jdbc:mariadb://127.0.0.1:3306/).")
    String dbUrl;

    @Option(names = "--db-user", defaultValue = "${env:QUARRY_BENCH_DB_USER:-root}",
            description = "Database user (default: QUARRY_BENCH_DB_USER, else root).")
    String dbUser;

    @Option(names = "--csv", defaultValue = "target/bench/results.csv",
            description = "CSV file the rows are appended to, relative to the Quarry folder (default: ${DEFAULT-VALUE}).")
    String csv;

    @Option(names = "--node-log", defaultValue = "target/bench/node.log",
            description = "The log file of the nodes this process runs, relative to the Quarry folder, written by the shipped"
                    + " quartz/logback.xml as a node's own file (console off); '-' leaves the default logging, on stdout"
                    + " (default: ${DEFAULT-VALUE}, overwritten).")
    String nodeLog;

    @Option(names = "--settle", defaultValue = "60s", converter = DurationConverter.class,
            description = "Most time a run first waits for the server to finish the earlier runs' purge and page writes, and"
                    + " again after inserting its backlog (0s: no wait, and no server setting touched; default: ${DEFAULT-VALUE}).")
    Duration settle;

    @Option(names = "--max-run-time", defaultValue = "20m", converter = DurationConverter.class,
            description = "Give up on one drain run after this long and report how far it got (default: ${DEFAULT-VALUE}).")
    Duration maxRunTime;

    @Option(names = "--enqueue-rows", defaultValue = "100000",
            description = "Enqueue run: rows inserted with multi-row INSERTs (default: ${DEFAULT-VALUE}).")
    int enqueueRows;

    @Option(names = "--enqueue-single-rows", defaultValue = "20000",
            description = "Enqueue run: rows inserted one per statement by T threads (default: ${DEFAULT-VALUE}).")
    int enqueueSingleRows;

    @Option(names = "--admin-rows", defaultValue = "10000000",
            description = "admin-reads run: finished jobs in the table (default: ${DEFAULT-VALUE}; the fill takes about 2 minutes"
                    + " per 10,000,000 on a 2-core machine).")
    int adminRows;

    @Option(names = "--repeat", defaultValue = "1",
            description = "Measure each backlog this many times, baseline and Quarry runs interleaved, and add a median"
                    + " row per run (for a busy machine; default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--warmup", defaultValue = "50000",
            description = "Jobs for one unreported baseline and Quarry run first (with the first --drains setting), so the"
                    + " measured runs do not pay for class loading and JIT compilation (0: none; default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Overrides a quarry.properties key for the Quarry and steady runs, e.g. --set queue.bench.batch-size=500"
                    + " or --set drain.poll-interval=100ms (the queue is named 'bench'); repeatable. Rows so measured say so"
                    + " in their 'set' field: they are experiments, not the defaults.")
    Map<String, String> overrides = new java.util.LinkedHashMap<>();

    @Option(names = "--keep-databases", description = "Do not drop the benchmark databases (to inspect them).")
    boolean keepDatabases;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final PrintStream out;
    private final Path quarryHome;
    private final Map<String, String> env;

    Bench(PrintStream out, Path quarryHome, Map<String, String> env) {
        this.out = out;
        this.quarryHome = quarryHome;
        this.env = env;
    }

    /** What the runs need from the command line. */
    record Settings(Path quarryHome, int threads, int rate, Duration duration, Duration maxRunTime, int enqueueRows,
                    int enqueueSingleRows, Map<String, String> overrides) {
        /** These settings with the bench queue's drains (and drains-per-node) set to {@code d}; as they are for 1. */
        Settings withDrains(int d) {
            if (d == 1) return this;
            Map<String, String> o = new java.util.LinkedHashMap<>(overrides);
            o.put("queue." + BenchNode.QUEUE + ".drains", String.valueOf(d));
            o.put("queue." + BenchNode.QUEUE + ".drains-per-node", String.valueOf(d));
            return new Settings(quarryHome, threads, rate, duration, maxRunTime, enqueueRows, enqueueSingleRows, Map.copyOf(o));
        }

        /** The overrides as one field value, {@code key=value|key=value}, or null when there are none. */
        String overridesText() {
            if (overrides.isEmpty()) return null;
            return String.join("|", new java.util.TreeMap<>(overrides).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
        }
    }

    public static void main(String[] args) {
        PrintStream results = System.out;
        Path home = Path.of(System.getProperty("quarry.home", ".")).toAbsolutePath().normalize();
        System.exit(commandLine(results, home, System.getenv()).execute(args));
    }

    /** @param env where the password is read ({@code QUARRY_BENCH_DB_PASSWORD}) */
    static CommandLine commandLine(PrintStream out, Path home, Map<String, String> env) {
        CommandLine cl = new CommandLine(new Bench(out, home, env));
        cl.setOut(new java.io.PrintWriter(out, true));
        return cl;
    }

    @Override
    public Integer call() {
        List<ResultRow> rows = runAll();
        return rows.stream().allMatch(r -> "ok".equals(r.get("status")) || "skipped".equals(r.get("status"))) ? 0 : 1;
    }

    /** Runs what {@code --only} names and returns the rows, printed and written to the CSV as they came. */
    List<ResultRow> runAll() {
        Set<String> runs = new LinkedHashSet<>();
        for (String r : only) {
            String name = r.strip().toLowerCase(Locale.ROOT);
            if (!RUNS.contains(name)) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--only: unknown run '" + r + "'; choose from " + RUNS);
            }
            runs.add(name);
        }
        if (repeat < 1) throw new CommandLine.ParameterException(new CommandLine(this), "--repeat must be at least 1");
        if (threads < 1) throw new CommandLine.ParameterException(new CommandLine(this), "--threads must be at least 1");
        if (nodes < 1) throw new CommandLine.ParameterException(new CommandLine(this), "--nodes must be at least 1");
        if (delayedBacklog < 1) throw new CommandLine.ParameterException(new CommandLine(this), "--delayed-backlog must be at least 1");
        for (int d : drainSettings) {
            if (d < 1 || d > dev.quarry.internal.queue.Drains.MAX) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--drains: " + d + " is not between 1 and " + dev.quarry.internal.queue.Drains.MAX);
            }
        }
        for (int b : backlogs) {
            if (b < 1) throw new CommandLine.ParameterException(new CommandLine(this), "--backlogs: " + b + " is not a positive size");
        }
        if (nodeLog == null || nodeLog.equals("-")) return runAll(runs);
        Path file = quarryHome.resolve(nodeLog);
        try (NodeLog log = NodeLog.writeTo(quarryHome, file)) {
            System.err.println("bench: node log in " + file);
            return runAll(runs);
        }
    }

    private List<ResultRow> runAll(Set<String> runs) {
        BenchServer server = new BenchServer(dbUrl, dbUser, env.getOrDefault("QUARRY_BENCH_DB_PASSWORD", ""), keepDatabases, settle);
        settleOn = server;
        try (java.sql.Connection c = server.connect("")) {
            ServerCpu.find(c);
        } catch (java.sql.SQLException e) {
            // the runs report it; db_cpu_s stays out of the rows
        }
        String commit = commit(quarryHome);
        ResultsCsv results = new ResultsCsv(quarryHome.resolve(csv), commit);
        Settings settings = new Settings(quarryHome, threads, rate, duration, maxRunTime, enqueueRows, enqueueSingleRows,
                Map.copyOf(overrides));
        System.err.printf("bench: server %s, commit %s, %d cpus, max heap %d MB, load average %s, results to %s%n", server.describe(),
                commit, Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() / (1024 * 1024), loadAverage(),
                quarryHome.resolve(csv));

        if (warmup > 0 && (runs.contains("baseline") || runs.contains("quarry") || runs.contains("quarry-warn") || runs.contains("steady")
                || runs.contains("delayed"))) {
            warmUp(server, settings);
        }
        List<ResultRow> rows = new ArrayList<>();
        for (int backlog : backlogs) {
            List<ResultRow> reps = new ArrayList<>();
            for (int rep = 1; rep <= repeat; rep++) {
                currentRep = rep;
                String tag = repeat > 1 ? " rep=" + rep : "";
                Double baselineRate = null;
                if (runs.contains("baseline")) {
                    ResultRow r = measure(rows, results, "baseline backlog=" + backlog + tag,
                            () -> withRep(new BaselineRun(server, settings).run(backlog)));
                    reps.add(r);
                    baselineRate = rate(r);
                }
                Double base = baselineRate;
                if (runs.contains("quarry")) {
                    for (int d : drainSettings) {
                        Settings withDrains = settings.withDrains(d);
                        String label = "quarry backlog=" + backlog + (drainSettings.size() > 1 ? " drains=" + d : "") + tag;
                        reps.add(measure(rows, results, label,
                                () -> withRep(new QuarryRun(server, withDrains).run(backlog, false, base).put("queue_drains", d))));
                    }
                }
                if (runs.contains("quarry-warn")) {
                    for (int d : drainSettings) {
                        Settings withDrains = settings.withDrains(d);
                        String label = "quarry-warn backlog=" + backlog + (drainSettings.size() > 1 ? " drains=" + d : "") + tag;
                        reps.add(measure(rows, results, label,
                                () -> withRep(new QuarryRun(server, withDrains).run(backlog, true, base).put("queue_drains", d))));
                    }
                }
            }
            if (repeat > 1) {
                for (ResultRow m : Medians.of(reps, backlog, threads)) emit(rows, results, m);
            }
        }
        if (runs.contains("cluster")) runCluster(server, settings, results, rows);
        if (runs.contains("steady")) measure(rows, results, "steady", () -> new SteadyRun(server, settings).run());
        if (runs.contains("delayed")) {
            measure(rows, results, "delayed backlog=" + delayedBacklog, () -> new DelayedRun(server, settings).run(delayedBacklog));
        }
        if (runs.contains("enqueue")) measureAll(rows, results, "enqueue", () -> new EnqueueRun(server, settings).run());
        if (runs.contains("admin-reads")) measureAll(rows, results, "admin-reads", () -> new AdminReadsRun(server).run(adminRows));
        if (runs.contains("dashboard")) measureAll(rows, results, "dashboard", () -> new DashboardRun(server).run(adminRows));
        if (runs.contains("scale")) {
            ScaleRun scale = new ScaleRun(server, settings, clusterLogDir(), env.getOrDefault("QUARRY_JAVA_OPTS", DEFAULT_NODE_JAVA_OPTS));
            ResultRow one = measure(rows, results, "scale nodes=1", () -> scale.run(scaleJobs, 1, scaleDrains, null));
            Double oneRate = rate(one);
            if (nodes > 1) measure(rows, results, "scale nodes=" + nodes, () -> scale.run(scaleJobs, nodes, scaleDrains, oneRate));
        }
        if (runs.contains("idle")) {
            for (int d : new java.util.TreeSet<>(List.of(1, scaleDrains))) {
                measure(rows, results, "idle drains=" + d, () -> new IdleRun(server, settings).run(d));
            }
        }
        System.err.printf("bench: done, load average %s%n", loadAverage());
        return rows;
    }

    /**
     * One node JVM, then K, on the same backlog, {@code --repeat} times in turn (so a busy spell of
     * the machine hits both alike), each K-node row with its ratio to the one-node run just before.
     */
    private void runCluster(BenchServer server, Settings settings, ResultsCsv results, List<ResultRow> rows) {
        int backlog = clusterBacklog();
        ClusterRun cluster = new ClusterRun(server, settings, clusterLogDir(), env.getOrDefault("QUARRY_JAVA_OPTS", DEFAULT_NODE_JAVA_OPTS));
        try {
            cluster.clearLogs();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the old node logs: " + e.getMessage(), e);
        }
        List<ResultRow> reps = new ArrayList<>();
        for (int rep = 1; rep <= repeat; rep++) {
            currentRep = rep;
            String tag = repeat > 1 ? " rep=" + rep : "";
            ResultRow one = measure(rows, results, "cluster nodes=1 backlog=" + backlog + tag, () -> withRep(cluster.run(backlog, 1, null)));
            reps.add(one);
            if (nodes > 1) {
                Double oneRate = rate(one);
                reps.add(measure(rows, results, "cluster nodes=" + nodes + " backlog=" + backlog + tag,
                        () -> withRep(cluster.run(backlog, nodes, oneRate))));
            }
        }
        if (repeat > 1) {
            for (ResultRow m : ClusterRun.medians(reps, backlog, nodes)) emit(rows, results, m);
        }
    }

    /** The largest of --backlogs when given; the default list's 1,000,000 would make this run long for little more insight. */
    private int clusterBacklog() {
        boolean given = spec != null && spec.commandLine().getParseResult() != null
                && spec.commandLine().getParseResult().hasMatchedOption("--backlogs");
        return given ? backlogs.stream().mapToInt(Integer::intValue).max().orElse(DEFAULT_CLUSTER_BACKLOG) : DEFAULT_CLUSTER_BACKLOG;
    }

    /** Beside the node log (target/bench by default). */
    private Path clusterLogDir() {
        Path base = nodeLog == null || nodeLog.equals("-") ? quarryHome.resolve("target/bench") : quarryHome.resolve(nodeLog).getParent();
        return (base == null ? quarryHome : base).toAbsolutePath();
    }

    /**
     * The first Quarry run in a JVM loads Quartz, Hikari and the driver and runs interpreted code;
     * without a warm-up it comes out slower than an identical second run, which would pass for
     * the cost of whatever the second run changed (e.g. the log level). 50,000 jobs: with 5,000 the
     * JIT compiler still took over half of the node's CPU time in the first measured seconds, a
     * start-up cost a long-running node pays once.
     */
    private void warmUp(BenchServer server, Settings settings) {
        System.err.printf("bench: warm-up with %d jobs (not reported)%n", warmup);
        try {
            System.err.println("bench: warm-up: " + new BaselineRun(server, settings).run(warmup).line());
            System.err.println("bench: warm-up: " + new QuarryRun(server, settings.withDrains(drainSettings.get(0))).run(warmup, false, null).line());
        } catch (Exception e) {
            System.err.println("bench: warm-up failed: " + e);
        }
    }

    @FunctionalInterface
    private interface Measurement<T> {
        T run() throws Exception;
    }

    /** Runs one measurement; a failure becomes a row with status=error and the next run goes on. */
    private ResultRow measure(List<ResultRow> rows, ResultsCsv results, String what, Measurement<ResultRow> m) {
        return measureAll(rows, results, what, () -> List.of(m.run())).get(0);
    }

    private List<ResultRow> measureAll(List<ResultRow> rows, ResultsCsv results, String what, Measurement<List<ResultRow>> m) {
        double settled = settleOn == null ? 0 : settleOn.settle();
        String loadBefore = load1();
        System.err.printf("bench: %s starting (load average %s)%n", what, loadAverage());
        List<ResultRow> made;
        try {
            made = m.run();
        } catch (Exception | AssertionError e) {
            made = List.of(failed(what.split(" ")[0], e));
        }
        String loadAfter = load1();
        for (ResultRow r : made) {
            r.put("load_before", loadBefore).put("load_after", loadAfter).put("settle_s", settled);
            emit(rows, results, r);
        }
        return made;
    }

    private void emit(List<ResultRow> rows, ResultsCsv results, ResultRow r) {
        rows.add(r);
        out.println(r.line());
        out.flush();
        results.append(r);
    }

    private static ResultRow failed(String run, Throwable e) {
        e.printStackTrace();
        return new ResultRow(run).put("status", "error").put("error", String.valueOf(e.getMessage()).replace('\n', ' '));
    }

    /** Each run waits for the server's purge of the runs before it (see {@link BenchServer#settle}). */
    private BenchServer settleOn;

    /** The repetition being measured, from 1. */
    private int currentRep;

    private ResultRow withRep(ResultRow r) {
        if (repeat > 1) r.put("rep", currentRep);
        return r;
    }

    private static Double rate(ResultRow r) {
        try {
            return "ok".equals(r.get("status")) ? Double.valueOf(r.get("jobs_per_s")) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** {@code git rev-parse --short HEAD} of the Quarry folder, {@code +dirty} when sources differ from it; "unknown" without git. */
    static String commit(Path home) {
        String id = git(home, "rev-parse", "--short", "HEAD");
        if (id == null || id.isBlank()) return "unknown";
        String changes = git(home, "status", "--porcelain", "--", "src", "pom.xml", "quartz", "sql", "bin");
        return id.strip() + (changes != null && !changes.isBlank() ? "+dirty" : "");
    }

    private static String git(Path home, String... args) {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", home.toString()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(false).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) return null;
            return text;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The three load averages from /proc/loadavg, or the JVM's one-minute figure elsewhere. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).strip().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    private static String load1() {
        return loadAverage().split(" ")[0];
    }

    /** Accepts 60s, 2m, 500ms (as in quarry.properties) or a plain number of seconds. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.strip();
            if (v.matches("\\d+")) return Duration.ofSeconds(Long.parseLong(v));
            return Durations.parse(v);
        }
    }
}
