package dev.quarry.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Quarry node in its own JVM, started the way an operator starts one (the main class, a config
 * folder, the database in the environment), and stopped with real signals.
 */
public final class NodeProcess implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path output;

    private NodeProcess(String name, Process process, Path output) {
        this.name = name;
        this.process = process;
        this.output = output;
    }

    /** The class path of the build: main and test classes plus the runtime dependencies. */
    public static String classPath() {
        try {
            String deps = Files.readString(Path.of("target", "classpath.txt")).strip();
            return String.join(java.io.File.pathSeparator, Path.of("target", "classes").toAbsolutePath().toString(),
                    Path.of("target", "test-classes").toAbsolutePath().toString(), deps);
        } catch (IOException e) {
            throw new IllegalStateException("target/classpath.txt is missing: run the tests through Maven", e);
        }
    }

    public static NodeProcess start(String name, TestDatabase db, Path configDir, Path workDir, Map<String, String> extraEnv) {
        return start(List.of(), name, db, configDir, workDir, extraEnv);
    }

    /** Starts the node behind {@code prefix}, e.g. {@code ip netns exec NAME} to run it on a test host of its own. */
    public static NodeProcess start(List<String> prefix, String name, TestDatabase db, Path configDir, Path workDir,
                                    Map<String, String> extraEnv) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classPath(), "dev.quarry.internal.node.Main"));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.put("QUARRY_DB_URL", db.url());
        env.put("QUARRY_DB_USER", TestDatabase.USER);
        env.put("QUARRY_DB_PASSWORD", TestDatabase.PASSWORD);
        env.put("QUARRY_CONFIG_DIR", configDir.toAbsolutePath().toString());
        env.put("QUARRY_NODE_NAME", name);
        env.put("QUARRY_LOG_DIR", workDir.resolve("logs").toAbsolutePath().toString());
        env.putAll(extraEnv);
        Path output = workDir.resolve(name + ".out");
        pb.redirectErrorStream(true).redirectOutput(output.toFile());
        pb.directory(workDir.toFile());
        try {
            return new NodeProcess(name, pb.start(), output);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start node " + name, e);
        }
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Everything the node printed so far (console log). */
    public String output() {
        try {
            return Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The Quartz instance id the node logged at start. */
    public String instanceId(Duration timeout) {
        Poll.until(timeout, "node " + name + " to start", () -> output().contains("started: queues") || !alive(), this::output);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("node (\\S+) started: queues").matcher(output());
        if (!m.find()) throw new AssertionError("node " + name + " did not start:\n" + output());
        return m.group(1);
    }

    public void signal(String sig) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(pid())).inheritIO().start();
            if (kill.waitFor() != 0) throw new IllegalStateException("kill -" + sig + " " + pid() + " failed");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for the process to end; returns its exit code, or fails at the deadline. */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("node " + name + " still running after " + timeout.toSeconds() + " s:\n" + tail());
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        }
    }

    /** Copies the node's output to target/test-logs/TEST/NAME.out, where it outlives the temporary folder. */
    public void keepOutput(String test) {
        try {
            Path dir = Files.createDirectories(Path.of("target", "test-logs", test));
            Files.writeString(dir.resolve(name + ".out"), output());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public String tail() {
        String out = output();
        return out.length() > 6000 ? "…" + out.substring(out.length() - 6000) : out;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            signal("CONT");
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
