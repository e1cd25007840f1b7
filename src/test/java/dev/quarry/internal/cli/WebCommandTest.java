package dev.quarry.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.testing.TestConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code quarry web}'s start-up errors: one line naming what is wrong, exit 2, the password never shown. */
class WebCommandTest {
    static final String SECRET = "s3cret-web-password";

    @TempDir
    Path dir;

    private Map<String, String> env(String... extra) {
        Path config = TestConfig.write(dir.resolve("config"), "queues = default\n");
        java.util.HashMap<String, String> env = new java.util.HashMap<>(Map.of("QUARRY_DB_URL", "jdbc:mariadb://127.0.0.1:9/none",
                "QUARRY_CONFIG_DIR", config.toString()));
        for (int i = 0; i + 1 < extra.length; i += 2) env.put(extra[i], extra[i + 1]);
        return env;
    }

    @Test
    void both_password_variables_are_refused_without_showing_the_password() {
        Cli.Result r = Cli.runWithEnv(env("QUARRY_WEB_PASSWORD", SECRET, "QUARRY_WEB_PASSWORD_FILE", dir.resolve("p").toString()), "web");
        assertThat(r.exit()).isEqualTo(QuarryCli.USAGE);
        assertThat(r.err().strip()).isEqualTo("quarry: bad configuration: both QUARRY_WEB_PASSWORD and QUARRY_WEB_PASSWORD_FILE are set; keep one");
        assertThat(r.out() + r.err()).doesNotContain(SECRET);
    }

    @Test
    void an_unreadable_password_file_is_named() {
        Path missing = dir.resolve("missing");
        Cli.Result r = Cli.runWithEnv(env("QUARRY_WEB_PASSWORD_FILE", missing.toString()), "web");
        assertThat(r.exit()).isEqualTo(QuarryCli.USAGE);
        assertThat(r.err()).startsWith("quarry: bad configuration: QUARRY_WEB_PASSWORD_FILE=" + missing + " cannot be read");
    }

    @Test
    void a_port_out_of_range_is_a_usage_error() {
        Cli.Result r = Cli.runWithEnv(env(), "web", "--port", "70000");
        assertThat(r.exit()).isEqualTo(QuarryCli.USAGE);
        assertThat(r.err()).contains("--port must be between 0 and 65535, not 70000");
    }
}
