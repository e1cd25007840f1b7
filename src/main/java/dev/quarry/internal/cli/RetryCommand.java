package dev.quarry.internal.cli;

import dev.quarry.internal.admin.Change;
import dev.quarry.client.NewJob;
import dev.quarry.internal.admin.AdminCommands;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quarry retry}: dead or cancelled jobs back to ready. */
@Command(name = "retry",
        description = {"Send dead or cancelled jobs back to ready.",
                "The job becomes due now with its attempts reset to 0; its last error is kept. A job in another status is "
                        + "refused (exit 1). With --dead, every dead job (of one queue) goes back, and the count is printed; "
                        + "a job whose unique key another scheduled, ready or running job holds stays dead."},
        footer = {"", "Examples:", "  quarry retry 42", "  quarry retry --dead --queue video"})
final class RetryCommand extends CliCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "ID", description = "The job to retry.")
    Long id;

    @Option(names = "--dead", description = "Retry every dead job instead of one.")
    boolean dead;

    @Option(names = "--queue", paramLabel = "Q", description = "With --dead: only this queue's dead jobs.")
    String queue;

    @Override
    int execute(QuarryCli cli) {
        if ((id == null) == !dead) throw usage("give either a job ID or --dead");
        if (queue != null && !dead) throw usage("--queue goes with --dead");
        if (queue != null && !NewJob.isQueueName(queue)) throw usage("'" + queue + "' is not a queue name (letters, digits, _ . -, 1 to 64)");
        return dead ? retryDead(cli) : retryOne(cli);
    }

    private int retryOne(QuarryCli cli) {
        Change c = cli.commands().retry(id);
        return switch (c.outcome()) {
            case APPLIED -> {
                out().println("job " + id + " is ready again: due now, attempts reset to 0");
                yield QuarryCli.OK;
            }
            case NOT_FOUND -> notFound("no job " + id);
            case WRONG_STATUS -> notFound("job " + id + " is " + c.job().status().sql() + ": only dead and cancelled jobs can be retried");
            case UNIQUE_KEY_TAKEN -> notFound("job " + id + " stays " + c.job().status().sql() + ": its unique key '"
                    + Formats.line(c.job().uniqueKey(), 255) + "' is held by " + (c.keyHeldBy() == null ? "another job" : "job " + c.keyHeldBy())
                    + ", which is scheduled, ready or running");
            case STOP_REQUESTED -> throw new IllegalStateException("a retry never stops a running job");
        };
    }

    private int retryDead(QuarryCli cli) {
        AdminCommands.RetriedDead r = cli.commands().retryDead(queue);
        String where = queue == null ? "" : " in queue " + queue;
        String kept = r.keptForUniqueKey() == 0 ? ""
                : "; kept " + r.keptForUniqueKey() + " dead: their unique key is held by a scheduled, ready or running job";
        if (r.retried() == 0) return notFound("no dead jobs" + where + " to retry" + kept);
        out().println("retried " + Formats.count(r.retried(), "dead job") + where + kept);
        return QuarryCli.OK;
    }
}
