package dev.quarry.internal.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The schedule.*, watch.* and mail handler keys: read with their defaults, every bad one refused with one line naming it. */
class ScheduleKeysTest {
    private static final Map<String, String> ENV = Map.of("QUARRY_DB_URL", "jdbc:mariadb://db:3306/quarry", "SMTP_PW", "mail-s3cret");

    private static QuarryConfig load(String quarry) {
        Properties p = new Properties();
        try {
            p.load(new java.io.StringReader(quarry));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return ConfigLoader.fromProperties(p, new Properties(), ENV);
    }

    private static void refused(String quarry, String... parts) {
        assertThatThrownBy(() -> load(quarry)).isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").contains(parts));
    }

    @Test
    void a_schedule_is_read_with_its_defaults() {
        QuarryConfig c = load("""
                schedule.nightly-report.cron = 0 30 2 * * ?
                schedule.nightly-report.type = report
                schedule.cleanup.cron = 0 */5 * * * ?
                schedule.cleanup.type = cleanup
                schedule.cleanup.payload = {"before": "${fireTime}"}
                schedule.cleanup.queue = maintenance
                schedule.cleanup.priority = -5
                schedule.cleanup.max-attempts = 2
                schedule.cleanup.time-zone = Europe/Berlin
                schedule.cleanup.misfire = once
                """);
        assertThat(c.schedules().schedules()).extracting(ScheduleDef::name).containsExactly("cleanup", "nightly-report");
        ScheduleDef nightly = c.schedules().schedules().get(1);
        assertThat(nightly).isEqualTo(new ScheduleDef("nightly-report", "0 30 2 * * ?", "report", "", "default", 0, null, ZoneId.of("UTC"),
                ScheduleDef.Misfire.SKIP));
        ScheduleDef cleanup = c.schedules().schedules().get(0);
        assertThat(cleanup).isEqualTo(new ScheduleDef("cleanup", "0 */5 * * * ?", "cleanup", "{\"before\": \"${fireTime}\"}", "maintenance", -5, 2,
                ZoneId.of("Europe/Berlin"), ScheduleDef.Misfire.ONCE));
        // A fire takes a Quartz thread for a moment: one more than the queues' drains plus the spare.
        assertThat(c.quartz().getProperty("org.quartz.threadPool.threadCount")).isEqualTo("3");
        assertThat(c.describe()).contains("schedule cleanup cron=0 */5 * * * ? tz=Europe/Berlin misfire=once");
    }

    @Test
    void the_fingerprint_changes_with_any_setting_and_not_with_the_order_of_the_keys() {
        String a = load("schedule.a.cron = 0 0 * * * ?\nschedule.a.type = t\nschedule.b.cron = 0 0 1 * * ?\nschedule.b.type = t\n").schedules().fingerprint();
        String b = load("schedule.b.type = t\nschedule.b.cron = 0 0 1 * * ?\nschedule.a.type = t\nschedule.a.cron = 0 0 * * * ?\n").schedules().fingerprint();
        String c = load("schedule.a.cron = 0 0 * * * ?\nschedule.a.type = t\nschedule.b.cron = 0 0 2 * * ?\nschedule.b.type = t\n").schedules().fingerprint();
        assertThat(a).isEqualTo(b).isNotEqualTo(c).hasSize(12);
    }

    @Test
    void bad_schedule_keys_are_refused_naming_the_key() {
        refused("schedule.x.type = t\n", "schedule.x.cron is missing");
        refused("schedule.x.cron = every day\nschedule.x.type = t\n", "schedule.x.cron=every day", "is not a Quartz cron expression");
        refused("schedule.x.cron = 0 0 0 30 2 ?\nschedule.x.type = t\n", "schedule.x.cron=0 0 0 30 2 ?", "never fires");
        refused("schedule.x.cron = 0 0 * * * ?\n", "schedule.x.type is missing");
        refused("schedule.x.cron = 0 0 * * * ?\nschedule.x.type = a b\n", "schedule.x.type=a b", "is not a job type");
        refused("schedule.x.cron = 0 0 * * * ?\nschedule.x.type = t\nschedule.x.time-zone = Mars/Olympus\n", "schedule.x.time-zone=Mars/Olympus");
        refused("schedule.x.cron = 0 0 * * * ?\nschedule.x.type = t\nschedule.x.misfire = all\n", "schedule.x.misfire=all", "skip", "once");
        refused("schedule.x.cron = 0 0 * * * ?\nschedule.x.type = t\nschedule.x.max-attempts = 0\n", "schedule.x.max-attempts=0");
        refused("schedule.x.cron = 0 0 * * * ?\nschedule.x.type = t\nschedule.x.queue = a/b\n", "schedule.x.queue=a/b");
        refused("schedule.x.cron = 0 0 * * * ?\nschedule.x.type = t\nschedule.x.crom = 1\n", "unknown key 'schedule.x.crom'", "schedule.NAME.cron");
        refused("schedule.a\\ b.cron = 0 0 * * * ?\n", "'a b' is not a valid schedule name");
    }

    @Test
    void a_watch_is_read_and_bad_watch_keys_are_refused(@TempDir Path dir) {
        QuarryConfig c = load("watch.uploads.dir = " + dir + "/in/../in\nwatch.uploads.type = resize-video\n");
        assertThat(c.schedules().watches()).containsExactly(new WatchDef("uploads", dir.resolve("in"), "resize-video", "default", Duration.ofSeconds(10)));
        refused("watch.w.type = t\n", "watch.w.dir is missing");
        refused("watch.w.dir = in\nwatch.w.type = t\n", "watch.w.dir=in", "absolute");
        refused("watch.w.dir = /in\nwatch.w.type = t\nwatch.w.interval = 10ms\n", "watch.w.interval=10ms", "at least 1s");
        refused("watch.w.dir = /in\n", "watch.w.type is missing");
    }

    @Test
    void a_mail_handler_takes_its_password_from_the_environment_or_a_file_and_never_shows_it(@TempDir Path dir) throws IOException {
        QuarryConfig c = load("""
                handler.email.mail = smtp://127.0.0.1:2525
                handler.email.from = Quarry <noreply@example.com>
                handler.email.user = quarry
                handler.email.password-env = SMTP_PW
                """);
        MailConfig m = c.schedules().mail().get("email");
        assertThat(m).extracting(MailConfig::host, MailConfig::port, MailConfig::user, MailConfig::password)
                .containsExactly("127.0.0.1", 2525, "quarry", "mail-s3cret");
        assertThat(c.handlers().get("email").kind()).isEqualTo(HandlerConfig.Kind.MAIL);
        assertThat(c.describe()).contains("mail handler email: smtp://127.0.0.1:2525").doesNotContain("mail-s3cret");
        assertThat(m.toString()).doesNotContain("mail-s3cret");

        Path pw = Files.writeString(dir.resolve("pw"), "from-a-file\n");
        assertThat(load("handler.e.mail = smtp://h\nhandler.e.from = a@b.c\nhandler.e.user = u\nhandler.e.password-file = " + pw + "\n")
                .schedules().mail().get("e")).extracting(MailConfig::port, MailConfig::password).containsExactly(25, "from-a-file");

        refused("handler.e.mail = http://h:25\nhandler.e.from = a@b.c\n", "handler.e.mail=http://h:25", "smtp://HOST:PORT");
        refused("handler.e.mail = smtp://u:pw@h:25\nhandler.e.from = a@b.c\n", "handler.e.mail names credentials");
        refused("handler.e.mail = smtp://h:25\n", "handler.e.from is missing");
        refused("handler.e.mail = smtp://h:25\nhandler.e.from = not an address\n", "handler.e.from=not an address");
        refused("handler.e.mail = smtp://h:25\nhandler.e.from = a@b.c\nhandler.e.user = u\nhandler.e.password-env = NOPE\n",
                "handler.e.password-env names NOPE, which is not set");
        refused("handler.e.mail = smtp://h:25\nhandler.e.from = a@b.c\nhandler.e.user = u\nhandler.e.password-file = " + dir.resolve("none") + "\n",
                "handler.e.password-file=", "cannot be read");
        refused("handler.e.mail = smtp://h:25\nhandler.e.from = a@b.c\nhandler.e.password-env = SMTP_PW\n", "handler.e.user is missing");
        refused("handler.e.shell = /bin/cat\nhandler.e.from = a@b.c\n", "unknown key 'handler.e.from'", ".from, .user");
    }
}
