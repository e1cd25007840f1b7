package dev.quarry.internal.cli;

import dev.quarry.internal.admin.JobPage;
import dev.quarry.internal.admin.JobSummary;
import dev.quarry.internal.queue.JobState;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quarry jobs}: the newest jobs, filtered, a page at a time. */
@Command(name = "jobs",
        description = {"List jobs, newest first, a page at a time.",
                "With --status the list follows the queue's index for that status: most recently finished first, then by id "
                        + "(ready and running jobs, which have not finished, by id). Without --status it goes down the ids. "
                        + "Either way it reads a bounded part of the table: when a filter without an index (--type, or --queue "
                        + "without --status) matches too rarely, the search stops after 100,000 jobs and says where to go on. "
                        + "The next page's --before is printed on stderr.",
                "Exits 1 when none match."},
        footer = {"", "Examples:", "  quarry jobs --status dead --queue video", "  quarry jobs --type send-welcome --limit 10",
                "  quarry jobs --status dead --before 81234      # the page after the one that ended at job 81234",
                "  quarry jobs --status running --json | jq '.[] | {id, progress, progress_note}'"})
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

    @Option(names = "--json", description = "Print one JSON array of the jobs (the next page's --before still on stderr).")
    boolean json;

    @Option(names = "--before", paramLabel = "ID",
            description = "Only jobs after this one in the listing's order: the page after the one that ended at job ID.")
    Long before;

    @Override
    int execute(QuarryCli cli) {
        if (limit < 1 || limit > MAX_LIMIT) throw usage("--limit must be between 1 and " + MAX_LIMIT + ", not " + limit);
        if (before != null && before < 1) throw usage("--before must be a job id, not " + before);
        JobPage page = cli.jobReads().jobs(queue, status, type, before, limit);
        if (page.jobs().isEmpty()) {
            if (page.cutOff()) {
                return notFound("no jobs match among the " + String.format(java.util.Locale.ROOT, "%,d", page.examined())
                        + " examined; the search stopped there so as not to read the whole table. Go on with: " + next(page.continueBefore()));
            }
            return notFound("no jobs match");
        }
        int defaultMax = cli.config().maxAttempts();
        if (json) {
            out().println(Json.write(page.jobs().stream().map(j -> document(j, defaultMax)).toList()));
            nextPage(page);
            return QuarryCli.OK;
        }
        Table t = new Table("ID", "QUEUE", "TYPE", "STATUS", "PRIORITY", "ATTEMPTS", "RUN AT", "CREATED", "FINISHED", "LAST ERROR", "PROGRESS");
        for (JobSummary j : page.jobs()) {
            t.add(j.id(), j.queue(), j.type(), j.status().sql(), j.priority(),
                    j.attempts() + "/" + (j.maxAttempts() == null ? defaultMax : j.maxAttempts()),
                    Formats.time(j.runAt()), Formats.time(j.createdAt()), Formats.time(j.finishedAt()), Formats.line(j.lastErrorStart(), 60),
                    ShowCommand.progress(j.progress(), j.progressNote(), 40));
        }
        t.print(out());
        nextPage(page);
        return QuarryCli.OK;
    }

    /** On stderr: stdout stays the table (or the JSON) alone, for scripts. */
    private void nextPage(JobPage page) {
        if (page.cutOff()) {
            err().println("quarry: the search stopped after " + String.format(java.util.Locale.ROOT, "%,d", page.examined())
                    + " jobs with " + Formats.count(page.jobs().size(), "matching job") + "; older matches may exist. Go on with: "
                    + next(page.continueBefore()));
        } else if (page.continueBefore() != null) {
            err().println("quarry: next page: " + next(page.continueBefore()));
        }
    }

    private static java.util.Map<String, Object> document(JobSummary j, int defaultMaxAttempts) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("id", j.id());
        m.put("queue", j.queue());
        m.put("type", j.type());
        m.put("status", j.status());
        m.put("priority", j.priority());
        m.put("attempts", j.attempts());
        m.put("max_attempts", j.maxAttempts());
        m.put("effective_max_attempts", j.maxAttempts() == null ? defaultMaxAttempts : j.maxAttempts());
        m.put("run_at", j.runAt());
        m.put("created_at", j.createdAt());
        m.put("finished_at", j.finishedAt());
        m.put("last_error_start", j.lastErrorStart());
        m.put("progress", j.progress());
        m.put("progress_note", j.progressNote());
        return m;
    }

    /** The same command, one page on. */
    private String next(long continueBefore) {
        List<String> args = new ArrayList<>(List.of("quarry", "jobs"));
        if (queue != null) args.addAll(List.of("--queue", Formats.line(queue, 80)));
        if (status != null) args.addAll(List.of("--status", status.sql()));
        if (type != null) args.addAll(List.of("--type", Formats.line(type, 80)));
        if (limit != 50) args.addAll(List.of("--limit", Integer.toString(limit)));
        args.addAll(List.of("--before", Long.toString(continueBefore)));
        return String.join(" ", args);
    }
}
