package dev.quarry.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.testing.TestDatabase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real bin/quarry script, as an operator runs it: a separate JVM configured by the environment. */
class BinQuarryScriptTest {
    private static final Path HOME = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();

    @TempDir
    Path tmp;

    @Test
    void bin_quarry_enqueues_a_job_and_shows_it_from_any_folder() throws Exception {
        try (TestDatabase db = TestDatabase.create("cli_script")) {
            Run enqueue = run(db, "{\"file\":\"a.mp4\"}", "enqueue", "resize-video", "-", "--queue", "default");
            assertThat(enqueue.exit).as(enqueue.toString()).isZero();
            long id = Long.parseLong(enqueue.out.strip());
            assertThat(db.job(id)).containsEntry("payload", "{\"file\":\"a.mp4\"}").containsEntry("type", "resize-video");

            Run show = run(db, "", "show", String.valueOf(id));
            assertThat(show.exit).as(show.toString()).isZero();
            assertThat(show.out).contains("id            " + id).contains("status        ready").contains("{\"file\":\"a.mp4\"}");
            assertThat(show.err).isEmpty();

            Run missing = run(db, "", "show", "987654");
            assertThat(missing.exit).as(missing.toString()).isEqualTo(QuarryCli.NOT_FOUND);
        }
    }

    private record Run(int exit, String out, String err) {
    }

    /** Runs bin/quarry from a folder of its own, so the script must find the Quarry folder and its quartz/ config itself. */
    private Run run(TestDatabase db, String stdin, String... args) throws IOException, InterruptedException {
        Path in = Files.writeString(tmp.resolve("stdin"), stdin);
        Path out = tmp.resolve("stdout");
        Path err = tmp.resolve("stderr");
        ProcessBuilder pb = new ProcessBuilder(concat(HOME.resolve("bin/quarry").toString(), args)).directory(tmp.toFile())
                .redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("QUARRY_") && !k.equals("QUARRY_SKIP_BUILD")); // the build is current (see the pom)
        pb.environment().put("QUARRY_DB_URL", db.url());
        pb.environment().put("QUARRY_DB_USER", TestDatabase.USER);
        pb.environment().put("QUARRY_DB_PASSWORD", TestDatabase.PASSWORD);
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("bin/quarry " + String.join(" ", args) + " did not end within 60 s");
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    private static List<String> concat(String first, String... rest) {
        List<String> all = new java.util.ArrayList<>();
        all.add(first);
        all.addAll(List.of(rest));
        return all;
    }
}
