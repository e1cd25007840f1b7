package dev.quarry.internal.cli;

import dev.quarry.client.NewJob;
import dev.quarry.internal.config.QueueConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quarry enqueue}: one job, or one per stdin line through the batch path. */
@Command(name = "enqueue",
        description = {"Enqueue a job and print its id.",
                "With --lines, enqueue one job per line of stdin (the line is its payload; empty lines are skipped), "
                        + "all in one transaction, and print how many."},
        footer = {"", "Examples:",
                "  quarry enqueue resize-video '{\"file\":\"a.mp4\"}' --queue video --priority -1",
                "  quarry enqueue send-report - --delay 5m < report.json",
                "  quarry enqueue nightly --at 2030-01-01T03:00:00Z --unique-key nightly-0101",
                "  cut -d, -f1 users.csv | quarry enqueue send-welcome --lines --queue mail --ids"})
final class EnqueueCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "TYPE", description = "The job type; it names the handler that runs it.")
    String type;

    @Parameters(index = "1", arity = "0..1", paramLabel = "PAYLOAD",
            description = "The payload, handed to the handler as is; '-' reads it from stdin, exactly as given. Default: empty.")
    String payload;

    @Option(names = "--queue", paramLabel = "Q", description = "The queue (default: ${DEFAULT-VALUE}).", defaultValue = NewJob.DEFAULT_QUEUE)
    String queue;

    @Option(names = "--priority", paramLabel = "N", description = "Lower runs first (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    int priority;

    @Option(names = "--delay", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Due this long after the database's clock: 500ms, 30s, 5m, 2h, 7d. Default: due now.")
    Duration delay;

    @Option(names = "--at", paramLabel = "TIME",
            description = "Due at this ISO-8601 time with a zone, e.g. 2030-01-01T09:00:00Z or 2030-01-01T09:00:00+02:00.")
    String at;

    @Option(names = "--max-attempts", paramLabel = "N", description = "Attempts before the job goes dead, 1 to 1000. Default: the node's retry.max-attempts.")
    Integer maxAttempts;

    @Option(names = "--unique-key", paramLabel = "K", description = "Refuse the job while another job with this key is scheduled, ready or running.")
    String uniqueKey;

    @Option(names = "--ignore-duplicates", description = "With --unique-key: when the key is taken, enqueue nothing, print no id, and exit 0.")
    boolean ignoreDuplicates;

    @Option(names = "--lines", description = "Read one payload per stdin line and enqueue them all in one transaction.")
    boolean lines;

    @Option(names = "--ids", description = "With --lines: print each new id, one per line, instead of the count.")
    boolean ids;

    @Override
    int execute(QuarryCli cli) throws Exception {
        if (delay != null && at != null) throw usage("--delay and --at exclude each other; give one");
        if (ids && !lines) throw usage("--ids goes with --lines");
        if (ignoreDuplicates && uniqueKey == null) throw usage("--ignore-duplicates goes with --unique-key");
        if (lines && payload != null) throw usage("with --lines the payloads come from stdin; drop the PAYLOAD argument");
        if (lines && uniqueKey != null) throw usage("--unique-key would refuse all lines but one; enqueue such jobs one at a time");
        Instant runAt = at == null ? null : parseTime(at);

        if (!lines) {
            NewJob job = job(runAt, "-".equals(payload) ? new String(cli.stdin().readAllBytes(), StandardCharsets.UTF_8) : payload);
            warnIfUnserved(cli);
            if (ignoreDuplicates) {
                OptionalLong id = cli.client().enqueueIfAbsent(job);
                if (id.isEmpty()) {
                    err().println("quarry: not enqueued: unique key '" + Formats.line(uniqueKey, 255) + "' is held by a scheduled, ready or running job");
                } else {
                    out().println(id.getAsLong());
                }
            } else {
                out().println(cli.client().enqueue(job));
            }
            return QuarryCli.OK;
        }

        List<NewJob> jobs = new ArrayList<>();
        BufferedReader in = new BufferedReader(new InputStreamReader(cli.stdin(), StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (!line.isEmpty()) jobs.add(job(runAt, line));
        }
        job(runAt, ""); // checks the options even when stdin was empty
        warnIfUnserved(cli);
        long[] newIds = cli.client().enqueueAll(jobs);
        if (ids) {
            StringBuilder b = new StringBuilder(newIds.length * 8);
            for (long id : newIds) b.append(id).append('\n');
            out().print(b);
            err().println("enqueued " + Formats.count(newIds.length, "job") + " into queue " + queue);
        } else {
            out().println(newIds.length);
        }
        return QuarryCli.OK;
    }

    private NewJob job(Instant runAt, String payload) {
        NewJob.Builder b = NewJob.builder(type).payload(payload).queue(queue).priority(priority).maxAttempts(maxAttempts).uniqueKey(uniqueKey);
        if (runAt != null) b.runAt(runAt);
        if (delay != null) b.delay(delay);
        return b.build();
    }

    private Instant parseTime(String text) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw usage("--at '" + text + "' is not a time with a zone; write e.g. 2030-01-01T09:00:00Z or 2030-01-01T09:00:00+02:00");
        }
    }

    /** A job in a queue no node of this config drains would wait forever without a word: say so. */
    private void warnIfUnserved(QuarryCli cli) {
        List<String> served = cli.config().queues().stream().map(QueueConfig::name).toList();
        if (!served.contains(queue)) {
            err().println("quarry: note: queue '" + Formats.line(queue, 64) + "' is not in this config's queues (" + String.join(", ", served)
                    + "); nodes with this config will not run it");
        }
    }
}
