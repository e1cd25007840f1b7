package dev.quarry.internal.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** What every command shares: {@code --help}, its streams, and the mapping of failures to exit codes. */
abstract class CliCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Override
    public final Integer call() {
        QuarryCli cli = (QuarryCli) spec.root().userObject();
        return cli.run(spec.commandLine(), () -> execute(cli));
    }

    /** @return the exit code, one of {@link QuarryCli#OK} and the others */
    abstract int execute(QuarryCli cli) throws Exception;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** A usage error: picocli prints it with the command's usage and exits 2. */
    ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** A refusal or a miss: one line on stderr, exit 1. */
    int notFound(String message) {
        err().println("quarry: " + message);
        return QuarryCli.NOT_FOUND;
    }
}
