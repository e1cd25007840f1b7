package dev.quarry.internal.cli;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import dev.quarry.QuarryException;
import dev.quarry.client.DuplicateJobException;
import dev.quarry.internal.admin.AdminCommands;
import dev.quarry.internal.admin.JobReads;
import dev.quarry.internal.admin.StatusReads;
import dev.quarry.client.QuarryClient;
import dev.quarry.internal.config.ConfigException;
import dev.quarry.internal.config.ConfigLoader;
import dev.quarry.internal.config.DatabaseConfig;
import dev.quarry.internal.config.QuarryConfig;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.sql.DataSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code bin/quarry}: the operator's and developer's commands. It reads the same configuration as
 * a node ({@code QUARRY_CONFIG_DIR}, default {@code quartz}, and {@code QUARRY_DB_*}) and opens
 * its own small pool, only when a command needs the database.
 *
 * <p>Tests and embedders hand it a config and a data source instead of an environment; the
 * data source then stays theirs to close.
 */
@Command(name = "quarry",
        description = "Enqueue, inspect and manage Quarry's jobs and queues.",
        subcommands = {EnqueueCommand.class, StatusCommand.class, JobsCommand.class, ShowCommand.class, WaitCommand.class, RetryCommand.class,
                CancelCommand.class, PurgeCommand.class, PauseCommand.class, ResumeCommand.class, SchemaCommand.class, WebCommand.class,
                SchedulesCommand.class, ScheduleCommand.class},
        footerHeading = "%nConfiguration:%n",
        footer = {"The same settings a node reads: QUARRY_DB_URL (required), QUARRY_DB_USER (default root), QUARRY_DB_PASSWORD "
                + "or QUARRY_DB_PASSWORD_FILE, and QUARRY_CONFIG_DIR (default quartz). Run 'quarry COMMAND --help' for a command's options."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:not found, nothing matched, or refused by the job's status or unique key",
                "2:bad usage or configuration", "3:database unreachable, schema missing or other database error",
                "4:unexpected error (a bug: please report it with the stack trace)"})
public final class QuarryCli implements Callable<Integer>, AutoCloseable {
    public static final int OK = 0;
    public static final int NOT_FOUND = 1;
    public static final int USAGE = 2;
    public static final int DATABASE = 3;
    public static final int INTERNAL = 4;

    /** The CLI runs one command at a time: one connection, and a spare for the rare nested read. */
    static final int POOL_SIZE = 2;

    private final Map<String, String> env;
    private final InputStream stdin;
    private QuarryConfig config;
    private DataSource dataSource;
    private HikariDataSource ownPool;
    private AdminCommands commands;
    private StatusReads statusReads;
    private JobReads jobReads;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    /** Configured from {@code env} as a node is; the pool is opened on first use and closed by {@link #close()}. */
    public QuarryCli(Map<String, String> env, InputStream stdin) {
        this.env = Map.copyOf(env);
        this.stdin = stdin;
    }

    /** With a ready config and data source (tests, embedding); {@link #close()} leaves the data source open. */
    public QuarryCli(QuarryConfig config, DataSource dataSource, InputStream stdin) {
        this.env = Map.of();
        this.config = config;
        this.dataSource = dataSource;
        this.stdin = stdin;
    }

