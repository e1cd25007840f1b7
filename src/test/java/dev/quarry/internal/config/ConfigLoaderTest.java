package dev.quarry.internal.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    private static final Map<String, String> ENV = Map.of("QUARRY_DB_URL", "jdbc:mariadb://db:3306/quarry",
            "QUARRY_DB_PASSWORD", "s3cret-pw");

    private static QuarryConfig load(String quarry) {
        return load(quarry, "", ENV);
    }

    private static QuarryConfig load(String quarry, String quartz, Map<String, String> env) {
        return ConfigLoader.fromProperties(props(quarry), props(quartz), env);
    }

    private static Properties props(String text) {
        Properties p = new Properties();
        try {
            p.load(new java.io.StringReader(text));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return p;
    }

    @Test
    void an_empty_file_gives_one_default_queue_and_the_documented_defaults() {
        QuarryConfig c = load("");
        assertThat(c.queues()).containsExactly(new QueueConfig("default", 8, "0 * * * * ?", 500, java.util.Optional.empty(), 1, 1));
        assertThat(c.maxAttempts()).isEqualTo(5);
        assertThat(c.leaseDuration()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.payloadMaxBytes()).isEqualTo(1024 * 1024);
        assertThat(c.handlers()).isEmpty();
        assertThat(c.database().user()).isEqualTo("root");
    }

    @Test
    void queues_and_handlers_are_read_with_their_settings() {
        QuarryConfig c = load("""
                queues = default, video
                queue.video.workers = 4
                queue.video.cron = 0/5 * * * * ?
                queue.video.budget = 20s
                handler.resize.shell = /bin/cat
                handler.resize.timeout = 10m
                handler.hook.http = http://127.0.0.1:9/x
                handler.report.class = com.example.Report
                """);
        assertThat(c.queues()).extracting(QueueConfig::name).containsExactly("default", "video");
        assertThat(c.queue("video").workers()).isEqualTo(4);
        assertThat(c.queue("video").cron()).isEqualTo("0/5 * * * * ?");
        assertThat(c.queue("video").budget()).contains(Duration.ofSeconds(20));
        assertThat(c.handlers().get("resize")).isEqualTo(new HandlerConfig("resize", HandlerConfig.Kind.SHELL, "/bin/cat", Duration.ofMinutes(10)));
        assertThat(c.handlers().get("hook").kind()).isEqualTo(HandlerConfig.Kind.HTTP);
        assertThat(c.handlers().get("report").kind()).isEqualTo(HandlerConfig.Kind.CLASS);
    }

    @Test
    void metrics_are_off_unless_a_port_is_set_and_a_bad_port_is_named() {
        assertThat(load("").metrics().enabled()).isFalse();
        QuarryConfig c = load("metrics.port = 9404\nmetrics.bind = 127.0.0.1");
        assertThat(c.metrics()).isEqualTo(new MetricsConfig(9404, "127.0.0.1"));
        assertThat(c.describe()).contains("metrics: 127.0.0.1:9404");
        assertThatThrownBy(() -> load("metrics.port = 70000"))
                .isInstanceOf(ConfigException.class).hasMessage("quarry.properties: metrics.port=70000 must be between 1 and 65535");
        assertThatThrownBy(() -> load("metrics.port = nine")).hasMessage("quarry.properties: metrics.port=nine is not a whole number");
        assertThatThrownBy(() -> load("metrics.bind = 127.0.0.1")).hasMessage("quarry.properties: metrics.bind=127.0.0.1 needs metrics.port");
        assertThatThrownBy(() -> load("metrics.port = 9404\nmetrics.bind = a b")).hasMessageStartingWith("quarry.properties: metrics.bind=a b");
    }

    @Test
    void an_unknown_key_is_named_with_its_file() {
        assertThatThrownBy(() -> load("retry.max-atempts = 3"))
                .isInstanceOf(ConfigException.class).hasMessage("quarry.properties: unknown key 'retry.max-atempts'");
    }

    @Test
    void a_setting_for_a_queue_not_listed_is_unknown_with_a_hint() {
        assertThatThrownBy(() -> load("queue.video.workers = 2"))
                .hasMessageStartingWith("quarry.properties: unknown key 'queue.video.workers'").hasMessageContaining("listed in 'queues'");
    }

    @Test
    void a_malformed_value_names_the_key_and_the_value() {
        assertThatThrownBy(() -> load("queues=default\nqueue.default.workers = many"))
                .hasMessage("quarry.properties: queue.default.workers=many is not a whole number");
        assertThatThrownBy(() -> load("queue.default.workers = 0"))
                .hasMessage("quarry.properties: queue.default.workers=0 must be between 1 and 1000");
        assertThatThrownBy(() -> load("lease.duration = 30"))
                .hasMessageStartingWith("quarry.properties: lease.duration: '30' is not a duration");
        assertThatThrownBy(() -> load("queue.default.cron = every minute"))
                .hasMessageStartingWith("quarry.properties: queue.default.cron=every minute is not a Quartz cron expression");
    }

    @Test
    void the_same_queue_twice_is_refused() {
        assertThatThrownBy(() -> load("queues = default, video, default"))
                .hasMessage("quarry.properties: queues=default, video, default names queue 'default' twice");
    }

    @Test
    void a_handler_needs_exactly_one_kind() {
        assertThatThrownBy(() -> load("handler.x.timeout = 5s")).hasMessageContaining("handler type 'x' needs one of handler.x.shell");
        assertThatThrownBy(() -> load("handler.x.shell = /bin/true\nhandler.x.http = http://h/"))
                .hasMessageContaining("has both handler.x.shell and handler.x.http");
        assertThatThrownBy(() -> load("handler.x.http = ftp://h/")).hasMessageContaining("is not an http:// or https:// URL");
    }

    @Test
    void a_poll_interval_too_long_for_the_lease_is_refused() {
        assertThatThrownBy(() -> load("lease.duration = 6s\ndrain.poll-interval = 3s"))
                .hasMessageContaining("drain.poll-interval=3s must be at most a third of lease.duration (6s)");
    }

    @Test
    void the_database_url_is_required_and_the_password_never_shows() {
        assertThatThrownBy(() -> load("", "", Map.of())).hasMessageStartingWith("QUARRY_DB_URL is not set");
        QuarryConfig c = load("");
        assertThat(c.database().password()).isEqualTo("s3cret-pw");
        assertThat(c.describe()).doesNotContain("s3cret-pw").contains("password=****");
        assertThat(c.database().toString()).doesNotContain("s3cret-pw");
    }

    @Test
    void a_password_written_into_the_url_never_shows_in_the_start_up_description() {
        for (String url : new String[] {"jdbc:mariadb://db:3306/quarry?user=app&password=InUrl-s3cret",
                "jdbc:mariadb://db:3306/quarry?PWD=InUrl-s3cret", "jdbc:mariadb://db/quarry?Password=InUrl-s3cret&socketTimeout=9000"}) {
            QuarryConfig c = load("", "", Map.of("QUARRY_DB_URL", url));
            assertThat(c.database().url()).as("the driver still gets it").isEqualTo(url);
            assertThat(c.describe()).as(url).doesNotContain("InUrl-s3cret").contains("url=jdbc:mariadb://db").contains("=****");
            assertThat(c.database().safeUrl()).doesNotContain("InUrl-s3cret");
            assertThat(c.database().scrub("cannot connect to the database at " + url + ": Access denied, password InUrl-s3cret"))
                    .doesNotContain("InUrl-s3cret").startsWith("cannot connect to the database at jdbc:mariadb://db");
        }
    }

    @Test
    void credentials_before_the_host_are_refused_without_showing_the_password() {
        assertThatThrownBy(() -> load("", "", Map.of("QUARRY_DB_URL", "jdbc:mariadb://app:InUrl-s3cret@db:3306/quarry")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("QUARRY_DB_URL names credentials before the host ('jdbc:mariadb://app:****@db:3306/quarry')")
                .hasMessageContaining("set QUARRY_DB_USER and QUARRY_DB_PASSWORD")
                .hasMessageNotContaining("InUrl-s3cret");
        assertThatThrownBy(() -> load("", "", Map.of("QUARRY_DB_URL", "jdbc:postgresql://db/q?PASSWORD=InUrl-s3cret")))
                .hasMessageStartingWith("QUARRY_DB_URL must be a jdbc:mariadb:// URL").hasMessageNotContaining("InUrl-s3cret");
    }

    @Test
    void the_password_can_come_from_a_file(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("pw");
        Files.writeString(f, "from-file\n");
        QuarryConfig c = load("", "", Map.of("QUARRY_DB_URL", "jdbc:mariadb://h/q", "QUARRY_DB_PASSWORD_FILE", f.toString()));
        assertThat(c.database().password()).isEqualTo("from-file");
        assertThatThrownBy(() -> load("", "", Map.of("QUARRY_DB_URL", "jdbc:mariadb://h/q", "QUARRY_DB_PASSWORD_FILE", dir.resolve("nope").toString())))
                .hasMessageStartingWith("QUARRY_DB_PASSWORD_FILE=").hasMessageContaining("cannot be read");
    }

    @Test
    void quartz_settings_that_would_break_the_cluster_are_refused() {
        assertThatThrownBy(() -> load("", "org.quartz.jobStore.isClustered = false", ENV))
                .hasMessage("quartz.properties: org.quartz.jobStore.isClustered=false is not supported; Quarry needs true");
        assertThatThrownBy(() -> load("", "org.quartz.dataSource.myDS.URL = jdbc:x", ENV))
                .hasMessageStartingWith("quartz.properties: org.quartz.dataSource.myDS.URL is not used");
        assertThatThrownBy(() -> load("queues = a, b, c", "org.quartz.threadPool.threadCount = 2", ENV))
                .hasMessageContaining("threadCount=2 is less than the 3 drains of the queues");
        assertThatThrownBy(() -> load("queues = a\nqueue.a.drains = 4", "org.quartz.threadPool.threadCount = 3", ENV))
                .hasMessageContaining("threadCount=3 is less than the 4 drains of the queues");
    }

    @Test
    void drains_default_to_one_and_set_the_queues_cluster_wide_concurrency() {
        QueueConfig one = load("", "", ENV).queues().get(0);
        assertThat(one.drains()).isEqualTo(1);
        QuarryConfig c = load("queues = video, mail\nqueue.video.drains = 3\nqueue.video.workers = 4", "", ENV);
        assertThat(c.queue("video").drains()).isEqualTo(3);
        assertThat(c.queue("video").globalConcurrency()).isEqualTo(12);
        assertThat(c.quartz().getProperty("org.quartz.threadPool.threadCount")).as("a thread per drain, and a spare").isEqualTo("5");
        assertThatThrownBy(() -> load("queue.default.drains = 0", "", ENV)).hasMessageStartingWith("quarry.properties: queue.default.drains=0");
        assertThatThrownBy(() -> load("queue.default.drains = 65", "", ENV)).hasMessageStartingWith("quarry.properties: queue.default.drains=65");
        assertThatThrownBy(() -> load("queue.default.drains = two", "", ENV)).hasMessageStartingWith("quarry.properties: queue.default.drains=two");
        assertThat(c.queue("video").drainsPerNode()).as("a node holds one drain of a queue unless told").isEqualTo(1);
        assertThat(load("queue.default.drains = 4\nqueue.default.drains-per-node = 4", "", ENV).queues().get(0).drainsPerNode()).isEqualTo(4);
        assertThatThrownBy(() -> load("queue.default.drains = 2\nqueue.default.drains-per-node = 3", "", ENV))
                .hasMessageStartingWith("quarry.properties: queue.default.drains-per-node=3 must be between 1 and 2");
    }

    @Test
    void a_thread_pool_that_cannot_balance_or_an_idle_wait_quartz_refuses_is_named() {
        assertThatThrownBy(() -> load("", "org.quartz.threadPool.class = org.quartz.simpl.SimpleThreadPool", ENV))
                .hasMessage("quartz.properties: org.quartz.threadPool.class=org.quartz.simpl.SimpleThreadPool is not supported;"
                        + " Quarry needs dev.quarry.internal.cluster.BalancingThreadPool");
        assertThatThrownBy(() -> load("", "org.quartz.scheduler.idleWaitTime = 500", ENV))
                .hasMessage("quartz.properties: org.quartz.scheduler.idleWaitTime=500 is not a whole number of milliseconds, at least 1000");
        assertThat(load("", "org.quartz.scheduler.idleWaitTime = 10000", ENV).quartz().getProperty("org.quartz.scheduler.idleWaitTime"))
                .isEqualTo("10000");
    }

    @Test
    void quartz_gets_the_settings_quarry_relies_on() {
        Properties q = load("queues = a, b").quartz();
        assertThat(q.getProperty("org.quartz.jobStore.isClustered")).isEqualTo("true");
        assertThat(q.getProperty("org.quartz.jobStore.dataSource")).isEqualTo("quarry");
        assertThat(q.getProperty("org.quartz.scheduler.interruptJobsOnShutdownWithWait")).isEqualTo("true");
        assertThat(q.getProperty("org.quartz.threadPool.threadCount")).isEqualTo("3");
        assertThat(q.getProperty("org.quartz.threadPool.class")).isEqualTo("dev.quarry.internal.cluster.BalancingThreadPool");
        assertThat(q.getProperty("org.quartz.scheduler.idleWaitTime")).isEqualTo("2000");
    }

    @Test
    void a_missing_config_folder_or_file_is_named(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("QUARRY_CONFIG_DIR", dir.resolve("none").toString())))
                .hasMessageContaining("does not exist; set QUARRY_CONFIG_DIR");
        Files.writeString(dir.resolve("quarry.properties"), "queues = default\n");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("QUARRY_CONFIG_DIR", dir.toString())))
                .hasMessageContaining("quartz.properties is missing");
    }

    @Test
    void the_shipped_config_folder_loads() {
        QuarryConfig c = ConfigLoader.load(Map.of("QUARRY_CONFIG_DIR", "quartz", "QUARRY_DB_URL", "jdbc:mariadb://h/q"));
        assertThat(c.queues()).extracting(QueueConfig::name).containsExactly("default");
    }
}
