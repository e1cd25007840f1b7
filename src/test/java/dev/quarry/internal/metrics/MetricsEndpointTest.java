package dev.quarry.internal.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.quarry.testing.NodeProcess;
import dev.quarry.testing.Poll;
import dev.quarry.testing.TestConfig;
import dev.quarry.testing.TestDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's /metrics, parsed by the Prometheus project's own text-format parser (Debian's
 * python3-prometheus-client), against what the database says after known jobs ran.
 */
class MetricsEndpointTest {
    static final Path PYTHON = Path.of("/usr/bin/python3");
    /** Prints each sample the parser read as one JSON object per line. */
    static final String PARSE = "import sys, json\n"
            + "from prometheus_client.parser import text_string_to_metric_families\n"
            + "for f in text_string_to_metric_families(sys.stdin.read()):\n"
            + "    for s in f.samples:\n"
            + "        print(json.dumps({'family': f.name, 'type': f.type, 'name': s.name, 'labels': s.labels, 'value': s.value}))\n";

    @TempDir
    Path work;

    @Test
    void the_endpoint_reports_what_the_database_holds_after_known_jobs_ran() throws Exception {
        Assumptions.assumeTrue(parserInstalled(), "needs Debian's python3-prometheus-client (apt-get install -y python3-prometheus-client;"
                + " .ci/run installs it): the Prometheus project's text-format parser");
        int port = freePort();
        try (TestDatabase db = TestDatabase.create("metrics")) {
            Path config = TestConfig.write(work.resolve("config"), "queues = default\nretry.max-attempts = 1\n"
                    + "handler.fail.shell = /bin/false\nmetrics.port = " + port + "\nmetrics.bind = 127.0.0.1\n");
            for (int i = 0; i < 3; i++) db.insertJob("noop", "{}");
            db.insertJob("fail", "{}");
            // Types outside the config: no handler, so dead at once, and counted as 'other'.
            db.insertJob("typo-1", "{}");
            db.insertJob("typo-2", "{}");
            try (NodeProcess node = NodeProcess.start("metrics-node", db, config, work, Map.of())) {
                Poll.until(Duration.ofSeconds(60), "the six jobs to finish",
                        () -> db.count("SELECT COUNT(*) FROM quarry_jobs WHERE status IN ('done', 'dead')") == 6, () -> db.statusCounts().toString());
                // The gauges are read from the database at most every 5 s: poll until a read after the jobs finished.
                Map<String, Double>[] samples = new Map[1];
                Poll.until(Duration.ofSeconds(60), "the gauges to show the finished jobs", () -> {
                    samples[0] = scrape(port);
                    return Double.valueOf(3).equals(samples[0].get("quarry_jobs{queue=default,status=done}"))
                            && Double.valueOf(3).equals(samples[0].get("quarry_jobs{queue=default,status=dead}"));
                }, () -> String.valueOf(samples[0]) + "\n" + node.tail());
                Map<String, Double> m = samples[0];

                assertThat(m.get("quarry_jobs_finished_total{outcome=done,queue=default,type=noop}"))
                        .isEqualTo((double) db.count("SELECT COUNT(*) FROM quarry_jobs WHERE type = 'noop' AND status = 'done'")).isEqualTo(3.0);
                assertThat(m.get("quarry_jobs_finished_total{outcome=dead,queue=default,type=fail}"))
                        .isEqualTo((double) db.count("SELECT COUNT(*) FROM quarry_jobs WHERE type = 'fail' AND status = 'dead'")).isEqualTo(1.0);
                assertThat(m.get("quarry_jobs_finished_total{outcome=dead,queue=default,type=other}"))
                        .isEqualTo((double) db.count("SELECT COUNT(*) FROM quarry_jobs WHERE type LIKE 'typo-%' AND status = 'dead'")).isEqualTo(2.0);
                assertThat(m.keySet()).noneMatch(k -> k.contains("typo"));
                for (String st : new String[] {"scheduled", "ready", "running", "done", "dead", "cancelled"}) {
                    assertThat(m.get("quarry_jobs{queue=default,status=" + st + "}")).as(st)
                            .isEqualTo((double) db.count("SELECT COUNT(*) FROM quarry_jobs WHERE status = ?", st));
                }
                assertThat(m.get("quarry_oldest_due_job_age_seconds{queue=default}")).isEqualTo(0.0);
                assertThat(m.get("quarry_job_run_duration_seconds_count{queue=default}")).isEqualTo(6.0);
                assertThat(m.get("quarry_job_run_duration_seconds_bucket{le=+Inf,queue=default}")).isEqualTo(6.0);
                assertThat(m.get("quarry_job_start_delay_seconds_count{queue=default}")).isEqualTo(6.0);
                assertThat(m.get("quarry_drains_total{queue=default}")).isGreaterThanOrEqualTo(1.0);
                assertThat(m.get("quarry_drains_running{queue=default}")).isEqualTo(1.0);
                assertThat(m.get("quarry_leases_lost_total{queue=default}")).as("no sample until a lease is lost").isNull();
                assertThat(m).containsKey("quarry_database_retries_total");
            }
        }
    }

    /** The endpoint's text, through the parser, as "name{label=value,...}" (labels sorted) to value. */
    private Map<String, Double> scrape(int port) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) return Map.of();
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
            Process p = new ProcessBuilder(PYTHON.toString(), "-c", PARSE).redirectErrorStream(false).start();
            p.getOutputStream().write(r.body().getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) throw new AssertionError("the parser refused the text: " + err + "\n" + r.body());
            Map<String, Double> samples = new HashMap<>();
            for (String line : out.split("\n")) {
                if (line.isBlank()) continue;
                JsonObject s = JsonParser.parseString(line).getAsJsonObject();
                Map<String, String> labels = new TreeMap<>();
                for (Map.Entry<String, JsonElement> e : s.getAsJsonObject("labels").entrySet()) labels.put(e.getKey(), e.getValue().getAsString());
                StringBuilder key = new StringBuilder(s.get("name").getAsString());
                if (!labels.isEmpty()) {
                    key.append('{');
                    labels.forEach((k, v) -> key.append(k).append('=').append(v).append(','));
                    key.setCharAt(key.length() - 1, '}');
                }
                samples.put(key.toString(), s.get("value").getAsDouble());
            }
            return samples;
        } catch (IOException e) {
            return Map.of(); // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static boolean parserInstalled() {
        if (!Files.isExecutable(PYTHON)) return false;
        try {
            Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import prometheus_client.parser").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
