package dev.quarry.bench;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.joran.spi.JoranException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * The log of the nodes this process runs, written as a node started by {@code bin/start} writes
 * its own: the shipped {@code quartz/logback.xml}, console off, every line in the file (the same
 * appenders, the same buffering), so a run pays for its job lines what a production node pays.
 */
final class NodeLog implements AutoCloseable {
    private final LoggerContext context;

    private NodeLog(LoggerContext context) {
        this.context = context;
    }

    /** Sends this process's logging to {@code file} (which must end in .log, emptied first) until {@link #close}. */
    static NodeLog writeTo(Path quarryHome, Path file) {
        String name = file.getFileName().toString();
        if (!name.endsWith(".log")) throw new IllegalArgumentException("--node-log must name a .log file, not " + file);
        LoggerContext lc = (LoggerContext) LoggerFactory.getILoggerFactory();
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.deleteIfExists(file);
            lc.reset();
            lc.putProperty("QUARRY_LOG_DIR", file.toAbsolutePath().getParent().toString());
            lc.putProperty("QUARRY_NODE_NAME", name.substring(0, name.length() - ".log".length()));
            lc.putProperty("QUARRY_CONSOLE_LEVEL", "OFF");
            JoranConfigurator c = new JoranConfigurator();
            c.setContext(lc);
            c.doConfigure(quarryHome.resolve("quartz").resolve("logback.xml").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the node log to " + file + ": " + e.getMessage(), e);
        } catch (JoranException e) {
            throw new IllegalStateException("quartz/logback.xml: " + e.getMessage(), e);
        }
        return new NodeLog(lc);
    }

    /** Writes what waits, and gives this process its default logging back. */
    @Override
    public void close() {
        context.reset();
        try {
            new ContextInitializer(context).autoConfig();
        } catch (JoranException e) {
            System.err.println("bench: could not restore the default logging: " + e.getMessage());
        }
    }
}
