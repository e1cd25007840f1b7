package dev.quarry.internal.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.testing.NodeProcess;
import dev.quarry.testing.Poll;
import dev.quarry.testing.TestConfig;
import dev.quarry.testing.TestDatabase;
import dev.quarry.testing.TestSmtp;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * Schedules, a watch folder and the mail handler on three real node JVMs at the shipped Quartz
 * timings (check-in every 7.5 s, misfireThreshold 15 s), in one run that shares its cluster:
 * an every-second schedule while one node is killed with kill -9 and, once that failover is over,
 * another frozen with SIGSTOP for 20 s; files dropped into the watch folder while the killed node is down; mails; a
 * config change rolled through the nodes; then every node stopped across three fire times of a
 * misfire-skip and a misfire-once schedule.
 */
class ScheduleClusterTest {
    private static final Duration LONG = Duration.ofSeconds(120);
    /**
     * Quartz's failover at the shipped timings: a peer declares a node dead once its check-in is
     * older than the interval (7.5 s) plus 7.5 s, and checks every 7.5 s: 22.5 s at the most; then
     * up to one idle wait (2 s) before a peer's scheduler acquires the next fire, and, on this
     * loaded 2-core machine running a second test JVM beside this one, a few seconds of scheduling
     * delay on top.
     */
    private static final Duration FAILOVER = Duration.ofMillis(22_500 + 2_000 + 5_000);

    @TempDir
    Path work;
    private TestDatabase db;
    private TestSmtp smtp;
    private final List<NodeProcess> nodes = new ArrayList<>();

    @AfterEach
    void stopEverything(TestInfo test) {
        nodes.forEach(NodeProcess::close);
        nodes.forEach(n -> n.keepOutput(test.getTestMethod().orElseThrow().getName()));
        if (db != null) db.close();
        if (smtp != null) smtp.close();
    }

    private NodeProcess start(String name, Path config) {
        NodeProcess n = NodeProcess.start(name, db, config, work, Map.of());
        nodes.add(n);
        return n;
    }

    private Instant dbNow() {
        return ((Timestamp) db.query("SELECT NOW(3) AS t").get(0).get("t")).toInstant();
    }

    /** The scheduled fire times of schedule {@code name}'s jobs, from their unique keys (schedule:NAME@TIME). */
    private List<Instant> fireTimes(String name) {
        List<Instant> out = new ArrayList<>();
        for (Map<String, Object> r : db.query("SELECT unique_key FROM quarry_jobs WHERE unique_key LIKE ? ORDER BY id", "schedule:" + name + "@%")) {
            out.add(Instant.parse(((String) r.get("unique_key")).substring(("schedule:" + name + "@").length())));
        }
        return out;
    }

    private String config(String schedules) {
        return """
                queues = default
                queue.default.workers = 4
                handler.email.mail = smtp://127.0.0.1:%d
                handler.email.from = Quarry Reports <reports@quarry.test>
                watch.inbox.dir = %s
                watch.inbox.type = noop
                watch.inbox.interval = 2s
                """.formatted(smtp.port(), work.resolve("inbox")) + schedules;
    }

    private static void stop(NodeProcess n) {
        n.signal("TERM");
        assertThat(n.awaitExit(Duration.ofSeconds(60))).as("exit code of %s after SIGTERM", n.name()).isIn(0, 143);
    }

