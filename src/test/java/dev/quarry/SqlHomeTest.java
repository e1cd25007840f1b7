package dev.quarry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the product's SQL in its repository classes (issue 14): a string literal that starts a
 * statement may appear only in a class named here, and such a class names only the tables listed
 * for it. A statement put anywhere else, or a repository reaching into another's table, fails the
 * build with the file and the literal, so the place to look for a table's SQL stays short.
 *
 * <p>Reads the sources under {@code src/main/java}; needs no database.
 */
class SqlHomeTest {
    private static final Path SOURCES = Path.of("src/main/java");
    /** The benchmark fills and inspects its own databases directly; it is not the product (issue 14, point 3). */
    private static final String BENCH = "dev/quarry/bench/";

    private static final String JOBS = "quarry_jobs";
    private static final String LEASES = "quarry_leases";
    private static final String NODE_QUEUES = "quarry_node_queues";
    private static final String SCHEDULES = "quarry_schedules";
    private static final String SCHEDULE_NODES = "quarry_schedule_nodes";
    private static final String FIRES = "quarry_fires";
    private static final String VERSION = "quarry_schema_version";
    /** Quartz's tables that Quarry's own statements read or write (after Quartz's configurable prefix). */
    private static final String CHECK_INS = "SCHEDULER_STATE";
    private static final String TRIGGERS = "TRIGGERS";

    /** Each class allowed SQL, with the tables it may name, and why it is a repository. */
    private static final Map<String, Set<String>> REPOSITORIES = new TreeMap<>(Map.ofEntries(
            // The producer's INSERT: in the API, so that an application's own connection can enqueue.
            Map.entry("dev/quarry/client/QuarryClient.java", Set.of(JOBS)),
            // The engine's job states: claim (under the drain's lease, one statement), complete, retry, prune.
            Map.entry("dev/quarry/internal/queue/JobQueue.java", Set.of(JOBS, LEASES)),
            // Progress columns, written off the claim path by one writer per node.
            Map.entry("dev/quarry/internal/queue/ProgressStore.java", Set.of(JOBS)),
            // The drains' leases and pause flags; who holds them is checked against Quartz's check-ins.
            Map.entry("dev/quarry/internal/queue/LeaseStore.java", Set.of(LEASES, CHECK_INS)),
            // Which queues each node serves, and a stopping node's own check-in row.
            Map.entry("dev/quarry/internal/queue/NodeQueues.java", Set.of(NODE_QUEUES, CHECK_INS)),
            // The operator's state changes of jobs (pause and purge go through LeaseStore and JobQueue).
            Map.entry("dev/quarry/internal/admin/AdminCommands.java", Set.of(JOBS)),
            // The operator's bounded reads: the cluster's status joins jobs, leases, node queues and check-ins.
            Map.entry("dev/quarry/internal/admin/StatusReads.java", Set.of(JOBS, LEASES, NODE_QUEUES, CHECK_INS)),
            Map.entry("dev/quarry/internal/admin/JobReads.java", Set.of(JOBS)),
            Map.entry("dev/quarry/internal/admin/DashboardReads.java", Set.of(JOBS, TRIGGERS)),
            // Recurring jobs and watch folders: their definitions, which node wrote them, and each fire's job.
            Map.entry("dev/quarry/internal/schedule/ScheduleSync.java", Set.of(SCHEDULES, SCHEDULE_NODES, CHECK_INS)),
            Map.entry("dev/quarry/internal/schedule/FireEnqueuer.java", Set.of(FIRES, SCHEDULES, JOBS)),
            Map.entry("dev/quarry/internal/schedule/ScheduleAdmin.java", Set.of(SCHEDULES, SCHEDULE_NODES, JOBS, CHECK_INS, TRIGGERS)),
            // information_schema and the version row: it names every table to say which one is missing.
            Map.entry("dev/quarry/internal/schema/SchemaCheck.java",
                    Set.of(JOBS, LEASES, NODE_QUEUES, SCHEDULES, SCHEDULE_NODES, FIRES, VERSION, CHECK_INS, TRIGGERS)),
            // The DDL, read from sql/ and Quartz's jar: it filters Quartz's DROP TABLE lines out.
            Map.entry("dev/quarry/internal/schema/SchemaScripts.java", Set.of()),
            // Creates the database its own embedded server serves, and looks for quarry_jobs there before it
            // applies sql/'s scripts (through SchemaScripts).
            Map.entry("dev/quarry/internal/embedded/EmbeddedServer.java", Set.of(JOBS))));

    private static final Set<String> TABLES = Set.of(JOBS, LEASES, NODE_QUEUES, SCHEDULES, SCHEDULE_NODES, FIRES, VERSION, CHECK_INS, TRIGGERS);
    private static final Pattern STATEMENT = Pattern.compile("^\\(?\\s*(SELECT|INSERT|UPDATE|DELETE|REPLACE|CREATE|ALTER|DROP|TRUNCATE)\\s");
    /** Words of a literal; "%s" is where Quartz's table prefix is formatted in. */
    private static final Pattern WORD = Pattern.compile("[A-Za-z0-9_%]+");

