package dev.quarry.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark harness itself, at a size that takes seconds: every job gets done and every run
 * leaves its line on stdout and in the CSV. No speed is asserted; the figures are for people.
 */
class BenchSmokeTest {
    @TempDir
    Path dir;

    @Test
    void the_benchmark_drains_a_small_backlog_with_the_baseline_and_a_real_node_and_writes_a_csv_line_per_run() throws Exception {
        Path csv = dir.resolve("results.csv");
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(stdout, true, StandardCharsets.UTF_8);
        int exit = Bench.commandLine(out, Path.of("").toAbsolutePath(), Map.of("QUARRY_BENCH_DB_PASSWORD", TestDatabase.PASSWORD))
                .execute("--backlogs", "2000", "--threads", "2", "--only", "baseline,quarry",
                        "--db-url", TestDatabase.SERVER_URL, "--db-user", TestDatabase.USER,
                        "--warmup", "0", "--csv", csv.toString(), "--node-log", dir.resolve("node.log").toString(), "--max-run-time", "2m", "--settle", "0s");

        String printed = stdout.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(printed).isZero();
        assertThat(printed).contains("baseline backlog=2000 threads=2 jobs/s=").contains("quarry backlog=2000 threads=2 drain_log=INFO jobs/s=");
        assertThat(printed).contains("done=2000 status=ok");

        List<String> lines = Files.readAllLines(csv);
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).isEqualTo(ResultsCsv.HEADER);
        assertThat(lines.get(1)).contains(",baseline,2000,2,").contains(",2000,2000,ok,");
        assertThat(lines.get(2)).contains(",quarry,2000,2,INFO,").contains(",2000,2000,ok,");
        assertThat(Files.readString(dir.resolve("node.log"))).contains("drain bench starting");
    }

    @Test
    void the_cluster_run_drains_three_queues_with_one_node_jvm_then_k_and_leaves_no_process_behind() throws Exception {
        Path csv = dir.resolve("results.csv");
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(stdout, true, StandardCharsets.UTF_8);
        int exit = Bench.commandLine(out, Path.of("").toAbsolutePath(), Map.of("QUARRY_BENCH_DB_PASSWORD", TestDatabase.PASSWORD))
                .execute("--backlogs", "600", "--threads", "2", "--only", "cluster", "--nodes", "2",
                        "--db-url", TestDatabase.SERVER_URL, "--db-user", TestDatabase.USER,
                        "--csv", csv.toString(), "--node-log", dir.resolve("node.log").toString(), "--max-run-time", "2m", "--settle", "0s");

        String printed = stdout.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(printed).isZero();
        assertThat(printed).contains("cluster nodes=1 queues=3 backlog=600 jobs/s=").contains("per_node=n1:")
                .contains("cluster nodes=2 queues=3 backlog=600 jobs/s=").contains("ratio_to_one_node=").contains("per_node=n1:")
                .contains("drained_by=q1:");
        assertThat(printed.lines().filter(l -> l.contains("done=600") && l.contains("status=ok"))).hasSize(2);
        assertThat(Files.readAllLines(csv)).hasSize(3);
        assertThat(Files.readString(dir.resolve("cluster-node-1.log"))).contains("=== bench: cluster nodes=1")
                .contains("=== bench: cluster nodes=2").contains("started: queues q1, q2, q3");
        assertThat(Files.readString(dir.resolve("cluster-node-2.log"))).contains("started: queues q1, q2, q3");
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().orElse("").contains("dev.quarry.internal.node.Main"))).isEmpty();
    }

    @Test
    void the_delayed_run_starts_the_stream_and_no_job_of_the_backlog_and_reports_what_a_claim_reads() throws Exception {
        Path csv = dir.resolve("results.csv");
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(stdout, true, StandardCharsets.UTF_8);
        int exit = Bench.commandLine(out, Path.of("").toAbsolutePath(), Map.of("QUARRY_BENCH_DB_PASSWORD", TestDatabase.PASSWORD))
                .execute("--only", "delayed", "--delayed-backlog", "5000", "--rate", "200", "--duration", "2s", "--threads", "2",
                        "--db-url", TestDatabase.SERVER_URL, "--db-user", TestDatabase.USER,
                        "--warmup", "0", "--csv", csv.toString(), "--node-log", dir.resolve("node.log").toString(), "--max-run-time", "2m", "--settle", "0s");

        String printed = stdout.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(printed).isZero();
        assertThat(printed).contains("delayed backlog=5000 threads=2 rate=200").contains("jobs=400 done=400 scheduled_left=5000 started_early=0")
                .contains("claim_batch=500 claim_rows_read=").contains("status=ok");
        assertThat(Files.readAllLines(csv)).hasSize(2);
    }

    @Test
    void nearest_rank_percentiles_pick_the_expected_row() {
        assertThat(DelayStats.rank(0.5, 1)).isEqualTo(1);
        assertThat(DelayStats.rank(0.5, 10)).isEqualTo(5);
        assertThat(DelayStats.rank(0.99, 100)).isEqualTo(99);
        assertThat(DelayStats.rank(0.99, 1_000_000)).isEqualTo(990_000);
    }

    @Test
    void a_server_url_is_pointed_at_a_benchmark_database_keeping_its_parameters() {
        BenchServer s = new BenchServer("jdbc:mariadb://db.example:3307/quarry?useSsl=true", "u", "", true, java.time.Duration.ZERO);
        assertThat(s.urlFor("quarry_bench_x")).isEqualTo("jdbc:mariadb://db.example:3307/quarry_bench_x?useSsl=true");
        assertThat(new BenchServer("jdbc:mariadb://h", "u", "", true, java.time.Duration.ZERO).urlFor("d")).isEqualTo("jdbc:mariadb://h/d");
        assertThat(new BenchServer("jdbc:mariadb://h?a=b", "u", "", true, java.time.Duration.ZERO).urlFor("d")).isEqualTo("jdbc:mariadb://h/d?a=b");
    }
}
