package dev.quarry.internal.web;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.quarry.QuarryException;
import dev.quarry.internal.admin.DashboardReads;
import dev.quarry.internal.admin.AdminCommands;
import dev.quarry.internal.admin.JobReads;
import dev.quarry.internal.admin.ReadLimits;
import dev.quarry.internal.admin.StatusReads;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard ({@code bin/quarry web}): server-rendered pages over the operator's reads, on the
 * JDK's own HTTP server. Read-only unless a password is set; then every page needs a login and
 * every action is a POST carrying the session's CSRF token. Every answer carries a
 * Content-Security-Policy that allows only this server's own script and style sheet.
 */
public final class WebServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebServer.class);
    /** Requests served at once; each holds at most one database connection. */
    static final int THREADS = 4;
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self';"
            + " frame-ancestors 'none'; base-uri 'none'";
    /**
     * The dashboard's bounds on the operator's reads, tighter than the CLI's: a page that reloads
     * every few seconds counts finished jobs up to 10,000 per queue and status (shown as 10,000+),
     * and a filter no index serves examines up to 20,000 jobs per page.
     */
    public static final ReadLimits READ_LIMITS = new ReadLimits(10_000, 20_000);
    private static final Map<String, String> STATIC = Map.of("/static/dashboard.js", "text/javascript; charset=utf-8",
            "/static/dashboard.css", "text/css; charset=utf-8");

    private final HttpServer server;
    private final ExecutorService executor;
    private final Sessions sessions;
    private final ClusterPages cluster;
    private final JobPages jobs;
    /** Listening on a loopback address: only a Host header naming this host is served. */
    private final boolean loopback;

    private WebServer(HttpServer server, ExecutorService executor, Sessions sessions, ClusterPages cluster, JobPages jobs, boolean loopback) {
        this.loopback = loopback;
        this.server = server;
        this.executor = executor;
        this.sessions = sessions;
        this.cluster = cluster;
        this.jobs = jobs;
    }

    /**
     * Serves the dashboard over {@code dataSource}: its reads bounded by {@link #READ_LIMITS}, its
     * actions those of {@code bin/quarry}.
     *
     * @param schedulerName     Quartz's SCHED_NAME
     * @param quartzTablePrefix Quartz's table prefix
     * @param configuredQueues  the config's queues, listed first on the overview
     * @param password          null or empty: read-only
     * @param port              0: any free port ({@link #port()} tells which)
     */
    public static WebServer start(DataSource dataSource, String schedulerName, String quartzTablePrefix, List<String> configuredQueues,
                                  String password, String bind, int port) throws IOException {
        StatusReads status = new StatusReads(dataSource, schedulerName, quartzTablePrefix, READ_LIMITS);
        JobReads jobs = new JobReads(dataSource, READ_LIMITS);
        AdminCommands commands = new AdminCommands(dataSource, schedulerName, quartzTablePrefix);
        DashboardReads reads = new DashboardReads(dataSource, schedulerName, quartzTablePrefix);
        HttpServer http = HttpServer.create(new InetSocketAddress(bind, port), 50);
        AtomicInteger n = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "quarry-web-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(executor);
        WebServer w = new WebServer(http, executor, new Sessions(password), new ClusterPages(status, jobs, commands, reads, configuredQueues),
                new JobPages(jobs, commands, reads), http.getAddress().getAddress().isLoopbackAddress());
        http.createContext("/", w::handle);
        http.start();
        return w;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public boolean readOnly() {
        return sessions.readOnly();
    }

    private void handle(HttpExchange ex) throws IOException {
        Response res;
        try {
            res = route(ex);
        } catch (IllegalArgumentException e) {
            res = Layout.message(400, "Bad request", anonymous(), e.getMessage());
        } catch (QuarryException e) {
            log.warn("dashboard: {} {}: {}", ex.getRequestMethod(), ex.getRequestURI().getPath(), e.getMessage());
            res = Layout.message(503, "Database error", anonymous(), e.getMessage());
        } catch (RuntimeException e) {
            log.error("dashboard: {} {} failed", ex.getRequestMethod(), ex.getRequestURI().getPath(), e);
            res = Layout.message(500, "Internal error", anonymous(), "unexpected error: " + e);
        }
        send(ex, res);
    }

    private static Request anonymous() {
        return Request.anonymous();
    }

    private Response route(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod();
        if (loopback && !localHost(ex.getRequestHeaders().getFirst("Host"))) {
            // DNS rebinding: a web page elsewhere whose name now points at 127.0.0.1 must not read the dashboard.
            return Layout.message(421, "Misdirected request", anonymous(), "this dashboard answers only to localhost, 127.0.0.1 and [::1]");
        }
        if (STATIC.containsKey(path)) return asset(path);
        Request r = Request.read(ex, sessions);
        boolean post = "POST".equals(method);
        if (!post && !"GET".equals(method) && !"HEAD".equals(method)) {
            return Layout.message(405, "Method not allowed", r, method + " is not served here").with("Allow", "GET, POST");
        }
        if (path.equals("/login")) return post ? login(r) : loginPage(r, 200, null);
        if (!sessions.readOnly() && r.session.isEmpty()) {
            // A password is set: nothing is shown or done without a login. A POST is refused outright, not redirected.
            return post ? Layout.message(401, "Not logged in", r, "log in first: this action needs the dashboard's password")
                    : Response.redirect("/login");
        }
        if (post) {
            if (sessions.readOnly()) {
                return Layout.message(403, "Read-only", r, "the dashboard is read-only: set QUARRY_WEB_PASSWORD or QUARRY_WEB_PASSWORD_FILE to enable actions");
            }
            if (!Sessions.csrfMatches(r.session.get(), r.param("csrf"))) {
                return Layout.message(403, "Refused", r, "the form's CSRF token is missing or wrong: reload the page and try again");
            }
            if (path.equals("/logout")) {
                sessions.logout(r.session.get().id());
                return Response.redirect("/login").with("Set-Cookie", Sessions.COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
            }
            Optional<Response> done = jobs.act(path, r).or(() -> cluster.act(path, r));
            return done.orElseGet(() -> Layout.message(404, "Not found", r, "no action " + path));
        }
        Optional<Response> page = cluster.page(path, r).or(() -> jobs.page(path, r));
        return page.orElseGet(() -> Layout.message(404, "Not found", r, "no page " + path));
    }

    static boolean localHost(String host) {
        if (host == null) return false;
        String h = host.strip().toLowerCase(java.util.Locale.ROOT);
        if (h.startsWith("[::1]")) return h.length() == 5 || h.charAt(5) == ':';
        int colon = h.indexOf(':');
        String name = colon < 0 ? h : h.substring(0, colon);
        return name.equals("localhost") || name.equals("127.0.0.1");
    }

    private Response login(Request r) {
        if (sessions.readOnly()) return Response.redirect("/");
        Optional<Sessions.Session> s = sessions.login(r.param("password"));
        if (s.isEmpty()) {
            log.warn("dashboard: a login failed (wrong password)");
            return loginPage(r, 401, "wrong password");
        }
        return Response.redirect("/").with("Set-Cookie", Sessions.COOKIE + "=" + s.get().id() + "; Path=/; HttpOnly; SameSite=Strict");
    }

    private Response loginPage(Request r, int status, String error) {
        if (sessions.readOnly() || r.session.isPresent()) return Response.redirect("/");
        Page p = new Page();
        if (error != null) p.el("p", error, "class", "error");
        p.raw("<form method=\"post\" action=\"/login\" class=\"login\"><label>Password <input type=\"password\" name=\"password\""
                + " id=\"password\" autofocus></label> <button type=\"submit\" id=\"login\">log in</button></form>");
        return Layout.page(status, "Log in", r, p, 0);
    }

    private static Response asset(String path) throws IOException {
        try (InputStream in = WebServer.class.getResourceAsStream(path.substring("/static/".length()))) {
            if (in == null) throw new IOException("missing resource " + path);
            Response res = new Response(200, STATIC.get(path), in.readAllBytes(), new java.util.LinkedHashMap<>());
            return res.with("Cache-Control", "max-age=300");
        }
    }

    private static void send(HttpExchange ex, Response res) throws IOException {
        var h = ex.getResponseHeaders();
        h.set("Content-Type", res.contentType());
        h.set("Content-Security-Policy", CSP);
        h.set("X-Content-Type-Options", "nosniff");
        h.set("X-Frame-Options", "DENY");
        h.set("Referrer-Policy", "no-referrer");
        h.set("Cache-Control", "no-store");
        res.headers().forEach(h::set);
        boolean head = "HEAD".equals(ex.getRequestMethod());
        ex.sendResponseHeaders(res.status(), head || res.body().length == 0 ? -1 : res.body().length);
        if (!head && res.body().length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(res.body());
            }
        }
        ex.close();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
