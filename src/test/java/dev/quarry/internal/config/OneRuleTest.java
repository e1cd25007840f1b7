package dev.quarry.internal.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.quarry.NodeBuilder;
import dev.quarry.Quarry;
import dev.quarry.QuarryException;
import java.io.IOException;
import java.io.StringReader;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A setting has one rule whichever way it comes: the config files and the Java builder fill the same
 * NodeSettings, so a bad value gives the same line, the file's name in front of it for the files.
 */
class OneRuleTest {
    private static final Map<String, String> ENV = Map.of("QUARRY_DB_URL", "jdbc:mariadb://db:3306/quarry");

    static Stream<Arguments> settings() {
        return Stream.of(
                Arguments.of("queues=video\nqueue.video.workers=0", (Consumer<NodeBuilder>) b -> b.queue("video", q -> q.workers(0))),
                Arguments.of("queues=video\nqueue.video.batch-size=20000", (Consumer<NodeBuilder>) b -> b.queue("video", q -> q.batchSize(20000))),
                Arguments.of("queues=video\nqueue.video.drains=65", (Consumer<NodeBuilder>) b -> b.queue("video", q -> q.drains(65))),
                Arguments.of("queues=video\nqueue.video.drains=2\nqueue.video.drains-per-node=3",
                        (Consumer<NodeBuilder>) b -> b.queue("video", q -> q.drains(2).drainsPerNode(3))),
                Arguments.of("queues=video\nqueue.video.budget=500ms", (Consumer<NodeBuilder>) b -> b.queue("video", q -> q.budget(Duration.ofMillis(500)))),
                Arguments.of("queues=video\nqueue.video.cron=hourly", (Consumer<NodeBuilder>) b -> b.queue("video", q -> q.cron("hourly"))),
                Arguments.of("retry.max-attempts=0", (Consumer<NodeBuilder>) b -> b.maxAttempts(0)),
                Arguments.of("retry.backoff.base=1m\nretry.backoff.max=10s", (Consumer<NodeBuilder>) b -> b.backoff(Duration.ofMinutes(1), Duration.ofSeconds(10))),
                Arguments.of("lease.duration=1s", (Consumer<NodeBuilder>) b -> b.leaseDuration(Duration.ofSeconds(1))),
                Arguments.of("lease.duration=30s\ndrain.poll-interval=11s", (Consumer<NodeBuilder>) b -> b.pollInterval(Duration.ofSeconds(11))),
                Arguments.of("drain.poll-interval=5ms", (Consumer<NodeBuilder>) b -> b.pollInterval(Duration.ofMillis(5))),
                Arguments.of("retention.prune-interval=100ms", (Consumer<NodeBuilder>) b -> b.pruneInterval(Duration.ofMillis(100))),
                Arguments.of("payload.max-bytes=0", (Consumer<NodeBuilder>) b -> b.payloadMaxBytes(0)),
                Arguments.of("metrics.port=70000", (Consumer<NodeBuilder>) b -> b.metrics("0.0.0.0", 70000)),
                Arguments.of("schedule.nightly.cron=0 0 2 * * *\nschedule.nightly.type=report",
                        (Consumer<NodeBuilder>) b -> b.schedule("nightly", "0 0 2 * * *", dev.quarry.client.NewJob.of("report", ""))),
                Arguments.of("schedule.nightly.cron=0 0 2 31 4 ?\nschedule.nightly.type=report",
                        (Consumer<NodeBuilder>) b -> b.schedule("nightly", "0 0 2 31 4 ?", dev.quarry.client.NewJob.of("report", ""))),
                Arguments.of("handler.resize.class=x.Y\nhandler.resize.timeout=0s",
                        (Consumer<NodeBuilder>) b -> b.handler("resize", job -> dev.quarry.handler.Outcome.done(), Duration.ZERO)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("settings")
    void a_bad_value_gives_the_same_line_from_the_file_and_from_the_builder(String file, Consumer<NodeBuilder> inJava) {
        Throwable fromFile = catchThrowable(() -> ConfigLoader.fromProperties(props(file), new Properties(), ENV));
        Throwable fromJava = catchThrowable(() -> {
            NodeBuilder b = Quarry.node(new org.mariadb.jdbc.MariaDbDataSource());
            inJava.accept(b);
            b.connectionsNeeded(); // builds the whole, as start() does first
        });
        assertThat(fromFile).isInstanceOf(ConfigException.class);
        assertThat(fromJava).isInstanceOf(QuarryException.class);
        assertThat(fromFile.getMessage()).isEqualTo(ConfigLoader.QUARRY_FILE + ": " + fromJava.getMessage());
    }

    private static Properties props(String text) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return p;
    }
}
