package dev.quarry.bench;

import dev.quarry.internal.config.ConfigLoader;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

/**
 * The config folder every node of a cluster run shares, as the README asks of a real cluster:
 * quarry.properties with the three queues and T workers each, everything else at its default
 * unless {@code --set} says otherwise; quartz.properties from the Quarry folder with the run's
 * database as the scheduler name; and a logback.xml that writes {@code $QUARRY_LOG_DIR/$QUARRY_NODE_NAME.log}
 * and nothing to the console (one file per node from one shared folder).
 */
final class ClusterConfig {
    static final List<String> QUEUES = List.of("q1", "q2", "q3");

    /** The shipped pattern; appended, so the runs of one invocation stay in each node's file. */
    private static final String LOGBACK = """
            <configuration>
              <statusListener class="ch.qos.logback.core.status.NopStatusListener"/>
              <appender name="FILE" class="ch.qos.logback.core.FileAppender">
                <file>${QUARRY_LOG_DIR}/${QUARRY_NODE_NAME}.log</file>
                <append>true</append>
                <encoder><pattern>%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level %X{node} [%X{queue}] %msg%n</pattern></encoder>
              </appender>
              <!-- As shipped: the file is written off the drain's thread. -->
              <appender name="ASYNC_FILE" class="ch.qos.logback.classic.AsyncAppender">
                <queueSize>8192</queueSize>
                <discardingThreshold>0</discardingThreshold>
                <appender-ref ref="FILE"/>
              </appender>
              <logger name="org.quartz" level="WARN"/>
              <logger name="com.zaxxer.hikari" level="WARN"/>
              <root level="INFO"><appender-ref ref="ASYNC_FILE"/></root>
            </configuration>
            """;

    private ClusterConfig() {
    }

    /** Writes the three files into {@code dir} (replacing what a previous run wrote) and returns it. */
    static Path write(Path dir, String schedulerName, Bench.Settings settings) throws IOException {
        Files.createDirectories(dir);
        Properties quarry = new Properties();
        quarry.setProperty("queues", String.join(",", QUEUES));
        for (String q : QUEUES) quarry.setProperty("queue." + q + ".workers", String.valueOf(settings.threads()));
        settings.overrides().forEach(quarry::setProperty);
        Properties quartz = BenchNode.quartzFile(settings.quarryHome());
        quartz.setProperty("org.quartz.scheduler.instanceName", schedulerName);
        store(quarry, dir.resolve(ConfigLoader.QUARRY_FILE), "written by bin/bench for a cluster run");
        store(quartz, dir.resolve(ConfigLoader.QUARTZ_FILE), "quartz/quartz.properties with this run's scheduler name");
        Files.writeString(dir.resolve("logback.xml"), LOGBACK, StandardCharsets.UTF_8);
        return dir;
    }

    private static void store(Properties p, Path file, String comment) throws IOException {
        StringWriter text = new StringWriter();
        p.store(text, comment);
        Files.writeString(file, text.toString(), StandardCharsets.UTF_8);
    }
}