    @Test
    void one_job_per_fire_through_a_kill_a_freeze_a_rolling_config_change_and_a_full_stop() throws Exception {
        db = TestDatabase.create("schedcluster");
        smtp = TestSmtp.start();
        Files.createDirectories(work.resolve("inbox"));
        Path v1 = TestConfig.writeShipped(work.resolve("v1"), config("""
                schedule.tick.cron = * * * * * ?
                schedule.tick.type = noop
                schedule.tick.payload = {"at": "${fireTime}"}
                schedule.old.cron = 0/5 * * * * ?
                schedule.old.type = noop
                schedule.chg.cron = 0/5 * * * * ?
                schedule.chg.type = noop
                schedule.chg.payload = v1
                """));
        NodeProcess n1 = start("n1", v1);
        NodeProcess n2 = start("n2", v1);
        NodeProcess n3 = start("n3", v1);
        for (NodeProcess n : List.of(n1, n2, n3)) n.instanceId(LONG);

        // Mail: one that arrives, one the server refuses for good.
        long good = db.insert("INSERT INTO quarry_jobs (type, payload) VALUES ('email', ?)",
                "{\"to\": \"ann@example.test\", \"subject\": \"Nightly report\", \"body\": \"Attached.\"}");
        long bad = db.insert("INSERT INTO quarry_jobs (type, payload) VALUES ('email', ?)",
                "{\"to\": \"ghost@" + TestSmtp.NO_SUCH_DOMAIN + "\", \"subject\": \"Nightly report\", \"body\": \"Attached.\"}");

        // --- An every-second schedule: kill -9 at 10 s (files dropped meanwhile); SIGSTOP for 20 s once the kill's
        // failover window has passed, so the two windows never overlap (a kill whose failover took 20 s on a loaded
        // machine once ran into the freeze, and the count of ticks then said nothing of either); 10 s after.
        Instant begin = dbNow();
        long t0 = System.nanoTime();
        Poll.until(LONG, "10 s of ticks", () -> System.nanoTime() - t0 > 10_000_000_000L);
        Instant killAt = dbNow();
        n1.signal("KILL");
        n1.awaitExit(Duration.ofSeconds(10));
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Path f = work.resolve("inbox").resolve("upload-" + i + ".mp4");
            Files.writeString(f, "video " + i);
            files.add(f);
        }
        // A hidden temporary file is not a job; it becomes one once renamed.
        Path part = Files.writeString(work.resolve("inbox").resolve(".upload-5.mp4.part"), "video 5");
        long freezeAtNanos = 10_000_000_000L + FAILOVER.toNanos() + 2_000_000_000L;
        Poll.until(LONG, "the kill's failover window past", () -> System.nanoTime() - t0 > freezeAtNanos);
        Instant freezeFrom = dbNow();
        n2.signal("STOP");
        Poll.until(LONG, "a 20 s freeze", () -> System.nanoTime() - t0 > freezeAtNanos + 20_000_000_000L);
        n2.signal("CONT");
        Instant freezeTo = dbNow();
        Path renamed = Files.move(part, work.resolve("inbox").resolve("upload-5.mp4"));
        Files.setLastModifiedTime(renamed, java.nio.file.attribute.FileTime.from(Instant.now()));
        files.add(renamed);
        Poll.until(LONG, "10 s of ticks after the freeze", () -> System.nanoTime() - t0 > freezeAtNanos + 30_000_000_000L);
        Instant end = dbNow();

