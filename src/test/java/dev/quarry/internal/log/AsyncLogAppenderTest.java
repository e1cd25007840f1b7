package dev.quarry.internal.log;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.status.Status;
import dev.quarry.testing.Poll;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The appender that writes the node's lines off the threads that log them: no line lost or out of
 * its thread's order however small the queue, a line written while the node runs, everything
 * written at a stop, and a missing appender-ref named at configuration.
 */
class AsyncLogAppenderTest {
    @TempDir
    Path dir;

    private LoggerContext configure(int queueSize, String linger, Path file) throws Exception {
        LoggerContext lc = new LoggerContext();
        lc.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        JoranConfigurator c = new JoranConfigurator();
        c.setContext(lc);
        c.doConfigure(new ByteArrayInputStream("""
                <configuration>
                  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
                    <file>%s</file>
                    <encoder><pattern>%%msg%%n</pattern></encoder>
                  </appender>
                  <appender name="ASYNC" class="dev.quarry.internal.log.AsyncLogAppender">
                    <queueSize>%d</queueSize>
                    <linger>%s</linger>
                    <appender-ref ref="FILE"/>
                  </appender>
                  <root level="INFO"><appender-ref ref="ASYNC"/></root>
                </configuration>
                """.formatted(file, queueSize, linger).getBytes(StandardCharsets.UTF_8)));
        assertThat(lc.getStatusManager().getCopyOfStatusList().stream().filter(s -> s.getLevel() == Status.ERROR)).isEmpty();
        return lc;
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void four_threads_lines_all_arrive_each_in_order_through_a_queue_of_16_and_a_stop_writes_the_rest() throws Exception {
        Path file = dir.resolve("n.log");
        LoggerContext lc = configure(16, "1 millisecond", file);
        Logger log = lc.getLogger("dev.quarry.internal.drain.Outcomes");
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int thread = t;
            threads.add(new Thread(() -> {
                for (int i = 0; i < 5000; i++) log.info("t{} line {}", thread, i);
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) t.join();
        lc.stop();
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(20_000);
        for (int t = 0; t < 4; t++) {
            String prefix = "t" + t + " line ";
            List<Integer> seq = lines.stream().filter(l -> l.startsWith(prefix)).map(l -> Integer.parseInt(l.substring(prefix.length()))).toList();
            assertThat(seq).as("thread %d's lines in order", t).hasSize(5000).isSorted();
        }
    }

    @Test
    void a_line_is_written_while_the_node_runs_with_and_without_lingering() throws Exception {
        for (String linger : List.of("0 milliseconds", "1 millisecond", "50 milliseconds")) {
            Path file = dir.resolve("n-" + linger.replace(' ', '-') + ".log");
            LoggerContext lc = configure(8192, linger, file);
            try {
                lc.getLogger("x").info("first");
                Poll.until(Duration.ofSeconds(10), "the first line (linger " + linger + ")",
                        () -> read(file).equals("first\n"));
                lc.getLogger("x").info("second");
                Poll.until(Duration.ofSeconds(10), "the second line (linger " + linger + ")",
                        () -> read(file).equals("first\nsecond\n"));
            } finally {
                lc.stop();
            }
        }
    }

    @Test
    void without_an_appender_ref_it_says_so_and_does_not_start() throws Exception {
        LoggerContext lc = new LoggerContext();
        JoranConfigurator c = new JoranConfigurator();
        c.setContext(lc);
        c.doConfigure(new ByteArrayInputStream("""
                <configuration>
                  <appender name="ASYNC" class="dev.quarry.internal.log.AsyncLogAppender"/>
                  <root level="INFO"><appender-ref ref="ASYNC"/></root>
                </configuration>
                """.getBytes(StandardCharsets.UTF_8)));
        assertThat(lc.getStatusManager().getCopyOfStatusList()).filteredOn(s -> s.getLevel() == Status.ERROR)
                .extracting(Status::getMessage).anyMatch(m -> m.contains("no appender attached to ASYNC: add an appender-ref"));
        assertThat(lc.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("ASYNC").isStarted()).isFalse();
        lc.stop();
    }
}
