package dev.quarry.internal.cli;

import dev.quarry.internal.admin.JobRow;
import dev.quarry.internal.queue.JobState;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quarry wait ID}: blocks until the job has finished, for shell scripts and deploy pipelines. */
@Command(name = "wait",
        description = {"Wait until a job has finished, then print its status and result.",
                "Polls the job's row twice a second. On stdout: the final status on the first line (done, dead or cancelled),"
                        + " then the job's result exactly as stored, if it has one. On stderr: each new progress report while"
                        + " waiting (unless --quiet), and the last error of a dead or cancelled job.",
                "Exits 0 when the job is done, 1 when it is dead or cancelled, 124 when --timeout passed first (the job"
                        + " goes on), 5 when there is no such job (never enqueued, or pruned meanwhile)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the job is done", "1:the job is dead or cancelled", "2:bad usage or configuration",
                "3:database unreachable or other database error", "5:no such job", "124:the --timeout passed first; the job goes on"},
        footer = {"", "Examples:", "  quarry wait 42 --timeout 10m", "  url=$(quarry wait 42 --quiet | tail -n +2)",
                "  quarry wait 42 --json | jq -r .result"})
final class WaitCommand extends CliCommand {
    static final int DEAD_OR_CANCELLED = 1;
    static final int NO_SUCH_JOB = 5;
    static final int TIMED_OUT = 124;
    static final long POLL_MILLIS = 500;

    @Parameters(index = "0", paramLabel = "ID", description = "The job's id.")
    long id;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Give up after this long (e.g. 30s, 10m) and exit 124. Default: wait for ever.")
    Duration timeout;

    @Option(names = "--quiet", description = "No progress lines on stderr.")
    boolean quiet;

    @Option(names = "--json", description = "Print the finished job as one JSON document (as 'show --json' does) instead.")
    boolean json;

    @Override
    int execute(QuarryCli cli) throws InterruptedException {
        if (timeout != null && timeout.isNegative()) throw usage("--timeout must not be negative");
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        String lastProgress = null;
        while (true) {
            Optional<JobRow> found = cli.jobReads().job(id);
            if (found.isEmpty()) {
                err().println("quarry: no job " + id + (lastProgress == null ? "" : " any more (pruned or deleted while waiting)"));
                return NO_SUCH_JOB;
            }
            JobRow j = found.get();
            if (j.status().finished()) return finished(cli, j);
            String progress = ShowCommand.progress(j.progress(), j.progressNote(), 300);
            if (!quiet && j.progress() != null && !Objects.equals(progress, lastProgress)) {
                err().println("quarry: job " + id + " " + j.status().sql() + ", " + progress);
                err().flush();
            }
            lastProgress = progress;
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                err().println("quarry: job " + id + " is still " + j.status().sql() + " after " + dev.quarry.internal.config.Durations.format(timeout)
                        + (j.progress() == null ? "" : " (" + progress + ")") + "; it goes on without this wait");
                return TIMED_OUT;
            }
            TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS)));
        }
    }

    private int finished(QuarryCli cli, JobRow j) {
        int code = j.status() == JobState.DONE ? QuarryCli.OK : DEAD_OR_CANCELLED;
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>(ShowCommand.document(j, cli.config().maxAttempts()));
            out().println(Json.write(doc));
            return code;
        }
        out().println(j.status().sql());
        if (j.result() != null) out().println(j.result());
        if (code != QuarryCli.OK) err().println("quarry: job " + id + " " + j.status().sql() + ": " + Formats.line(j.lastError(), 2000));
        return code;
    }
}
