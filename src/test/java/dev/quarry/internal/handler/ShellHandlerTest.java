package dev.quarry.internal.handler;

import dev.quarry.handler.JobContext;
import dev.quarry.handler.Outcome;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shell handler with real processes: outcomes by exit code, timeouts, and payloads that stay data. */
class ShellHandlerTest {
    @TempDir
    Path dir;

    private Path script(String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    private static JobContext job(String payload) {
        return new JobContext(41, "video", "resize", payload, 2, 5);
    }

    @Test
    void exit_zero_is_done_and_the_job_comes_in_stdin_and_environment() throws Exception {
        Path out = dir.resolve("out");
        Path s = script("record", "cat > \"$1/stdin\"; env > \"$1/env\"");
        Files.createDirectory(out);
        Outcome o = new ShellHandler(List.of(s.toString(), out.toString()), Duration.ofSeconds(10)).handle(job("{\"file\":\"a.mp4\"}"));
        assertThat(o).isEqualTo(Outcome.done());
        assertThat(Files.readString(out.resolve("stdin"))).isEqualTo("{\"file\":\"a.mp4\"}");
        assertThat(Files.readAllLines(out.resolve("env"))).contains("QUARRY_JOB_ID=41", "QUARRY_JOB_TYPE=resize", "QUARRY_JOB_QUEUE=video",
                "QUARRY_JOB_ATTEMPT=2", "QUARRY_JOB_MAX_ATTEMPTS=5");
    }

    @Test
    void a_payload_full_of_shell_metacharacters_is_only_ever_data() throws Exception {
        Path out = dir.resolve("out");
        Files.createDirectory(out);
        Path marker = dir.resolve("pwned");
        String payload = "$(touch " + marker + "); `touch " + marker + "` ; touch " + marker + " | touch " + marker
                + " && touch " + marker + "\n'\"; rm -rf " + dir + " #\u0000\u001b[31m";
        Path s = script("record", "cat > \"$1/stdin\"");
        Outcome o = new ShellHandler(List.of(s.toString(), out.toString()), Duration.ofSeconds(10)).handle(job(payload));
        assertThat(o).isEqualTo(Outcome.done());
        assertThat(marker).doesNotExist();
        assertThat(Files.readAllBytes(out.resolve("stdin"))).isEqualTo(payload.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void exit_65_is_a_permanent_failure_and_other_codes_are_retried_with_stderr_kept() throws Exception {
        Path bad = script("bad", "echo 'no such file: a.mp4' >&2; exit 65");
        Outcome permanent = new ShellHandler(List.of(bad.toString()), Duration.ofSeconds(10)).handle(job("{}"));
        assertThat(permanent).isEqualTo(Outcome.permanentFailure("exit 65: no such file: a.mp4"));

        Path flaky = script("flaky", "echo 'upstream busy' >&2; exit 3");
        Outcome failed = new ShellHandler(List.of(flaky.toString()), Duration.ofSeconds(10)).handle(job("{}"));
        assertThat(failed).isEqualTo(Outcome.failed("exit 3: upstream busy"));
    }

    @Test
    void only_the_tail_of_a_flood_of_output_is_kept() throws Exception {
        Path loud = script("loud", "head -c 5000000 /dev/zero | tr '\\0' 'o'; head -c 3000000 /dev/zero | tr '\\0' 'e' >&2; echo END >&2; exit 1");
        Outcome o = new ShellHandler(List.of(loud.toString()), Duration.ofSeconds(30)).handle(job("{}"));
        String error = ((Outcome.Failed) o).error();
        assertThat(error).startsWith("exit 1: …").endsWith("eeeeEND");
        assertThat(error.length()).isLessThan(ShellHandler.STDERR_TAIL_BYTES + 100);
    }

    @Test
    void a_command_past_its_timeout_is_killed_with_its_children_and_retried() throws Exception {
        Path pidFile = dir.resolve("child.pid");
        Path slow = script("slow", "sleep 60 & echo $! > " + pidFile + "; wait");
        long t0 = System.nanoTime();
        Outcome o = new ShellHandler(List.of(slow.toString()), Duration.ofMillis(500)).handle(job("{}"));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
        assertThat(o).isInstanceOf(Outcome.Failed.class);
        assertThat(((Outcome.Failed) o).error()).startsWith("timed out after 500ms (handler.resize.timeout); killed");
        long child = Long.parseLong(Files.readString(pidFile).strip());
        dev.quarry.testing.Poll.until(Duration.ofSeconds(5), "the child to die",
                () -> ProcessHandle.of(child).map(h -> !h.isAlive()).orElse(true));
    }

    @Test
    void a_command_that_ignores_stdin_still_finishes() throws Exception {
        Path s = script("deaf", "exit 0");
        assertThat(new ShellHandler(List.of(s.toString()), Duration.ofSeconds(10)).handle(job("x".repeat(1_000_000)))).isEqualTo(Outcome.done());
    }

    @Test
    void a_signal_death_is_reported_as_such() throws Exception {
        Path s = script("suicide", "kill -9 $$");
        Outcome o = new ShellHandler(List.of(s.toString()), Duration.ofSeconds(10)).handle(job("{}"));
        assertThat(o).isEqualTo(Outcome.failed("exit 137 (killed by signal 9)"));
    }
}
