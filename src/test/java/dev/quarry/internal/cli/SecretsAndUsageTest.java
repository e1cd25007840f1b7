package dev.quarry.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.testing.TestConfig;
import dev.quarry.testing.TestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Configuration from the environment, as bin/quarry gets it: passwords kept out of every output, help and exit codes. */
class SecretsAndUsageTest {
    private static final String USER = "quarry_cli_pw_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL);
    private static final String PASSWORD = "Pw-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    private static TestDatabase db;

    @TempDir
    static Path dir;
    private static Path configDir;

    @BeforeAll
    static void databaseAndUser() {
        db = TestDatabase.create("cli_secrets");
        if (TestDatabase.ENFORCES_GRANTS) {
            server("CREATE USER '" + USER + "'@'%' IDENTIFIED BY '" + PASSWORD + "'");
            server("GRANT ALL ON `" + db.name() + "`.* TO '" + USER + "'@'%'");
        }
        configDir = TestConfig.write(dir.resolve("quartz"), "queues = default\n");
    }

    @AfterAll
    static void dropAll() {
        if (TestDatabase.ENFORCES_GRANTS) server("DROP USER IF EXISTS '" + USER + "'@'%'");
        db.close();
    }

    private static void server(String sql) {
        try (Connection c = DriverManager.getConnection(TestDatabase.SERVER_URL, TestDatabase.USER, TestDatabase.PASSWORD);
             Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, String> env(String password) {
        org.junit.jupiter.api.Assumptions.assumeTrue(TestDatabase.ENFORCES_GRANTS,
                "the test server runs without grant tables (the tests' own embedded MariaDB): no account with a password can be made");
        Map<String, String> env = new HashMap<>();
        env.put("QUARRY_DB_URL", db.url());
        env.put("QUARRY_DB_USER", USER);
        env.put("QUARRY_DB_PASSWORD", password);
        env.put("QUARRY_CONFIG_DIR", configDir.toString());
        return env;
    }

    @Test
    void the_password_never_appears_in_status_output() {
        db.exec("INSERT INTO quarry_jobs (queue, type, payload) VALUES ('default', 'noop', 'x')");
        for (String[] args : new String[][] {{"status"}, {"status", "--json"}, {"jobs"}}) {
            Cli.Result r = Cli.runWithEnv(env(PASSWORD), args);
            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.out() + r.err()).doesNotContain(PASSWORD);
        }
    }

    @Test
    void a_wrong_password_exits_3_with_a_one_line_error_that_does_not_contain_it() {
        String wrong = "Wrong-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        Cli.Result r = Cli.runWithEnv(env(wrong), "status");
        assertThat(r.exit()).as(r.toString()).isEqualTo(QuarryCli.DATABASE);
        assertThat(r.err()).startsWith("quarry: cannot connect to the database at " + db.url() + " as " + USER)
                .contains("Access denied").doesNotContain(wrong).doesNotContain(PASSWORD);
        assertThat(r.err().strip()).doesNotContain("\n");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void a_password_in_the_url_is_masked_too() {
        Map<String, String> env = env("");
        env.remove("QUARRY_DB_PASSWORD");
        env.put("QUARRY_DB_URL", db.url() + "?password=InUrl-" + PASSWORD);
        Cli.Result r = Cli.runWithEnv(env, "status");
        assertThat(r.exit()).as(r.toString()).isEqualTo(QuarryCli.DATABASE);
        assertThat(r.err()).contains("password=****").doesNotContain(PASSWORD);

        env.put("QUARRY_DB_URL", db.url() + "?user=" + USER + "&PWD=InUrl-" + PASSWORD);
        Cli.Result pwd = Cli.runWithEnv(env, "status");
        assertThat(pwd.err()).as(pwd.toString()).contains("PWD=****").doesNotContain(PASSWORD);

        env.put("QUARRY_DB_URL", db.url().replace("//", "//" + USER + ":InUrl-" + PASSWORD + "@"));
        Cli.Result userInfo = Cli.runWithEnv(env, "status");
        assertThat(userInfo.exit()).as(userInfo.toString()).isEqualTo(QuarryCli.USAGE);
        assertThat(userInfo.err()).contains("names credentials before the host").contains(USER + ":****@").doesNotContain(PASSWORD);
    }

    @Test
    void an_unreachable_server_exits_3() {
        Map<String, String> env = env(PASSWORD);
        env.put("QUARRY_DB_URL", "jdbc:mariadb://127.0.0.1:1/quarry");
        Cli.Result r = Cli.runWithEnv(env, "jobs");
        assertThat(r.exit()).as(r.toString()).isEqualTo(QuarryCli.DATABASE);
        assertThat(r.err()).contains("cannot connect to the database at jdbc:mariadb://127.0.0.1:1/quarry").doesNotContain(PASSWORD);
    }

    @Test
    void missing_or_bad_configuration_exits_2_naming_the_variable_or_key() {
        Map<String, String> noUrl = env(PASSWORD);
        noUrl.remove("QUARRY_DB_URL");
        Cli.Result r = Cli.runWithEnv(noUrl, "status");
        assertThat(r.exit()).isEqualTo(QuarryCli.USAGE);
        assertThat(r.err()).contains("QUARRY_DB_URL is not set");

        Map<String, String> noDir = env(PASSWORD);
        noDir.put("QUARRY_CONFIG_DIR", dir.resolve("nowhere").toString());
        assertThat(Cli.runWithEnv(noDir, "jobs").err()).contains("config folder").contains("QUARRY_CONFIG_DIR");

        Path bad = TestConfig.write(dir.resolve("bad"), "queues = default\nretry.max-attempts = lots\n");
        Map<String, String> badKey = env(PASSWORD);
        badKey.put("QUARRY_CONFIG_DIR", bad.toString());
        Cli.Result b = Cli.runWithEnv(badKey, "status");
        assertThat(b.exit()).isEqualTo(QuarryCli.USAGE);
        assertThat(b.err()).contains("retry.max-attempts=lots").doesNotContain(PASSWORD);
    }

    @Test
    void every_command_has_help_that_exits_0() {
        List<List<String>> paths = new ArrayList<>();
        collect(new CommandLine(new QuarryCli(Map.of(), System.in)), new ArrayList<>(), paths);
        assertThat(paths).extracting(p -> String.join(" ", p)).contains("", "enqueue", "status", "jobs", "show", "retry", "cancel",
                "purge", "pause", "resume", "schema", "schema print", "schema check", "web");
        for (List<String> path : paths) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            Cli.Result r = Cli.runWithEnv(Map.of(), args.toArray(String[]::new));
            assertThat(r.exit()).as(String.join(" ", args) + "\n" + r).isZero();
            assertThat(r.out()).as(String.join(" ", args)).contains("Usage: quarry").contains("--help");
        }
    }

    private static void collect(CommandLine cl, List<String> path, List<List<String>> out) {
        out.add(path);
        cl.getSubcommands().forEach((name, sub) -> {
            List<String> p = new ArrayList<>(path);
            p.add(name);
            collect(sub, p, out);
        });
    }

    @Test
    void usage_errors_exit_2_and_the_top_level_help_lists_the_exit_codes() {
        assertThat(Cli.runWithEnv(Map.of()).exit()).isEqualTo(QuarryCli.USAGE);
        assertThat(Cli.runWithEnv(Map.of(), "frobnicate").exit()).isEqualTo(QuarryCli.USAGE);
        assertThat(Cli.runWithEnv(Map.of(), "show").exit()).isEqualTo(QuarryCli.USAGE);
        assertThat(Cli.runWithEnv(Map.of(), "show", "abc").exit()).isEqualTo(QuarryCli.USAGE);
        assertThat(Cli.runWithEnv(Map.of(), "jobs", "--limit", "0").exit()).isEqualTo(QuarryCli.USAGE);
        assertThat(Cli.runWithEnv(Map.of(), "--help").out()).contains("Exit codes:").contains("3   database unreachable");
    }
}
