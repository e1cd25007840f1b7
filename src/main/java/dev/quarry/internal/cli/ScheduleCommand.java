package dev.quarry.internal.cli;

import dev.quarry.internal.schedule.FireEnqueuer;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code quarry schedule run|pause|resume NAME}. */
@Command(name = "schedule",
        description = {"Run, pause or resume one schedule.", "See 'quarry schedules' for the list."},
        subcommands = {ScheduleCommand.Run.class, ScheduleCommand.Pause.class, ScheduleCommand.Resume.class},
        footer = {"", "Examples:", "  quarry schedule run nightly-report", "  quarry schedule pause cleanup", "  quarry schedule resume cleanup"})
final class ScheduleCommand extends CliCommand {
    @Override
    int execute(QuarryCli cli) {
        spec.commandLine().usage(err());
        return QuarryCli.USAGE;
    }

    private static String noSuch(String name) {
        return "no schedule '" + Formats.line(name, 64) + "' (see quarry schedules)";
    }

    private static int setPaused(CliCommand command, QuarryCli cli, String name, boolean paused) {
        if (!SchedulesCommand.admin(cli).setPaused(name, paused)) return command.notFound(noSuch(name));
        command.out().println("schedule " + name + (paused ? " paused" : " resumed"));
        return QuarryCli.OK;
    }

    @Command(name = "run", description = {"Enqueue one job of the schedule now, as a fire at this moment would (paused or not).",
            "Prints the job's id."})
    static final class Run extends CliCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The schedule.")
        String name;

        @Override
        int execute(QuarryCli cli) {
            Optional<FireEnqueuer.Result> r = SchedulesCommand.admin(cli).runNow(name);
            if (r.isEmpty()) return notFound(noSuch(name));
            out().println(r.get().jobId());
            return QuarryCli.OK;
        }
    }

    @Command(name = "pause", description = {"Pause the schedule: its fires enqueue nothing until 'quarry schedule resume'.",
            "The pause holds across node restarts and config changes."})
    static final class Pause extends CliCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The schedule.")
        String name;

        @Override
        int execute(QuarryCli cli) {
            return setPaused(this, cli, name, true);
        }
    }

    @Command(name = "resume", description = {"Resume a paused schedule: its next fire enqueues again (fires while it was paused stay skipped)."})
    static final class Resume extends CliCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The schedule.")
        String name;

        @Override
        int execute(QuarryCli cli) {
            return setPaused(this, cli, name, false);
        }
    }
}
