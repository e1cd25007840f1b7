package dev.quarry.internal.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.testing.NodeProcess;
import dev.quarry.testing.Poll;
import dev.quarry.testing.TestConfig;
import dev.quarry.testing.TestDatabase;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard in Debian's headless chromium, over a real node's work on MariaDB: one node JVM,
 * one dashboard and one browser for the whole class.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebDashboardTest {
    static final String PASSWORD = "correct horse battery staple";
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final String SCRIPT_PAYLOAD = "{\"note\":\"<script>window.quarryPwned=1</script>\",\"n\":[1,2]}";

    @TempDir
    static Path work;
    static TestDatabase db;
    static NodeProcess node;
    static WebServer web;
    static WebServer readOnlyWeb;
    static WebDriver browser;
    static Path okFile;
    static long scriptJob;
    static long firstDead;
    static long secondDead;

    /** Without a browser every test is skipped, each saying why (an assumption in @BeforeAll would report no tests at all). */
    static final boolean BROWSER_INSTALLED = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);

    @BeforeEach
    void needsTheBrowser() {
        Assumptions.assumeTrue(BROWSER_INSTALLED,
                "needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver; .ci/run installs them)");
    }

    @BeforeAll
    static void start() throws Exception {
        if (!BROWSER_INSTALLED) return;
        db = TestDatabase.create("web");
        okFile = work.resolve("ok");
        // flaky fails until the test creates the file; with one attempt its jobs go dead at once.
        Path config = TestConfig.write(work.resolve("config"), "queues = default\nretry.max-attempts = 1\n"
                + "handler.flaky.shell = /usr/bin/test -e " + okFile + "\n");
        for (int i = 0; i < 3; i++) db.insertJob("noop", "{\"i\":" + i + "}");
        scriptJob = db.insertJob("noop", SCRIPT_PAYLOAD);
        firstDead = db.insertJob("flaky", "{}");
        secondDead = db.insertJob("flaky", "{}");
        node = NodeProcess.start("web-node", db, config, work, Map.of());
        Poll.until(Duration.ofSeconds(60), "the node to finish the six jobs",
                () -> db.count("SELECT COUNT(*) FROM quarry_jobs WHERE status IN ('done', 'dead')") == 6, () -> db.statusCounts().toString());

        web = WebServer.start(db.dataSource(), "quarry", "QRTZ_", List.of("default"), PASSWORD, "127.0.0.1", 0);
        readOnlyWeb = WebServer.start(db.dataSource(), "quarry", "QRTZ_", List.of("default"), null, "127.0.0.1", 0);

        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1100");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() {
        if (browser != null) browser.quit();
        if (web != null) web.close();
        if (readOnlyWeb != null) readOnlyWeb.close();
        if (node != null) node.close();
        if (db != null) db.close();
    }

    static String base() {
        return "http://127.0.0.1:" + web.port();
    }

    @Test
    @Order(1)
    void the_overview_after_a_login_shows_the_counts_of_the_jobs_that_ran() throws Exception {
        browser.get(base() + "/");
        assertThat(browser.getCurrentUrl()).as("a password is set: pages need a login").endsWith("/login");
        browser.findElement(By.id("password")).sendKeys(PASSWORD);
        browser.findElement(By.id("login")).click();
        Poll.until(Duration.ofSeconds(30), "the overview after the login", () -> browser.getTitle().startsWith("Overview"));

        assertThat(count("done")).isEqualTo("4");
        assertThat(count("dead")).isEqualTo("2");
        assertThat(count("ready")).isEqualTo("0");
        assertThat(count("running")).isEqualTo("0");
        assertThat(browser.findElement(By.cssSelector("#nodes tr[data-node='" + node.instanceId(Duration.ofSeconds(30)) + "']")).getText())
                .contains("yes").contains("default");
        // The chart: this hour's bars hold the four done and two dead jobs.
        long done = 0, dead = 0;
        for (var bar : browser.findElements(By.cssSelector("#chart rect[data-done]"))) done += Long.parseLong(bar.getAttribute("data-done"));
        for (var bar : browser.findElements(By.cssSelector("#chart rect[data-dead]"))) dead += Long.parseLong(bar.getAttribute("data-dead"));
        assertThat(done).isEqualTo(4);
        assertThat(dead).isEqualTo(2);
        screenshot("overview");
    }

    private static String count(String status) {
        return browser.findElement(By.cssSelector("#queues tr[data-queue='default'] td[data-status='" + status + "']")).getText();
    }

    @Test
    @Order(2)
    void a_payload_holding_a_script_tag_shows_as_text_and_never_runs() throws Exception {
        browser.get(base() + "/job?id=" + scriptJob);
        assertThat(browser.getTitle()).startsWith("Job " + scriptJob);
        String payload = browser.findElement(By.id("payload")).getText();
        assertThat(payload).contains("<script>window.quarryPwned=1</script>").contains("\n  \"n\": [");
        assertThat(((JavascriptExecutor) browser).executeScript("return typeof window.quarryPwned")).isEqualTo("undefined");
        assertThat(browser.findElements(By.cssSelector("main script"))).isEmpty();
        assertThat(browser.findElement(By.cssSelector("td[data-column='status']")).getText()).isEqualTo("done");
        assertThat(browser.findElement(By.id("timeline")).getText()).contains("created").contains("started").contains("finished");
        screenshot("job");
    }

    @Test
    @Order(3)
    void a_dead_job_retried_through_the_page_ends_done() throws Exception {
        Files.writeString(okFile, "ok");
        browser.get(base() + "/dead");
        browser.findElement(By.cssSelector("a[data-retry='" + firstDead + "']")).click();
        assertThat(browser.findElement(By.id("confirm-text")).getText()).startsWith("Retry 1 dead job: job " + firstDead);
        assertThat(db.status(firstDead)).as("the confirmation page changes nothing").isEqualTo("dead");
        browser.findElement(By.cssSelector("main form button")).click();
        assertThat(browser.findElement(By.id("result")).getText()).contains("job " + firstDead);
        Poll.until(Duration.ofSeconds(60), "the retried job to run again and end done", () -> db.status(firstDead).equals("done"),
                () -> db.job(firstDead).toString());
        assertThat(db.status(secondDead)).isEqualTo("dead");

        browser.get(base() + "/dead");
        browser.findElement(By.id("retry-all")).click();
        assertThat(browser.findElement(By.id("confirm-text")).getText()).as("the confirmation counts the rows it touches")
                .startsWith("Retry 1 dead jobs");
    }

    @Test
    @Order(4)
    void an_action_without_the_csrf_token_or_without_the_login_is_refused() throws Exception {
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        HttpResponse<String> login = http.send(form(base() + "/login", null, "password=" + enc(PASSWORD)), HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).isEqualTo(303);
        String cookie = login.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
        String page = http.send(HttpRequest.newBuilder(URI.create(base() + "/job?id=" + secondDead)).header("Cookie", cookie).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(page);
        assertThat(m.find()).as("the job page carries the session's token").isTrue();
        String token = m.group(1);

        assertThat(http.send(form(base() + "/job/retry", null, "id=" + secondDead + "&csrf=" + enc(token)), HttpResponse.BodyHandlers.ofString())
                .statusCode()).as("no login").isEqualTo(401);
        assertThat(http.send(form(base() + "/job/retry", cookie, "id=" + secondDead), HttpResponse.BodyHandlers.ofString())
                .statusCode()).as("no token").isEqualTo(403);
        assertThat(http.send(form(base() + "/job/retry", cookie, "id=" + secondDead + "&csrf=" + enc(token + "x")), HttpResponse.BodyHandlers.ofString())
                .statusCode()).as("a wrong token").isEqualTo(403);
        assertThat(http.send(form(base() + "/login", null, "password=wrong"), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
        String ro = "http://127.0.0.1:" + readOnlyWeb.port();
        assertThat(http.send(form(ro + "/job/retry", null, "id=" + secondDead), HttpResponse.BodyHandlers.ofString()).statusCode())
                .as("without a password the dashboard is read-only").isEqualTo(403);
        assertThat(db.status(secondDead)).as("nothing was changed").isEqualTo("dead");

        HttpResponse<String> roPage = http.send(HttpRequest.newBuilder(URI.create(ro + "/job?id=" + secondDead)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(roPage.statusCode()).isEqualTo(200);
        assertThat(roPage.body()).doesNotContain("name=\"csrf\"").contains("read-only");
        assertThat(roPage.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("script-src 'self'").doesNotContain("unsafe-inline");

        assertThat(statusLine(readOnlyWeb.port(), "evil.example")).as("a rebound DNS name is not served").contains(" 421 ");
        assertThat(statusLine(readOnlyWeb.port(), "localhost:" + readOnlyWeb.port())).contains(" 200 ");

        // The right token with the session does what the page's button does.
        HttpResponse<String> ok = http.send(form(base() + "/job/retry", cookie, "id=" + secondDead + "&csrf=" + enc(token)), HttpResponse.BodyHandlers.ofString());
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(db.status(secondDead)).isIn("ready", "running", "done");
    }

    /** A GET with the Host header given, over a plain socket (HttpClient will not send a Host of one's choosing). */
    private static String statusLine(int port, String host) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII)).readLine();
        }
    }

    private static HttpRequest form(String url, String cookie, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (cookie != null) b.header("Cookie", cookie);
        return b.build();
    }

    private static String enc(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Kept under target/screenshots; the README's copies in docs/ are taken from there. */
    private static void screenshot(String name) throws Exception {
        File shot = ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Path dir = Files.createDirectories(Path.of("target", "screenshots"));
        Files.copy(shot.toPath(), dir.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
