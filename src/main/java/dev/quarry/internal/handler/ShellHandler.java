package dev.quarry.internal.handler;

import dev.quarry.handler.JobContext;
import dev.quarry.handler.JobHandler;
import dev.quarry.handler.Outcome;

import dev.quarry.internal.Text;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a command fixed in configuration ({@code handler.TYPE.shell}), never one taken from the row.
 * The payload goes to the command's standard input; {@code QUARRY_JOB_ID}, {@code QUARRY_JOB_TYPE},
 * {@code QUARRY_JOB_QUEUE} and {@code QUARRY_JOB_ATTEMPT} go into its environment. No shell runs, so
 * nothing in a payload can become a command. Exit 0 is done, exit 65 (EX_DATAERR) a permanent
 * failure, anything else a failure to retry. Past the timeout the command and its children are
 * killed. Standard output is discarded; the last {@value #STDERR_TAIL_BYTES} bytes of standard
 * error go into {@code last_error}.
 *
 * <p>Progress and result go through files of a fresh private folder, named in the environment:
 * the command appends lines {@code PERCENT [NOTE]} to {@code QUARRY_PROGRESS_FILE} (read while it
 * runs, see {@link ProgressLines}), and writes its result, if it has one, to
 * {@code QUARRY_RESULT_FILE}, which is read after exit 0 (at most {@link JobContext#resultMaxBytes()}
 * bytes). The folder is removed when the run ends.
 */
public final class ShellHandler implements JobHandler {
    public static final int EXIT_PERMANENT_FAILURE = 65;
    static final int STDERR_TAIL_BYTES = 4096;
    static final long PROGRESS_POLL_MILLIS = 200;

    /** Pumps stdin and stderr; daemon threads so a stuck pump never holds the JVM up. */
    private static final ExecutorService IO = Executors.newCachedThreadPool(new java.util.concurrent.ThreadFactory() {
        private final AtomicInteger n = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "quarry-shell-io-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    });

    private final List<String> command;
    private final Duration timeout;

    public ShellHandler(List<String> command, Duration timeout) {
        this.command = List.copyOf(command);
        this.timeout = timeout;
    }

    @Override
    public Outcome handle(JobContext job) throws Exception {
        Path dir = Files.createTempDirectory("quarry-job-" + job.id() + "-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try {
            return run(job, dir);
        } finally {
            removeQuietly(dir);
        }
    }

    private Outcome run(JobContext job, Path dir) throws Exception {
        Path progressFile = Files.createFile(dir.resolve("progress"));
        Path resultFile = dir.resolve("result");
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        // The node's own secrets are not the handler's business.
        env.keySet().removeIf(k -> k.startsWith("QUARRY_DB_"));
        env.put("QUARRY_JOB_ID", Long.toString(job.id()));
        env.put("QUARRY_JOB_TYPE", job.type());
        env.put("QUARRY_JOB_QUEUE", job.queue());
        env.put("QUARRY_JOB_ATTEMPT", Integer.toString(job.attempt()));
        env.put("QUARRY_JOB_MAX_ATTEMPTS", Integer.toString(job.maxAttempts()));
        env.put("QUARRY_PROGRESS_FILE", progressFile.toString());
        env.put("QUARRY_RESULT_FILE", resultFile.toString());
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        Future<?> stdin = IO.submit(() -> feed(p.getOutputStream(), job.payload()));
        Future<String> stderr = IO.submit(() -> tail(p.getErrorStream()));
        ProgressLines progress = new ProgressLines(progressFile, job::progress);
        boolean exited;
        try {
            exited = waitFor(p, progress);
        } catch (InterruptedException e) {
            kill(p);
            throw e;
        }
        if (!exited) {
            kill(p);
            return Outcome.failed("timed out after " + dev.quarry.internal.config.Durations.format(timeout) + " (handler." + job.type()
                    + ".timeout); killed" + stderrPart(stderr));
        }
        stdin.cancel(true);
        progress.poll();
        int code = p.exitValue();
        if (code == 0) return Outcome.done(readResult(resultFile, job.resultMaxBytes()));
        String error = "exit " + code + describeSignal(code) + stderrPart(stderr);
        return code == EXIT_PERMANENT_FAILURE ? Outcome.permanentFailure(error) : Outcome.failed(error);
    }

    /** Waits for the exit up to the timeout, reading the progress file every {@value #PROGRESS_POLL_MILLIS} ms meanwhile. */
    private boolean waitFor(Process p, ProgressLines progress) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) return !p.isAlive();
            if (p.waitFor(Math.min(left, TimeUnit.MILLISECONDS.toNanos(PROGRESS_POLL_MILLIS)), TimeUnit.NANOSECONDS)) return true;
            try {
                progress.poll();
            } catch (IOException e) {
                // progress is advice: a read that fails is tried again at the next poll
            }
        }
    }

    /** The result file's first {@code maxBytes} bytes (whole characters), or null when the command wrote none. */
    private static String readResult(Path file, int maxBytes) throws IOException {
        if (!Files.isRegularFile(file)) return null;
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(maxBytes + 4);
        }
        return dev.quarry.internal.Text.utf8Head(new String(head, StandardCharsets.UTF_8), maxBytes);
    }

    private static void removeQuietly(Path dir) {
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException | RuntimeException e) {
            // a leftover folder in the temp directory is harmless
        }
    }

    private static String describeSignal(int code) {
        return code > 128 && code < 160 ? " (killed by signal " + (code - 128) + ")" : "";
    }

    private static String stderrPart(Future<String> stderr) {
        try {
            String s = stderr.get(2, TimeUnit.SECONDS).strip();
            return s.isEmpty() ? "" : ": " + s;
        } catch (Exception e) {
            stderr.cancel(true);
            return "";
        }
    }

    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    private static Void feed(OutputStream in, String payload) {
        try (in) {
            if (payload != null) in.write(payload.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // The command exited or closed stdin without reading it all: its exit code tells the outcome.
        }
        return null;
    }

    /** Reads the stream to its end, keeping only the last bytes, so megabytes of output cost nothing. */
    private static String tail(InputStream err) throws IOException {
        byte[] ring = new byte[STDERR_TAIL_BYTES];
        long total = 0;
        byte[] buf = new byte[8192];
        try (err) {
            for (int n; (n = err.read(buf)) > 0; ) {
                for (int i = 0; i < n; i++) ring[(int) ((total + i) % ring.length)] = buf[i];
                total += n;
            }
        }
        int len = (int) Math.min(total, ring.length);
        byte[] out = new byte[len];
        for (int i = 0; i < len; i++) out[i] = ring[(int) ((total - len + i) % ring.length)];
        String s = new String(out, StandardCharsets.UTF_8);
        return total > ring.length ? "…" + s : s;
    }

    @Override
    public String toString() {
        return "shell " + Text.oneLine(String.join(" ", command), 200);
    }
}