        // Every second of the run has one job, none has two; the seconds without one lie just after the kill or in the freeze.
        List<Instant> ticks = fireTimes("tick");
        assertThat(ticks).as("tick fire times enqueued twice").doesNotHaveDuplicates();
        assertThat(db.count("SELECT COUNT(*) FROM (SELECT payload FROM quarry_jobs WHERE unique_key LIKE 'schedule:tick@%'"
                + " GROUP BY payload HAVING COUNT(*) > 1) d")).as("tick payloads enqueued twice").isZero();
        TreeSet<Instant> seen = new TreeSet<>(ticks);
        List<Instant> missing = new ArrayList<>();
        for (Instant s = begin.plusSeconds(1).truncatedTo(java.time.temporal.ChronoUnit.SECONDS); s.isBefore(end.minusSeconds(3)); s = s.plusSeconds(1)) {
            if (!seen.contains(s)) missing.add(s);
        }
        java.util.function.Predicate<Instant> inAWindow = m -> (!m.isBefore(killAt.minusSeconds(2)) && m.isBefore(killAt.plus(FAILOVER)))
                || (!m.isBefore(freezeFrom.minusSeconds(2)) && m.isBefore(freezeTo.plus(FAILOVER)));
        long outsideWindows = 0;
        for (Instant s = begin.plusSeconds(1).truncatedTo(java.time.temporal.ChronoUnit.SECONDS); s.isBefore(end.minusSeconds(3)); s = s.plusSeconds(1)) {
            if (!inAWindow.test(s)) outsideWindows++;
        }
        for (Instant m : missing) {
            assertThat(inAWindow.test(m)).as("second %s has no job, outside the failover after the kill at %s and the freeze %s to %s (missing: %s)",
                    m, killAt, freezeFrom, freezeTo, missing).isTrue();
        }
        System.out.printf("ticks %d from %s to %s; kill at %s, freeze %s to %s; seconds without a job: %s%n", ticks.size(), begin, end, killAt,
                freezeFrom, freezeTo, missing);
        assertThat(longestRun(missing)).as("longest gap in seconds (missing: %s)", missing).isLessThanOrEqualTo(FAILOVER.toSeconds());
        // Every second outside the two windows had its job (above); the run left enough of them to mean something.
        assertThat(outsideWindows).as("seconds outside the failover windows").isGreaterThanOrEqualTo(8);
        assertThat(ticks.size()).as("ticks from %s to %s", begin, end).isGreaterThanOrEqualTo((int) outsideWindows);

        // The watch folder: one job per file, none twice, the hidden file only once renamed.
        Poll.until(LONG, "a job per file", () -> db.count("SELECT COUNT(*) FROM quarry_jobs WHERE unique_key LIKE 'watch:inbox:%'") >= files.size(),
                () -> db.query("SELECT payload FROM quarry_jobs WHERE unique_key LIKE 'watch:inbox:%'").toString());
        for (Path f : files) {
            assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE JSON_VALUE(payload, '$.file') = ?", f.toString())).as("jobs for %s", f).isEqualTo(1);
        }
        assertThat(db.count("SELECT COUNT(*) FROM quarry_jobs WHERE unique_key LIKE 'watch:inbox:%'")).isEqualTo(files.size());

        // Mail: received with its headers; the refused one dead with the server's reply.
        Poll.until(LONG, "the mails handled", () -> !"ready".equals(db.status(bad)) && !"running".equals(db.status(bad))
                && "done".equals(db.status(good)), () -> db.job(good) + " / " + db.job(bad));
        MimeMessage[] received = smtp.received();
        assertThat(received).hasSize(1);
        assertThat(received[0].getHeader("From", null)).isEqualTo("Quarry Reports <reports@quarry.test>");
        assertThat(received[0].getHeader("To", null)).isEqualTo("ann@example.test");
        assertThat(received[0].getSubject()).isEqualTo("Nightly report");
        assertThat(db.status(bad)).isEqualTo("dead");
        assertThat((String) db.job(bad).get("last_error")).contains("550 5.1.1 <ghost@nowhere.test>: Recipient address rejected");

        // Every enqueue is one log line naming the schedule, the fire time and the job.
        long someTick = db.count("SELECT MAX(id) FROM quarry_jobs WHERE unique_key LIKE 'schedule:tick@%'");
        assertThat(n2.output() + n3.output() + n1.output()).containsPattern("schedule tick fire \\S+: job " + someTick + " enqueued in queue default");

