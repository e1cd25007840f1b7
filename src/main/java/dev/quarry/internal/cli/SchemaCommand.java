package dev.quarry.internal.cli;

import dev.quarry.internal.schema.SchemaCheck;
import dev.quarry.internal.schema.SchemaScripts;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code quarry schema print|check}: the DDL the DBA runs, and whether the database has it. */
@Command(name = "schema",
        description = {"Print the DDL, or check the database's tables."},
        subcommands = {SchemaCommand.Print.class, SchemaCommand.Check.class})
final class SchemaCommand extends CliCommand {
    @Override
    int execute(QuarryCli cli) {
        spec.commandLine().usage(err());
        return QuarryCli.USAGE;
    }

    @Command(name = "print",
            description = {"Print the DDL the DBA runs.",
                    "The CREATE statements for the Quartz tables, Quarry's tables, or both (the default). Needs no database "
                            + "and no configuration. It deletes nothing: run twice, it fails instead of wiping data."},
            footer = {"", "Examples:", "  quarry schema print | mysql quarry", "  quarry schema print quarry"})
    static final class Print extends CliCommand {
        @Parameters(index = "0", arity = "0..1", paramLabel = "WHICH", description = "quartz or quarry (default: both).")
        String which;

        @Override
        int execute(QuarryCli cli) {
            boolean quartz = which == null || which.equals("quartz");
            boolean quarry = which == null || which.equals("quarry");
            if (!quartz && !quarry) throw usage("'" + which + "' is neither quartz nor quarry");
            out().print(SchemaScripts.print(quartz, quarry));
            return QuarryCli.OK;
        }
    }

    @Command(name = "check",
            description = {"Check the database's tables.",
                    "Checks that the database has every Quartz and Quarry table at this build's schema version. Prints each "
                            + "problem and exits 3, or prints 'schema ok (version N)'."},
            footer = {"", "Example:", "  quarry schema check"})
    static final class Check extends CliCommand {
        @Override
        int execute(QuarryCli cli) {
            List<String> problems = SchemaCheck.problems(cli.dataSource(), cli.tablePrefix());
            if (!problems.isEmpty()) {
                problems.forEach(out()::println);
                return QuarryCli.DATABASE;
            }
            out().println("schema ok (version " + cli.statusReads().schemaVersion() + ")");
            return QuarryCli.OK;
        }
    }
}
