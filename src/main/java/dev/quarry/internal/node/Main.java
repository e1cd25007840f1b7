package dev.quarry.internal.node;

import ch.qos.logback.classic.LoggerContext;
import dev.quarry.QuarryException;
import dev.quarry.internal.config.ConfigException;
import dev.quarry.internal.config.ConfigLoader;
import dev.quarry.internal.config.QuarryConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a node in the foreground until SIGTERM or SIGINT. Exit codes: the JVM's 143 (SIGTERM) or 130
 * (SIGINT) after a graceful stop, 2 for bad configuration, 3 when the node cannot start (database,
 * schema, scheduler).
 */
public final class Main {
    public static final int EXIT_CONFIG = 2;
    public static final int EXIT_START = 3;

    private Main() {
    }

    public static void main(String[] args) {
        String configDir = System.getenv().getOrDefault("QUARRY_CONFIG_DIR", "quartz");
        Path logback = Path.of(configDir, "logback.xml");
        if (System.getProperty("logback.configurationFile") == null && Files.isRegularFile(logback)) {
            System.setProperty("logback.configurationFile", logback.toString());
        }
        Logger log = LoggerFactory.getLogger(Main.class);
        QuarryConfig config;
        try {
            config = ConfigLoader.load(System.getenv());
        } catch (ConfigException e) {
            fail(log, "bad configuration: " + e.getMessage(), EXIT_CONFIG);
            return;
        }
        log.info("effective configuration:\n{}", config.describe());
        Node node;
        try {
            node = Node.start(config);
        } catch (ConfigException e) {
            fail(log, "bad configuration: " + config.database().scrub(e.getMessage()), EXIT_CONFIG);
            return;
        } catch (QuarryException e) {
            // The driver's reason is in the message, and a driver may repeat what the URL held.
            fail(log, "cannot start: " + config.database().scrub(e.getMessage()), EXIT_START);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.stop();
            removePidFile(System.getenv("QUARRY_PID_FILE"));
            ((LoggerContext) LoggerFactory.getILoggerFactory()).stop();
        }, "quarry-shutdown"));
        node.awaitStopped();
    }

    /** bin/start names the node's pid file; a node that stopped cleanly leaves none behind. */
    private static void removePidFile(String file) {
        if (file == null) return;
        try {
            Path p = Path.of(file);
            if (Files.isRegularFile(p) && Files.readString(p).strip().equals(Long.toString(ProcessHandle.current().pid()))) {
                Files.delete(p);
            }
        } catch (java.io.IOException | RuntimeException e) {
            // bin/start notices a stale pid file anyway
        }
    }

    /** One line on stderr (bin/start sends it to the log file too), then exit. */
    private static void fail(Logger log, String message, int code) {
        System.err.println("quarry: " + message.replace('\n', ' '));
        ((LoggerContext) LoggerFactory.getILoggerFactory()).stop();
        System.exit(code);
    }
}
