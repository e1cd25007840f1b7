package dev.quarry.internal.log;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.status.Status;
import dev.quarry.testing.Poll;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's log file appender: INFO lines written in bursts, WARN and ERROR at once with what came
 * before them, everything at a stop; and the shipped quartz/logback.xml writing the documented line.
 * Each test has a logger context of its own, apart from the test JVM's.
 */
class LogFileAppenderTest {
    @TempDir
    Path dir;

    private static LoggerContext configure(String xml, Path logDir) throws Exception {
        LoggerContext lc = new LoggerContext();
        lc.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        lc.putProperty("QUARRY_LOG_DIR", logDir.toString());
        lc.putProperty("QUARRY_NODE_NAME", "n1");
        lc.putProperty("QUARRY_CONSOLE_LEVEL", "OFF");
        JoranConfigurator c = new JoranConfigurator();
        c.setContext(lc);
        c.doConfigure(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        List<Status> errors = lc.getStatusManager().getCopyOfStatusList().stream().filter(s -> s.getLevel() == Status.ERROR).toList();
        assertThat(errors).as("logback's errors configuring %s", xml).isEmpty();
        return lc;
    }

    private static String fileAppender(Path file, String interval) {
        return """
                <configuration>
                  <appender name="FILE" class="dev.quarry.internal.log.LogFileAppender">
                    <file>%s</file>
                    <flushInterval>%s</flushInterval>
                    <rollingPolicy class="ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy">
                      <fileNamePattern>%s.%%d{yyyy-MM-dd}.%%i.log.gz</fileNamePattern>
                      <maxFileSize>50MB</maxFileSize>
                    </rollingPolicy>
                    <encoder><pattern>%%-5level %%msg%%n</pattern></encoder>
                  </appender>
                  <root level="INFO"><appender-ref ref="FILE"/></root>
                </configuration>
                """.formatted(file, interval, file);
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static LoggingEvent event(LoggerContext lc, Level level, String msg) {
        Logger logger = lc.getLogger("dev.quarry.internal.drain.Outcomes");
        return new LoggingEvent(Logger.class.getName(), logger, level, msg, null, null);
    }

    @Test
    void info_lines_wait_in_the_buffer_until_a_warning_or_the_stop_writes_them_in_order() throws Exception {
        Path file = dir.resolve("n1.log");
        LoggerContext lc = configure(fileAppender(file, "1 hour"), dir);
        LogFileAppender a = (LogFileAppender) lc.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("FILE");
        assertThat(a.isStarted()).isTrue();
        a.doAppend(event(lc, Level.INFO, "job 1 done"));
        a.doAppend(event(lc, Level.INFO, "job 2 done"));
        assertThat(Files.readString(file)).as("INFO lines before any flush").isEmpty();
        a.doAppend(event(lc, Level.WARN, "job 3 failed"));
        assertThat(Files.readString(file)).isEqualTo("INFO  job 1 done\nINFO  job 2 done\nWARN  job 3 failed\n");
        a.doAppend(event(lc, Level.INFO, "job 4 done"));
        a.doAppend(event(lc, Level.ERROR, "job 5 dead"));
        a.doAppend(event(lc, Level.INFO, "job 6 done"));
        assertThat(Files.readString(file)).endsWith("INFO  job 4 done\nERROR job 5 dead\n");
        lc.stop();
        assertThat(Files.readString(file)).endsWith("ERROR job 5 dead\nINFO  job 6 done\n");
    }

    @Test
    void an_info_line_is_written_within_the_flush_interval() throws Exception {
        Path file = dir.resolve("n1.log");
        LoggerContext lc = configure(fileAppender(file, "100 milliseconds"), dir);
        try {
            lc.getLogger("dev.quarry.internal.drain.Outcomes").info("job 7 done");
            Poll.until(Duration.ofSeconds(10), "the INFO line in the file", () -> read(file).contains("INFO  job 7 done\n"));
        } finally {
            lc.stop();
        }
    }

    @Test
    void the_shipped_config_writes_the_documented_job_line_to_the_nodes_file() throws Exception {
        Path logs = dir.resolve("logs");
        LoggerContext lc = configure(Files.readString(Path.of("quartz", "logback.xml")), logs);
        assertThat(lc.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("ASYNC_FILE")).isNotNull();
        Path file = logs.resolve("n1.log");
        lc.getMDCAdapter().put("node", "web1:node:1764441234567");
        lc.getMDCAdapter().put("queue", "video");
        try {
            lc.getLogger("dev.quarry.internal.drain.Outcomes").info("job {} done ({}, attempt {}/{}) in {} ms", 1812, "resize-video", 1, 5, 412);
            Poll.until(Duration.ofSeconds(10), "the job line in " + file, () -> read(file).contains("job 1812"));
            assertThat(Files.readString(file)).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  web1:node:1764441234567 \\[video\\]"
                    + " job 1812 done \\(resize-video, attempt 1/5\\) in 412 ms\n");
        } finally {
            lc.getMDCAdapter().clear();
            lc.stop();
        }
    }
}
