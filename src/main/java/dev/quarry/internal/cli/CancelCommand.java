package dev.quarry.internal.cli;

import dev.quarry.internal.admin.Change;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code quarry cancel ID}: a scheduled or ready job will not run. */
@Command(name = "cancel",
        description = {"Cancel a scheduled or ready job, or stop a running one.",
                "A scheduled or ready job becomes cancelled and never runs. For a running job its node is asked to stop it: within about "
                        + "a second the handler is interrupted and the job ends cancelled (done, if it finished first). "
                        + "Finished jobs are refused (exit 1)."},
        footer = {"", "Example:", "  quarry cancel 42"})
final class CancelCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "The job to cancel.")
    long id;

    @Override
    int execute(QuarryCli cli) {
        Change c = cli.commands().cancel(id);
        return switch (c.outcome()) {
            case APPLIED -> {
                out().println("job " + id + " cancelled");
                yield QuarryCli.OK;
            }
            case NOT_FOUND -> notFound("no job " + id);
            case STOP_REQUESTED -> {
                out().println("job " + id + " is running on " + Formats.line(c.job().claimedBy(), 200)
                        + ": its node was asked to stop it; it ends cancelled, or done if it finishes first");
                yield QuarryCli.OK;
            }
            case WRONG_STATUS -> notFound("job " + id + " is already " + c.job().status().sql() + ": only scheduled, ready and running jobs can be cancelled");
            case UNIQUE_KEY_TAKEN -> throw new IllegalStateException("a cancel cannot take a unique key");
        };
    }
}
