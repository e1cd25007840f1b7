package dev.quarry.cli;

import dev.quarry.client.Change;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code quarry cancel ID}: a ready job will not run. */
@Command(name = "cancel",
        description = {"Cancel a ready job.",
                "It becomes cancelled and never runs. A running job is refused (exit 1): stopping a running job is not "
                        + "supported yet. Finished jobs are refused too."},
        footer = {"", "Example:", "  quarry cancel 42"})
final class CancelCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "The job to cancel.")
    long id;

    @Override
    int execute(QuarryCli cli) {
        Change c = cli.admin().cancel(id);
        return switch (c.outcome()) {
            case APPLIED -> {
                out().println("job " + id + " cancelled");
                yield QuarryCli.OK;
            }
            case NOT_FOUND -> notFound("no job " + id);
            case WRONG_STATUS -> switch (c.job().status()) {
                case RUNNING -> notFound("job " + id + " is running on " + Formats.line(c.job().claimedBy(), 200)
                        + ": stopping a running job is not supported yet; it will finish, retry or go dead on its own");
                default -> notFound("job " + id + " is already " + c.job().status().sql() + ": only ready jobs can be cancelled");
            };
            case UNIQUE_KEY_TAKEN -> throw new IllegalStateException("a cancel cannot take a unique key");
        };
    }
}
