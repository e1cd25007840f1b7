package dev.quarry.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a config folder for node processes: fast cluster timings, console logging. */
public final class TestConfig {
    private TestConfig() {
    }

    /**
     * @param quarry the quarry.properties text
     * @return the folder, holding quarry.properties, a quartz.properties with a 1 s check-in, and logback.xml
     */
    public static Path write(Path dir, String quarry) {
        return write(dir, quarry, "");
    }

    /**
     * A config folder at the shipped timings: quartz.properties is the one Quarry ships (check-in
     * every 7.5 s, so Quartz's failover after about 15 s), and {@code quarry} should leave
     * lease.duration and drain.poll-interval at their defaults.
     */
    public static Path writeShipped(Path dir, String quarry) {
        Path dirWritten = write(dir, quarry, "");
        try {
            Files.copy(Path.of("quartz", "quartz.properties"), dirWritten.resolve("quartz.properties"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return dirWritten;
    }

    /** As {@link #write(Path, String)}, with {@code quartzExtra} appended to quartz.properties. */
    public static Path write(Path dir, String quarry, String quartzExtra) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("quarry.properties"), quarry);
            Files.writeString(dir.resolve("quartz.properties"), """
                    org.quartz.scheduler.instanceName = quarry
                    org.quartz.scheduler.instanceId = AUTO
                    # a dead peer is noticed after 1 s + 7.5 s instead of 15 s
                    org.quartz.jobStore.clusterCheckinInterval = 1000
                    org.quartz.jobStore.misfireThreshold = 5000
                    """ + quartzExtra);
            Files.writeString(dir.resolve("logback.xml"), """
                    <configuration>
                      <statusListener class="ch.qos.logback.core.status.NopStatusListener"/>
                      <appender name="CONSOLE" class="ch.qos.logback.core.ConsoleAppender">
                        <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %X{node} [%X{queue}] %msg%n</pattern></encoder>
                      </appender>
                      <logger name="org.quartz" level="WARN"/>
                      <logger name="com.zaxxer.hikari" level="WARN"/>
                      <logger name="org.mariadb.jdbc" level="ERROR"/>
                      <root level="INFO"><appender-ref ref="CONSOLE"/></root>
                    </configuration>
                    """);
            return dir;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
