package dev.quarry.internal.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code quarry resume QUEUE}. */
@Command(name = "resume",
        description = {"Resume a paused queue.", "Its drains claim again (a running drain within its poll interval)."},
        footer = {"", "Example:", "  quarry resume video"})
final class ResumeCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "QUEUE", description = "The queue to resume.")
    String queue;

    @Override
    int execute(QuarryCli cli) {
        return QueueFlag.set(this, cli, queue, false);
    }
}
