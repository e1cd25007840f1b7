package dev.quarry.bench;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Quarry node in its own JVM, started the way an operator starts one: {@code dev.quarry.internal.node.Main}
 * on the build's class path (target/classes plus target/classpath.txt, and the benchmark's classes
 * for its handler), a config folder and the database in the environment, {@code QUARRY_JAVA_OPTS}
 * or {@code -Xmx512m} as {@code bin/start} uses. Its log, and anything it prints, is appended to
 * {@code LOG_DIR/NAME.log}.
 *
 * <p>Stopped with SIGTERM ({@link Process#destroy()} on Linux) and killed if it is still there after
 * {@link #STOP_TIMEOUT}. A JVM hook does the same for any node still running when the benchmark
 * exits, so a failed or interrupted run leaves no process behind.
 */
final class NodeJvm {
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern STARTED = Pattern.compile("node (\\S+) started: queues");
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(NodeJvm::stopAllLive, "quarry-bench-node-reaper"));
    }

    private final String name;
    private final Process process;
    private final Path log;
    private final long logOffset;
    private final long launchedNanos;

    private NodeJvm(String name, Process process, Path log, long logOffset, long launchedNanos) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.logOffset = logOffset;
        this.launchedNanos = launchedNanos;
    }

    /**
     * Starts {@code NAME} and returns at once. A line naming the run is appended to its log first,
     * so the log of one invocation holds every run, each after its own heading.
     *
     * @param dbEnv QUARRY_DB_URL, QUARRY_DB_USER, QUARRY_DB_PASSWORD: the password goes by the environment, never the command line
     */
    static NodeJvm launch(String name, String heading, Path quarryHome, Path configDir, Path logDir, Map<String, String> dbEnv,
                          String javaOpts) throws IOException {
        Files.createDirectories(logDir);
        Path log = logDir.resolve(name + ".log").toAbsolutePath();
        Files.writeString(log, "=== bench: " + heading + " at " + LocalDateTime.now() + " ===\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        long offset = Files.size(log);

        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String opt : javaOpts.strip().split("\\s+")) if (!opt.isEmpty()) cmd.add(opt);
        cmd.addAll(List.of("-cp", classPath(quarryHome), "dev.quarry.internal.node.Main"));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(quarryHome.toFile());
        Map<String, String> env = pb.environment();
        // Only what this run sets: an inherited QUARRY_DB_PASSWORD_FILE or QUARRY_CONSOLE_LEVEL would change the node.
        env.keySet().removeIf(k -> k.startsWith("QUARRY_"));
        env.putAll(dbEnv);
        env.put("QUARRY_CONFIG_DIR", configDir.toAbsolutePath().toString());
        env.put("QUARRY_LOG_DIR", logDir.toAbsolutePath().toString());
        env.put("QUARRY_NODE_NAME", name);
        // As bin/start runs a node in the background (and the systemd unit, at WARN): the log file has
        // every line, the console none, so a job's line is written once, not twice.
        env.put("QUARRY_CONSOLE_LEVEL", "OFF");
        // Start-up errors ("quarry: cannot start: ...") and JVM messages land in the log too; both append.
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        long t0 = System.nanoTime();
        Process p = pb.start();
        LIVE.add(p);
        return new NodeJvm(name, p, log, offset, t0);
    }

    /**
     * target/classes and the runtime dependencies Maven lists in target/classpath.txt (bin/bench
     * builds both), then the benchmark's own classes for its {@link SleepHandler}: the way an
     * operator adds a handler's jar to a node.
     */
    static String classPath(Path quarryHome) throws IOException {
        Path deps = quarryHome.resolve("target").resolve("classpath.txt");
        if (!Files.isRegularFile(deps)) {
            throw new IllegalStateException(deps + " is missing: build with 'mvn -DskipTests test-compile' (bin/bench does)");
        }
        return quarryHome.resolve("target").resolve("classes") + File.pathSeparator
                + Files.readString(deps, StandardCharsets.UTF_8).strip() + File.pathSeparator + benchClasses();
    }

    /** Where this class was loaded from: target/test-classes, under bin/bench as under the tests. */
    private static String benchClasses() {
        try {
            return Path.of(NodeJvm.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("the benchmark's classes are at no file path: " + e.getMessage(), e);
        }
    }

    String name() {
        return name;
    }

    boolean alive() {
        return process.isAlive();
    }

    /**
     * The Quartz instance id from the node's "node ID started: queues" line, or null while it is
     * still starting; fails with the log's tail when the node has exited instead.
     */
    String startedId() throws IOException {
        Matcher m = STARTED.matcher(logSinceLaunch(false));
        if (m.find()) return m.group(1);
        if (!process.isAlive()) {
            throw new IllegalStateException("node " + name + " exited with code " + process.exitValue() + " before it started: " + tail());
        }
        return null;
    }

    /** Seconds since the launch. */
    double secondsSinceLaunch() {
        return (System.nanoTime() - launchedNanos) / 1e9;
    }

    /** CPU time the node's JVM has used so far, in seconds, or NaN where the OS does not say. */
    double cpuSeconds() {
        return process.toHandle().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
    }

    /** Sends SIGTERM: the node stops claiming, finishes or gives back its jobs, releases its leases and exits. */
    void terminate() {
        process.destroy();
    }

    /** How a node ended: its exit code, and whether it had to be killed after {@link #STOP_TIMEOUT}. */
    record Exit(String node, int code, boolean killed) {
    }

    /** Waits until the deadline for the node to exit after {@link #terminate()}, then kills it. */
    Exit awaitExit(long deadlineNanos) throws InterruptedException {
        boolean killed = false;
        if (!process.waitFor(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            System.err.println("bench: node " + name + " still running " + STOP_TIMEOUT.toSeconds() + " s after SIGTERM; killing it");
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            killed = true;
        }
        LIVE.remove(process);
        return new Exit(name, process.isAlive() ? -1 : process.exitValue(), killed);
    }

    /** SIGTERM to all at once (they wind down side by side), then waits for each under one shared timeout. */
    static List<Exit> stopAll(List<NodeJvm> nodes) throws InterruptedException {
        for (NodeJvm n : nodes) n.terminate();
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        List<Exit> exits = new ArrayList<>();
        for (NodeJvm n : nodes) exits.add(n.awaitExit(deadline));
        return exits;
    }

    /** The last few lines of this run's part of the log, on one line, for an error message. */
    String tail() {
        try {
            return logSinceLaunch(true).strip().replace('\n', ' ') + " (log: " + log + ")";
        } catch (IOException e) {
            return "(log " + log + " unreadable: " + e.getMessage() + ")";
        }
    }

    /**
     * This launch's part of the log: its first MiB, or with {@code tail} its last 2 KB. Read at
     * start-up and on failure only: a drained backlog writes a line per job.
     */
    private String logSinceLaunch(boolean tail) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long length = f.length();
            long from = tail ? Math.max(logOffset, length - 2000) : logOffset;
            if (length <= from) return "";
            byte[] bytes = new byte[(int) Math.min(length - from, 1 << 20)];
            f.seek(from);
            f.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /** The shutdown hook: what a failure or Ctrl-C left running gets SIGTERM, 10 s, then SIGKILL. */
    private static void stopAllLive() {
        if (LIVE.isEmpty()) return;
        System.err.println("bench: stopping " + LIVE.size() + " node JVM(s) left running");
        LIVE.forEach(Process::destroy);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Process p : LIVE) {
            try {
                if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) p.destroyForcibly();
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
    }
}
