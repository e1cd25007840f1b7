package dev.quarry.internal.cli;

import dev.quarry.internal.admin.JobRow;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quarry show ID}: one job, every column. */
@Command(name = "show",
        description = {"Show one job, every column.",
                "Includes the payload, the last error, the progress its handler reported and the result of a done job. "
                        + "Exits 1 when there is no such job."},
        footer = {"", "Examples:", "  quarry show 42", "  quarry show 42 --json | jq -r .last_error", "  quarry show 42 --json | jq -r .result"})
final class ShowCommand extends CliCommand {
    private static final int KEY_WIDTH = 14;

    @Parameters(index = "0", paramLabel = "ID", description = "The job's id.")
    long id;

    @Option(names = "--json", description = "Print one JSON document, payload and last error exactly as stored.")
    boolean json;

    @Override
    int execute(QuarryCli cli) {
        Optional<JobRow> found = cli.jobReads().job(id);
        if (found.isEmpty()) return notFound("no job " + id);
        JobRow j = found.get();
        int defaultMax = cli.config().maxAttempts();
        if (json) {
            out().println(Json.write(document(j, defaultMax)));
            return QuarryCli.OK;
        }
        field("id", String.valueOf(j.id()));
        field("queue", Formats.line(j.queue(), 200));
        field("type", Formats.line(j.type(), 200));
        field("status", j.status().sql());
        field("priority", String.valueOf(j.priority()));
        field("attempts", j.attempts() + " of " + (j.maxAttempts() == null ? defaultMax + " (max_attempts NULL: the node default)" : j.maxAttempts()));
        long due = j.runAtFromNowMillis();
        field("run_at", Formats.time(j.runAt()) + (due > 0 ? " (in " + Formats.age(due) + ")" : " (" + Formats.age(-due) + " ago)"));
        field("created_at", Formats.time(j.createdAt()));
        field("started_at", Formats.time(j.startedAt()));
        field("finished_at", Formats.time(j.finishedAt()));
        field("unique_key", Formats.line(j.uniqueKey(), 300));
        field("claimed_by", Formats.line(j.claimedBy(), 300));
        field("claim_token", j.claimToken() == null ? "-" : j.claimToken().toString());
        field("lease_epoch", j.leaseEpoch() == null ? "-" : j.leaseEpoch().toString());
        field("payload", j.payload().isEmpty() ? "(empty)" : Formats.block(j.payload(), KEY_WIDTH));
        field("last_error", Formats.block(j.lastError(), KEY_WIDTH));
        field("progress", progress(j.progress(), j.progressNote(), 300));
        field("result", Formats.block(j.result(), KEY_WIDTH));
        return QuarryCli.OK;
    }

    /** "40% encoding audio", "-" before any report; the note is the handler's text, escaped onto one line. */
    static String progress(Integer percent, String note, int noteMax) {
        if (percent == null) return "-";
        return percent + "%" + (note == null || note.isEmpty() ? "" : " " + Formats.line(note, noteMax));
    }

    private void field(String key, String value) {
        out().println(key + " ".repeat(KEY_WIDTH - key.length()) + value);
    }

    static Map<String, Object> document(JobRow j, int defaultMaxAttempts) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", j.id());
        m.put("queue", j.queue());
        m.put("type", j.type());
        m.put("status", j.status());
        m.put("priority", j.priority());
        m.put("attempts", j.attempts());
        m.put("max_attempts", j.maxAttempts());
        m.put("effective_max_attempts", j.maxAttempts() == null ? defaultMaxAttempts : j.maxAttempts());
        m.put("run_at", j.runAt());
        m.put("run_at_from_now_ms", j.runAtFromNowMillis());
        m.put("created_at", j.createdAt());
        m.put("started_at", j.startedAt());
        m.put("finished_at", j.finishedAt());
        m.put("unique_key", j.uniqueKey());
        m.put("claimed_by", j.claimedBy());
        m.put("claim_token", j.claimToken());
        m.put("lease_epoch", j.leaseEpoch());
        m.put("payload", j.payload());
        m.put("last_error", j.lastError());
        m.put("progress", j.progress());
        m.put("progress_note", j.progressNote());
        m.put("result", j.result());
        return m;
    }
}