    public static void main(String[] args) {
        // The CLI's own logging: warnings to stderr, never into output a script parses. Set before any logger exists.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "dev/quarry/cli/logback-cli.xml");
        }
        int code;
        try (QuarryCli cli = new QuarryCli(System.getenv(), System.in)) {
            CommandLine cl = new CommandLine(cli);
            cl.setOut(utf8(System.out));
            cl.setErr(utf8(System.err));
            code = cl.execute(args);
        }
        System.exit(code);
    }

    private static PrintWriter utf8(PrintStream s) {
        return new PrintWriter(new OutputStreamWriter(s, StandardCharsets.UTF_8), true);
    }

    /** {@code quarry} alone: the usage, as an error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE;
    }

    QuarryConfig config() {
        if (config == null) config = ConfigLoader.load(env);
        return config;
    }

    DataSource dataSource() {
        if (dataSource == null) {
            ownPool = openPool(config().database());
            dataSource = ownPool;
        }
        return dataSource;
    }

    InputStream stdin() {
        return stdin;
    }

    /** A variable of the environment this CLI was configured from; null when unset. */
    String env(String name) {
        return env.get(name);
    }

    QuarryClient client() {
        return new QuarryClient(dataSource());
    }

    /** The operator's state changes: retry, cancel, pause, resume, purge. */
    AdminCommands commands() {
        if (commands == null) commands = new AdminCommands(dataSource(), schedulerName(), tablePrefix());
        return commands;
    }

    /** The cluster's status, a queue's counts, the schema version. */
    StatusReads statusReads() {
        if (statusReads == null) statusReads = new StatusReads(dataSource(), schedulerName(), tablePrefix());
        return statusReads;
    }

    /** A job, and pages of jobs. */
    JobReads jobReads() {
        if (jobReads == null) jobReads = new JobReads(dataSource());
        return jobReads;
    }

    String schedulerName() {
        return config().quartz().getProperty("org.quartz.scheduler.instanceName");
    }

    String tablePrefix() {
        return config().quartz().getProperty("org.quartz.jobStore.tablePrefix");
    }

    private static HikariDataSource openPool(DatabaseConfig db) {
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("quarry-cli");
        hc.setJdbcUrl(db.url());
        hc.setUsername(db.user());
        hc.setPassword(db.password());
        hc.setMaximumPoolSize(POOL_SIZE);
        hc.setMinimumIdle(1);
        // The node's isolation level, so the CLI's guarded UPDATEs lock as the drains' do.
        hc.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        // An operator waits at a prompt: fail within seconds, not the driver's 30 s default.
        hc.setConnectionTimeout(5_000);
        hc.setValidationTimeout(3_000);
        hc.setInitializationFailTimeout(1);
        try {
            return new HikariDataSource(hc);
        } catch (HikariPool.PoolInitializationException e) {
            throw new QuarryException("cannot connect to the database at " + db.safeUrl() + " as " + db.user() + ": " + dev.quarry.internal.queue.Transactions.rootCause(e), e);
        }
    }

    @FunctionalInterface
    interface Work {
        int run() throws Exception;
    }

    /**
     * Runs one command's work and turns what it throws into an exit code and one line on stderr.
     * Picocli's own usage errors pass through to its handler (exit 2 with the usage).
     */
    int run(CommandLine cl, Work work) {
        try {
            return work.run();
        } catch (ParameterException e) {
            throw e;
        } catch (ConfigException e) {
            return fail(cl, "bad configuration: " + e.getMessage(), USAGE);
        } catch (DuplicateJobException e) {
            return fail(cl, e.getMessage(), NOT_FOUND);
        } catch (QuarryException e) {
            return fail(cl, e.getMessage() + hint(e), DATABASE);
        } catch (IllegalArgumentException e) {
            return fail(cl, e.getMessage(), USAGE);
        } catch (Exception e) {
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            return fail(cl, "unexpected error: " + e + "\n" + trace, INTERNAL);
        } finally {
            cl.getOut().flush();
        }
    }

    private int fail(CommandLine cl, String message, int code) {
        cl.getErr().println("quarry: " + scrub(message));
        cl.getErr().flush();
        return code;
    }

    /** The password never reaches the terminal, whatever a driver or library put in a message. */
    String scrub(String message) {
        String m = message == null ? "" : message;
        if (config != null) m = config.database().scrub(m);
        m = maskUrl(m);
        String password = passwordOrNull();
        return password == null || password.isEmpty() ? m : m.replace(password, "****");
    }

    private String passwordOrNull() {
        if (config != null) return config.database().password();
        // The config may have failed to load; the environment still names the password.
        return env.get("QUARRY_DB_PASSWORD");
    }

    static String maskUrl(String s) {
        return s.replaceAll("(?i)(password=)[^&;\\s]*", "$1****");
    }

    private static String hint(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && (s.getErrorCode() == 1146 || s.getErrorCode() == 1054)) {
                return "; run 'quarry schema check' to see what the database lacks";
            }
        }
        return "";
    }


    /** Closes the pool this CLI opened, if any. */
    @Override
    public void close() {
        if (ownPool != null) ownPool.close();
    }
}
