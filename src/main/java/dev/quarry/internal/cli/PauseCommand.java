package dev.quarry.internal.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code quarry pause QUEUE}. */
@Command(name = "pause",
        description = {"Pause a queue.",
                "Its drains claim no new jobs until 'quarry resume'; running jobs finish. Works for a queue that has never run."},
        footer = {"", "Example:", "  quarry pause video"})
final class PauseCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "QUEUE", description = "The queue to pause.")
    String queue;

    @Override
    int execute(QuarryCli cli) {
        return QueueFlag.set(this, cli, queue, true);
    }
}
