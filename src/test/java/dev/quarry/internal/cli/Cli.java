package dev.quarry.internal.cli;

import dev.quarry.internal.config.ConfigLoader;
import dev.quarry.internal.config.QuarryConfig;
import dev.quarry.testing.TestDatabase;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import javax.sql.DataSource;
import picocli.CommandLine;

/** Runs CLI commands in-process, through picocli, with stdin given and stdout and stderr captured. */
final class Cli {
    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Cli() {
    }

    /** A config as a node with {@code queues} would read it, pointing at {@code db}. */
    static QuarryConfig config(TestDatabase db, String queues) {
        Properties quarry = new Properties();
        quarry.setProperty("queues", queues);
        return ConfigLoader.fromProperties(quarry, new Properties(), Map.of("QUARRY_DB_URL", db.url()));
    }

    /** With queues "default", on the test database's own pool. */
    static Result run(TestDatabase db, String stdin, String... args) {
        return run(config(db, "default"), db.dataSource(), stdin, args);
    }

    static Result run(QuarryConfig config, DataSource ds, String stdin, String... args) {
        return execute(new QuarryCli(config, ds, in(stdin)), args);
    }

    /** Configured from {@code env} exactly as bin/quarry is from the environment; the pool it opens is closed after. */
    static Result runWithEnv(Map<String, String> env, String... args) {
        try (QuarryCli cli = new QuarryCli(env, in(""))) {
            return execute(cli, args);
        }
    }

    private static Result execute(QuarryCli cli, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(cli);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    private static ByteArrayInputStream in(String stdin) {
        return new ByteArrayInputStream((stdin == null ? "" : stdin).getBytes(StandardCharsets.UTF_8));
    }
}
