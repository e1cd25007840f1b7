package dev.quarry.internal.cli;

import dev.quarry.client.NewJob;
import dev.quarry.internal.config.QueueConfig;

/** What pause and resume share: set quarry_leases.paused and say what changed. */
final class QueueFlag {
    private QueueFlag() {
    }

    static int set(CliCommand command, QuarryCli cli, String queue, boolean paused) {
        if (!NewJob.isQueueName(queue)) throw command.usage("'" + queue + "' is not a queue name (letters, digits, _ . -, 1 to 64)");
        boolean before = cli.commands().setPaused(queue, paused);
        if (before == paused) {
            command.out().println("queue " + queue + " was already " + (paused ? "paused" : "running"));
        } else if (paused) {
            command.out().println("queue " + queue + " paused: its drains claim nothing until 'quarry resume " + queue + "'; running jobs finish");
        } else {
            command.out().println("queue " + queue + " resumed");
        }
        if (cli.config().queues().stream().map(QueueConfig::name).noneMatch(queue::equals)) {
            command.err().println("quarry: note: queue '" + queue + "' is not in this config's queues");
        }
        return QuarryCli.OK;
    }
}
