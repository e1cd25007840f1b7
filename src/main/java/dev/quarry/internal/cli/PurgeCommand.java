package dev.quarry.internal.cli;

import dev.quarry.client.NewJob;
import dev.quarry.internal.config.Durations;
import dev.quarry.internal.queue.JobState;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quarry purge}: delete old finished jobs now, instead of waiting for the nodes' retention. */
@Command(name = "purge",
        description = {"Delete old finished jobs.",
                "Deletes done, dead and cancelled jobs that finished longer ago than --older-than, by the database's clock, "
                        + "5000 rows per statement, and prints how many. Scheduled, ready and running jobs are never deleted. Exits 0 even "
                        + "when nothing was old enough, so it can run from cron."},
        footer = {"", "Examples:", "  quarry purge --older-than 7d", "  quarry purge --older-than 30d --status dead,cancelled --queue video"})
final class PurgeCommand extends CliCommand {
    @Option(names = "--older-than", required = true, paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Finished longer ago than this: 500ms, 30s, 5m, 2h, 7d.")
    Duration olderThan;

    @Option(names = "--status", paramLabel = "S", split = ",", converter = JobStates.class,
            description = "Only these statuses: done, dead, cancelled (default: all three).")
    List<JobState> statuses;

    @Option(names = "--queue", paramLabel = "Q", description = "Only this queue (default: all).")
    String queue;

    @Override
    int execute(QuarryCli cli) {
        Set<JobState> which = statuses == null ? EnumSet.of(JobState.DONE, JobState.DEAD, JobState.CANCELLED) : EnumSet.copyOf(statuses);
        for (JobState s : which) {
            if (!s.finished()) throw usage("purge deletes finished jobs only (done, dead, cancelled), never " + s.sql() + " ones");
        }
        if (queue != null && !NewJob.isQueueName(queue)) throw usage("'" + queue + "' is not a queue name (letters, digits, _ . -, 1 to 64)");
        long n = cli.commands().purge(olderThan, which, queue);
        out().println("deleted " + Formats.count(n, which.stream().map(JobState::sql).collect(Collectors.joining("/")) + " job") + " that finished more than "
                + Durations.format(olderThan) + " ago" + (queue == null ? "" : " in queue " + queue));
        return QuarryCli.OK;
    }
}