        // --- Rolling restart to v2: tick and old removed, chg changed, two misfire schedules added.
        Path v2 = TestConfig.writeShipped(work.resolve("v2"), config("""
                schedule.chg.cron = 2/5 * * * * ?
                schedule.chg.type = noop
                schedule.chg.payload = v2 ${fireTime}
                schedule.m-skip.cron = 0/5 * * * * ?
                schedule.m-skip.type = noop
                schedule.m-once.cron = 0/5 * * * * ?
                schedule.m-once.type = noop
                schedule.m-once.misfire = once
                """));
        NodeProcess n1b = start("n1b", v2);
        n1b.instanceId(LONG);
        Instant firstV2 = dbNow();
        ScheduleAdmin admin = new ScheduleAdmin(db.dataSource(), "quarry", "QRTZ_");
        assertThat(ScheduleAdmin.disagreement(admin.nodeConfigs())).as("n1b's config against n2's and n3's").isPresent()
                .hasValueSatisfying(d -> assertThat(d).containsPattern("the cluster runs those of \\S*n1b\\S*, the last to start"));
        // Taken effect on the old nodes too: chg fires with its new cron and payload, the removed ones stop.
        Poll.until(LONG, "two v2 fires of chg", () -> db.count("SELECT COUNT(*) FROM quarry_jobs WHERE payload LIKE 'v2 %'") >= 2);
        Instant lastTick = fireTimes("tick").stream().max(Instant::compareTo).orElseThrow();
        assertThat(lastTick).as("tick's last fire, removed at %s", firstV2).isBefore(firstV2.plusSeconds(2));
        assertThat(fireTimes("chg").stream().filter(t -> t.isAfter(firstV2.plusSeconds(1)))).isNotEmpty()
                .allSatisfy(t -> assertThat(t.getEpochSecond() % 5).as("chg's new cron 2/5").isEqualTo(2));
        for (NodeProcess old : List.of(n2, n3)) {
            stop(old);
            start(old.name() + "b", v2).instanceId(LONG);
        }
        assertThat(admin.nodeConfigs()).hasSize(3).extracting(ScheduleAdmin.NodeConfig::fingerprint).containsOnly(admin.nodeConfigs().get(0).fingerprint());
        assertThat(ScheduleAdmin.disagreement(admin.nodeConfigs())).isEmpty();
        assertThat(admin.list()).extracting(ScheduleAdmin.Entry::name).containsExactly("chg", "m-once", "m-skip", "inbox");
        assertThat(fireTimes("old").stream().filter(t -> t.isAfter(firstV2.plusSeconds(2)))).isEmpty();

        // --- Every node stopped across three fire times of m-skip and m-once, then one started.
        for (NodeProcess n : List.copyOf(nodes)) {
            if (n.alive()) stop(n);
        }
        Instant stoppedAt = dbNow();
        // Three fire times pass, and the first of them ends up more than misfireThreshold (15 s) late.
        Poll.until(LONG, "24 s with no node", () -> dbNow().isAfter(stoppedAt.plusSeconds(24)));
        Instant restart = dbNow();
        start("n1c", v2).instanceId(LONG);
        Poll.until(LONG, "regular fires after the restart", () -> fireTimes("m-skip").stream().anyMatch(t -> t.isAfter(restart))
                && fireTimes("m-once").stream().filter(t -> t.isAfter(restart)).count() >= 2);
        Instant firstRegular = fireTimes("m-skip").stream().filter(t -> t.isAfter(restart)).min(Instant::compareTo).orElseThrow();
        assertThat(firstRegular.getEpochSecond() % 5).isZero();
        assertThat(fireTimes("m-skip").stream().filter(t -> t.isAfter(stoppedAt) && t.isBefore(firstRegular)))
                .as("m-skip: the fire times the cluster was down for are dropped").isEmpty();
        List<Instant> once = fireTimes("m-once").stream().filter(t -> t.isAfter(stoppedAt) && t.isBefore(firstRegular)).toList();
        assertThat(once).as("m-once: one job for all the missed fires, at the restart").hasSize(1);
        assertThat(once.get(0)).isAfter(restart);
        assertThat(fireTimes("m-once")).doesNotHaveDuplicates();
        assertThat(fireTimes("chg")).doesNotHaveDuplicates();
    }

    /** The longest run of consecutive seconds in {@code seconds} (sorted). */
    private static long longestRun(List<Instant> seconds) {
        long best = 0;
        long run = 0;
        Instant prev = null;
        for (Instant s : seconds) {
            run = prev != null && Duration.between(prev, s).getSeconds() == 1 ? run + 1 : 1;
            best = Math.max(best, run);
            prev = s;
        }
        return best;
    }
}