    @Test
    void sql_statements_appear_only_in_the_repository_classes() {
        Map<String, List<String>> stray = new TreeMap<>();
        sources().forEach((file, literals) -> {
            if (REPOSITORIES.containsKey(file)) return;
            List<String> statements = literals.stream().filter(l -> STATEMENT.matcher(l).find()).toList();
            if (!statements.isEmpty()) stray.put(file, statements);
        });
        assertThat(stray).as("SQL outside the repository classes; move each statement into the repository of its table"
                + " as a named ..._SQL constant (or add the class to REPOSITORIES, with the reason)").isEmpty();
    }

    @Test
    void each_repository_names_only_its_own_tables() {
        Map<String, Set<String>> foreign = new TreeMap<>();
        sources().forEach((file, literals) -> {
            Set<String> allowed = REPOSITORIES.get(file);
            if (allowed == null) return;
            Set<String> named = new TreeSet<>();
            for (String l : literals) named.addAll(tables(l));
            named.removeAll(allowed);
            if (!named.isEmpty()) foreign.put(file, named);
        });
        assertThat(foreign).as("tables a repository names beyond those listed for it in REPOSITORIES").isEmpty();
    }

    @Test
    void every_repository_named_here_still_exists_and_holds_sql() {
        Map<String, List<String>> sources = sources();
        for (String file : REPOSITORIES.keySet()) {
            assertThat(sources).as("a repository class listed in this test").containsKey(file);
            assertThat(sources.get(file)).as("the statements of " + file).anyMatch(l -> STATEMENT.matcher(l).find());
        }
    }

    @Test
    void finished_jobs_are_deleted_by_one_statement_only() {
        List<String> deletes = new ArrayList<>();
        sources().forEach((file, literals) -> literals.stream().filter(l -> l.startsWith("DELETE FROM " + JOBS))
                .forEach(l -> deletes.add(file + ": " + l)));
        // JobQueue.PRUNE_SQL, for the node's Pruner and for quarry purge (through AdminCommands.purge).
        assertThat(deletes).hasSize(1).allMatch(d -> d.startsWith("dev/quarry/internal/queue/JobQueue.java: "));
    }

    @Test
    void jobs_are_inserted_by_the_producers_statement_only() {
        List<String> inserts = new ArrayList<>();
        sources().forEach((file, literals) -> literals.stream().filter(l -> l.matches("(?s).*\\bINTO " + JOBS + "\\b.*"))
                .forEach(l -> inserts.add(file + ": " + l)));
        // QuarryClient's, for producers, bin/quarry enqueue, and each fire of a schedule or watch (FireEnqueuer, in its own transaction).
        assertThat(inserts).hasSize(1).allMatch(i -> i.startsWith("dev/quarry/client/QuarryClient.java: "));
    }

    @Test
    void the_scanner_finds_statements_and_skips_comments() {
        String source = "class X {\n  // \"SELECT 1 FROM quarry_fires\"\n  /** \"DELETE FROM quarry_jobs\" */\n"
                + "  static final String A_SQL = \"UPDATE \\\"x\\\" quarry_leases SET\" + '\"' + \"SELECT 1 FROM %sSCHEDULER_STATE\";\n}\n";
        List<String> literals = literals(source);
        assertThat(literals).containsExactly("UPDATE \\\"x\\\" quarry_leases SET", "SELECT 1 FROM %sSCHEDULER_STATE");
        assertThat(literals).allMatch(l -> STATEMENT.matcher(l).find());
        assertThat(tables(literals.get(0) + literals.get(1))).containsExactlyInAnyOrder(LEASES, CHECK_INS);
    }

    /** Every product source file (path relative to src/main/java, with /) and its string literals. */
    private static Map<String, List<String>> sources() {
        Map<String, List<String>> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path p : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".java"))::iterator) {
                String rel = SOURCES.relativize(p).toString().replace('\\', '/');
                if (!rel.startsWith(BENCH)) out.put(rel, literals(Files.readString(p)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(out).as("product sources under " + SOURCES.toAbsolutePath()).isNotEmpty();
        return out;
    }

    private static Set<String> tables(String literal) {
        Set<String> out = new TreeSet<>();
        Matcher m = WORD.matcher(literal);
        while (m.find()) {
            String w = m.group().startsWith("%s") ? m.group().substring(2) : m.group();
            if (TABLES.contains(w)) out.add(w);
        }
        return out;
    }

    /** The string literals of a Java source (text blocks included), outside comments and char literals, escapes kept as written. */
    static List<String> literals(String src) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = src.length();
        while (i < n) {
            char c = src.charAt(i);
            if (src.startsWith("//", i)) {
                int end = src.indexOf('\n', i);
                i = end < 0 ? n : end + 1;
            } else if (src.startsWith("/*", i)) {
                int end = src.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else if (src.startsWith("\"\"\"", i)) {
                int end = src.indexOf("\"\"\"", i + 3);
                int stop = end < 0 ? n : end;
                out.add(src.substring(src.indexOf('\n', i) + 1, stop).strip());
                i = end < 0 ? n : end + 3;
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < n && src.charAt(j) != c) j += src.charAt(j) == '\\' ? 2 : 1;
                if (c == '"') out.add(src.substring(i + 1, Math.min(j, n)));
                i = j + 1;
            } else {
                i++;
            }
        }
        return out;
    }
}
