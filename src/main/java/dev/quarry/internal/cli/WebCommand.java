package dev.quarry.internal.cli;

import dev.quarry.internal.config.ConfigException;
import dev.quarry.internal.config.QueueConfig;
import dev.quarry.internal.web.WebServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quarry web}: the dashboard, in a process of its own that needs only the database. */
@Command(name = "web",
        description = {"Serve the dashboard: nodes, queues, throughput, jobs, dead jobs and schedules, in a browser.",
                "Read-only unless QUARRY_WEB_PASSWORD or QUARRY_WEB_PASSWORD_FILE is set; then every page needs a login and the "
                        + "actions (retry, cancel, pause, resume, purge) are enabled. Listens on 127.0.0.1 unless --bind says otherwise. "
                        + "Runs until stopped (Ctrl-C or SIGTERM)."},
        footer = {"", "Examples:", "  quarry web", "  QUARRY_WEB_PASSWORD_FILE=/etc/quarry/web-password quarry web --port 9090 --bind 0.0.0.0"})
final class WebCommand extends CliCommand {
    static final String PASSWORD_ENV = "QUARRY_WEB_PASSWORD";
    static final String PASSWORD_FILE_ENV = "QUARRY_WEB_PASSWORD_FILE";

    @Option(names = "--port", defaultValue = "8080", description = "TCP port (default ${DEFAULT-VALUE}; 0: any free port).")
    int port;

    @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Address to listen on (default ${DEFAULT-VALUE}: this host only).")
    String bind;

    @Override
    int execute(QuarryCli cli) throws IOException, InterruptedException {
        if (port < 0 || port > 65535) throw usage("--port must be between 0 and 65535, not " + port);
        String password = password(cli);
        cli.statusReads().schemaVersion(); // fail now, with the CLI's message, if the database is unreachable or has no schema
        WebServer server = WebServer.start(cli.dataSource(), cli.schedulerName(), cli.tablePrefix(),
                cli.config().queues().stream().map(QueueConfig::name).toList(), password, bind, port);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "quarry-web-stop"));
        out().println("dashboard on http://" + (bind.contains(":") ? "[" + bind + "]" : bind) + ":" + server.port() + "/ ("
                + (server.readOnly() ? "read-only: set " + PASSWORD_ENV + " or " + PASSWORD_FILE_ENV + " to enable actions" : "log in with the password to act")
                + ")");
        out().flush();
        stopped.await();
        return QuarryCli.OK;
    }

    /** The dashboard's password from the environment or a file; null when neither is set. Never printed. */
    private static String password(QuarryCli cli) {
        String direct = cli.env(PASSWORD_ENV);
        String file = cli.env(PASSWORD_FILE_ENV);
        if (direct != null && !direct.isEmpty() && file != null && !file.isEmpty()) {
            throw new ConfigException("both " + PASSWORD_ENV + " and " + PASSWORD_FILE_ENV + " are set; keep one");
        }
        if (file != null && !file.isEmpty()) {
            try {
                String p = Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
                if (p.isEmpty()) throw new ConfigException(PASSWORD_FILE_ENV + "=" + file + " is empty");
                return p;
            } catch (IOException e) {
                throw new ConfigException(PASSWORD_FILE_ENV + "=" + file + " cannot be read: " + e.getMessage());
            }
        }
        return direct == null || direct.isEmpty() ? null : direct;
    }
}
