package dev.quarry.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.quarry.internal.admin.DashboardReads;
import dev.quarry.internal.admin.StatusReads;
import dev.quarry.internal.web.WebServer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Every page of the dashboard on a table of {@code --admin-rows} finished jobs ({@code --only
 * dashboard}): the admin-reads fill, plus a burst of 240,000 jobs done in the last hour in queue
 * default (4,000 a minute, past the chart's per-minute cap), then each page fetched over HTTP from
 * the dashboard in this process, logged in, three times: first (cold) and median.
 */
final class DashboardRun {
    private static final int REPEATS = 3;
    private static final int BURST = 240_000;
    private static final String PASSWORD = "bench";
    private static final List<String> QUEUES = List.of("default", "mail", "video");

    private final BenchServer server;

    DashboardRun(BenchServer server) {
        this.server = server;
    }

    List<ResultRow> run(int rows) throws Exception {
        String db = server.createDatabase("dashboard_" + rows);
        AdminReadsRun fill = new AdminReadsRun(server);
        try {
            BenchNode.createSchema(server, db);
            long fillNanos = fill.fill(db, rows);
            try (Connection c = server.connect(db); Statement st = c.createStatement()) {
                // Spread over the last hour: 4,000 a minute, each minute past DashboardReads.MINUTE_CAP.
                st.executeUpdate("INSERT INTO quarry_jobs (queue, type, status, attempts, run_at, created_at, started_at, finished_at)"
                        + " SELECT 'default', 'resize', 'done', 1, t, t, t, t FROM (SELECT NOW(6) - INTERVAL seq * 15000 MICROSECOND AS t"
                        + " FROM seq_1_to_" + BURST + ") s");
                st.execute("ANALYZE TABLE quarry_jobs");
            }
            System.err.printf("bench: dashboard: %,d finished jobs and a burst of %,d in the last hour inserted in %.1f s%n", rows, BURST,
                    fillNanos / 1e9);
            List<ResultRow> out = new ArrayList<>();
            try (HikariDataSource ds = fill.pool(db);
                 WebServer web = WebServer.start(ds, "quarry", "QRTZ_", QUEUES, PASSWORD, "127.0.0.1", 0)) {
                long middle;
                long deadJob;
                try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                    try (ResultSet rs = st.executeQuery("SELECT MIN(id) FROM quarry_jobs WHERE id >= " + rows / 2)) {
                        rs.next();
                        middle = rs.getLong(1);
                    }
                    try (ResultSet rs = st.executeQuery("SELECT MIN(id) FROM quarry_jobs WHERE queue = 'default' AND status = 'dead'")) {
                        rs.next();
                        deadJob = rs.getLong(1);
                    }
                    c.commit();
                }
                HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
                String base = "http://127.0.0.1:" + web.port();
                String cookie = login(http, base);
                List<String> pages = List.of("/", "/queue?name=default", "/queue?name=video", "/jobs", "/jobs?status=dead",
                        "/jobs?queue=mail&status=done", "/jobs?status=done&type=" + AdminReadsRun.RARE_TYPE,
                        "/jobs?queue=video&type=" + AdminReadsRun.RARE_TYPE, "/jobs?status=dead&before=" + middle, "/job?id=" + middle,
                        "/dead", "/dead?queue=mail", "/dead/confirm?action=retry-one&id=" + deadJob, "/dead/confirm?action=retry-all",
                        "/dead/confirm?action=purge&older=1d", "/dead/confirm?action=purge&queue=default&older=1d", "/schedules");
                for (String page : pages) out.add(time(http, base, cookie, rows, page));
                // Where the overview's time goes: its two reads alone, in this process.
                StatusReads admin = new StatusReads(ds, "quarry", "QRTZ_", WebServer.READ_LIMITS);
                DashboardReads reads = new DashboardReads(ds, "quarry", "QRTZ_");
                out.add(timeCall(rows, "StatusReads.status (dashboard limits)", () -> admin.status(QUEUES)));
                out.add(timeCall(rows, "DashboardReads.chart (3 queues)", () -> reads.chart(QUEUES)));
            }
            for (ResultRow r : out) r.put("fill_s", fillNanos / 1e9);
            return out;
        } finally {
            server.dropDatabase(db);
        }
    }

    private static ResultRow timeCall(int rows, String what, Runnable call) {
        long[] ms = new long[REPEATS];
        for (int i = 0; i < REPEATS; i++) {
            long t0 = System.nanoTime();
            call.run();
            ms[i] = (System.nanoTime() - t0) / 1_000_000;
        }
        long[] sorted = ms.clone();
        Arrays.sort(sorted);
        System.err.printf("bench: dashboard: %s: first %d ms, median %d ms%n", what, ms[0], sorted[REPEATS / 2]);
        return new ResultRow("dashboard").put("status", "ok").put("rows", rows).put("command", what).put("first_ms", ms[0])
                .put("median_ms", sorted[REPEATS / 2]).put("max_ms", sorted[REPEATS - 1]);
    }

    private static String login(HttpClient http, String base) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("password=" + URLEncoder.encode(PASSWORD, StandardCharsets.UTF_8))).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.headers().firstValue("Set-Cookie").orElseThrow(() -> new SQLException("the bench could not log in: " + r.statusCode()))
                .split(";")[0];
    }

    private static ResultRow time(HttpClient http, String base, String cookie, int rows, String page) throws Exception {
        long[] ms = new long[REPEATS];
        int status = 0;
        int bytes = 0;
        for (int i = 0; i < REPEATS; i++) {
            long t0 = System.nanoTime();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + page)).header("Cookie", cookie).build(),
                    HttpResponse.BodyHandlers.ofString());
            ms[i] = (System.nanoTime() - t0) / 1_000_000;
            status = r.statusCode();
            bytes = r.body().length();
        }
        long[] sorted = ms.clone();
        Arrays.sort(sorted);
        System.err.printf("bench: dashboard: GET %s: HTTP %d, %,d chars, first %d ms, median %d ms%n", page, status, bytes, ms[0],
                sorted[REPEATS / 2]);
        return new ResultRow("dashboard").put("status", status == 200 ? "ok" : "http " + status).put("rows", rows)
                .put("command", "GET " + page).put("first_ms", ms[0])
                .put("median_ms", sorted[REPEATS / 2]).put("max_ms", sorted[REPEATS - 1]);
    }
}
