package dev.quarry.cli;

import dev.quarry.client.JobSummary;
import dev.quarry.queue.JobState;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quarry jobs}: the newest jobs, filtered. */
@Command(name = "jobs",
        description = {"List jobs, newest first.", "Exits 1 when none match."},
        footer = {"", "Examples:", "  quarry jobs --status dead --queue video", "  quarry jobs --type send-welcome --limit 10"})
final class JobsCommand extends CliCommand {
    static final int MAX_LIMIT = 10_000;

    @Option(names = "--queue", paramLabel = "Q", description = "Only this queue.")
    String queue;

    @Option(names = "--status", paramLabel = "S", converter = JobStates.class,
            description = "Only this status: scheduled (not yet due), ready, running, done, dead or cancelled.")
    JobState status;

    @Option(names = "--type", paramLabel = "T", description = "Only this job type.")
    String type;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "50", description = "At most this many (default: ${DEFAULT-VALUE}, at most 10000).")
    int limit;

    @Override
    int execute(QuarryCli cli) {
        if (limit < 1 || limit > MAX_LIMIT) throw usage("--limit must be between 1 and " + MAX_LIMIT + ", not " + limit);
        List<JobSummary> jobs = cli.admin().jobs(queue, status, type, limit);
        if (jobs.isEmpty()) return notFound("no jobs match");
        int defaultMax = cli.config().maxAttempts();
        Table t = new Table("ID", "QUEUE", "TYPE", "STATUS", "PRIORITY", "ATTEMPTS", "RUN AT", "CREATED", "FINISHED", "LAST ERROR");
        for (JobSummary j : jobs) {
            t.add(j.id(), j.queue(), j.type(), j.status().sql(), j.priority(),
                    j.attempts() + "/" + (j.maxAttempts() == null ? defaultMax : j.maxAttempts()),
                    Formats.time(j.runAt()), Formats.time(j.createdAt()), Formats.time(j.finishedAt()), Formats.line(j.lastErrorStart(), 60));
        }
        t.print(out());
        return QuarryCli.OK;
    }
}
